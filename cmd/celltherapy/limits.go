package main

import (
	"errors"
	"io"
	"os"

	"github.com/reocell/celltherapy/rules"
)

// exitRuleFailed is the exit code for a rule that failed while it ran (its
// cost budget spent, a value no decision can hold): the rules are at fault,
// not the input.
const exitRuleFailed = 3

// decisionError prints why a decision for the facts in name failed and
// returns the exit code: 3 for a rule's failure, 2 for bad facts.
func (c *cli) decisionError(name string, err error) int {
	var re *rules.RuleError
	if errors.As(err, &re) {
		c.errorf("%v", err)
		return exitRuleFailed
	}
	c.inputError(name, err) // facts out of range, or that contradict each other
	return exitBadUsed
}

// decodeInput decodes the facts in the file name ("-": stdin) into facts,
// reading no more than the facts limit, however long the input.
func (c *cli) decodeInput(kind *rules.Kind, name string, facts any) error {
	var r io.Reader = c.stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		r = f
	}
	return kind.Vocabulary().DecodeReader(r, facts, 0)
}
