package fhir

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/reocell/celltherapy/rules"
)

func TestDefaultCodesLoad(t *testing.T) {
	c := DefaultCodes()
	if c.Name() != "msc-contraindication-codes" || !strings.HasPrefix(c.Digest(), "sha256:") {
		t.Errorf("name %q digest %q", c.Name(), c.Digest())
	}
	// Every fact of the list has a table, and the unconfirmed ones
	// carry a source.
	facts := map[string]bool{}
	for _, e := range c.Entries() {
		facts[e.Fact] = true
		if e.Source == "" {
			t.Errorf("%s: %s %s has no source", e.Pos, e.System, e.Code)
		}
	}
	for _, f := range append([]string{"oncology.everTreated"}, yesNoFacts...) {
		if !facts[f] {
			t.Errorf("no code table for %s", f)
		}
	}
	if len(c.Unconfirmed()) == 0 {
		t.Error("no unconfirmed entries: the default codes have not been confirmed by a clinic")
	}
}

func TestLoadCodesProblems(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string // "line:col code" of each problem, in order
	}{
		{"syntax", "codes: [", []string{"1:1 syntax"}},
		{"not a mapping", "- 1\n", []string{"1:1 schema"}},
		{"schema problems at their positions", "", []string{"16:13 schema", "21:5 schema"}},
		{"unknown system and a code twice", "systems-and-dup", []string{"12:18 schema", "13:31 schema"}},
		{"aliases are refused", "codes: &a x\nversion: *a\n", []string{"2:10 syntax"}},
		{"duplicate keys", "codes: a\ncodes: b\n", []string{"2:1 duplicate-key"}},
	}
	bad, err := os.ReadFile(filepath.Join("testdata", "codes", "bad.codes.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := tt.src
			switch src {
			case "":
				src = string(bad)
			case "systems-and-dup":
				src = strings.Replace(strings.Replace(string(bad), "status: maybe", "status: confirmed", 1), "    colour: blue\n", "", 1)
			}
			_, err := LoadCodes("codes.yaml", []byte(src))
			var got []string
			for _, p := range rules.Problems(err) {
				if p.Pos.File != "codes.yaml" {
					t.Errorf("problem without the file name: %v", p)
				}
				got = append(got, strings.Join([]string{itoa(p.Pos.Line) + ":" + itoa(p.Pos.Col), string(p.Code)}, " "))
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("problems %q, want %q\n%v", got, tt.want, err)
			}
		})
	}
}

func TestLintCodes(t *testing.T) {
	path := filepath.Join("testdata", "codes", "bad.codes.yaml")
	err := LintCodes(path)
	var list rules.ErrorList
	if !errors.As(err, &list) || !strings.HasPrefix(err.Error(), path+":16:13: ") {
		t.Errorf("LintCodes = %v", err)
	}
	good := filepath.Join(t.TempDir(), "codes.yaml")
	if err := os.WriteFile(good, DefaultCodesYAML(), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := LintCodes(good); err != nil {
		t.Errorf("LintCodes(default copy) = %v", err)
	}
	if err := LintCodes(filepath.Join(t.TempDir(), "missing.yaml")); len(rules.Problems(err)) != 1 {
		t.Errorf("LintCodes(missing) = %v", err)
	}
}
