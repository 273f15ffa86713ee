package therapy_test

import (
	"context"
	"testing"

	"github.com/reocell/celltherapy/rules/rulestest"
	"github.com/reocell/celltherapy/therapy"
)

// TestRules runs the YAML tests of the default rules (therapy.test.yaml).
func TestRules(t *testing.T) {
	rulestest.Run(t, therapy.DefaultRules())
}

// TestRulesCoverage checks that the YAML tests see every rule fired, clear
// and undetermined, so that no rule goes untested when the board edits them.
func TestRulesCoverage(t *testing.T) {
	rep := rulestest.RunTests(context.Background(), therapy.DefaultRules())
	for _, c := range rep.Coverage {
		if !c.Complete() {
			t.Errorf("rule %s: fired %v, clear %v, undetermined %v; add the missing cases to therapy.test.yaml",
				c.Rule, c.Fired, c.Clear, c.Undetermined)
		}
	}
}
