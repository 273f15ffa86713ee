package rules

// The parts every decision shares (see docs/design.md, "Decisions"). Domain
// packages put them beside their own fields.

// Header is what every decision starts with: its kind, outcome, the day it
// was made for, the ruleset that made it, what the rules found and what is
// missing. O is the kind's outcome type and F its finding type (Finding, or
// a struct that embeds Finding). Domain decisions embed it, so the JSON of
// every decision begins the same way.
type Header[O ~string, F any] struct {
	Decision string        `json:"decision"`
	Outcome  O             `json:"outcome"`
	AsOf     Date          `json:"asOf"`
	Ruleset  Ref           `json:"ruleset"`
	Findings []F           `json:"findings"`
	Missing  []MissingFact `json:"missing"`
	// Unconfirmed names the values not yet confirmed by the clinic's
	// medical board that shaped the decision (params.NAME,
	// rules.ID.then.KEY; see Ruleset.UnconfirmedIn), in the order of the
	// ruleset's list. A decision that rests on one is the rules' proposal,
	// to be confirmed by the doctor.
	Unconfirmed []string `json:"unconfirmed,omitempty"`
}

// NewHeader returns the header of a decision of rs's kind with outcome,
// made for the day asOf, with empty (not nil) findings and missing facts.
func NewHeader[O ~string, F any](rs *Ruleset, outcome O, asOf Date) Header[O, F] {
	return Header[O, F]{
		Decision: rs.kind.name,
		Outcome:  outcome,
		AsOf:     asOf,
		Ruleset:  rs.Ref(),
		Findings: []F{},
		Missing:  []MissingFact{},
	}
}

// Finding is a fired rule as a decision reports it: which rule, its text, and
// the facts it read with their values.
type Finding struct {
	Rule     string   `json:"rule"`
	Title    string   `json:"title"`
	Message  string   `json:"message"`
	Evidence Evidence `json:"evidence"`
}

// Finding returns the result as a Finding, with the message in locale.
func (r *Result) Finding(locale string) Finding {
	return Finding{Rule: r.Rule.id, Title: r.Rule.TitleIn(locale), Message: r.Rule.message.In(locale), Evidence: r.Evidence()}
}

// MissingFact is an unknown fact that keeps a decision open: the question to
// ask for it and the rules that wait on it.
type MissingFact struct {
	Fact     string   `json:"fact"`
	Question string   `json:"question,omitempty"`
	Rules    []string `json:"rules"`
}

// Missing returns the unknown facts that keep the undetermined rules open,
// in vocabulary order, each with its question in locale.
func (e *Evaluation) Missing(locale string) []MissingFact {
	return MissingFacts(e.Ruleset, locale, e.Undetermined())
}

// MissingFacts gathers the Missing facts of results into one list in
// vocabulary order, each naming the rules (in file order) that need it.
func MissingFacts(rs *Ruleset, locale string, results []*Result) []MissingFact {
	var need factSet
	for _, r := range results {
		for _, f := range r.Missing() {
			need.add(rs.kind.vocab.byName[f])
		}
	}
	out := []MissingFact{}
	for i, f := range rs.kind.vocab.facts {
		if !need.has(i) {
			continue
		}
		m := MissingFact{Fact: f.Name, Question: rs.Question(f.Name, locale)}
		for _, r := range results {
			for _, name := range r.Missing() {
				if name == f.Name {
					m.Rules = append(m.Rules, r.Rule.id)
					break
				}
			}
		}
		out = append(out, m)
	}
	return out
}
