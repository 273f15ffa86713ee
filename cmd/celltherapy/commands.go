package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/reocell/celltherapy/rules"
	"github.com/reocell/celltherapy/rules/rulestest"
)

func (c *cli) errorf(format string, args ...any) {
	fmt.Fprintf(c.stderr, "celltherapy: "+format+"\n", args...)
}

// load loads paths (the default rules when there are none) for the kinds of
// doms, and prints the problems of a failed load, one file:line:col: message
// per line. ok is false when it failed.
func (c *cli) load(doms []domain, paths ...string) (set *rules.Set, ok bool) {
	set, err := loadRules(doms, paths)
	if err == nil {
		return set, true
	}
	if problems := rules.Problems(err); len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(c.stderr, p)
		}
		fmt.Fprintf(c.stderr, "%d problem(s)\n", len(problems))
	} else {
		c.errorf("%v", err)
	}
	return nil, false
}

// rulesFlag returns the paths of a --rules flag: none for the default rules.
func rulesFlag(path string) []string {
	if path == "" {
		return nil
	}
	return []string{path}
}

func (c *cli) lint(_ context.Context, args []string) int {
	fs := c.flags("lint", `Usage: celltherapy lint [--strict] [PATH...]

Loads rule files (files, or directories of *.yaml) and reports every problem
as file:line:col: message: YAML syntax, schema violations, duplicate keys and
rule ids, unknown facts or params, type errors, conditions that are not
true/false, tests that expect a key or an outcome their decision never has.
Exit 0 when there is none, 1 otherwise, and 1 when PATH holds no ruleset.
Without PATH, the default rules are checked. A file named codes.yaml or
NAME.codes.yaml is a table of FHIR codes, checked against its own schema
with the FHIR ValueSet files it includes; lint prints how many codes,
ranges and prefixes each fact has, and warns of an ICD-10-CM category
header listed as a code (US records hold its children).
With --require-confirmed, a value the medical board has not confirmed
(unconfirmed: in a rule file) is a problem too: for a clinic going live.

It also warns, each at its position, of what loads but is likely a
mistake: a param no rule reads, a question for a fact no rule reads, a fact
read without a question, a condition that can never be true or is always
true, two rules with the same condition. Warnings do not change the exit
code unless --strict is given.`)
	strict := fs.Bool("strict", false, "exit 1 when there are warnings too")
	requireConfirmed := fs.Bool("require-confirmed", false, "fail on any value not confirmed by the medical board")
	if code, done := c.parse(fs, args); done {
		return code
	}
	paths, tables, tableWarnings, tablesOK := c.lintCodeTables(fs.Args())
	if len(paths) == 0 && fs.NArg() > 0 {
		if !tablesOK {
			return exitFailed
		}
		fmt.Fprintf(c.stdout, "ok: %d code table file(s)\n", tables)
		if tableWarnings > 0 && *strict {
			return exitFailed
		}
		return exitOK
	}
	set, ok := c.load(domains(), paths...)
	if !ok || !tablesOK {
		return exitFailed
	}
	if len(set.Rulesets()) == 0 {
		c.errorf("no rulesets in %s: lint checks rule files (*.yaml with ruleset:, decision: and rules:); give such files or directories that hold them", strings.Join(paths, ", "))
		return exitFailed
	}
	if *requireConfirmed {
		if n := writeUnconfirmed(c.stderr, set); n > 0 {
			fmt.Fprintf(c.stderr, "%d unconfirmed value(s)\n", n)
			return exitFailed
		}
	}
	warnings := c.warn(set)
	rulesets, ruleCount, tests := 0, 0, 0
	for _, rs := range set.Rulesets() {
		rulesets++
		ruleCount += len(rs.Rules())
		tests += len(rulestest.Tests(rs))
	}
	fmt.Fprintf(c.stdout, "ok: %d ruleset(s), %d rule(s), %d test(s)\n", rulesets, ruleCount, tests)
	if warnings > 0 && *strict {
		return exitFailed
	}
	return exitOK
}

func (c *cli) test(ctx context.Context, args []string) int {
	fs := c.flags("test", `Usage: celltherapy test [--coverage] [--threshold N] [--junit FILE] [PATH...]

Runs the tests of rule files (tests: in a ruleset, or *.test.yaml files) and
shows, for each failure, where the test is and, for each key that differs,
what it expected and what the decision gave. Exit 0 when all pass, 1
otherwise, and 1 when a ruleset has no tests or PATH holds no ruleset.
Without PATH, the tests of the default rules are run. For CI: --junit writes
the results as JUnit XML; --threshold N also fails when fewer than N% of the
rules were seen fired, clear and undetermined.`)
	coverage := fs.Bool("coverage", false, "also show, for each rule, whether the tests saw it fired, clear and undetermined")
	ci := ciFlags(fs)
	if code, done := c.parse(fs, args); done {
		return code
	}
	paths := fs.Args()
	set, ok := c.load(domains(), paths...)
	if !ok {
		return exitFailed
	}
	if len(set.Rulesets()) == 0 {
		c.errorf("no rulesets in %s: there is nothing to test; give rule files (*.yaml) or directories that hold them", strings.Join(paths, ", "))
		return exitFailed
	}
	rep := rulestest.RunTests(ctx, set.Rulesets()...)
	if *coverage {
		writeCoverage(c.stdout, rep)
	}
	fmt.Fprint(c.stdout, rep)
	if code := c.ciReports(ci, rep); code != exitOK || !rep.OK() {
		return max(code, exitFailed)
	}
	return exitOK
}

func writeCoverage(w io.Writer, rep *rulestest.Report) {
	mark := func(b, constant bool) string {
		switch {
		case b:
			return "yes"
		case constant:
			return "n/a"
		}
		return "NO"
	}
	fmt.Fprintf(w, "%-28s %-36s %-6s %-6s %-12s\n", "RULESET", "RULE", "FIRED", "CLEAR", "UNDETERMINED")
	complete := 0
	for _, cv := range rep.Coverage {
		if cv.Complete() {
			complete++
		}
		fmt.Fprintf(w, "%-28s %-36s %-6s %-6s %-12s\n", cv.Ruleset, cv.Rule, mark(cv.Fired, cv.Constant && cv.Clear), mark(cv.Clear, cv.Constant && cv.Fired), mark(cv.Undetermined, cv.Constant))
	}
	fmt.Fprintf(w, "coverage: %d of %d rules seen fired, clear and undetermined\n\n", complete, len(rep.Coverage))
}
