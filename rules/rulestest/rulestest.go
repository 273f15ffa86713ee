// Package rulestest runs the tests of rule files inside go test, one subtest
// per rule test, so that a clinic's rules are checked with its Go code:
//
//	func TestRules(t *testing.T) {
//		rulestest.Run(t, eligibility.DefaultRules())
//	}
package rulestest

import (
	"context"
	"testing"

	"github.com/reocell/celltherapy/rules"
)

// Run runs every test of each ruleset as a subtest named RULESET/TEST, and
// reports a failure with its position and the diff of expected and actual.
// It fails t when a ruleset has no tests.
func Run(t *testing.T, rulesets ...*rules.Ruleset) {
	t.Helper()
	for _, rs := range rulesets {
		if len(Tests(rs)) == 0 {
			t.Errorf("ruleset %s (%s) has no tests", rs.Name(), rs.File())
		}
	}
	rep := RunTests(context.Background(), rulesets...)
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

// The codes of the problems the loader finds in test files (rules.Error's
// Code), beside the rule files' own codes in package rules.
const (
	CodeFacts  rules.Code = "facts"  // facts in a test do not fit the vocabulary
	CodeExpect rules.Code = "expect" // a test expects a key or an outcome its decision never has
)
