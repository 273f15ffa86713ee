package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// runCLI runs the program with args and returns its exit code and output.
func runCLI(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

// TestHelpOncePerCommand checks that every command's --help (and -h, and
// celltherapy help COMMAND) prints its help once, on stdout, and exits 0,
// and that the top-level help lists every command.
func TestHelpOncePerCommand(t *testing.T) {
	_, top, _ := runCLI(t, "", "--help")
	for _, cmd := range commands() {
		if !strings.Contains(top, "celltherapy "+cmd.name+" ") {
			t.Errorf("celltherapy --help does not list %s:\n%s", cmd.name, top)
		}
		for _, args := range [][]string{{cmd.name, "--help"}, {cmd.name, "-h"}, {"help", cmd.name}, {cmd.name, "x.yaml", "--help"}} {
			t.Run(strings.Join(args, " "), func(t *testing.T) {
				code, stdout, stderr := runCLI(t, "", args...)
				if code != exitOK || stderr != "" {
					t.Errorf("exit %d, stderr %q; want 0 and nothing on stderr", code, stderr)
				}
				head := "Usage: celltherapy " + cmd.name
				if n := strings.Count(stdout, head); n != 1 {
					t.Errorf("stdout has %q %d times, want once:\n%s", head, n, stdout)
				}
			})
		}
	}
}

// TestFlagsAnywhere checks that flags may come before, between or after the
// positional arguments of every command that takes both.
func TestFlagsAnywhere(t *testing.T) {
	const facts = `{"asOf": "2026-11-24", "pregnant": true}`
	tests := []struct {
		name  string
		args  []string
		stdin string
		code  int
		want  string // on stdout
	}{
		{"eval flag first", []string{"eval", "--rules", "testdata/failing/rules.yaml", "eligibility", "-"}, facts, 0, `"name": "stricter"`},
		{"eval flag between", []string{"eval", "eligibility", "--rules", "testdata/failing/rules.yaml", "-"}, facts, 0, `"name": "stricter"`},
		{"eval flag last", []string{"eval", "eligibility", "-", "--rules", "testdata/failing/rules.yaml"}, facts, 0, `"name": "stricter"`},
		{"eval flag last with =", []string{"eval", "eligibility", "-", "--rules=testdata/failing/rules.yaml"}, facts, 0, `"name": "stricter"`},
		{"test flag first", []string{"test", "--coverage", "testdata/failing"}, "", 1, "coverage: "},
		{"test flag last", []string{"test", "testdata/failing", "--coverage"}, "", 1, "coverage: "},
		{"doc flag", []string{"doc", "--rules", "testdata/failing"}, "", 0, "Ruleset `stricter`"},
		{"aftercare flag last", []string{"aftercare", "-", "--leaflet"}, `{"administeredAt": "2026-11-24T09:30:00+01:00"}`, 0, "dry"},
		{"after -- a name is not a flag", []string{"lint", "--", "--coverage"}, "", 1, ""},
		{"eval --batch last", []string{"eval", "eligibility", "-", "--batch"}, `{"asOf": "2026-11-24", "hiv": true}` + "\n", 0, `"outcome":"ineligible"`},
		{"diff flags before the kind", []string{"diff", "--from", "../../eligibility", "--json", "eligibility", "-"}, `{"asOf": "2026-11-24", "hiv": true}` + "\n", 0, `"changed":0`},
		{"diff flags last", []string{"diff", "eligibility", "-", "--json", "--to", "../../eligibility"}, `{"asOf": "2026-11-24", "hiv": true}` + "\n", 0, `"changed":0`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, tt.stdin, tt.args...)
			if code != tt.code || !strings.Contains(stdout, tt.want) {
				t.Errorf("exit %d (want %d), stdout lacks %q?\nstdout:\n%s\nstderr:\n%s", code, tt.code, tt.want, stdout, stderr)
			}
		})
	}
}

// TestBadFlag checks that an unknown flag is a usage error, said once on
// stderr, whatever its place.
func TestBadFlag(t *testing.T) {
	for _, args := range [][]string{{"lint", "--frob"}, {"eval", "eligibility", "-", "--frob"}, {"test", "x", "--frob"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			code, stdout, stderr := runCLI(t, "", args...)
			if code != exitBadUsed || stdout != "" || strings.Count(stderr, "frob") != 1 || !strings.Contains(stderr, "--help") {
				t.Errorf("exit %d, stdout %q, stderr %q; want 2, the flag named once on stderr with a pointer to --help", code, stdout, stderr)
			}
		})
	}
}

// TestEvalLoadsOnlyItsKind checks that eval loads the ruleset of its kind
// and nothing else: another kind's broken rules and broken tests beside it do
// not stop it, while lint of the same folder reports them.
func TestEvalLoadsOnlyItsKind(t *testing.T) {
	code, stdout, stderr := runCLI(t, `{"asOf": "2026-11-24", "pregnant": true}`, "eval", "eligibility", "--rules", "testdata/eval-only", "-")
	if code != exitOK || !strings.Contains(stdout, `"outcome": "ineligible"`) {
		t.Errorf("eval: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	code, _, stderr = runCLI(t, "", "lint", "testdata/eval-only")
	for _, want := range []string{"choice.yaml:7:", "screening.test.yaml:5:", "screening.test.yaml:6:"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("lint stderr lacks %q:\n%s", want, stderr)
		}
	}
	if code != exitFailed {
		t.Errorf("lint: exit %d, want 1", code)
	}
}

// TestNothingToCheckFails checks that lint and test fail, saying why, when
// they find no ruleset, and that test fails for a ruleset without tests.
func TestNothingToCheckFails(t *testing.T) {
	empty := t.TempDir()
	tests := []struct {
		name   string
		args   []string
		stdout string
		stderr string
	}{
		{"lint of an empty folder", []string{"lint", empty}, "", "no rulesets in " + empty},
		{"test of an empty folder", []string{"test", empty}, "", "no rulesets in " + empty},
		{"lint of tests alone", []string{"lint", "testdata/lint-tests/rules/contraindications.test.yaml"}, "", "no ruleset named msc-contraindications"},
		{"test of a ruleset without tests", []string{"test", "testdata/untested"}, "FAIL testdata/untested/rules.yaml: ruleset untested has no tests", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, "", tt.args...)
			if code != exitFailed || !strings.Contains(stdout, tt.stdout) || !strings.Contains(stderr, tt.stderr) {
				t.Errorf("exit %d (want 1); want %q on stdout and %q on stderr\nstdout:\n%s\nstderr:\n%s", code, tt.stdout, tt.stderr, stdout, stderr)
			}
		})
	}
}

// TestDocRendersParams checks that doc renders params that are lists and
// mappings as lists and tables, never as Go's rendering of maps and slices.
func TestDocRendersParams(t *testing.T) {
	code, stdout, stderr := runCLI(t, "", "doc", "--rules", "testdata/doc-params")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		"| `windowYears` | 5 |\n",
		"| `cells` | 50,000,000 |\n",
		"| `ratio` | 0.25 |\n",
		"| `sites` | knee, hip |\n",
		"### Param `limits`\n\n| key | value |\n| --- | --- |\n| `high` | 10 |\n| `low` | 1 |\n",
		"### Param `schedule`\n\n| id | after | contact | note |\n| --- | --- | --- | --- |\n| first | days: 1 | call |  |\n| second | months: 3 | visit | a \\| in text |\n",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("doc lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "map[") || strings.Contains(stdout, "e+") {
		t.Errorf("doc shows a Go rendering of a value:\n%s", stdout)
	}
}
