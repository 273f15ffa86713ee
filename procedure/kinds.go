package procedure

import (
	"context"
	"io/fs"

	"github.com/reocell/celltherapy/eligibility"
	"github.com/reocell/celltherapy/recommendations"
	"github.com/reocell/celltherapy/rules"
	"github.com/reocell/celltherapy/therapy"
)

// DecisionKind is a decision kind the program serves: the CLI, the
// reference server and the procedure's Deciders all read DecisionKinds,
// the one list of them.
type DecisionKind struct {
	// Name is the kind's name, as after decision: in rule files and in the
	// server's /v1/decisions/{kind}.
	Name string
	// Kind returns the kind, for a rules.Loader.
	Kind func() rules.Kind
	// Dir is the package directory its default rule files are named from,
	// and Defaults returns those files.
	Dir      string
	Defaults func() fs.FS
	// Roles may ask the server for a decision of this kind directly.
	Roles []Role
	// MinimalFacts is the smallest JSON object of facts the kind decides
	// on, for examples and tests.
	MinimalFacts string
	// use makes the typed decision maker of rs, a ruleset of the kind,
	// puts it in its field of d and returns the kind's JSON entry point.
	use func(rs *rules.Ruleset, d *Deciders) (DecideJSON, error)
}

// DecideJSON decodes a JSON object of facts strictly, decides, and
// returns the decision (which encodes to the decision's JSON) with its
// outcome and the ruleset that made it.
type DecideJSON func(ctx context.Context, facts []byte) (Decision, error)

// Decision is a decision of any kind, as DecideJSON gives it.
type Decision struct {
	Value   any // the kind's own decision, such as *eligibility.Decision
	Outcome string
	Ruleset rules.Ref
}

// Use makes the decision maker of rs, a ruleset of kind k, puts it in its
// typed field of d, and returns the kind's JSON entry point.
func (k DecisionKind) Use(rs *rules.Ruleset, d *Deciders) (DecideJSON, error) { return k.use(rs, d) }

// DecisionKinds returns every decision kind, in the order the docs list
// them. The slice is the caller's own.
func DecisionKinds() []DecisionKind {
	return []DecisionKind{
		{
			Name: eligibility.DecisionKind, Kind: func() rules.Kind { return eligibility.Kind() },
			Dir: "eligibility", Defaults: eligibility.DefaultFS,
			// The doctor at consultation, the board at review, the nurse for
			// the same-day re-screening before an administration.
			Roles:        []Role{Doctor, Board, Nurse},
			MinimalFacts: `{}`,
			use: func(rs *rules.Ruleset, d *Deciders) (DecideJSON, error) {
				s, err := eligibility.NewScreener(rs)
				if err != nil {
					return nil, err
				}
				d.Screener = s
				return entry(eligibility.DecodeFacts, s.Screen, func(v *eligibility.Decision) (string, rules.Ref) { return string(v.Outcome), v.Ruleset }), nil
			},
		},
		{
			Name: therapy.DecisionKind, Kind: func() rules.Kind { return therapy.Kind() },
			Dir: "therapy", Defaults: therapy.DefaultFS,
			Roles:        []Role{Doctor, Board},
			MinimalFacts: `{}`,
			use: func(rs *rules.Ruleset, d *Deciders) (DecideJSON, error) {
				s, err := therapy.NewSelector(rs)
				if err != nil {
					return nil, err
				}
				d.Selector = s
				return entry(therapy.DecodeFacts, s.Select, func(v *therapy.Decision) (string, rules.Ref) { return string(v.Outcome), v.Ruleset }), nil
			},
		},
		{
			Name: recommendations.AftercareDecisionKind, Kind: func() rules.Kind { return recommendations.AftercareKind() },
			Dir: "recommendations", Defaults: recommendations.DefaultFS,
			Roles:        []Role{Doctor, Nurse},
			MinimalFacts: `{"administeredAt":"2026-11-24T09:30:00Z","route":"intravenous"}`,
			use: func(rs *rules.Ruleset, d *Deciders) (DecideJSON, error) {
				p, err := recommendations.NewPlanner(rs)
				if err != nil {
					return nil, err
				}
				d.Planner = p
				return entry(recommendations.DecodeFacts, p.Plan, func(v *recommendations.Plan) (string, rules.Ref) { return string(v.Outcome), v.Ruleset }), nil
			},
		},
		{
			Name: recommendations.TriageDecisionKind, Kind: func() rules.Kind { return recommendations.TriageKind() },
			Dir: "recommendations", Defaults: recommendations.DefaultFS,
			Roles:        []Role{Doctor, Nurse},
			MinimalFacts: `{}`,
			use: func(rs *rules.Ruleset, d *Deciders) (DecideJSON, error) {
				t, err := recommendations.NewTriager(rs)
				if err != nil {
					return nil, err
				}
				d.Triager = t
				return entry(recommendations.DecodeTriageFacts, t.Triage, func(v *recommendations.TriageDecision) (string, rules.Ref) { return string(v.Outcome), v.Ruleset }), nil
			},
		},
	}
}

// entry is a kind's JSON entry point from its typed parts.
func entry[F, D any](decode func([]byte) (F, error), decide func(context.Context, F) (D, error), head func(D) (string, rules.Ref)) DecideJSON {
	return func(ctx context.Context, data []byte) (Decision, error) {
		facts, err := decode(data)
		if err != nil {
			return Decision{}, err
		}
		d, err := decide(ctx, facts)
		if err != nil {
			return Decision{}, err
		}
		outcome, ref := head(d)
		return Decision{Value: d, Outcome: outcome, Ruleset: ref}, nil
	}
}
