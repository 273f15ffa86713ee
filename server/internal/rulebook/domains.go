package rulebook

// This file is the server's one adapter onto the decision packages: the
// kinds, their decision makers and JSON entry points come from
// procedure.DecisionKinds; only the CDS Hooks screener is named here.

import (
	"context"
	"fmt"
	"path"

	"github.com/reocell/celltherapy/eligibility"
	"github.com/reocell/celltherapy/procedure"
	"github.com/reocell/celltherapy/rules"
)

// Decision is one decision: the domain package's value (which encodes to
// the decision JSON), its outcome and the ruleset that made it.
type Decision = procedure.Decision

// decideFunc decides one kind from facts as JSON.
type decideFunc = procedure.DecideJSON

// Makers are the decision makers of a book, one per kind, for the case
// routes: the procedure's guards decide with the rules in force too.
type Makers = procedure.Deciders

// domains are the decision kinds the server serves: procedure's one list.
func domains() []procedure.DecisionKind { return procedure.DecisionKinds() }

func loader() *rules.Loader {
	l := &rules.Loader{}
	for _, d := range domains() {
		l.Kinds = append(l.Kinds, d.Kind())
	}
	return l
}

// loadDefaults loads the rules built into the decision packages, each file
// named after its package directory.
func loadDefaults() (*rules.Set, error) {
	var files []rules.File
	seen := map[string]bool{}
	for _, d := range domains() {
		if seen[d.Dir] {
			continue // one package may hold the rules of several kinds
		}
		seen[d.Dir] = true
		list, err := rules.ReadFS(d.Defaults())
		if err != nil {
			return nil, fmt.Errorf("default rules of %s: %w", d.Dir, err)
		}
		for _, f := range list {
			f.Name = path.Join(d.Dir, f.Name)
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
