package rules_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/reocell/celltherapy/eligibility"
	"github.com/reocell/celltherapy/recommendations"
	"github.com/reocell/celltherapy/rules"
	"github.com/reocell/celltherapy/rules/ruleskit"
	"github.com/reocell/celltherapy/rules/rulestest"
	"github.com/reocell/celltherapy/therapy"
)

// scramble changes everything reachable in v that a caller could change: map
// entries, slice elements, and what pointers point to.
func scramble(v any) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			scramble(e)
			x[k] = "scrambled"
		}
		x["added"] = true
	case []any:
		for i, e := range x {
			scramble(e)
			x[i] = "scrambled"
		}
	case ruleskit.Text:
		for k := range x {
			x[k] = "scrambled"
		}
	}
}

// decisions makes one decision of every kind with the default rules, as JSON.
func decisions(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	day := func(s string) *time.Time { d, _ := time.Parse(time.DateOnly, s); return &d }
	at := time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC)
	later := at.Add(30 * time.Hour)
	var out []any
	e, err := eligibility.NewDefaultScreener().Screen(ctx, eligibility.Facts{AsOf: day("2026-11-24"),
		Oncology: &eligibility.Oncology{Active: new(false), EverTreated: new(true), LastTreatmentEnd: day("2023-01-01")}})
	out = append(out, e, err)
	th, err := therapy.NewDefaultSelector().Select(ctx, therapy.Facts{AsOf: day("2026-11-24"),
		OwnCells:  &therapy.OwnCells{Sufficient: new(true), GoodQuality: new(true)},
		Harvest:   &therapy.Harvest{BoneMarrowPossible: new(true), AdiposePossible: new(true)},
		Condition: &therapy.Condition{Category: new("orthopedic"), Site: new("left knee")},
		Patient:   &therapy.Patient{WeightKg: new(70.0)}})
	out = append(out, th, err)
	p, err := recommendations.NewDefaultPlanner().Plan(ctx, recommendations.Facts{AdministeredAt: &at, Route: new("intra-articular")})
	out = append(out, p, err)
	tr, err := recommendations.NewDefaultTriager().Triage(ctx, recommendations.TriageFacts{AdministeredAt: &at, Now: &later,
		Symptom: &recommendations.Symptom{Name: new("fever"), Onset: &at, Ongoing: new(true)}})
	out = append(out, tr, err)
	b, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// shown is what the public API shows of the default rules, as JSON.
func shown(t *testing.T, all []*rules.Ruleset) string {
	t.Helper()
	var out []any
	for _, rs := range all {
		out = append(out, rs.Params(), ruleskit.Facts(rs.Kind()), len(rs.Rules()), len(rulestest.Tests(rs)))
		for _, r := range rs.Rules() {
			for _, key := range r.ThenKeys() {
				v, _ := r.Then(key)
				out = append(out, v)
			}
		}
	}
	out = append(out, ruleskit.ParamsOf[recommendations.AftercareParams](recommendations.DefaultAftercareRules()), ruleskit.ParamsOf[therapy.Params](therapy.DefaultRules()))
	b, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestLoadedRulesCannotBeChangedThroughTheAPI mutates everything the public
// API hands out about the default rules, and a decision's slices, and checks
// that what the API shows and the decisions made afterwards are the same.
func TestLoadedRulesCannotBeChangedThroughTheAPI(t *testing.T) {
	all := []*rules.Ruleset{eligibility.DefaultRules(), therapy.DefaultRules(),
		recommendations.DefaultAftercareRules(), recommendations.DefaultTriageRules()}
	before, shownBefore := decisions(t), shown(t, all)
	for _, rs := range all {
		params := rs.Params()
		scramble(params)
		for name := range rs.Params() {
			v, _ := rs.Params()[name]
			scramble(v)
		}
		for _, r := range rs.Rules() {
			for _, key := range r.ThenKeys() {
				v, _ := r.Then(key)
				scramble(v)
			}
		}
		list := rs.Rules()
		for i := range list {
			list[i] = nil
		}
		tests := rulestest.Tests(rs)
		for i := range tests {
			tests[i] = nil
		}
		facts := ruleskit.Facts(rs.Kind())
		for i := range facts {
			for j := range facts[i].Enum {
				facts[i].Enum[j] = "scrambled"
			}
			if f := ruleskit.Facts(rs.Kind())[i]; len(f.Enum) > 0 {
				f.Enum[0] = "scrambled"
			}
		}
	}
	// The typed views.
	for _, r := range therapy.DefaultRules().Rules() {
		then := ruleskit.ThenOf[therapy.Then](r)
		for i := range then.Routes {
			then.Routes[i] = "oral"
		}
	}
	ap := ruleskit.ParamsOf[recommendations.AftercareParams](recommendations.DefaultAftercareRules())
	for i := range ap.Monitoring {
		ap.Monitoring[i].After.Days = 1000
		ap.Monitoring[i].Purpose["en"] = "scrambled"
	}
	tp := ruleskit.ParamsOf[therapy.Params](therapy.DefaultRules())
	tp.CultureDays = -1
	// A decision's own slices.
	th, _ := therapy.NewDefaultSelector().Select(context.Background(), therapy.Facts{Condition: &therapy.Condition{Category: new("orthopedic")}})
	for i := range th.Routes {
		th.Routes[i] = "oral"
	}
	if th.Options.Autologous.Suitable != nil {
		*th.Options.Autologous.Suitable = false
	}
	if after := shown(t, all); after != shownBefore {
		t.Errorf("what the API shows changed after mutating what it returned:\nbefore %s\nafter  %s", shownBefore, after)
	}
	if after := decisions(t); after != before {
		t.Errorf("decisions changed after mutating what the API returned:\nbefore %s\nafter  %s", before, after)
	}
}
