package rules_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/reocell/celltherapy/rules/rulestest"
)

func TestRunTestsReportsDiffAndCoverage(t *testing.T) {
	src := header + `rules:
  - {id: r, title: T, when: a, message: {en: m}}
  - {id: s, title: T, when: b, message: {en: m}}
tests:
  - name: passes
    asOf: 2026-01-01
    facts: {a: true, b: false}
    expect: {outcome: some, fired: [r], clear: [s], findings: [{rule: r}]}
  - name: fails
    asOf: 2026-01-01
    facts: {a: false}
    expect: {outcome: some, fired: [r], undetermined: [s]}
`
	set, err := load(file("t.yaml", src))
	if err != nil {
		t.Fatal(err)
	}
	rep := rulestest.RunTests(context.Background(), set.Ruleset("t"))
	if rep.OK() || len(rep.Results) != 2 || !rep.Results[0].Passed() {
		t.Fatalf("results: %s", rep)
	}
	diff := rep.Results[1].Diff
	for _, want := range []string{"outcome: expected some, got none", "fired: expected [r], got none (not there: r)"} {
		if !strings.Contains(diff, want) {
			t.Errorf("diff lacks %q:\n%s", want, diff)
		}
	}
	failed := rep.Results[1]
	if failed.Expected["outcome"] != "some" || failed.Actual["outcome"] != "none" ||
		!slices.Equal(failed.Expected["fired"].([]string), []string{"r"}) || len(failed.Actual["fired"].([]string)) != 0 {
		t.Errorf("expected %v, actual %v", failed.Expected, failed.Actual)
	}
	if !strings.Contains(rep.String(), "t.yaml:12:5") || !strings.Contains(rep.String(), "1 passed, 1 failed") {
		t.Errorf("report:\n%s", rep)
	}
	cov := rep.Coverage
	if !cov[0].Fired || !cov[0].Clear || cov[0].Undetermined || cov[1].Fired || !cov[1].Clear || !cov[1].Undetermined {
		t.Errorf("coverage %+v", cov)
	}
}

func TestRunTestsNullMeansAbsentAndConstantRulesAreCovered(t *testing.T) {
	src := header + `rules:
  - {id: always, title: T, when: true, message: {en: m}}
tests:
  - name: absent key
    asOf: 2026-01-01
    facts: {}
    expect: {fired: [always], findings: [{rule: always}]}
  - name: present key is not null
    asOf: 2026-01-01
    facts: {}
    expect: {findings: [{rule: null}]}
`
	set, err := load(file("t.yaml", src))
	if err != nil {
		t.Fatal(err)
	}
	rep := rulestest.RunTests(context.Background(), set.Ruleset("t"))
	if !rep.Results[0].Passed() || rep.Results[1].Passed() {
		t.Errorf("results:\n%s", rep)
	}
	if c := rep.Coverage[0]; !c.Constant || !c.Complete() {
		t.Errorf("coverage of when: true is %+v", c)
	}
}

// TestRunTestsExplainsPlainly checks that a failed test reads as "expected
// X, got Y" for each key that differs, down to the element of a list, and
// that a ruleset without tests is reported and makes the run fail.
func TestRunTestsExplainsPlainly(t *testing.T) {
	src := header + `rules:
  - {id: r, title: T, when: a, message: {en: m}}
  - {id: s, title: S, when: b, message: {en: m}}
tests:
  - name: wrong in several places
    asOf: 2026-01-01
    facts: {a: true, b: true}
    expect: {outcome: none, fired: [r, x], findings: [{rule: r, title: X}, {rule: s}]}
`
	if _, err := load(file("t.yaml", src)); err == nil {
		t.Fatal("a test naming rule x loaded")
	}
	src = strings.Replace(src, "[r, x]", "[r]", 1)
	set, err := load(file("t.yaml", src), file("u.yaml", "ruleset: u\nversion: \"1\"\ndecision: test\nrules: [{id: r, title: T, when: a, message: {en: m}}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	rep := rulestest.RunTests(context.Background(), set.Rulesets()...)
	want := []string{
		"findings[0].title: expected X, got T",
		"outcome: expected none, got some",
		"fired: expected [r], got [r, s] (not expected: s)",
	}
	for _, w := range want {
		if !strings.Contains(rep.Results[0].Diff, w+"\n") {
			t.Errorf("diff lacks %q:\n%s", w, rep.Results[0].Diff)
		}
	}
	if strings.Contains(rep.Results[0].Diff, "findings[1]") {
		t.Errorf("diff names a key that matches:\n%s", rep.Results[0].Diff)
	}
	if rep.OK() || len(rep.Untested) != 1 || rep.Untested[0].Name() != "u" || !strings.Contains(rep.String(), "u.yaml: ruleset u has no tests") {
		t.Errorf("ruleset u without tests not reported:\n%s", rep)
	}
}
