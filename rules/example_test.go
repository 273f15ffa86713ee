package rules_test

import (
	"context"
	"fmt"
	"testing/fstest"

	"github.com/reocell/celltherapy/eligibility"
	"github.com/reocell/celltherapy/rules"
)

// A clinic keeps its own rule files (here in memory; LoadPaths reads a
// directory) and loads them for the decision kinds it uses. A load reports
// every problem of every file, each at file:line:col.
func ExampleLoader_LoadFS() {
	clinic := fstest.MapFS{"pregnancy.yaml": {Data: []byte(`ruleset: clinic-screening
version: "2026-11"
decision: eligibility
questions:
  pregnant: {en: "Is the patient pregnant?"}
rules:
  - id: pregnancy
    title: Pregnancy
    when: pregnant
    message: {en: Pregnancy rules out MSC therapy.}
    then: {duration: temporary}
    source: the clinic's procedure, 03
tests:
  - name: pregnant
    facts: {asOf: 2026-11-24, pregnant: true}
    expect: {outcome: ineligible, fired: [pregnancy]}
`)}}
	set, err := (&rules.Loader{Kinds: []rules.Kind{eligibility.Kind()}}).LoadFS(clinic)
	if err != nil {
		for _, p := range rules.Problems(err) {
			fmt.Println(p)
		}
		return
	}
	rs := set.Ruleset("clinic-screening")
	fmt.Println(rs.Name(), rs.Version(), len(rs.Rules()), "rule")
	// Output: clinic-screening 2026-11 1 rule
}

// A bad rule file is refused as a whole, with each problem at its place.
func ExampleProblems() {
	bad := rules.File{Name: "screening.yaml", Data: []byte("ruleset: s\nversion: \"1\"\ndecision: eligibility\nrules:\n  - {id: r, title: T, when: pregnat, message: {en: m}}\n")}
	_, err := (&rules.Loader{Kinds: []rules.Kind{eligibility.Kind()}}).Load(bad)
	for _, p := range rules.Problems(err) {
		fmt.Println(p.Pos.Line, p.Code)
	}
	// Output: 5 unknown-fact
}

// Deciding: the kind's JSON entry point decodes facts strictly and makes
// the decision with a ruleset of the kind; a domain package's own typed
// decision maker (eligibility.Screener) does the same from Go.
func ExampleKind() {
	set := rules.MustLoadFS(eligibility.DefaultFS(), eligibility.Kind())
	rs := set.ForDecision(eligibility.DecisionKind)[0]
	d, err := eligibility.Kind().DecideJSON(context.Background(), rs, []byte(`{"asOf": "2026-11-24", "pregnant": true}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	decision := d.(*eligibility.Decision)
	fmt.Println(decision.Outcome, decision.Findings[0].Rule)

	_, err = eligibility.Kind().DecideJSON(context.Background(), rs, []byte(`{"pregnant": "yes"}`))
	fmt.Println(err)
	// Output:
	// ineligible pregnancy-or-breastfeeding
	// $.pregnant: want true or false, got the string "yes"
}
