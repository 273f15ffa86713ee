package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/reocell/celltherapy/rules"
)

// decisionError prints why a decision for the facts in name failed and
// returns the exit code: 3 for a rule's failure, 2 for bad facts.
func (c *cli) decisionError(name string, err error) int {
	var re *rules.RuleError
	if errors.As(err, &re) {
		c.errorf("%v", err)
		return exitRuleRun
	}
	c.inputError(name, err) // facts out of range, or that contradict each other
	return exitBadUsed
}

// readInput reads the facts in the file name ("-": standard input), no
// more than the facts limit however long the input, so that memory is
// bounded by the limit.
func readInput(name string, stdin io.Reader) ([]byte, error) {
	r, closeIn, err := openInput(name, stdin)
	if err != nil {
		return nil, err
	}
	defer closeIn()
	data, err := io.ReadAll(io.LimitReader(r, rules.DefaultMaxFactsBytes+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > rules.DefaultMaxFactsBytes {
		return nil, rules.FieldErrors{{Path: "$", Message: fmt.Sprintf("facts are longer than %s bytes; send at most that much", number(float64(rules.DefaultMaxFactsBytes)))}}
	}
	return data, nil
}
