package ruleskit_test

import (
	"context"
	"fmt"
	"time"

	"github.com/reocell/celltherapy/eligibility"
	"github.com/reocell/celltherapy/rules/ruleskit"
)

// A kind's decision maker evaluates a ruleset on facts and builds its
// decision from the results: the fired rules, with their evidence, and the
// undetermined ones, with the facts that would settle them.
func ExampleEvaluate() {
	asOf := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	yes := true
	facts := eligibility.Facts{AsOf: &asOf, Pregnant: &yes}
	ev, err := ruleskit.Evaluate(context.Background(), eligibility.DefaultRules(), &facts)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range ev.Fired() {
		fmt.Println(r.Status, r.Rule.ID(), r.Finding("en").Evidence)
	}
	fmt.Println(ev.Count(ruleskit.Undetermined) > 0, len(ev.Missing("en")) > 0)
	// Output:
	// fired pregnancy-or-breastfeeding [{pregnant true}]
	// true true
}
