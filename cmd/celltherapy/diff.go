package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/reocell/celltherapy/internal/rulediff"
	"github.com/reocell/celltherapy/rules"
)

func (c *cli) diff(ctx context.Context, args []string) int {
	fs := c.flags("diff", `Usage: celltherapy diff KIND --from OLD --to NEW [--json] FILE|-

Decides each patient of FILE (JSON Lines, one facts object a line; - for
standard input) under the rules OLD and under the rules NEW, and reports
every patient whose outcome, fired rules or missing facts differ, then a
table of how many patients went from each outcome to each outcome. OLD and
NEW are rule files or directories holding one ruleset of KIND; either left
out means the default rules. Exit 0 when no patient changes, 1 when some
do (a gate for CI), 2 on bad usage or a bad line (reported with its line
number and JSON path; the others are still compared), 3 when a rule
failed at run time.`)
	from := fs.String("from", "", "the rules in use now (file or directory)")
	to := fs.String("to", "", "the changed rules (file or directory)")
	asJSON := fs.Bool("json", false, "write one JSON object a changed patient, then the summary, instead of text")
	if code, done := c.parse(fs, args); done {
		return code
	}
	if fs.NArg() == 0 {
		c.errorf("diff needs a decision kind; run celltherapy diff --help")
		return exitBadUsed
	}
	kind, ok := c.kindNamed(fs.Arg(0))
	if !ok {
		return exitBadUsed
	}
	if fs.NArg() != 2 || (*from == "" && *to == "") {
		c.errorf("diff %s needs --from or --to (or both) and one FILE, or - for standard input", kind.Name())
		return exitBadUsed
	}
	d := &ruleDiff{kind: kind, json: *asJSON, name: displayName(fs.Arg(1))}
	if d.from, ok = c.ruleset(kind, *from); !ok {
		return exitBadUsed
	}
	if d.to, ok = c.ruleset(kind, *to); !ok {
		return exitBadUsed
	}
	in, closeIn, err := openInput(fs.Arg(1), c.stdin)
	if err != nil {
		c.errorf("%v", err)
		return exitBadUsed
	}
	defer closeIn()
	if err := d.run(ctx, in, c.stdout, c.stderr); err != nil {
		c.errorf("%s: %v", d.name, err)
		return exitBadUsed
	}
	switch {
	case d.fault:
		return exitRuleRun
	case d.table.Bad > 0:
		return exitBadUsed
	case d.table.Changed > 0:
		return exitFailed
	}
	return exitOK
}

// ruleDiff compares the decisions of two rulesets of one kind.
type ruleDiff struct {
	kind     rules.Kind
	from, to *rules.Ruleset
	json     bool
	name     string

	fault bool // a rule failed at run time
	table rulediff.Table
}

// change is one patient whose decision differs, as --json writes it.
type change struct {
	Line int              `json:"line"`
	From rulediff.Verdict `json:"from"`
	To   rulediff.Verdict `json:"to"`
}

// run compares every line of in, writing changes to out as it goes and the
// summary at the end; bad lines go to notes.
func (d *ruleDiff) run(ctx context.Context, in io.Reader, out, notes io.Writer) error {
	if !d.json {
		fmt.Fprintf(out, "from: %s %s %s (%s)\n", d.from.Name(), d.from.Version(), d.from.Digest(), d.from.File())
		fmt.Fprintf(out, "to:   %s %s %s (%s)\n", d.to.Name(), d.to.Version(), d.to.Digest(), d.to.File())
	}
	free, todo := make(chan *chunk, 2), make(chan *chunk)
	free <- &chunk{}
	free <- &chunk{}
	ctx, cancel := context.WithCancel(ctx)
	readErr := make(chan error, 1)
	go func() {
		readErr <- readChunks(ctx, in, free, todo)
		close(todo)
	}()
	defer func() { // on an early return, let the reader stop
		cancel()
		for ch := range todo {
			free <- ch
		}
	}()
	enc := json.NewEncoder(out)
	for ch := range todo {
		for i := range ch.ends {
			if err := d.line(ctx, ch, i, enc, out, notes); err != nil {
				return err
			}
		}
		free <- ch
	}
	if err := <-readErr; err != nil {
		return err
	}
	return d.summary(out, enc)
}

// line compares the patient on line i of ch.
func (d *ruleDiff) line(ctx context.Context, ch *chunk, i int, enc *json.Encoder, out, notes io.Writer) error {
	n := ch.first + i
	var from, to rulediff.Verdict
	line, err := ch.facts(i)
	if err == nil {
		from, to, err = rulediff.Compare(ctx, d.kind, d.from, d.to, line)
	}
	if err != nil {
		d.table.Bad++
		probs, input := rulediff.Problems(err)
		d.fault = d.fault || !input
		for _, note := range rulediff.Notes(d.name, n, probs, input) {
			fmt.Fprintln(notes, note)
		}
		return nil
	}
	if !d.table.Add(from, to) {
		return nil
	}
	if d.json {
		return enc.Encode(change{Line: n, From: from, To: to})
	}
	_, err = fmt.Fprintf(out, "line %d: %s\n", n, rulediff.Describe(from, to))
	return err
}

// summary writes the from x to table of outcomes and the totals.
func (d *ruleDiff) summary(out io.Writer, enc *json.Encoder) error {
	if !d.json {
		return d.table.Write(out)
	}
	type cell struct {
		From     string `json:"from"`
		To       string `json:"to"`
		Patients int    `json:"patients"`
	}
	s := struct {
		Patients int    `json:"patients"`
		Changed  int    `json:"changed"`
		Bad      int    `json:"bad"`
		Outcomes []cell `json:"outcomes"`
	}{Patients: d.table.Patients, Changed: d.table.Changed, Bad: d.table.Bad, Outcomes: []cell{}}
	outcomes := d.table.Outcomes()
	for _, f := range outcomes {
		for _, t := range outcomes {
			if n := d.table.Count(f, t); n > 0 {
				s.Outcomes = append(s.Outcomes, cell{From: f, To: t, Patients: n})
			}
		}
	}
	return enc.Encode(map[string]any{"summary": s})
}
