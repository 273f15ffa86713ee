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
	return missingFactsOf(e.Ruleset, locale, e.Undetermined())
}

// missingFactsOf gathers the Missing facts of results into one list in
// vocabulary order, each naming the rules (in file order) that need it.
func missingFactsOf(rs *Ruleset, locale string, results []*Result) []MissingFact {
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
