package rules

// The parts every decision shares (see docs/design.md, "Decisions"); the
// header that holds them is ruleskit.Header.

// Finding is a fired rule as a decision reports it: which rule, its text, and
// the facts it read with their values.
type Finding struct {
	Rule     string   `json:"rule"`
	Title    string   `json:"title"`
	Message  string   `json:"message"`
	Evidence Evidence `json:"evidence"`
}

// MissingFact is an unknown fact that keeps a decision open: the question to
// ask for it and the rules that wait on it.
type MissingFact struct {
	Fact     string   `json:"fact"`
	Question string   `json:"question,omitempty"`
	Rules    []string `json:"rules"`
}

// missingFactsOf gathers the missing facts of results into one list in
// vocabulary order, each naming the rules (in file order) that need it
// (ruleskit.MissingFacts).
func missingFactsOf(rs *Ruleset, locale string, results []*result) []MissingFact {
	var need factSet
	for _, r := range results {
		for _, f := range missingOf(r) {
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
			for _, name := range missingOf(r) {
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

// missing returns the unknown facts that keep the undetermined rules of e
// open, in vocabulary order, each with its question in locale.
func missingOfEvaluation(e *evaluation, locale string) []MissingFact {
	var open []*result
	for i := range e.Results {
		if e.Results[i].Status == statusUndetermined {
			open = append(open, &e.Results[i])
		}
	}
	return missingFactsOf(e.Ruleset, locale, open)
}
