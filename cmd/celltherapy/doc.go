package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/reocell/celltherapy/rules"
)

func (c *cli) doc(_ context.Context, args []string) int {
	fs := c.flags("doc", `Usage: celltherapy doc [--rules PATH]

Prints the rulesets as a Markdown document for the medical board: each
ruleset's version and digest, its params, and each rule's condition,
outcome, message and source, with the questions asked for unknown facts.`)
	rulesPath := fs.String("rules", "", "rule file or directory to document instead of the default rules")
	if code, done := c.parse(fs, args); done {
		return code
	}
	pos := fs.Args()
	if len(pos) > 0 {
		c.errorf("doc takes no arguments (give rules with --rules PATH); run celltherapy doc --help")
		return exitBadUsed
	}
	set, ok := c.load(domains(), rulesFlag(*rulesPath)...)
	if !ok {
		return exitFailed
	}
	for i, rs := range set.Rulesets() {
		if i > 0 {
			fmt.Fprintln(c.stdout)
		}
		writeDoc(c.stdout, rs)
	}
	return exitOK
}

func writeDoc(w io.Writer, rs *rules.Ruleset) {
	title := rs.Title()
	if title == "" {
		title = rs.Name()
	}
	fmt.Fprintf(w, "# %s\n\n", title)
	fmt.Fprintf(w, "Ruleset `%s`, version %s, decision `%s`, from `%s`.  \nDigest `%s`.\n\n", rs.Name(), rs.Version(), rs.Kind().Name(), rs.File(), rs.Digest())
	if d := strings.TrimSpace(rs.Description()); d != "" {
		fmt.Fprintf(w, "%s\n\n", d)
	}
	writeParams(w, rs.Params())
	fmt.Fprintf(w, "## Rules\n\n")
	for _, r := range rs.Rules() {
		fmt.Fprintf(w, "### %s (`%s`)\n\n", r.Title(), r.ID())
		fmt.Fprintf(w, "- When: `%s`\n", strings.Join(strings.Fields(r.When()), " "))
		for _, k := range r.ThenKeys() {
			v, _ := r.Then(k)
			fmt.Fprintf(w, "- Then %s: `%s`\n", k, plain(v))
		}
		fmt.Fprintf(w, "- Message: %s\n", r.Message("en"))
		if r.Source() != "" {
			fmt.Fprintf(w, "- Source: %s\n", r.Source())
		}
		fmt.Fprintf(w, "- Defined at: %s\n\n", r.Pos())
	}
	var qs []string
	for _, f := range rs.Kind().Vocabulary().Facts() {
		if q := rs.Question(f.Name, "en"); q != "" {
			qs = append(qs, fmt.Sprintf("| `%s` | %s |", f.Name, q))
		}
	}
	if len(qs) > 0 {
		fmt.Fprintf(w, "## Questions for unknown facts\n\n| fact | question |\n| --- | --- |\n%s\n", strings.Join(qs, "\n"))
	}
	if n := len(rs.Tests()); n > 0 {
		fmt.Fprintf(w, "\n%d test(s) pin these rules down; run `celltherapy test` to check them.\n", n)
	}
}
