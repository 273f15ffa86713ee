package recommendations

import (
	"context"
	_ "embed"
	"sync"
	"time"

	"github.com/reocell/celltherapy/rules"
	"github.com/reocell/celltherapy/rules/ruleskit"
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

// AftercareThen is what an aftercare rule's then: holds: the window in
// which its recommendation applies, as expressions giving instants (from,
// and until unless it applies until the doctor says otherwise).
type AftercareThen struct {
	From  ruleskit.Expr[time.Time] `json:"from"`
	Until ruleskit.Expr[time.Time] `json:"until"`
}

// AftercareParams are the params the Planner reads.
type AftercareParams struct {
	// SideEffectWindowHours is the hours after administration within which
	// the expected side effects pass.
	SideEffectWindowHours int `json:"sideEffectWindowHours"`
	// Monitoring is the doctor's schedule of contacts after administration.
	Monitoring []ScheduledContact `json:"monitoring"`
}

// ScheduledContact is one contact of the monitoring schedule as the rules
// give it: when it is due after the day of administration.
type ScheduledContact struct {
	ID                    string        `json:"id"`
	After                 Interval      `json:"after"`
	Contact               ContactKind   `json:"contact"`
	Purpose               ruleskit.Text `json:"purpose"`
	AssessesEffectiveness bool          `json:"assessesEffectiveness,omitempty"`
}

// Interval is a span of calendar days and months.
type Interval struct {
	Days   int `json:"days,omitempty"`
	Months int `json:"months,omitempty"`
}

// TriageThen is what a triage rule's then: holds: the action it advises.
type TriageThen struct {
	Action Action `json:"action"`
}

// AftercareKind returns the aftercare decision kind, for a rules.Loader.
func AftercareKind() *ruleskit.KindOf[Facts, *Plan] {
	return aftercareKind()
}

// TriageKind returns the triage decision kind, for a rules.Loader. Its
// params are the rules' own: triage reads none.
func TriageKind() *ruleskit.KindOf[TriageFacts, *TriageDecision] {
	return triageKind()
}

var aftercareKind = sync.OnceValue(func() *ruleskit.KindOf[Facts, *Plan] {
	return ruleskit.MustKind(ruleskit.Spec[Facts, *Plan]{
		Then:   AftercareThen{},
		Params: AftercareParams{},
		Name:   AftercareDecisionKind,
		Schema: aftercareSchema,
		// What a rule test may expect as the outcome.
		Outcomes: []string{string(Planned), string(Undetermined)},
		// The route and site are shown on the leaflet and the calendar.
		Reads: []string{"route", "site"},
		Decide: func(ctx context.Context, rs *rules.Ruleset, facts Facts, opts ...rules.Option) (*Plan, error) {
			p, err := NewPlanner(rs, opts...)
			if err != nil {
				return nil, err
			}
			return p.Plan(ctx, facts)
		},
	})
})

var triageKind = sync.OnceValue(func() *ruleskit.KindOf[TriageFacts, *TriageDecision] {
	return ruleskit.MustKind(ruleskit.Spec[TriageFacts, *TriageDecision]{
		Then:   TriageThen{},
		Name:   TriageDecisionKind,
		Schema: triageSchema,
		// What a rule test may expect as the outcome.
		Outcomes: []string{string(Expected), string(ContactClinic), string(Open)},
		Decide: func(ctx context.Context, rs *rules.Ruleset, facts TriageFacts, opts ...rules.Option) (*TriageDecision, error) {
			t, err := NewTriager(rs, opts...)
			if err != nil {
				return nil, err
			}
			return t.Triage(ctx, facts)
		},
	})
})
