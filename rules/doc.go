// Package rules loads, checks, compiles and evaluates the rule files of a
// clinic: YAML documents whose conditions are written in the expr language
// and whose shape is fixed by a JSON Schema. It knows nothing about cell
// therapy; a domain package describes a decision kind in Go types (its
// facts, what a rule's then: holds, its params, its decision) with
// ruleskit.NewKind, and turns evaluated rules into its decision.
// docs/design.md shows how. This package is what an embedder uses: load,
// decide, the errors and dates; package ruleskit is for the authors of
// decision kinds, lint and rulestest are the tools.
//
// The call most users need is a load, then a decision:
//
//	set, err := (&rules.Loader{Kinds: []rules.Kind{eligibility.Kind()}}).LoadPaths("rules/")
//	if err != nil {
//		// every problem of every file, each at file:line:col; see Problems
//	}
//	decision, err := eligibility.Kind().Decide(ctx, set.Ruleset("msc-contraindications"), facts)
//
// Loading is all or nothing. A loaded Ruleset is immutable and safe for
// concurrent use, and carries its name, version and the sha256 digest of its
// source.
//
// Facts are a struct of pointer fields: nil is an unknown fact, never false.
// Conditions are judged in strong Kleene logic: true || unknown is true,
// false && unknown is false, and anything else that reads an unknown fact is
// unknown. A rule is then Fired, Clear or Undetermined; an undetermined rule
// names the unknown facts that keep it open, and a fired rule carries the
// facts it read as evidence. Simple parts of a condition (a boolean fact, a
// fact compared with a constant, dates moved by addYears/addMonths/addDays or
// a constant duration) are judged directly in Go; the rest run as compiled
// expr programs. addYears and addMonths clamp a month end to the last day
// of the target month (AddDate).
//
// A rule file declares the languages of its texts (locales:) and lists the
// values the clinic's medical board has not confirmed (unconfirmed:); every
// decision header names those it rests on (ruleskit.UnconfirmedIn).
//
// rulestest.RunTests runs the tests that rule files carry, comparing each
// decision with what the test expects and recording, for each rule, which
// outcomes the tests saw; lint.Analyze warns of what loads but is likely a
// mistake.
package rules
