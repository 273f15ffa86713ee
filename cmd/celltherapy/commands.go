package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/reocell/celltherapy/rules"
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
	fs := c.flags("lint", `Usage: celltherapy lint [PATH...]

Loads rule files (files, or directories of *.yaml) and reports every problem
as file:line:col: message: YAML syntax, schema violations, duplicate keys and
rule ids, unknown facts or params, type errors, conditions that are not
true/false. Exit 0 when there is none, 1 otherwise. Without PATH, the default
rules are checked.`)
	if code, done := c.parse(fs, args); done {
		return code
	}
	paths := fs.Args()
	set, ok := c.load(domains(), paths...)
	if !ok {
		return exitFailed
	}
	if len(set.Rulesets()) == 0 {
		c.errorf("no rulesets in %s: lint checks rule files (*.yaml with ruleset:, decision: and rules:); give such files or directories that hold them", strings.Join(paths, ", "))
		return exitFailed
	}
	rulesets, ruleCount, tests := 0, 0, 0
	for _, rs := range set.Rulesets() {
		rulesets++
		ruleCount += len(rs.Rules())
		tests += len(rs.Tests())
	}
	fmt.Fprintf(c.stdout, "ok: %d ruleset(s), %d rule(s), %d test(s)\n", rulesets, ruleCount, tests)
	return exitOK
}

func (c *cli) test(ctx context.Context, args []string) int {
	fs := c.flags("test", `Usage: celltherapy test [--coverage] [PATH...]

Runs the tests of rule files (tests: in a ruleset, or *.test.yaml files) and
shows, for each failure, where the test is and how the decision differed
from what it expects. Exit 0 when all pass, 1 otherwise. Without PATH, the
tests of the default rules are run.`)
	coverage := fs.Bool("coverage", false, "also show, for each rule, whether the tests saw it fired, clear and undetermined")
	if code, done := c.parse(fs, args); done {
		return code
	}
	paths := fs.Args()
	set, ok := c.load(domains(), paths...)
	if !ok {
		return exitFailed
	}
	rep := rules.RunTests(ctx, set.Rulesets()...)
	if *coverage {
		writeCoverage(c.stdout, rep)
	}
	fmt.Fprint(c.stdout, rep)
	if len(set.Rulesets()) == 0 {
		c.errorf("no rulesets in %s: there is nothing to test; give rule files (*.yaml) or directories that hold them", strings.Join(paths, ", "))
		return exitFailed
	}
	if !rep.OK() {
		return exitFailed
	}
	return exitOK
}

func writeCoverage(w io.Writer, rep *rules.Report) {
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
