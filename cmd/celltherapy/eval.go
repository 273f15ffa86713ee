package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/reocell/celltherapy/rules"
)

func (c *cli) eval(ctx context.Context, args []string) int {
	fs := c.flags("eval", `Usage: celltherapy eval KIND [--rules PATH] [--locale LANG] [--batch] FILE|-

Reads facts (a JSON object) from FILE, or standard input for -, and prints
the decision of KIND as JSON. Exit 0 whatever the decision; 2 when the
command line or the facts are bad, with the reason on standard error (JSON
path of each bad value); 3 when a rule fails while it runs. Without --rules,
the default rules are used; only
the rules of KIND are loaded and checked.

With --batch, FILE holds JSON Lines, one facts object a line, and each line
gets one line of output in input order: its decision, or for a bad line
{"line": N, "errors": [{"path": ..., "message": ...}]}. A bad line does not
stop the batch; the exit code is 2 when any line was bad, 3 when a rule
failed at run time on one (the object then has "ruleFailed": true).`)
	rulesPath := fs.String("rules", "", "rule file or directory to use instead of the default rules")
	batch := fs.Bool("batch", false, "read JSON Lines (one facts object a line) and write one decision a line")
	locale := localeFlag(fs)
	if code, done := c.parse(fs, args); done {
		return code
	}
	if fs.NArg() == 0 {
		c.errorf("eval needs a decision kind; run celltherapy eval --help")
		return exitBadUsed
	}
	kind, ok := c.kindNamed(fs.Arg(0))
	if !ok {
		return exitBadUsed
	}
	if fs.NArg() != 2 {
		c.errorf("eval %s needs one FILE, or - for standard input", kind.Name())
		return exitBadUsed
	}
	name := fs.Arg(1)
	if *batch {
		return c.evalBatch(ctx, kind, *rulesPath, name, rules.WithLocale(*locale))
	}
	rs, data, code := c.ruleAndInput(kind, *rulesPath, name)
	if code != exitOK {
		return code
	}
	decision, err := decideJSON(ctx, kind, rs, data, rules.WithLocale(*locale))
	if err != nil {
		return c.decisionError(name, err)
	}
	enc := json.NewEncoder(c.stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(decision); err != nil {
		c.errorf("%v", err)
		return exitFailed
	}
	return exitOK
}

// kindNamed returns the decision kind called name, or prints that there is
// none.
func (c *cli) kindNamed(name string) (rules.Kind, bool) {
	if d := findDomain(name); d != nil {
		return d.kind(), true
	}
	c.errorf("unknown decision kind %q; run celltherapy --help for the kinds", name)
	return nil, false
}

// ruleAndInput loads the one ruleset of kind and reads the input name ("-":
// standard input). A code other than exitOK means it has printed why.
func (c *cli) ruleAndInput(kind rules.Kind, rulesPath, name string) (*rules.Ruleset, []byte, int) {
	rs, ok := c.ruleset(kind, rulesPath)
	if !ok {
		return nil, nil, exitBadUsed
	}
	data, err := readInput(name, c.stdin)
	if err != nil {
		c.inputError(name, err)
		return nil, nil, exitBadUsed
	}
	return rs, data, exitOK
}

// ruleset loads the one ruleset of kind from rulesPath, or from the default
// rules when it is "", and nothing else: no other kind's rules, no tests.
// ok is false when it has printed why it cannot.
func (c *cli) ruleset(kind rules.Kind, rulesPath string) (rs *rules.Ruleset, ok bool) {
	dom := findDomain(kind.Name())
	if dom == nil {
		c.errorf("unknown decision kind %q", kind.Name())
		return nil, false
	}
	set, ok := c.load([]domain{*dom}, rulesFlag(rulesPath)...)
	if !ok {
		return nil, false
	}
	candidates := set.ForDecision(kind.Name())
	if len(candidates) != 1 {
		c.errorf("want exactly one %s ruleset in %s, found %d", kind.Name(), orDefault(rulesPath), len(candidates))
		return nil, false
	}
	return candidates[0], true
}

// inputError prints what is wrong with the facts in the input name: each
// bad value as NAME: $.path: message.
func (c *cli) inputError(name string, err error) {
	var fe rules.FieldErrors
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
