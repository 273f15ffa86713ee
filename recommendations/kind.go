package recommendations

import (
	"context"
	_ "embed"
	"sync"
	"time"

	"github.com/reocell/celltherapy/rules"
)

// The values of decision: in aftercare and triage rule files.
const (
	AftercareDecisionKind = "aftercare"
	TriageDecisionKind    = "triage"
)

// aftercareSchema says what an aftercare rule file may hold beyond the core
// keys: each rule's then: gives its window (from, and until unless it is
// open-ended), and params.monitoring is the schedule of contacts.
//
//go:embed aftercare.schema.json
var aftercareSchema []byte

// triageSchema says that each triage rule's then: gives an action.
//
//go:embed triage.schema.json
var triageSchema []byte

// AftercareKind returns the aftercare decision kind, for a rules.Loader.
func AftercareKind() *rules.Kind { return aftercareKind() }

// TriageKind returns the triage decision kind, for a rules.Loader.
func TriageKind() *rules.Kind { return triageKind() }

var aftercareKind = sync.OnceValue(func() *rules.Kind {
	return rules.MustKind(rules.KindConfig{
		Name:      AftercareDecisionKind,
		Facts:     Facts{},
		ThenExprs: map[string]any{"from": time.Time{}, "until": time.Time{}},
		Schema:    aftercareSchema,
		// The plan's side-effect window and monitoring schedule, and the
		// route and site it names on the leaflet and calendar.
		Reads: []string{"params.sideEffectWindowHours", "params.monitoring", "route", "site"},
		Decide: rules.Decider(func(ctx context.Context, rs *rules.Ruleset, facts Facts) (*Plan, error) {
			p, err := NewPlanner(rs)
			if err != nil {
				return nil, err
			}
			return p.Plan(ctx, facts)
		}),
	})
})

var triageKind = sync.OnceValue(func() *rules.Kind {
	return rules.MustKind(rules.KindConfig{
		Name:   TriageDecisionKind,
		Facts:  TriageFacts{},
		Schema: triageSchema,
		Decide: rules.Decider(func(ctx context.Context, rs *rules.Ruleset, facts TriageFacts) (*TriageDecision, error) {
			t, err := NewTriager(rs)
			if err != nil {
				return nil, err
			}
			return t.Triage(ctx, facts)
		}),
	})
})
