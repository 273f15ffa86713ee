package rulebook

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strings"

	"github.com/reocell/celltherapy/internal/rulediff"
	"github.com/reocell/celltherapy/rules"
	"github.com/reocell/celltherapy/rules/rulestest"
)

// PlaygroundFile is the name a ruleset tried in the playground gets in
// its problems (file:line:col).
const PlaygroundFile = "playground.yaml"

// Trial is what the playground found in a ruleset it was given: the
// problems of loading it, as celltherapy lint reports them, or what it
// holds and how its tests went. Nothing of it is kept, and the rules in
// force are not touched.
type Trial struct {
	Problems []string
	Kind     string   // the decision kind of the ruleset tried
	Rulesets []string // name version (kind)
	Rules    int
	Tests    []TrialTest
}

// TrialTest is one test of the ruleset tried.
type TrialTest struct {
	Name   string
	Pos    string
	Passed bool
	Diff   string
}

// Try loads data as a rule file named PlaygroundFile, with the loader of
// the rules in force (the same kinds and checks as celltherapy lint), and
// runs its tests when it loads.
func Try(ctx context.Context, data []byte) Trial {
	t, _ := try(ctx, data)
	return t
}

func try(ctx context.Context, data []byte) (Trial, *rules.Set) {
	var t Trial
	set, err := loader().Load(rules.File{Name: PlaygroundFile, Data: data})
	if err != nil {
		problems := rules.Problems(err)
		for _, p := range problems {
			t.Problems = append(t.Problems, p.Error())
		}
		if len(problems) == 0 {
			t.Problems = []string{err.Error()}
		}
		return t, nil
	}
	if len(set.Rulesets()) != 1 {
		t.Problems = []string{PlaygroundFile + ": not one ruleset: a rule file has ruleset:, decision: and rules:"}
		return t, nil
	}
	t.Kind = set.Rulesets()[0].Kind().Name()
	for _, rs := range set.Rulesets() {
		t.Rulesets = append(t.Rulesets, fmt.Sprintf("%s %s (%s)", rs.Name(), rs.Version(), rs.Kind().Name()))
		t.Rules += len(rs.Rules())
	}
	rep := rulestest.RunTests(ctx, set.Rulesets()...)
	for _, r := range rep.Results {
		tt := TrialTest{Name: r.Test.Name(), Pos: r.Test.Pos().String(), Passed: r.Passed(), Diff: r.Diff}
		if r.Err != nil {
			tt.Diff = strings.TrimSpace(tt.Diff + "\n" + r.Err.Error())
		}
		t.Tests = append(t.Tests, tt)
	}
	return t, set
}

// Impact is what a ruleset tried would change against the rules in force.
type Impact struct {
	// Decision is the tried ruleset's decision for the facts given, as
	// JSON; FactsError why there is none.
	Decision   string
	FactsError string
	// Table compares the population under the rules in force (from) and
	// the ruleset tried (to) as celltherapy diff does, with the same code;
	// TableText is it as celltherapy diff prints it.
	Table     rulediff.Table
	TableText string
	// Moved are the patients whose decision changes (outcome, fired rules
	// or missing facts), in order.
	Moved []MovedPatient
	// LineErrors say what is wrong with the population's lines that could
	// not be decided, one a problem, as celltherapy diff says it
	// ("population.jsonl:3: $.age: ...").
	LineErrors []string
}

// MovedPatient is a line of the population whose decision changes: the
// outcomes in force and tried, and Change, what differs as celltherapy
// diff says it ("outcome ineligible -> eligible; fired -oncology-window").
type MovedPatient struct {
	Line           int
	InForce, Trial string
	Change         string
}

// TryAgainst tries data as Try does and, when it loads, decides facts
// (JSON, may be empty) with it and compares the population (JSON Lines of
// facts, may be empty) under the rules in force and under it, line by line
// as celltherapy diff does (a bad line is said as it says it, with
// populationName for the file's name). Nothing is kept; the rules in force
// are not touched.
func (s *Shelf) TryAgainst(ctx context.Context, data, facts []byte, populationName string, population []byte) (Trial, *Impact) {
	t, set := try(ctx, data)
	if set == nil {
		return t, nil
	}
	trial, err := build(s.builtin, set, s.opts.Now())
	if err != nil {
		t.Problems = append(t.Problems, err.Error())
		return t, nil
	}
	in := s.Current()
	imp := &Impact{}
	if len(bytes.TrimSpace(facts)) > 0 {
		d, err := trial.Decide(ctx, t.Kind, facts)
		if err != nil {
			imp.FactsError = err.Error()
		} else if out, err := json.MarshalIndent(d.Value, "", "  "); err == nil {
			imp.Decision = string(out)
		}
	}
	from, to := in.RulesOf(t.Kind), trial.RulesOf(t.Kind)
	if len(population) == 0 || from == nil || to == nil {
		return t, imp
	}
	lines := bytes.Split(population, []byte("\n"))
	if len(lines[len(lines)-1]) == 0 {
		lines = lines[:len(lines)-1] // the newline that ends the last line
	}
	for i, line := range lines {
		var before, after rulediff.Verdict
		line = bytes.TrimSpace(line)
		var err error = rules.FieldErrors{{Path: "$", Message: "empty line; want one JSON object of facts a line"}}
		if len(line) > 0 {
			before, after, err = rulediff.Compare(ctx, from.Kind(), from, to, line)
		}
		if err != nil {
			imp.Table.Bad++
			probs, input := rulediff.Problems(err)
			imp.LineErrors = append(imp.LineErrors, rulediff.Notes(populationName, i+1, probs, input)...)
			continue
		}
		if imp.Table.Add(before, after) {
			imp.Moved = append(imp.Moved, MovedPatient{Line: i + 1, InForce: before.Outcome, Trial: after.Outcome,
				Change: rulediff.Describe(before, after)})
		}
	}
	var buf strings.Builder
	imp.Table.Write(&buf)
	imp.TableText = buf.String()
	return t, imp
}

// Source returns the rule file of the ruleset in force for kind, to open
// in the playground: from the rules directory, or built into the program.
func (s *Shelf) Source(kind string) ([]byte, error) {
	b := s.Current()
	var in *Ruleset
	for _, r := range b.Rulesets() {
		if r.Kind == kind {
			in = &r
		}
	}
	if in == nil {
		return nil, fmt.Errorf("%w %q", ErrUnknownKind, kind)
	}
	if in.Source == "directory" {
		return os.ReadFile(in.File)
	}
	for _, d := range domains() {
		if dir, name := path.Split(in.File); strings.TrimSuffix(dir, "/") == d.Dir {
			return fs.ReadFile(d.Defaults(), name)
		}
	}
	return nil, fmt.Errorf("the built-in file %s of %s is not found", in.File, kind)
}
