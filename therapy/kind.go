package therapy

import (
	"context"
	_ "embed"
	"sync"

	"github.com/reocell/celltherapy/rules"
	"github.com/reocell/celltherapy/rules/ruleskit"
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

// Then is what a therapy rule's then: may hold. A rule does one job: it
// rules an option out (Unsuitable; its message is the reason), picks the
// autologous biomaterial (Source), gives routes for the condition (Routes),
// or gives the dose plan (the expressions, so that its numbers are params
// and a per-kg dose is computed from the weight, or left open without it).
type Then struct {
	Unsuitable      Choice                 `json:"unsuitable,omitempty"`
	Source          Source                 `json:"source,omitempty"`
	Routes          []Route                `json:"routes,omitempty"`
	CellsPerKg      ruleskit.Expr[float64] `json:"cellsPerKg"`
	Cells           ruleskit.Expr[float64] `json:"cells"`
	Administrations ruleskit.Expr[int]     `json:"administrations"`
	IntervalDays    ruleskit.Expr[int]     `json:"intervalDays"`
}

// Params are the params Select reads; a ruleset may have more, for its
// rules' expressions.
type Params struct {
	// CultureDays is the days from biomaterial collection to a released
	// autologous dose, added to asOf for the autologous earliest start.
	CultureDays int `json:"cultureDays"`
	// PreferredSource is the biomaterial to collect when both can be.
	PreferredSource Source `json:"preferredSource,omitempty"`
}

// Kind returns the therapy decision kind, for a rules.Loader.
func Kind() *ruleskit.KindOf[Facts, *Decision] { return kind() }

var kind = sync.OnceValue(func() *ruleskit.KindOf[Facts, *Decision] {
	return ruleskit.MustKind(ruleskit.Spec[Facts, *Decision]{
		Then:   Then{},
		Params: Params{},
		Name:   DecisionKind,
		Schema: thenSchema,
		// What a rule test may expect as the outcome.
		Outcomes: []string{string(Autologous), string(Allogeneic), string(Either), string(None), string(Undetermined)},
		// The preference settles the choice and the site is reported, in Go.
		Reads: []string{"preference", "condition.site"},
		Decide: func(ctx context.Context, rs *rules.Ruleset, facts Facts, opts ...rules.Option) (*Decision, error) {
			s, err := NewSelector(rs, opts...)
			if err != nil {
				return nil, err
			}
			return s.Select(ctx, facts)
		},
	})
})
