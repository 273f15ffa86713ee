// Package lint looks through loaded rule files for what loads and runs but
// is probably a mistake (celltherapy lint prints what it finds).
package lint

import (
	"github.com/reocell/celltherapy/rules"
	"github.com/reocell/celltherapy/rules/internal/hook"
)

var analyze = hook.Analyze.(func(*rules.Set, func(rules.Pos, string, string)))

// WarningCode classifies a Warning, so that tools and tests can tell
// warnings apart without reading their messages.
type WarningCode string

// The warnings Analyze gives.
const (
	WarnUnusedParam        WarningCode = "unused-param"        // a param no rule reads
	WarnUnusedQuestion     WarningCode = "unused-question"     // a question for a fact no rule reads
	WarnNoQuestion         WarningCode = "no-question"         // a fact a rule reads that has no question
	WarnNeverTrue          WarningCode = "never-true"          // a condition no facts can make true
	WarnAlwaysTrue         WarningCode = "always-true"         // a condition true whatever the facts it reads
	WarnDuplicateCondition WarningCode = "duplicate-condition" // two rules of a ruleset with one condition
)

// Warning is something in a ruleset that loads and runs but is probably a
// mistake, at its position in the rule file.
type Warning struct {
	Pos     rules.Pos
	Code    WarningCode
	Message string
}

// String formats the warning as file:line:col: warning: message.
func (w Warning) String() string { return w.Pos.String() + ": warning: " + w.Message }

// Analyze looks through every ruleset of set for what loads but is likely a
// mistake: params no rule reads, questions for facts no rule reads, facts
// read without a question (an undetermined decision could not say what to
// ask), conditions that the facts' types, enumerations and the params make
// never true or always true, and rules of one ruleset with the same
// condition. It works on what loading computed (the facts and params each
// expression reads, the split condition), and returns the warnings sorted
// by position.
//
// A condition that reads no fact at all (when: true, or params alone) is
// taken as meant: it says the rule always, or never, applies.
func Analyze(set *rules.Set) []Warning {
	var out []Warning
	analyze(set, func(pos rules.Pos, code, message string) {
		out = append(out, Warning{Pos: pos, Code: WarningCode(code), Message: message})
	})
	return out
}
