package therapy

import (
	"context"
	_ "embed"
	"sync"

	"github.com/reocell/celltherapy/rules"
)

// DecisionKind is the value of decision: in therapy rule files.
const DecisionKind = "therapy"

// thenSchema says what a therapy rule file must hold beyond the core format:
// the params Select reads (cultureDays), so that a file without them fails at
// load with its position, and what then: may hold: the option a rule rules
// out, the autologous biomaterial source, routes, or the dose plan.
//
//go:embed then.schema.json
var thenSchema []byte

// Kind returns the therapy decision kind, for a rules.Loader.
func Kind() *rules.Kind { return kind() }

var kind = sync.OnceValue(func() *rules.Kind {
	return rules.MustKind(rules.KindConfig{
		Name:  DecisionKind,
		Facts: Facts{},
		// The choice follows the preference; the decision names the site.
		Reads: []string{"preference", "condition.site", "params.cultureDays"},
		// The dose plan is expressions, so that its numbers are params and a
		// per-kg dose is computed from the weight, or left open without it.
		ThenExprs: map[string]any{
			"cellsPerKg":      float64(0),
			"cells":           float64(0),
			"administrations": int(0),
			"intervalDays":    int(0),
		},
		Schema: thenSchema,
		Decide: rules.Decider(func(ctx context.Context, rs *rules.Ruleset, facts Facts) (*Decision, error) {
			s, err := NewSelector(rs)
			if err != nil {
				return nil, err
			}
			return s.Select(ctx, facts)
		}),
	})
})
