package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/reocell/celltherapy/rules"
	"github.com/reocell/celltherapy/rules/ruleskit"
)

// This file is the one place the program turns facts JSON into decisions,
// so that eval, eval --batch and diff decode and decide alike.

// decideJSON makes the decision of kind with rs for one JSON object of
// facts. A decode
// error is a rules.FieldErrors naming each bad value's JSON path.
func decideJSON(ctx context.Context, kind rules.Kind, rs *rules.Ruleset, data []byte, opts ...rules.Option) (any, error) {
	return kind.DecideJSON(ctx, rs, data, opts...)
}

// verdict is what diff compares of one decision: its outcome, the rules
// that fired and the facts it asks for, and the digest of its ruleset.
type verdict struct {
	Outcome string   `json:"outcome"`
	Fired   []string `json:"fired"`
	Missing []string `json:"missing"`
	Digest  string   `json:"digest"`
}

// decodeFacts decodes one JSON object of facts of kind.
func decodeFacts(kind rules.Kind, data []byte) (any, error) { return kind.DecodeAny(data) }

// judge makes the decision of kind with rs for facts (from decodeFacts) and
// returns its verdict: the fired rules as the engine found them, the
// outcome and missing facts as the decision reports them.
func judge(ctx context.Context, kind rules.Kind, rs *rules.Ruleset, facts any) (verdict, error) {
	ev, err := ruleskit.EvaluateAny(ctx, kind, rs, facts)
	if err != nil {
		return verdict{}, err
	}
	decision, err := kind.DecideAny(ctx, rs, facts)
	if err != nil {
		return verdict{}, err
	}
	raw, err := json.Marshal(decision)
	if err != nil {
		return verdict{}, err
	}
	var shape struct {
		Outcome string `json:"outcome"`
		Missing []struct {
			Fact string `json:"fact"`
		} `json:"missing"`
	}
	if err := json.Unmarshal(raw, &shape); err != nil {
		return verdict{}, fmt.Errorf("decision %s is not a JSON object: %w", kind.Name(), err)
	}
	v := verdict{Outcome: shape.Outcome, Fired: []string{}, Missing: []string{}, Digest: rs.Digest()}
	for _, r := range ev.Fired() {
		v.Fired = append(v.Fired, r.Rule.ID())
	}
	for _, m := range shape.Missing {
		v.Missing = append(v.Missing, m.Fact)
	}
	return v, nil
}
