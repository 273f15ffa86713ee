package main

import (
	"context"

	"github.com/reocell/celltherapy/rules"
)

// This file is the one place the program turns facts JSON into decisions,
// so that eval, eval --batch and diff decode and decide alike (diff through
// internal/rulediff, which the console's playground shares).

// decideJSON makes the decision of kind with rs for one JSON object of
// facts. A decode
// error is a rules.FieldErrors naming each bad value's JSON path.
func decideJSON(ctx context.Context, kind rules.Kind, rs *rules.Ruleset, data []byte, opts ...rules.Option) (any, error) {
	return kind.DecideJSON(ctx, rs, data, opts...)
}
