package rules

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"
)

// TestResult is the outcome of one test case.
type TestResult struct {
	Test *Test
	// Diff is empty when the test passed; otherwise it has one line for
	// each key where the decision differs from what the test expects:
	// "outcome: expected eligible, got ineligible".
	Diff string
	// Err is set when the decision could not be made at all.
	Err error
	// Expected and Actual are, for each key the test checks, what it
	// expects and what the decision gave, as plain data (sets sorted).
	Expected, Actual map[string]any
}

// Passed reports whether the test passed.
//
// In expect, null stands for a key the decision leaves out (or sets to null).
func (r TestResult) Passed() bool { return r.Diff == "" && r.Err == nil }

// RuleCoverage says which outcomes the tests saw for one rule.
type RuleCoverage struct {
	Ruleset                    string
	Rule                       string
	Fired, Clear, Undetermined bool
	// Constant is set for a rule whose condition reads no fact (such as
	// when: true): it can only ever have one outcome.
	Constant bool
}

// Complete reports whether the rule was seen fired, clear and undetermined,
// or, for a constant rule, seen at all.
func (c RuleCoverage) Complete() bool {
	if c.Constant {
		return c.Fired || c.Clear
	}
	return c.Fired && c.Clear && c.Undetermined
}

// Report is the outcome of running rule tests.
type Report struct {
	Results  []TestResult
	Coverage []RuleCoverage // rules of every ruleset run, in file order
	// Untested are the rulesets that have no tests at all: nothing pins
	// their decisions down, so a test run that has them fails (see OK).
	Untested []*Ruleset
}

// OK reports whether every test passed and every ruleset had tests.
func (r *Report) OK() bool { return r.failed() == 0 && len(r.Untested) == 0 }

// failed returns the number of tests that did not pass.
func (r *Report) failed() int {
	n := 0
	for _, res := range r.Results {
		if !res.Passed() {
			n++
		}
	}
	return n
}

// RunTests runs the tests of each ruleset: it makes the decision of the
// ruleset's kind for each test's facts and compares it with what the test
// expects. fired, clear and undetermined are compared as sets of rule ids,
// missing as a set of facts; any other key of expect is compared with the
// decision's JSON at that key, objects by the keys the test lists and lists
// element by element.
func RunTests(ctx context.Context, rulesets ...*Ruleset) *Report {
	rep := &Report{}
	for _, rs := range rulesets {
		if len(rs.tests) == 0 {
			rep.Untested = append(rep.Untested, rs)
		}
		cov := make([]RuleCoverage, len(rs.rules))
		for i, r := range rs.rules {
			cov[i] = RuleCoverage{Ruleset: rs.name, Rule: r.id, Constant: r.when.reads.empty()}
		}
		for _, t := range rs.tests {
			res := TestResult{Test: t}
			ev, err := rs.evaluate(ctx, t.facts)
			if err == nil {
				for i, r := range ev.Results {
					switch r.Status {
					case Fired:
						cov[i].Fired = true
					case Clear:
						cov[i].Clear = true
					case Undetermined:
						cov[i].Undetermined = true
					}
				}
				res.Diff, res.Expected, res.Actual, res.Err = t.compare(ctx, ev)
			} else {
				res.Err = err
			}
			rep.Results = append(rep.Results, res)
		}
		rep.Coverage = append(rep.Coverage, cov...)
	}
	return rep
}

func (t *Test) compare(ctx context.Context, ev *Evaluation) (diff string, want, have map[string]any, err error) {
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
			status := map[string]Status{"fired": Fired, "clear": Clear, "undetermined": Undetermined}[key]
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
func missingFacts(got map[string]any, ev *Evaluation) []string {
	var facts []string
	if list, ok := got["missing"].([]any); ok {
		for _, m := range list {
			if m, ok := m.(map[string]any); ok {
				facts = append(facts, fmt.Sprint(m["fact"]))
			}
		}
		return facts
	}
	for _, m := range ev.Missing("en") {
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

// String renders the report for people: failures with their diffs, then a
// summary line "N passed, N failed".
func (r *Report) String() string {
	var b strings.Builder
	for _, res := range r.Results {
		if res.Passed() {
			continue
		}
		fmt.Fprintf(&b, "FAIL %s: %s/%s\n", res.Test.pos, res.Test.ruleset.name, res.Test.name)
		if res.Err != nil {
			fmt.Fprintf(&b, "    error: %v\n", res.Err)
		}
		for _, line := range strings.Split(strings.TrimRight(res.Diff, "\n"), "\n") {
			if line != "" {
				fmt.Fprintf(&b, "    %s\n", line)
			}
		}
	}
	for _, rs := range r.Untested {
		fmt.Fprintf(&b, "FAIL %s: ruleset %s has no tests; add tests: to it, or a file %s.test.yaml beside it, so that its decisions are pinned down\n",
			rs.file, rs.name, fileStem(path.Base(rs.file)))
	}
	fmt.Fprintf(&b, "%d passed, %d failed", len(r.Results)-r.failed(), r.failed())
	if n := len(r.Untested); n > 0 {
		fmt.Fprintf(&b, ", %d ruleset(s) without tests", n)
	}
	b.WriteString("\n")
	return b.String()
}
