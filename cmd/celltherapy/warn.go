package main

import (
	"fmt"

	"github.com/reocell/celltherapy/rules"
	"github.com/reocell/celltherapy/rules/lint"
)

// warn prints the warnings of lint.Analyze for set, one
// file:line:col: warning: message a line, and returns how many there were.
func (c *cli) warn(set *rules.Set) int {
	warnings := lint.Analyze(set)
	for _, w := range warnings {
		fmt.Fprintln(c.stderr, w)
	}
	if len(warnings) > 0 {
		fmt.Fprintf(c.stderr, "%d warning(s)\n", len(warnings))
	}
	return len(warnings)
}
