package rules_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/reocell/celltherapy/rules"
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
	rep := rules.RunTests(context.Background(), set.Ruleset("t"))
	if rep.Failed() != 1 || !rep.Results[0].Passed() {
		t.Fatalf("results: %s", rep)
	}
	diff := rep.Results[1].Diff
	for _, want := range []string{`-`, `"some"`, `+`, `"none"`} {
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
    expect: {fired: [always], findings: [{rule: always, missing: null}], nothere: null}
  - name: present key is not null
    asOf: 2026-01-01
    facts: {}
    expect: {findings: [{rule: null}]}
`
	set, err := load(file("t.yaml", src))
	if err != nil {
		t.Fatal(err)
	}
	rep := rules.RunTests(context.Background(), set.Ruleset("t"))
	if !rep.Results[0].Passed() || rep.Results[1].Passed() {
		t.Errorf("results:\n%s", rep)
	}
	if c := rep.Coverage[0]; !c.Constant || !c.Complete() {
		t.Errorf("coverage of when: true is %+v", c)
	}
}
