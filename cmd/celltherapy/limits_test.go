package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCLILimits holds the exit codes of bad input (2, with the JSON path)
// and of a rule that fails while it runs (3).
func TestCLILimits(t *testing.T) {
	big := filepath.Join(t.TempDir(), "big.json")
	if err := os.WriteFile(big, []byte(`{"hiv": true, "x": "`+strings.Repeat("x", 2<<20)+`"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		args   []string
		stdin  io.Reader
		code   int
		stderr []string
	}{
		{"weight 1e308", []string{"eval", "therapy", "-"}, strings.NewReader(`{"asOf": "2026-11-24", "patient": {"weightKg": 1e308}}`), 2,
			[]string{"<stdin>: $.patient.weightKg: want a number from 0.5 to 650, got 1e+308"}},
		{"weight -78", []string{"eval", "therapy", "-"}, strings.NewReader(`{"asOf": "2026-11-24", "patient": {"weightKg": -78}}`), 2,
			[]string{"$.patient.weightKg: want a number from 0.5 to 650, got -78"}},
		{"a date in 9999", []string{"eval", "eligibility", "-"}, strings.NewReader(`{"asOf": "2026-11-24", "oncology": {"everTreated": true, "lastTreatmentEnd": "9999-01-01"}}`), 2,
			[]string{"$.oncology.lastTreatmentEnd: 9999-01-01 is outside the days facts may hold"}},
		{"an instant in 2200", []string{"aftercare", "--ics", "-"}, strings.NewReader(`{"administeredAt": "2200-01-01T09:30:00Z"}`), 2,
			[]string{"$.administeredAt: 2200-01-01 is outside"}},
		{"a route not on the list", []string{"eval", "aftercare", "-"}, strings.NewReader(`{"administeredAt": "2026-11-24T09:30:00Z", "route": "oral"}`), 2,
			[]string{`$.route: "oral" is not one of`}},
		{"a facts file over 1 MiB", []string{"eval", "eligibility", big}, nil, 2, []string{big + ": $: facts are longer than 1,048,576 bytes"}},
		{"endless standard input", []string{"eval", "eligibility", "-"}, io.MultiReader(strings.NewReader(`{"x": "`), endlessX{}), 2, []string{"<stdin>: $: facts are longer than"}},
		{"a rule that fails while it runs", []string{"eval", "eligibility", "--rules", "testdata/runtime", "-"},
			strings.NewReader(`{"asOf": "2026-11-24", "oncology": {"everTreated": true, "lastTreatmentEnd": "2026-01-01"}}`), 3,
			[]string{"testdata/runtime/rules.yaml:9:5: rule oncology of ruleset far-future: then.rescreenFrom:", "year 10026"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			stdin := tt.stdin
			if stdin == nil {
				stdin = strings.NewReader("")
			}
			code := run(context.Background(), tt.args, stdin, &stdout, &stderr)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, stdout.String(), stderr.String())
			}
			for _, want := range tt.stderr {
				if !strings.Contains(stderr.String(), want) {
					t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
				}
			}
		})
	}
}

// endlessX is standard input that never ends.
type endlessX struct{}

func (endlessX) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	return len(p), nil
}
