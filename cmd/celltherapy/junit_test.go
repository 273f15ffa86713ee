package main

import (
	"bytes"
	"context"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/reocell/celltherapy/rules/rulestest"
)

// TestJUnit checks that test --junit writes XML that parses, with one test
// case a rule test, the right counts, and a failure's expected and actual
// values in plain text.
func TestJUnit(t *testing.T) {
	set, err := loadRules(domains(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defaultTests := len(rulestest.RunTests(context.Background(), set.Rulesets()...).Results)
	tests := []struct {
		name                    string
		paths                   []string
		code                    int
		tests, failures, suites int
		failure                 []string // in the failure's text
	}{
		{name: "default rules", code: exitOK, tests: defaultTests, suites: len(set.Rulesets())},
		{name: "a failing test", paths: []string{"testdata/failing"}, code: exitFailed, tests: 1, failures: 1, suites: 1,
			failure: []string{"testdata/failing/rules.yaml:10:5: stricter/expects the wrong outcome", "outcome:\n  expected: \"eligible\"\n  actual:   \"ineligible\"\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := filepath.Join(t.TempDir(), "junit.xml")
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), append([]string{"test", "--junit", name}, tt.paths...), strings.NewReader(""), &stdout, &stderr)
			if code != tt.code {
				t.Errorf("exit %d, want %d\n%s%s", code, tt.code, stdout.String(), stderr.String())
			}
			data, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			var got junitSuites
			if err := xml.Unmarshal(data, &got); err != nil {
				t.Fatalf("the JUnit file does not parse: %v\n%s", err, data)
			}
			cases, failures := 0, 0
			var text string
			for _, s := range got.Suites {
				cases += len(s.Cases)
				for _, c := range s.Cases {
					if c.Failure != nil {
						failures++
						text += c.Failure.Text
					}
					if c.Name == "" || c.Classname != s.Name || c.File == "" || c.Line == 0 {
						t.Errorf("test case %+v lacks its name or position", c)
					}
				}
			}
			if got.Tests != tt.tests || cases != tt.tests || got.Failures != tt.failures || failures != tt.failures || len(got.Suites) != tt.suites {
				t.Errorf("tests=%d (%d cases), failures=%d (%d failed cases), %d suites; want %d tests, %d failures, %d suites",
					got.Tests, cases, got.Failures, failures, len(got.Suites), tt.tests, tt.failures, tt.suites)
			}
			for _, want := range tt.failure {
				if !strings.Contains(text, want) {
					t.Errorf("failure text lacks %q:\n%s", want, text)
				}
			}
		})
	}
}

// TestCoverageThreshold checks that test --threshold N fails when fewer
// than N% of the rules were seen fired, clear and undetermined.
func TestCoverageThreshold(t *testing.T) {
	dir := t.TempDir()
	// Two rules; the tests see pregnancy fired, clear and undetermined, and
	// hiv only fired: 50% complete.
	src := `ruleset: half
version: "1"
decision: eligibility
rules:
  - {id: pregnancy, title: Pregnancy, when: pregnant, message: {en: m}}
  - {id: hiv, title: HIV, when: hiv, message: {en: m}}
tests:
  - {name: fired, asOf: 2026-11-24, facts: {pregnant: true, hiv: true}, expect: {outcome: ineligible}}
  - {name: clear, asOf: 2026-11-24, facts: {pregnant: false, hiv: true}, expect: {outcome: ineligible}}
  - {name: open, asOf: 2026-11-24, facts: {hiv: true}, expect: {outcome: ineligible}}
`
	if err := os.WriteFile(filepath.Join(dir, "half.yaml"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args   []string
		code   int
		stdout string
	}{
		{[]string{"test", "--threshold", "50", dir}, exitOK, "3 passed, 0 failed"},
		{[]string{"test", "--threshold", "50.1", dir}, exitFailed, "coverage 50.0% (1 of 2 rules seen fired, clear and undetermined) is below the threshold of 50.1%"},
		{[]string{"test", "--coverage", "--threshold", "100", dir}, exitFailed, "below the threshold of 100%"},
		{[]string{"test", "--coverage", "--threshold", "100"}, exitOK, "coverage: 31 of 31 rules"},
		{[]string{"test", "--threshold", "101", dir}, exitBadUsed, ""},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args[1:3], " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tt.args, strings.NewReader(""), &stdout, &stderr)
			if code != tt.code || !strings.Contains(stdout.String(), tt.stdout) {
				t.Errorf("exit %d, want %d; stdout lacks %q?\n%s%s", code, tt.code, tt.stdout, stdout.String(), stderr.String())
			}
		})
	}
}
