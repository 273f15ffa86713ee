package eligibility

import (
	"context"
	_ "embed"
	"sync"
	"time"

	"github.com/reocell/celltherapy/rules"
)

// DecisionKind is the value of decision: in eligibility rule files.
const DecisionKind = "eligibility"

// thenSchema says what then: may hold in an eligibility rule: whether the
// contraindication is permanent or temporary, and from which day screening
// may be repeated (an expression giving a date, or nil).
//
//go:embed then.schema.json
var thenSchema []byte

// Kind returns the eligibility decision kind, for a rules.Loader.
func Kind() *rules.Kind { return kind() }

var kind = sync.OnceValue(func() *rules.Kind {
	return rules.MustKind(rules.KindConfig{
		Name:      DecisionKind,
		Facts:     Facts{},
		ThenExprs: map[string]any{"rescreenFrom": time.Time{}},
		Schema:    thenSchema,
		Decision:  Decision{},
		Outcomes:  []string{string(Eligible), string(Ineligible), string(Undetermined)},
		Decide: rules.Decider(func(ctx context.Context, rs *rules.Ruleset, facts Facts) (*Decision, error) {
			s, err := NewScreener(rs)
			if err != nil {
				return nil, err
			}
			return s.Screen(ctx, facts)
		}),
	})
})
