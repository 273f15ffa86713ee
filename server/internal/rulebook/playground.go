package rulebook

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strings"

	"github.com/reocell/celltherapy/rules"
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
		return t
	}
	if len(set.Rulesets()) == 0 {
		t.Problems = []string{PlaygroundFile + ": no ruleset: a rule file has ruleset:, decision: and rules:"}
		return t
	}
	for _, rs := range set.Rulesets() {
		t.Rulesets = append(t.Rulesets, fmt.Sprintf("%s %s (%s)", rs.Name(), rs.Version(), rs.Kind().Name()))
		t.Rules += len(rs.Rules())
	}
	rep := rules.RunTests(ctx, set.Rulesets()...)
	for _, r := range rep.Results {
		tt := TrialTest{Name: r.Test.Name(), Pos: r.Test.Pos().String(), Passed: r.Passed(), Diff: r.Diff}
		if r.Err != nil {
			tt.Diff = strings.TrimSpace(tt.Diff + "\n" + r.Err.Error())
		}
		t.Tests = append(t.Tests, tt)
	}
	return t
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
		if dir, name := path.Split(in.File); strings.TrimSuffix(dir, "/") == d.dir {
			return fs.ReadFile(d.defaults, name)
		}
	}
	return nil, fmt.Errorf("the built-in file %s of %s is not found", in.File, kind)
}
