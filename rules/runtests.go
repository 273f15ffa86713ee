package rules

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// runTest runs the test i of rs: it evaluates the test's facts, makes the
// decision of rs's kind and compares it with what the test expects (see
// rulestest.RunTests). statuses are what each rule came to.
func runTest(ctx context.Context, rs *Ruleset, i int) (statuses []uint8, diff string, want, have map[string]any, err error) {
	t := rs.tests[i]
	ev, err := rs.evaluate(ctx, t.facts)
	if err != nil {
		return nil, "", nil, nil, err
	}
	statuses = make([]uint8, len(ev.Results))
	for i, r := range ev.Results {
		statuses[i] = r.Status
	}
	diff, want, have, err = t.compare(ctx, ev)
	return statuses, diff, want, have, err
}

func (t *test) compare(ctx context.Context, ev *evaluation) (diff string, want, have map[string]any, err error) {
	decision, err := t.ruleset.kind.decide(ctx, t.ruleset, t.facts, nil)
	if err != nil {
		return "", nil, nil, err
	}
	raw, err := json.Marshal(decision)
	if err != nil {
		return "", nil, nil, err
	}
	var got map[string]any
	if err := json.Unmarshal(raw, &got); err != nil {
		return "", nil, nil, fmt.Errorf("decision is not a JSON object: %w", err)
	}
	want, have = map[string]any{}, map[string]any{}
	var lines []string
	keys := slices.Sorted(maps.Keys(t.expect))
	if i := slices.Index(keys, "outcome"); i > 0 {
		keys = append([]string{"outcome"}, slices.Delete(keys, i, i+1)...) // what a clinician looks at first
	}
	for _, key := range keys {
		exp := t.expect[key]
		switch key {
		case "fired", "clear", "undetermined":
			status := map[string]uint8{"fired": statusFired, "clear": statusClear, "undetermined": statusUndetermined}[key]
			var ids []string
			for _, r := range ev.Results {
				if r.Status == status {
					ids = append(ids, r.Rule.id)
				}
			}
			want[key], have[key] = sortedStrings(exp), sortedStrings(ids)
			lines = append(lines, explainSet(key, want[key].([]string), have[key].([]string))...)
		case "missing":
			want[key], have[key] = sortedStrings(exp), sortedStrings(missingFacts(got, ev))
			lines = append(lines, explainSet(key, want[key].([]string), have[key].([]string))...)
		default:
			want[key], have[key] = normalize(exp), project(normalize(got[key]), normalize(exp))
			lines = append(lines, explainValue(key, want[key], have[key])...)
		}
	}
	if len(lines) == 0 {
		return "", want, have, nil
	}
	return strings.Join(lines, "\n") + "\n", want, have, nil
}

// missingFacts returns the facts the decision got lists as missing, or,
// for a decision without a missing list, those the evaluation ev lacks.
func missingFacts(got map[string]any, ev *evaluation) []string {
	var facts []string
	if list, ok := got["missing"].([]any); ok {
		for _, m := range list {
			if m, ok := m.(map[string]any); ok {
				facts = append(facts, fmt.Sprint(m["fact"]))
			}
		}
		return facts
	}
	for _, m := range missingOfEvaluation(ev, "en") {
		facts = append(facts, m.Fact)
	}
	return facts
}

func sortedStrings(v any) []string {
	out := []string{}
	switch x := v.(type) {
	case []string:
		out = append(out, x...)
	case []any:
		for _, s := range x {
			out = append(out, fmt.Sprint(s))
		}
	}
	slices.Sort(out)
	return out
}

// normalize makes YAML and JSON values comparable: every number a float64.
func normalize(v any) any {
	switch x := v.(type) {
	case int:
		return float64(x)
	case int64:
		return float64(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalize(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = normalize(e)
		}
		return out
	}
	return v
}

// project keeps of got only what want checks: the keys of objects that want
// lists, recursively, so that a test states only what it cares about.
func project(got, want any) any {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return got
		}
		out := make(map[string]any, len(w))
		for k := range w {
			if v, ok := g[k]; ok {
				out[k] = project(v, w[k])
			} else if w[k] == nil {
				out[k] = nil // null in a test means absent or null
			}
		}
		return out
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return got
		}
		out := make([]any, len(g))
		for i := range g {
			out[i] = project(g[i], w[i])
		}
		return out
	}
	return got
}
