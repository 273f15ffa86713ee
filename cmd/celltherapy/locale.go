package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/reocell/celltherapy/rules"
)

// localeFlag adds --locale to a command: the language of messages,
// questions and texts for people. English is the fallback for any text the
// rules do not give in it.
func localeFlag(fs *flag.FlagSet) *string {
	return fs.String("locale", "en", "language of messages, questions and texts for people (en, ru; English where a text has none)")
}

// writeUnconfirmed prints every unconfirmed value of set as
// file:line:col: message, for lint --require-confirmed, and returns how
// many there are.
func writeUnconfirmed(w io.Writer, set *rules.Set) int {
	n := 0
	for _, rs := range set.Rulesets() {
		for _, u := range rs.Unconfirmed() {
			n++
			fmt.Fprintf(w, "%s: %s is not confirmed by the medical board (source: %s); confirm it, then delete its entry or set confirmed: true\n",
				u.Pos, u.Value, u.Source)
		}
	}
	return n
}
