package procedure_test

import (
	"context"
	"testing"

	"github.com/reocell/celltherapy/procedure"
	"github.com/reocell/celltherapy/rules"
)

// Each kind of the list is what its package says, decides on its minimal
// facts through its JSON entry point, and fills its typed decision maker.
func TestDecisionKinds(t *testing.T) {
	seen := map[string]bool{}
	var d procedure.Deciders
	for _, k := range procedure.DecisionKinds() {
		if seen[k.Name] {
			t.Errorf("kind %s listed twice", k.Name)
		}
		seen[k.Name] = true
		if got := k.Kind().Name(); got != k.Name {
			t.Errorf("kind %s: its Kind is named %s", k.Name, got)
		}
		if len(k.Roles) == 0 {
			t.Errorf("kind %s: no role may ask for it", k.Name)
		}
		set, err := (&rules.Loader{Kinds: []rules.Kind{k.Kind()}, Decision: k.Name}).LoadFS(k.Defaults())
		if err != nil {
			t.Fatalf("kind %s: %v", k.Name, err)
		}
		rs := set.ForDecision(k.Name)
		if len(rs) != 1 {
			t.Fatalf("kind %s: %d default rulesets", k.Name, len(rs))
		}
		decide, err := k.Use(rs[0], &d)
		if err != nil {
			t.Fatalf("kind %s: %v", k.Name, err)
		}
		got, err := decide(context.Background(), []byte(k.MinimalFacts))
		if err != nil {
			t.Fatalf("kind %s on %s: %v", k.Name, k.MinimalFacts, err)
		}
		if got.Value == nil || got.Outcome == "" || got.Ruleset.Digest != rs[0].Digest() {
			t.Errorf("kind %s: decision %+v", k.Name, got)
		}
		if _, err := decide(context.Background(), []byte(`{"no such fact": 1}`)); err == nil {
			t.Errorf("kind %s decided on an unknown fact", k.Name)
		}
	}
	if d.Screener == nil || d.Selector == nil || d.Planner == nil || d.Triager == nil {
		t.Errorf("Use left a decision maker unset: %+v", d)
	}
	a, b := procedure.DecisionKinds(), procedure.DecisionKinds()
	a[0].Roles[0] = "janitor"
	if b[0].Roles[0] == "janitor" {
		t.Error("DecisionKinds shares its roles between callers")
	}
}
