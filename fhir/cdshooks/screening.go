package cdshooks

// The one file of this package that speaks to the eligibility package. It
// reads decisions through their JSON shape, which stays stable while the
// rules engine changes.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/reocell/celltherapy/eligibility"
)

// Screener screens a patient's facts; *eligibility.Screener is one.
type Screener interface {
	Screen(ctx context.Context, facts eligibility.Facts) (*eligibility.Decision, error)
}

// decision is an eligibility decision as this package reads it.
type decision struct {
	Outcome string `json:"outcome"`
	AsOf    string `json:"asOf"`
	Ruleset struct {
		Name    string `json:"name"`
		Version string `json:"version"`
		Digest  string `json:"digest"`
	} `json:"ruleset"`
	Findings []struct {
		Rule         string          `json:"rule"`
		Title        string          `json:"title"`
		Message      string          `json:"message"`
		Evidence     json.RawMessage `json:"evidence"`
		Duration     string          `json:"duration"`
		RescreenFrom string          `json:"rescreenFrom"`
	} `json:"findings"`
	Missing []struct {
		Fact     string   `json:"fact"`
		Question string   `json:"question"`
		Rules    []string `json:"rules"`
	} `json:"missing"`
}

// screen screens facts and returns the decision as JSON and as read here.
func screen(ctx context.Context, s Screener, facts eligibility.Facts) (*decision, json.RawMessage, error) {
	d, err := s.Screen(ctx, facts)
	if err != nil {
		return nil, nil, err
	}
	raw, err := json.Marshal(d)
	if err != nil {
		return nil, nil, err
	}
	var out decision
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, nil, fmt.Errorf("cdshooks: reading the decision: %w", err)
	}
	return &out, raw, nil
}

// factValue is one fact of a finding's evidence.
type factValue struct {
	fact  string
	value string
}

// evidence reads a finding's evidence object in its own order.
func evidence(raw json.RawMessage) []factValue {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	var out []factValue
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return out
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return out
		}
		name, _ := k.(string)
		out = append(out, factValue{fact: name, value: string(bytes.Trim(v, `"`))})
	}
	return out
}
