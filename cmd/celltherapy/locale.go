package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/reocell/celltherapy/eligibility"
	"github.com/reocell/celltherapy/recommendations"
	"github.com/reocell/celltherapy/rules"
	"github.com/reocell/celltherapy/therapy"
)

// localeFlag adds --locale to a command: the language of messages,
// questions and texts for people. English is the fallback for any text the
// rules do not give in it.
func localeFlag(fs *flag.FlagSet) *string {
	return fs.String("locale", "en", "language of messages, questions and texts for people (en, ru; English where a text has none)")
}

// decideIn decodes facts strictly and makes the decision of kind with rs in
// locale. It calls each domain's decision maker with rules.WithLocale, which
// the kind's DecideJSON does not take.
func decideIn(ctx context.Context, kind rules.Kind, rs *rules.Ruleset, facts []byte, locale string) (any, error) {
	loc := rules.WithLocale(locale)
	switch kind.Name() {
	case eligibility.DecisionKind:
		f, err := eligibility.DecodeFacts(facts)
		if err != nil {
			return nil, err
		}
		s, err := eligibility.NewScreener(rs, loc)
		if err != nil {
			return nil, err
		}
		return s.Screen(ctx, f)
	case therapy.DecisionKind:
		f, err := therapy.DecodeFacts(facts)
		if err != nil {
			return nil, err
		}
		s, err := therapy.NewSelector(rs, loc)
		if err != nil {
			return nil, err
		}
		return s.Select(ctx, f)
	case recommendations.AftercareDecisionKind:
		f, err := recommendations.DecodeFacts(facts)
		if err != nil {
			return nil, err
		}
		p, err := recommendations.NewPlanner(rs, loc)
		if err != nil {
			return nil, err
		}
		return p.Plan(ctx, f)
	case recommendations.TriageDecisionKind:
		f, err := recommendations.DecodeTriageFacts(facts)
		if err != nil {
			return nil, err
		}
		t, err := recommendations.NewTriager(rs, loc)
		if err != nil {
			return nil, err
		}
		return t.Triage(ctx, f)
	}
	return kind.DecideJSON(ctx, rs, facts)
}

// writeUnconfirmed prints every unconfirmed value of set as
// file:line:col: message, for lint --require-confirmed, and returns how
// many there are.
func writeUnconfirmed(w io.Writer, set *rules.Set) int {
	n := 0
	for _, rs := range set.Rulesets() {
		for _, u := range rs.Unconfirmed() {
			n++
			fmt.Fprintf(w, "%s: %s is not confirmed by the medical board (source: %s); confirm it, then delete its entry or set confirmed: true\n",
				u.Pos, u.Value, u.Source)
		}
	}
	return n
}
