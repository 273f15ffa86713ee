package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"

	"github.com/reocell/celltherapy/internal/rulediff"
	"github.com/reocell/celltherapy/rules"
)

// maxLine bounds one line of a batch: the limit on one set of facts.
const maxLine = 1 << 20

// chunkLines is how many lines travel together between the reader, the
// workers and the writer: enough to make the hand-offs cheap, few enough
// that memory stays small.
const chunkLines = 256

// chunk is a run of consecutive input lines and, once decided, their output.
type chunk struct {
	seq   int      // position of the chunk in the input
	first int      // line number of the first line
	data  []byte   // the lines' bytes, one after the other
	ends  []int    // end offset of each line in data
	long  []bool   // the line was longer than maxLine (its bytes are dropped)
	out   []byte   // one decision or error object a line, JSON Lines
	bad   int      // lines that gave no decision
	fault bool     // a rule failed at run time on one of them
	notes []string // for people: one per problem of a bad line
}

func (ch *chunk) reset(seq, first int) {
	ch.seq, ch.first = seq, first
	ch.data, ch.ends, ch.long = ch.data[:0], ch.ends[:0], ch.long[:0]
	ch.out, ch.notes, ch.bad, ch.fault = ch.out[:0], ch.notes[:0], 0, false
}

func (ch *chunk) line(i int) []byte {
	start := 0
	if i > 0 {
		start = ch.ends[i-1]
	}
	return ch.data[start:ch.ends[i]]
}

// facts returns line i, or why it cannot hold facts.
func (ch *chunk) facts(i int) ([]byte, error) {
	line := bytes.TrimSpace(ch.line(i))
	switch {
	case ch.long[i]:
		return nil, rules.FieldErrors{{Path: "$", Message: fmt.Sprintf("line longer than %d bytes", maxLine)}}
	case len(line) == 0:
		return nil, rules.FieldErrors{{Path: "$", Message: "empty line; want one JSON object of facts a line"}}
	}
	return line, nil
}

// batch decides every line of a JSON Lines input with one ruleset.
type batch struct {
	kind rules.Kind
	rs   *rules.Ruleset
	name string // the input's name, for notes
	opts []rules.Option
}

func (c *cli) evalBatch(ctx context.Context, kind rules.Kind, rulesPath, name string, opts ...rules.Option) int {
	rs, ok := c.ruleset(kind, rulesPath)
	if !ok {
		return exitBadUsed
	}
	in, closeIn, err := openInput(name, c.stdin)
	if err != nil {
		c.errorf("%v", err)
		return exitBadUsed
	}
	defer closeIn()
	b := &batch{kind: kind, rs: rs, name: displayName(name), opts: opts}
	out := bufio.NewWriterSize(c.stdout, 64<<10)
	lines, bad, fault, err := b.runFaults(ctx, in, out, c.stderr)
	if ferr := out.Flush(); err == nil {
		err = ferr
	}
	if err != nil {
		c.errorf("%s: %v", displayName(name), err)
		return exitBadUsed
	}
	fmt.Fprintf(c.stderr, "%d line(s), %d bad\n", lines, bad)
	switch {
	case fault:
		return exitRuleRun
	case bad > 0:
		return exitBadUsed
	}
	return exitOK
}

// run reads in, decides each line on every core and writes the results to
// out in input order; notes on bad lines go to notes. Memory is bounded by
// the chunks in flight, whatever the length of the input.
func (b *batch) run(ctx context.Context, in io.Reader, out, notes io.Writer) (lines, bad int, err error) {
	lines, bad, _, err = b.runFaults(ctx, in, out, notes)
	return lines, bad, err
}

// runFaults is run that also says whether a rule failed at run time.
func (b *batch) runFaults(ctx context.Context, in io.Reader, out, notes io.Writer) (lines, bad int, fault bool, err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	workers := runtime.GOMAXPROCS(0)
	free := make(chan *chunk, 2*workers+2)
	for range cap(free) {
		free <- &chunk{}
	}
	todo, done := make(chan *chunk), make(chan *chunk, cap(free))
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for ch := range todo {
				b.decideChunk(ctx, ch)
				done <- ch
			}
		})
	}
	readErr := make(chan error, 1)
	go func() {
		readErr <- readChunks(ctx, in, free, todo)
		close(todo)
		wg.Wait()
		close(done)
	}()
	pending := map[int]*chunk{}
	next := 0
	var writeErr error
	for ch := range done {
		pending[ch.seq] = ch
		for ch := pending[next]; ch != nil; ch = pending[next] {
			delete(pending, next)
			next++
			lines += len(ch.ends)
			bad += ch.bad
			fault = fault || ch.fault
			if writeErr == nil {
				if _, writeErr = out.Write(ch.out); writeErr != nil {
					cancel() // nobody reads the rest
				}
			}
			for _, n := range ch.notes {
				fmt.Fprintln(notes, n)
			}
			free <- ch
		}
	}
	return lines, bad, fault, errors.Join(<-readErr, writeErr)
}

// readChunks splits in into chunks of lines, taking empty chunks from free
// and handing full ones to todo.
func readChunks(ctx context.Context, in io.Reader, free <-chan *chunk, todo chan<- *chunk) error {
	r := bufio.NewReaderSize(in, 64<<10)
	seq, lineNo := 0, 1
	ch := <-free
	ch.reset(seq, lineNo)
	send := func() {
		todo <- ch
		seq++
		ch = <-free
		ch.reset(seq, lineNo)
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		start, long := len(ch.data), false
		var err error
		for {
			var part []byte
			part, err = r.ReadSlice('\n')
			if !long && len(ch.data)-start+len(part) > maxLine {
				long, ch.data = true, ch.data[:start]
			}
			if !long {
				ch.data = append(ch.data, part...)
			}
			if !errors.Is(err, bufio.ErrBufferFull) {
				break
			}
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		if len(ch.data) > start || long || err == nil {
			ch.ends, ch.long = append(ch.ends, len(ch.data)), append(ch.long, long)
			lineNo++
		}
		if err != nil { // io.EOF
			if len(ch.ends) > 0 {
				todo <- ch
			}
			return nil
		}
		// A chunk goes when it is full, and before the reader would wait
		// for more input, so that a line typed or piped in is answered at
		// once.
		if len(ch.ends) == chunkLines || len(ch.data) >= maxLine || (r.Buffered() == 0 && len(ch.ends) > 0) {
			send()
		}
	}
}

// decideChunk decides each line of ch into ch.out.
func (b *batch) decideChunk(ctx context.Context, ch *chunk) {
	buf := bytes.NewBuffer(ch.out)
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	for i := range ch.ends {
		n := ch.first + i
		line, err := ch.facts(i)
		if err == nil {
			var decision any
			if decision, err = decideJSON(ctx, b.kind, b.rs, line, b.opts...); err == nil {
				err = enc.Encode(decision)
			}
		}
		if err != nil {
			ch.bad++
			probs, input := rulediff.Problems(err)
			ch.fault = ch.fault || !input
			enc.Encode(badLine{Line: n, Errors: probs, RuleFailed: !input})
			ch.notes = append(ch.notes, rulediff.Notes(b.name, n, probs, input)...)
		}
	}
	ch.out = buf.Bytes()
}

// badLine is the output line for an input line that gave no decision: its
// line number (from 1) and what is wrong, at JSON paths. RuleFailed is set
// when the fault is a rule's, which failed at run time, not the input's.
type badLine struct {
	Line       int                `json:"line"`
	Errors     []rules.FieldError `json:"errors"` // each {"path", "message"}
	RuleFailed bool               `json:"ruleFailed,omitempty"`
}

// openInput opens the file name, or standard input for "-".
func openInput(name string, stdin io.Reader) (io.Reader, func(), error) {
	if name == "-" {
		return stdin, func() {}, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, nil, err
	}
	return f, func() { f.Close() }, nil
}
