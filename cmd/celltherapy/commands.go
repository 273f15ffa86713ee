package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"

	"github.com/reocell/celltherapy/eligibility"
	"github.com/reocell/celltherapy/recommendations"
	"github.com/reocell/celltherapy/rules"
	"github.com/reocell/celltherapy/therapy"
)

// domain is a decision kind the program knows, with its default rule files.
type domain struct {
	kind     *rules.Kind
	dir      string // where its rule files live in the source tree
	defaults fs.FS
}

func domains() []domain {
	return []domain{
		{kind: eligibility.Kind(), dir: "eligibility", defaults: eligibility.DefaultFS()},
		{kind: therapy.Kind(), dir: "therapy", defaults: therapy.DefaultFS()},
		{kind: recommendations.AftercareKind(), dir: "recommendations", defaults: recommendations.DefaultFS()},
		{kind: recommendations.TriageKind(), dir: "recommendations", defaults: recommendations.DefaultFS()},
	}
}

func loader() *rules.Loader {
	l := &rules.Loader{}
	for _, d := range domains() {
		l.Kinds = append(l.Kinds, d.kind)
	}
	return l
}

// loadRules loads paths, or the built-in rules when there are none.
func loadRules(paths []string) (*rules.Set, error) {
	if len(paths) > 0 {
		return loader().LoadPaths(paths...)
	}
	var files []rules.File
	seen := map[string]bool{}
	for _, d := range domains() {
		if seen[d.dir] {
			continue // one package may hold the rules of several kinds
		}
		seen[d.dir] = true
		list, err := rules.ReadFS(d.defaults)
		if err != nil {
			return nil, err
		}
		for _, f := range list {
			f.Name = path.Join(d.dir, f.Name)
			files = append(files, f)
		}
	}
	return loader().Load(files...)
}

func (c *cli) errorf(format string, args ...any) {
	fmt.Fprintf(c.stderr, "celltherapy: "+format+"\n", args...)
}

// load loads paths (the default rules when there are none) and prints the
// problems of a failed load, one file:line:col: message per line. ok is
// false when it failed.
func (c *cli) load(paths ...string) (set *rules.Set, ok bool) {
	set, err := loadRules(paths)
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

func (c *cli) usage(w io.Writer) {
	var kinds []string
	for _, d := range domains() {
		kinds = append(kinds, d.kind.Name())
	}
	fmt.Fprintf(w, `celltherapy checks, tests and runs the rule files of an MSC therapy clinic.

Usage:
  celltherapy lint [PATH...]                    check rule files; exit 1 on problems
  celltherapy test [--coverage] [PATH...]       run the tests of rule files; exit 1 on failures
  celltherapy eval KIND [--rules PATH] FILE|-   print the decision for the facts in FILE (JSON)
  celltherapy doc [--rules PATH]                print the rules as a document for the medical board

KIND is one of: %s.
PATH is a rule file or a directory of them (*.yaml, *.yml; *.test.yaml hold tests).
Without PATH or --rules the default rules built into the program are used.
Run celltherapy COMMAND --help for more.
`, strings.Join(kinds, ", "))
}

// flags returns a flag set for a command that prints its usage on -h.
func (c *cli) flags(name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "%s\n", usage)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses args, printing help to stdout on -h. done is true when the
// command should stop with code.
func (c *cli) parse(fs *flag.FlagSet, args []string) (code int, done bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(c.stdout)
			fs.Usage()
			return exitOK, true
		}
		return exitBadUsed, true
	}
	return 0, false
}

func (c *cli) lint(args []string) int {
	fs := c.flags("lint", `Usage: celltherapy lint [PATH...]

Loads rule files (files, or directories of *.yaml) and reports every problem
as file:line:col: message: YAML syntax, schema violations, duplicate keys and
rule ids, unknown facts or params, type errors, conditions that are not
true/false. Exit 0 when there is none, 1 otherwise. Without PATH, the default
rules are checked.`)
	if code, done := c.parse(fs, args); done {
		return code
	}
	set, ok := c.load(fs.Args()...)
	if !ok {
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
	set, ok := c.load(fs.Args()...)
	if !ok {
		return exitFailed
	}
	rep := rules.RunTests(ctx, set.Rulesets()...)
	if *coverage {
		writeCoverage(c.stdout, rep)
	}
	fmt.Fprint(c.stdout, rep)
	if rep.Failed() > 0 {
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

func (c *cli) eval(ctx context.Context, args []string) int {
	fs := c.flags("eval", `Usage: celltherapy eval KIND [--rules PATH] FILE|-

Reads facts (a JSON object) from FILE, or standard input for -, and prints
the decision of KIND as JSON. Exit 0 whatever the decision; 2 when the
command line or the facts are bad, with the reason on standard error (JSON
path of each bad value); 3 when a rule fails while it runs. Without --rules,
the default rules are used.`)
	rulesPath := fs.String("rules", "", "rule file or directory to use instead of the default rules")
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		if code, done := c.parse(fs, args); done {
			return code
		}
		c.errorf("eval needs a decision kind; run celltherapy eval --help")
		return exitBadUsed
	}
	kindName := args[0]
	if code, done := c.parse(fs, args[1:]); done {
		return code
	}
	var dom *domain
	for _, d := range domains() {
		if d.kind.Name() == kindName {
			dom = &d
		}
	}
	if dom == nil {
		c.errorf("unknown decision kind %q; run celltherapy --help for the kinds", kindName)
		return exitBadUsed
	}
	if fs.NArg() != 1 {
		c.errorf("eval %s needs one FILE, or - for standard input", kindName)
		return exitBadUsed
	}
	rs, facts, code := c.ruleAndFacts(dom.kind, *rulesPath, fs.Arg(0))
	if code != exitOK {
		return code
	}
	decision, err := dom.kind.Decide(ctx, rs, facts)
	if err != nil {
		return c.decisionError(fs.Arg(0), err)
	}
	enc := json.NewEncoder(c.stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(decision); err != nil {
		c.errorf("%v", err)
		return exitFailed
	}
	return exitOK
}

// ruleAndFacts loads the one ruleset of kind (from rulesPath, or the
// default rules) and decodes the facts in the file name ("-": standard
// input). A code other than exitOK means it has printed why.
func (c *cli) ruleAndFacts(kind *rules.Kind, rulesPath, name string) (*rules.Ruleset, any, int) {
	set, ok := c.load(rulesFlag(rulesPath)...)
	if !ok {
		return nil, nil, exitBadUsed
	}
	candidates := set.ForDecision(kind.Name())
	if len(candidates) != 1 {
		c.errorf("want exactly one %s ruleset in %s, found %d", kind.Name(), orDefault(rulesPath), len(candidates))
		return nil, nil, exitBadUsed
	}
	facts := kind.NewFacts()
	if err := c.decodeInput(kind, name, facts); err != nil {
		c.inputError(name, err)
		return nil, nil, exitBadUsed
	}
	return candidates[0], facts, exitOK
}

// inputError prints what is wrong with the facts in the input name: each
// bad value as NAME: $.path: message.
func (c *cli) inputError(name string, err error) {
	var fe rules.FactErrors
	if !errors.As(err, &fe) {
		c.errorf("%s: %v", displayName(name), err)
		return
	}
	for _, e := range fe {
		fmt.Fprintf(c.stderr, "%s: %s\n", displayName(name), e)
	}
}

func orDefault(p string) string {
	if p == "" {
		return "the default rules"
	}
	return p
}

func displayName(name string) string {
	if name == "-" {
		return "<stdin>"
	}
	return name
}
