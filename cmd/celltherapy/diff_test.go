package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// changedRules writes a copy of the default rule file src (relative to the
// repository root) with old replaced by new, and returns its directory.
func changedRules(t *testing.T, src, old, new string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("../..", src))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte(old)) {
		t.Fatalf("%s has no %q", src, old)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, filepath.Base(src)), bytes.Replace(data, []byte(old), []byte(new), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestDiffOncologyWindow narrows the five-year oncology window to four years
// and checks that exactly the patients it should move are reported, with the
// right outcome table.
func TestDiffOncologyWindow(t *testing.T) {
	four := changedRules(t, "eligibility/contraindications.yaml", "oncologyWindowYears: 5", "oncologyWindowYears: 4")
	const rest = `"pregnant":false,"breastfeeding":false,"hiv":false,"immunodeficiency":false,"mentalStateUnstable":false,"acuteInflammation":false,"chronicExacerbation":false,"clottingDisorder":false`
	treated := func(active, end string) string {
		return `{"asOf":"2026-11-24","oncology":{"active":` + active + `,"everTreated":true,"lastTreatmentEnd":"` + end + `"},` + rest + `}`
	}
	lines := []string{
		treated("false", "2021-11-24"), // 1: exactly five years: in the old window only
		treated("false", "2022-11-24"), // 2: exactly four years: in both (its re-screening day moves, which is not reported)
		treated("false", "2022-11-23"), // 3: in the old window only
		treated("false", "2021-11-23"), // 4: in neither
		treated("false", "2019-01-01"), // 5: in neither
		treated("true", "2021-12-01"),  // 6: active cancer: ineligible under both
		treated("null", "2022-01-01"),  // 7: whether cancer is active is unknown: ineligible, then undetermined
		`{"asOf":"2026-11-24","oncology":{"active":false,"everTreated":false},` + rest + `}`, // 8: never treated
		strings.Replace(treated("false", "2022-01-01"), `"hiv":false`, `"hiv":true`, 1),      // 9: HIV: still ineligible, oncology no longer fires
		strings.Replace(treated("false", "2022-06-01"), `"pregnant":false,`, "", 1),          // 10: pregnancy unknown: ineligible, then undetermined
	}
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"diff", "eligibility", "--to", four, "--json", "-"}, strings.NewReader(strings.Join(lines, "\n")+"\n"), &stdout, &stderr)
	if code != exitFailed {
		t.Fatalf("exit %d, want %d\n%s%s", code, exitFailed, stdout.String(), stderr.String())
	}
	dec := json.NewDecoder(&stdout)
	var moved []int
	for {
		var c struct {
			change
			Summary *struct {
				Patients, Changed, Bad int
				Outcomes               []struct {
					From, To string
					Patients int
				}
			} `json:"summary"`
		}
		if err := dec.Decode(&c); err != nil {
			t.Fatalf("output ends before the summary: %v", err)
		}
		if c.Summary != nil {
			s := c.Summary
			if s.Patients != len(lines) || s.Changed != 5 || s.Bad != 0 {
				t.Errorf("summary %+v", s)
			}
			want := map[[2]string]int{
				{"eligible", "eligible"}: 3, {"ineligible", "ineligible"}: 3,
				{"ineligible", "eligible"}: 2, {"ineligible", "undetermined"}: 2,
			}
			for _, o := range s.Outcomes {
				if want[[2]string{o.From, o.To}] != o.Patients {
					t.Errorf("%s -> %s: %d patients, want %d", o.From, o.To, o.Patients, want[[2]string{o.From, o.To}])
				}
				delete(want, [2]string{o.From, o.To})
			}
			if len(want) > 0 {
				t.Errorf("summary lacks %v", want)
			}
			break
		}
		moved = append(moved, c.Line)
		if c.From.Digest == c.To.Digest || !strings.HasPrefix(c.To.Digest, "sha256:") {
			t.Errorf("line %d: digests %s and %s", c.Line, c.From.Digest, c.To.Digest)
		}
		if c.Line == 9 && (c.From.Outcome != "ineligible" || c.To.Outcome != "ineligible" || !slices.Equal(c.To.Fired, []string{"immunodeficiency"})) {
			t.Errorf("line 9: %+v", c)
		}
	}
	if want := []int{1, 3, 7, 9, 10}; !slices.Equal(moved, want) {
		t.Errorf("patients moved: %v, want %v", moved, want)
	}
}

func TestDiff(t *testing.T) {
	fortyEight := changedRules(t, "recommendations/triage.yaml", "sideEffectWindowHours: 72", "sideEffectWindowHours: 48")
	tests := []struct {
		name   string
		args   []string
		stdin  string
		code   int
		stdout []string
		stderr []string
	}{
		{name: "no change", args: []string{"diff", "eligibility", "--from", "../../eligibility", "-"}, stdin: patients(200, 3), code: exitOK,
			stdout: []string{"0 of 200 patient(s) changed; 0 bad line(s)", "from \\ to"}},
		{name: "therapy, no change", args: []string{"diff", "therapy", "--to", "../../therapy", "-"}, code: exitOK,
			stdin:  `{"asOf": "2026-11-24", "ownCells": {"sufficient": true}, "condition": {"category": "orthopedic"}, "patient": {"weightKg": 78}}` + "\n",
			stdout: []string{"0 of 1 patient(s) changed"}},
		{name: "aftercare, no change", args: []string{"diff", "aftercare", "--to", "../../recommendations", "-"}, stdin: `{"administeredAt": "2026-11-24T09:30:00+01:00"}` + "\n{}\n", code: exitOK,
			stdout: []string{"0 of 2 patient(s) changed"}},
		{name: "triage window", args: []string{"diff", "triage", "--to", fortyEight, "-"}, code: exitFailed,
			stdin: `{"administeredAt": "2026-11-24T09:30:00+01:00", "now": "2026-11-27T08:00:00+01:00", "symptom": {"name": "fever", "onset": "2026-11-24T12:00:00+01:00", "ongoing": true}}` + "\n" +
				`{"administeredAt": "2026-11-24T09:30:00+01:00", "now": "2026-11-25T08:00:00+01:00", "symptom": {"name": "fever", "onset": "2026-11-24T12:00:00+01:00", "ongoing": true}}` + "\n",
			stdout: []string{"line 1: outcome expected -> contact-clinic", "1 of 2 patient(s) changed"}},
		{name: "bad line", args: []string{"diff", "eligibility", "--to", "../../eligibility", "-"}, stdin: "{\"hiv\": 1}\n{}\n", code: exitBadUsed,
			stdout: []string{"0 of 1 patient(s) changed; 1 bad line(s)"}, stderr: []string{"<stdin>:1: $.hiv: want true or false"}},
		{name: "a rule fails", args: []string{"diff", "therapy", "--from", "testdata/fault", "-"}, stdin: `{"patient": {"weightKg": 78}}` + "\n", code: exitRuleRun,
			stderr: []string{"<stdin>:1: a rule failed at run time"}},
		{name: "no rules to compare", args: []string{"diff", "eligibility", "-"}, code: exitBadUsed, stderr: []string{"needs --from or --to"}},
		{name: "unknown kind", args: []string{"diff", "eligibilty", "--to", "x", "-"}, code: exitBadUsed, stderr: []string{`unknown decision kind "eligibilty"`}},
		{name: "rules of another kind", args: []string{"diff", "eligibility", "--to", "../../therapy", "-"}, code: exitBadUsed, stderr: []string{"want exactly one eligibility ruleset"}},
		{name: "help", args: []string{"diff", "--help"}, code: exitOK, stdout: []string{"Usage: celltherapy diff KIND"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tt.args, strings.NewReader(tt.stdin), &stdout, &stderr)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, stdout.String(), stderr.String())
			}
			for _, want := range tt.stdout {
				if !strings.Contains(stdout.String(), want) {
					t.Errorf("stdout lacks %q:\n%s", want, stdout.String())
				}
			}
			for _, want := range tt.stderr {
				if !strings.Contains(stderr.String(), want) {
					t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
				}
			}
		})
	}
}
