// Package rulestest runs the tests of rule files inside go test, one subtest
// per rule test, so that a clinic's rules are checked with its Go code:
//
//	func TestRules(t *testing.T) {
//		rulestest.Run(t, eligibility.DefaultRules())
//	}
package rulestest

import (
	"context"
	"github.com/expr-lang/expr/vm"
	"testing"

	"github.com/reocell/celltherapy/rules"
)

// Run runs every test of each ruleset as a subtest named RULESET/TEST, and
// reports a failure with its position and the diff of expected and actual.
// It fails t when a ruleset has no tests.
func Run(t *testing.T, rulesets ...*rules.Ruleset) {
	t.Helper()
	for _, rs := range rulesets {
		if len(rs.Tests()) == 0 {
			t.Errorf("ruleset %s (%s) has no tests", rs.Name(), rs.File())
		}
	}
	rep := rules.RunTests(context.Background(), rulesets...)
	for _, res := range rep.Results {
		t.Run(res.Test.Ruleset().Name()+"/"+res.Test.Name(), func(t *testing.T) {
			if res.Err != nil {
				t.Fatalf("%s: %v", res.Test.Pos(), res.Err)
			}
			if res.Diff != "" {
				t.Errorf("%s:\n%s", res.Test.Pos(), res.Diff)
			}
		})
	}
}

// ExprBaseline benchmarks running the compiled conditions of rs
// (rules.Rule.Program) one after the other on one reused expr VM, with
// facts (a pointer to the kind's facts struct, every fact the conditions
// read known): what the rules cost with expr alone, the figure to set beside
// a benchmark of the decision that uses them.
func ExprBaseline(b *testing.B, rs *rules.Ruleset, facts any) {
	b.Helper()
	var programs []*vm.Program
	for _, r := range rs.Rules() {
		programs = append(programs, r.Program())
	}
	var machine vm.VM
	b.ReportAllocs()
	for b.Loop() {
		for _, p := range programs {
			if _, err := machine.Run(p, facts); err != nil {
				b.Fatal(err)
			}
		}
	}
}
