package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/reocell/celltherapy/rules"
)

func (c *cli) eval(ctx context.Context, args []string) int {
	fs := c.flags("eval", `Usage: celltherapy eval KIND [--rules PATH] FILE|-

Reads facts (a JSON object) from FILE, or standard input for -, and prints
the decision of KIND as JSON. Exit 0 whatever the decision; 2 when the
command line or the facts are bad, with the reason on standard error (JSON
path of each bad value). Without --rules, the default rules are used; only
the rules of KIND are loaded and checked.`)
	rulesPath := fs.String("rules", "", "rule file or directory to use instead of the default rules")
	if code, done := c.parse(fs, args); done {
		return code
	}
	pos := fs.Args()
	if len(pos) == 0 {
		c.errorf("eval needs a decision kind; run celltherapy eval --help")
		return exitBadUsed
	}
	kindName := pos[0]
	dom := findDomain(kindName)
	if dom == nil {
		c.errorf("unknown decision kind %q; run celltherapy --help for the kinds", kindName)
		return exitBadUsed
	}
	if len(pos) != 2 {
		c.errorf("eval %s needs one FILE, or - for standard input", kindName)
		return exitBadUsed
	}
	name := pos[1]
	rs, data, code := c.ruleAndFacts(*dom, *rulesPath, name)
	if code != exitOK {
		return code
	}
	decision, err := rs.Kind().DecideJSON(ctx, rs, data)
	if err != nil {
		c.inputError(name, err) // bad facts, or facts that contradict each other
		return exitBadUsed
	}
	enc := json.NewEncoder(c.stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(decision); err != nil {
		c.errorf("%v", err)
		return exitFailed
	}
	return exitOK
}

// ruleAndFacts loads the one ruleset of dom's kind (from rulesPath, or the
// default rules), and nothing else, and reads the facts JSON in the file
// name ("-": standard input). A code other than exitOK means it has printed
// why.
func (c *cli) ruleAndFacts(dom domain, rulesPath, name string) (*rules.Ruleset, []byte, int) {
	set, ok := c.load([]domain{dom}, rulesFlag(rulesPath)...)
	if !ok {
		return nil, nil, exitBadUsed
	}
	candidates := set.ForDecision(dom.name)
	if len(candidates) != 1 {
		c.errorf("want exactly one %s ruleset in %s, found %d", dom.name, orDefault(rulesPath), len(candidates))
		return nil, nil, exitBadUsed
	}
	data, err := readInput(name, c.stdin)
	if err != nil {
		c.errorf("%v", err)
		return nil, nil, exitBadUsed
	}
	return candidates[0], data, exitOK
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

func readInput(name string, stdin io.Reader) ([]byte, error) {
	if name == "-" {
		return io.ReadAll(stdin)
	}
	return os.ReadFile(name)
}
