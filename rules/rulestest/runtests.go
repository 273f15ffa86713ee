package rulestest

import (
	"context"
	"fmt"
	"path"
	"strings"

	"github.com/reocell/celltherapy/rules"
	"github.com/reocell/celltherapy/rules/internal/hook"
)

var (
	testsOf  = hook.Tests.(func(*rules.Ruleset) []hook.TestCase)
	constant = hook.Constant.(func(*rules.Ruleset) []bool)
	runTest  = hook.RunTest.(func(context.Context, *rules.Ruleset, int) ([]uint8, string, map[string]any, map[string]any, error))
	fileStem = hook.FileStem.(func(string) string)
)

// Test is one test case of a ruleset: facts, and what the decision must be.
type Test struct {
	name    string
	pos     rules.Pos
	ruleset *rules.Ruleset
}

// Name returns the test's name.
func (t *Test) Name() string { return t.name }

// Pos returns the test's position in its file.
func (t *Test) Pos() rules.Pos { return t.pos }

// Ruleset returns the ruleset the test is for.
func (t *Test) Ruleset() *rules.Ruleset { return t.ruleset }

// Tests returns the tests of rs: those in its file, then those of
// standalone test files in file order.
func Tests(rs *rules.Ruleset) []*Test {
	list := testsOf(rs)
	out := make([]*Test, len(list))
	for i, t := range list {
		out[i] = &Test{name: t.Name, pos: t.Pos.(rules.Pos), ruleset: rs}
	}
	return out
}

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
	Untested []*rules.Ruleset
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
func RunTests(ctx context.Context, rulesets ...*rules.Ruleset) *Report {
	rep := &Report{}
	for _, rs := range rulesets {
		tests := Tests(rs)
		if len(tests) == 0 {
			rep.Untested = append(rep.Untested, rs)
		}
		ruleList := rs.Rules()
		consts := constant(rs)
		cov := make([]RuleCoverage, len(ruleList))
		for i, r := range ruleList {
			cov[i] = RuleCoverage{Ruleset: rs.Name(), Rule: r.ID(), Constant: consts[i]}
		}
		for i, t := range tests {
			res := TestResult{Test: t}
			var statuses []uint8
			statuses, res.Diff, res.Expected, res.Actual, res.Err = runTest(ctx, rs, i)
			for i, s := range statuses {
				switch s {
				case hook.Fired:
					cov[i].Fired = true
				case hook.Clear:
					cov[i].Clear = true
				case hook.Undetermined:
					cov[i].Undetermined = true
				}
			}
			rep.Results = append(rep.Results, res)
		}
		rep.Coverage = append(rep.Coverage, cov...)
	}
	return rep
}

// String renders the report for people: failures with their diffs, then a
// summary line "N passed, N failed".
func (r *Report) String() string {
	var b strings.Builder
	for _, res := range r.Results {
		if res.Passed() {
			continue
		}
		fmt.Fprintf(&b, "FAIL %s: %s/%s\n", res.Test.pos, res.Test.ruleset.Name(), res.Test.name)
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
			rs.File(), rs.Name(), fileStem(path.Base(rs.File())))
	}
	fmt.Fprintf(&b, "%d passed, %d failed", len(r.Results)-r.failed(), r.failed())
	if n := len(r.Untested); n > 0 {
		fmt.Fprintf(&b, ", %d ruleset(s) without tests", n)
	}
	b.WriteString("\n")
	return b.String()
}
