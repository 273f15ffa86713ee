package main

import (
	"context"

	"github.com/reocell/celltherapy/rules"
)

// decideJSON makes the decision of kind with rs for one JSON object of
// facts. It is the one place the program turns facts JSON into a decision,
// so that eval, eval --batch and diff decode and decide alike. A decode
// error is a rules.FactErrors naming each bad value's JSON path.
func decideJSON(ctx context.Context, kind *rules.Kind, rs *rules.Ruleset, data []byte) (any, error) {
	facts := kind.NewFacts()
	if err := kind.Vocabulary().DecodeJSON(data, facts); err != nil {
		return nil, err
	}
	return kind.Decide(ctx, rs, facts)
}
