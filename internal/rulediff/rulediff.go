// Package rulediff compares the decisions two rulesets of one kind make
// for the same patients: what celltherapy diff reports and the console's
// playground shows as the impact of a change, from the same code.
package rulediff

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/reocell/celltherapy/rules"
	"github.com/reocell/celltherapy/rules/ruleskit"
)

// Verdict is what a comparison looks at of one decision: its outcome, the
// rules that fired and the facts it asks for, and the digest of its
// ruleset.
type Verdict struct {
	Outcome string   `json:"outcome"`
	Fired   []string `json:"fired"`
	Missing []string `json:"missing"`
	Digest  string   `json:"digest"`
}

// Judge makes the decision of kind with rs for facts (from kind.DecodeAny)
// and returns its verdict: the fired rules as the engine found them, the
// outcome and missing facts as the decision reports them.
func Judge(ctx context.Context, kind rules.Kind, rs *rules.Ruleset, facts any) (Verdict, error) {
	ev, err := ruleskit.EvaluateAny(ctx, kind, rs, facts)
	if err != nil {
		return Verdict{}, err
	}
	decision, err := kind.DecideAny(ctx, rs, facts)
	if err != nil {
		return Verdict{}, err
	}
	raw, err := json.Marshal(decision)
	if err != nil {
		return Verdict{}, err
	}
	var shape struct {
		Outcome string `json:"outcome"`
		Missing []struct {
			Fact string `json:"fact"`
		} `json:"missing"`
	}
	if err := json.Unmarshal(raw, &shape); err != nil {
		return Verdict{}, fmt.Errorf("decision %s is not a JSON object: %w", kind.Name(), err)
	}
	v := Verdict{Outcome: shape.Outcome, Fired: []string{}, Missing: []string{}, Digest: rs.Digest()}
	for _, r := range ev.Fired() {
		v.Fired = append(v.Fired, r.Rule.ID())
	}
	for _, m := range shape.Missing {
		v.Missing = append(v.Missing, m.Fact)
	}
	return v, nil
}

// Compare decodes one JSON object of facts of kind strictly and judges it
// under from and under to. A decode error is a rules.FieldErrors naming
// each bad value's JSON path.
func Compare(ctx context.Context, kind rules.Kind, from, to *rules.Ruleset, data []byte) (Verdict, Verdict, error) {
	facts, err := kind.DecodeAny(data)
	if err != nil {
		return Verdict{}, Verdict{}, err
	}
	a, err := Judge(ctx, kind, from, facts)
	if err != nil {
		return Verdict{}, Verdict{}, err
	}
	b, err := Judge(ctx, kind, to, facts)
	if err != nil {
		return Verdict{}, Verdict{}, err
	}
	return a, b, nil
}

// Differ reports whether a patient's decision changed: its outcome, its
// fired rules or its missing facts.
func Differ(from, to Verdict) bool {
	return from.Outcome != to.Outcome || !slices.Equal(from.Fired, to.Fired) || !slices.Equal(from.Missing, to.Missing)
}

// Describe says for people what differs between two verdicts.
func Describe(from, to Verdict) string {
	var parts []string
	if from.Outcome != to.Outcome {
		parts = append(parts, fmt.Sprintf("outcome %s -> %s", from.Outcome, to.Outcome))
	} else {
		parts = append(parts, "outcome "+from.Outcome)
	}
	if s := setChange(from.Fired, to.Fired); s != "" {
		parts = append(parts, "fired "+s)
	}
	if s := setChange(from.Missing, to.Missing); s != "" {
		parts = append(parts, "missing "+s)
	}
	return strings.Join(parts, "; ")
}

// setChange lists what to adds to from (+x) and takes away (-x), or "".
func setChange(from, to []string) string {
	var out []string
	for _, x := range to {
		if !slices.Contains(from, x) {
			out = append(out, "+"+x)
		}
	}
	for _, x := range from {
		if !slices.Contains(to, x) {
			out = append(out, "-"+x)
		}
	}
	return strings.Join(out, " ")
}

// Table counts the patients compared by outcome before and after, with
// how many changed and how many lines could not be compared. The zero
// Table is empty and ready.
type Table struct {
	Patients, Changed, Bad int
	counts                 map[[2]string]int // (from outcome, to outcome) -> patients
}

// Add counts one patient compared and reports whether its decision changed.
func (t *Table) Add(from, to Verdict) bool {
	if t.counts == nil {
		t.counts = map[[2]string]int{}
	}
	t.Patients++
	t.counts[[2]string{from.Outcome, to.Outcome}]++
	if !Differ(from, to) {
		return false
	}
	t.Changed++
	return true
}

// Outcomes returns every outcome seen before or after, sorted.
func (t *Table) Outcomes() []string {
	var outcomes []string
	for k := range t.counts {
		outcomes = append(outcomes, k[0], k[1])
	}
	slices.Sort(outcomes)
	return slices.Compact(outcomes)
}

// Count is how many patients went from the outcome from to the outcome to.
func (t *Table) Count(from, to string) int { return t.counts[[2]string{from, to}] }

// Write writes the table as celltherapy diff prints it: a blank line, the
// from x to grid of outcomes, then the totals.
func (t *Table) Write(out io.Writer) error {
	outcomes := t.Outcomes()
	width := len("from \\ to")
	for _, o := range outcomes {
		width = max(width, len(o))
	}
	fmt.Fprintf(out, "\n%-*s", width, "from \\ to")
	for _, o := range outcomes {
		fmt.Fprintf(out, "  %*s", width, o)
	}
	fmt.Fprintln(out)
	for _, f := range outcomes {
		fmt.Fprintf(out, "%-*s", width, f)
		for _, o := range outcomes {
			fmt.Fprintf(out, "  %*d", width, t.Count(f, o))
		}
		fmt.Fprintln(out)
	}
	_, err := fmt.Fprintf(out, "%d of %d patient(s) changed; %d bad line(s)\n", t.Changed, t.Patients, t.Bad)
	return err
}

// Problems returns what is wrong with a line that could not be decided:
// the facts' problems (input true), or, when a rule failed at run time
// (the rules' fault, not the line's), that failure alone.
func Problems(err error) (_ []rules.FieldError, input bool) {
	var fe rules.FieldErrors
	if !errors.As(err, &fe) {
		return []rules.FieldError{{Path: "$", Message: err.Error()}}, false
	}
	out := make([]rules.FieldError, len(fe))
	for i, e := range fe {
		out[i] = rules.FieldError{Path: e.Path, Message: e.Message}
	}
	return out, true
}

// Notes says for people what is wrong with line n of the input name, one
// note a problem ("name:n: $.path: message"), as celltherapy batch and diff
// print them and the console's playground shows them.
func Notes(name string, n int, probs []rules.FieldError, input bool) []string {
	if !input {
		return []string{fmt.Sprintf("%s:%d: a rule failed at run time (the rules' fault, not the line's): %s", name, n, probs[0].Message)}
	}
	var out []string
	for _, p := range probs {
		out = append(out, fmt.Sprintf("%s:%d: %s: %s", name, n, p.Path, p.Message))
	}
	return out
}
