package rulebook

// This file is the server's one adapter onto the decision packages: every
// call into eligibility, therapy and recommendations is here.

import (
	"context"
	"fmt"
	"io/fs"
	"path"

	"github.com/reocell/celltherapy/eligibility"
	"github.com/reocell/celltherapy/recommendations"
	"github.com/reocell/celltherapy/rules"
	"github.com/reocell/celltherapy/therapy"
)

// Decision is one decision: the domain package's value (which encodes to
// the decision JSON), its outcome and the ruleset that made it.
type Decision struct {
	Value   any
	Outcome string
	Ruleset rules.Ref
}

// decideFunc decides one kind from facts as JSON.
type decideFunc func(ctx context.Context, facts []byte) (Decision, error)

// domain is a decision kind the server serves.
type domain struct {
	kind     rules.Kind
	dir      string // where its default rule files are named from
	defaults fs.FS
	// decider makes the decide function of a ruleset of this kind and
	// records its decision maker in m.
	decider func(rs *rules.Ruleset, m *Makers) (decideFunc, error)
}

// Makers are the decision makers of a book, one per kind, for the case
// routes: the procedure's guards decide with the rules in force too.
type Makers struct {
	Screener *eligibility.Screener
	Selector *therapy.Selector
	Planner  *recommendations.Planner
	Triager  *recommendations.Triager
}

func domains() []domain {
	return []domain{
		{kind: eligibility.Kind(), dir: "eligibility", defaults: eligibility.DefaultFS(), decider: screen},
		{kind: therapy.Kind(), dir: "therapy", defaults: therapy.DefaultFS(), decider: selectTherapy},
		{kind: recommendations.AftercareKind(), dir: "recommendations", defaults: recommendations.DefaultFS(), decider: planAftercare},
		{kind: recommendations.TriageKind(), dir: "recommendations", defaults: recommendations.DefaultFS(), decider: triage},
	}
}

func screen(rs *rules.Ruleset, m *Makers) (decideFunc, error) {
	s, err := eligibility.NewScreener(rs)
	if err != nil {
		return nil, err
	}
	m.Screener = s
	return func(ctx context.Context, data []byte) (Decision, error) {
		facts, err := eligibility.DecodeFacts(data)
		if err != nil {
			return Decision{}, err
		}
		d, err := s.Screen(ctx, facts)
		if err != nil {
			return Decision{}, err
		}
		return Decision{Value: d, Outcome: string(d.Outcome), Ruleset: d.Ruleset}, nil
	}, nil
}

func selectTherapy(rs *rules.Ruleset, m *Makers) (decideFunc, error) {
	s, err := therapy.NewSelector(rs)
	if err != nil {
		return nil, err
	}
	m.Selector = s
	return func(ctx context.Context, data []byte) (Decision, error) {
		facts, err := therapy.DecodeFacts(data)
		if err != nil {
			return Decision{}, err
		}
		d, err := s.Select(ctx, facts)
		if err != nil {
			return Decision{}, err
		}
		return Decision{Value: d, Outcome: string(d.Outcome), Ruleset: d.Ruleset}, nil
	}, nil
}

func planAftercare(rs *rules.Ruleset, m *Makers) (decideFunc, error) {
	p, err := recommendations.NewPlanner(rs)
	if err != nil {
		return nil, err
	}
	m.Planner = p
	return func(ctx context.Context, data []byte) (Decision, error) {
		facts, err := recommendations.DecodeFacts(data)
		if err != nil {
			return Decision{}, err
		}
		d, err := p.Plan(ctx, facts)
		if err != nil {
			return Decision{}, err
		}
		return Decision{Value: d, Outcome: string(d.Outcome), Ruleset: d.Ruleset}, nil
	}, nil
}

func triage(rs *rules.Ruleset, m *Makers) (decideFunc, error) {
	t, err := recommendations.NewTriager(rs)
	if err != nil {
		return nil, err
	}
	m.Triager = t
	return func(ctx context.Context, data []byte) (Decision, error) {
		facts, err := recommendations.DecodeTriageFacts(data)
		if err != nil {
			return Decision{}, err
		}
		d, err := t.Triage(ctx, facts)
		if err != nil {
			return Decision{}, err
		}
		return Decision{Value: d, Outcome: string(d.Outcome), Ruleset: d.Ruleset}, nil
	}, nil
}

func loader() *rules.Loader {
	l := &rules.Loader{}
	for _, d := range domains() {
		l.Kinds = append(l.Kinds, d.kind)
	}
	return l
}

// loadDefaults loads the rules built into the decision packages, each file
// named after its package directory.
func loadDefaults() (*rules.Set, error) {
	var files []rules.File
	seen := map[string]bool{}
	for _, d := range domains() {
		if seen[d.dir] {
			continue // one package may hold the rules of several kinds
		}
		seen[d.dir] = true
		list, err := rules.ReadFS(d.defaults)
		if err != nil {
			return nil, fmt.Errorf("default rules of %s: %w", d.dir, err)
		}
		for _, f := range list {
			f.Name = path.Join(d.dir, f.Name)
			files = append(files, f)
		}
	}
	return loader().Load(files...)
}

// loadDir loads the rule files in dir, leaving its code tables to
// loadCodes.
func loadDir(dir string) (*rules.Set, error) {
	files, err := ruleFiles(dir)
	if err != nil {
		return loader().LoadPaths(dir) // reports it at the directory
	}
	return loader().LoadPaths(files...)
}

// Screener screens with the eligibility rules in force at each call, so a
// reload applies to the next screening: the CDS Hooks service screens with
// it.
type Screener struct{ shelf *Shelf }

// Screener returns a screener that follows the rules in force.
func (s *Shelf) Screener() *Screener { return &Screener{shelf: s} }

// Screen screens facts with the eligibility rules in force now.
func (s *Screener) Screen(ctx context.Context, facts eligibility.Facts) (*eligibility.Decision, error) {
	return s.shelf.Current().makers.Screener.Screen(ctx, facts)
}
