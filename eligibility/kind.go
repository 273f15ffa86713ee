package eligibility

import (
	"context"
	_ "embed"
	"sync"
	"time"

	"github.com/reocell/celltherapy/rules"
	"github.com/reocell/celltherapy/rules/ruleskit"
)

// DecisionKind is the value of decision: in eligibility rule files.
const DecisionKind = "eligibility"

// Then is what an eligibility rule's then: may hold beyond the rule firing
// (a fired rule already is a contraindication): whether the contraindication
// is permanent or temporary, and an expression giving the first day
// screening may be repeated.
type Then struct {
	Duration     Duration                 `json:"duration,omitempty"`
	RescreenFrom ruleskit.Expr[time.Time] `json:"rescreenFrom"`
}

// thenSchema says what then: may hold, for errors at their position in the
// rule file's own words.
//
//go:embed then.schema.json
var thenSchema []byte

// Kind returns the eligibility decision kind, for a rules.Loader. Its params
// are the rules' own: screening reads none.
func Kind() *ruleskit.KindOf[Facts, *Decision] { return kind() }

var kind = sync.OnceValue(func() *ruleskit.KindOf[Facts, *Decision] {
	return ruleskit.MustKind(ruleskit.Spec[Facts, *Decision]{
		Then:   Then{},
		Name:   DecisionKind,
		Schema: thenSchema,
		// What a rule test may expect as the outcome.
		Outcomes: []string{string(Eligible), string(Ineligible), string(Undetermined)},
		Decide: func(ctx context.Context, rs *rules.Ruleset, facts Facts, opts ...rules.Option) (*Decision, error) {
			s, err := NewScreener(rs, opts...)
			if err != nil {
				return nil, err
			}
			return s.Screen(ctx, facts)
		},
	})
})
