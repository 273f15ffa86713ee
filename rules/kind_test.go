package rules_test

import (
	"context"
	"time"

	"github.com/reocell/celltherapy/rules"
	"github.com/reocell/celltherapy/rules/ruleskit"
)

// testFacts is a small vocabulary for testing the engine on its own.
type testFacts struct {
	AsOf  *time.Time `json:"asOf,omitempty" expr:"asOf" fact:"date"`
	A     *bool      `json:"a,omitempty" expr:"a"`
	B     *bool      `json:"b,omitempty" expr:"b"`
	C     *bool      `json:"c,omitempty" expr:"c"`
	N     *float64   `json:"n,omitempty" expr:"n" fact:"range=-1e6..1e6"`
	Color *string    `json:"color,omitempty" expr:"color" fact:"enum=red|green"`
	Group *testGroup `json:"group,omitempty" expr:"group"`
}

type testGroup struct {
	Day   *time.Time `json:"day,omitempty" expr:"day" fact:"date"`
	At    *time.Time `json:"at,omitempty" expr:"at" fact:"instant"`
	Count *int       `json:"count,omitempty" expr:"count" fact:"range=-1e6..1e6"`
}

type testDecision struct {
	Outcome string          `json:"outcome"`
	Fired   []rules.Finding `json:"findings"`
}

// testThen is what a test rule's then: may hold: an instant expression
// and a literal note.
type testThen struct {
	Until ruleskit.Expr[time.Time] `json:"until"`
	Note  string                   `json:"note"`
}

var testKind = ruleskit.MustKind(ruleskit.Spec[testFacts, testDecision]{Then: testThen{}, Params: map[string]any{},
	Name: "test",
	Decide: func(ctx context.Context, rs *rules.Ruleset, facts testFacts, _ ...rules.Option) (testDecision, error) {
		ev, err := ruleskit.Evaluate(ctx, rs, &facts)
		if err != nil {
			return testDecision{}, err
		}
		d := testDecision{Outcome: "none", Fired: []rules.Finding{}}
		for _, r := range ev.Fired() {
			d.Fired = append(d.Fired, r.Finding("en"))
			d.Outcome = "some"
		}
		return d, nil
	},
})

func load(files ...rules.File) (*rules.Set, error) {
	return (&rules.Loader{Kinds: []rules.Kind{testKind}}).Load(files...)
}

func file(name, src string) rules.File { return rules.File{Name: name, Data: []byte(src)} }
