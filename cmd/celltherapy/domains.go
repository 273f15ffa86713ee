package main

import (
	"fmt"
	"io/fs"
	"path"

	"github.com/reocell/celltherapy/procedure"
	"github.com/reocell/celltherapy/rules"
)

// domain is a decision kind the program knows, with its default rule files.
// Its kind is made only when asked for: a command that needs one kind does
// not pay for setting up the others.
type domain struct {
	name     string
	kind     func() rules.Kind
	dir      string // where its rule files live in the source tree
	defaults func() fs.FS
}

// domains are the decision kinds, from procedure.DecisionKinds, the one
// list of them.
func domains() []domain {
	var out []domain
	for _, k := range procedure.DecisionKinds() {
		out = append(out, domain{name: k.Name, kind: k.Kind, dir: k.Dir, defaults: k.Defaults})
	}
	return out
}

func findDomain(name string) *domain {
	for _, d := range domains() {
		if d.name == name {
			return &d
		}
	}
	return nil
}

// loadRules loads paths, or the built-in rules when there are none, for the
// given domains: all of them for lint, test and doc; one for eval, which
// then skips the other kinds' rule files and every test file.
func loadRules(doms []domain, paths []string) (*rules.Set, error) {
	l := &rules.Loader{}
	for _, d := range doms {
		l.Kinds = append(l.Kinds, d.kind())
	}
	if len(doms) == 1 {
		l.Decision = doms[0].name
	}
	if len(paths) > 0 {
		files, _ := expandRuleDirs(paths)
		if len(files) == 0 {
			return l.Load()
		}
		return l.LoadPaths(files...)
	}
	var files []rules.File
	seen := map[string]bool{}
	for _, d := range doms {
		if seen[d.dir] {
			continue // one package may hold the rules of several kinds
		}
		seen[d.dir] = true
		list, err := rules.ReadFS(d.defaults())
		if err != nil {
			return nil, fmt.Errorf("the default rules of %s: %w", d.name, err)
		}
		for _, f := range list {
			f.Name = path.Join(d.dir, f.Name)
			files = append(files, f)
		}
	}
	return l.Load(files...)
}
