package rules

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/expr-lang/expr/vm"
)

// File is one rule file to load: a name used in positions, and its bytes.
type File struct {
	Name string
	Data []byte
}

// Loader loads rule files for the decision kinds it knows. Its zero value
// knows no kinds; rule files name their kind with decision:.
type Loader struct {
	Kinds []*Kind
	// MaxRuleCost is the most a rule's expressions may cost, estimated when
	// the rules load (see DefaultMaxRuleCost, its default when zero). A rule
	// over it is a load error at its position.
	MaxRuleCost int64
	// EvalBudget is the most the loops of one evaluation may cost, counted
	// while it runs (see DefaultEvalBudget, its default when zero).
	EvalBudget int64
}

// IsRuleFile reports whether a file name is one the loader reads from a
// directory: *.yaml or *.yml.
func IsRuleFile(name string) bool {
	ext := path.Ext(name)
	return ext == ".yaml" || ext == ".yml"
}

func isTestFile(name string) bool {
	return strings.HasSuffix(name, ".test.yaml") || strings.HasSuffix(name, ".test.yml")
}

// ReadFS returns every rule file under the root of fsys, sorted by name.
func ReadFS(fsys fs.FS) ([]File, error) {
	var files []File
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !IsRuleFile(name) {
			return err
		}
		data, err := fs.ReadFile(fsys, name)
		files = append(files, File{Name: name, Data: data})
		return err
	})
	return files, err
}

// LoadFS loads every rule file under the root of fsys.
func (l *Loader) LoadFS(fsys fs.FS) (*Set, error) {
	files, err := ReadFS(fsys)
	if err != nil {
		return nil, ErrorList{{Code: CodeIO, Message: err.Error()}}
	}
	return l.Load(files...)
}

// LoadPaths loads rule files from paths, each a file or a directory (whose
// *.yaml and *.yml files are read, recursively). Positions name files by
// the path they were reached through.
func (l *Loader) LoadPaths(paths ...string) (*Set, error) {
	var files []File
	var errs ErrorList
	for _, p := range paths {
		err := filepath.WalkDir(p, func(name string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() || (name != p && !IsRuleFile(name)) {
				return nil
			}
			data, err := os.ReadFile(name)
			files = append(files, File{Name: name, Data: data})
			return err
		})
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				errs.add(Pos{File: p}, CodeIO, "no such file or directory; give a rule file (*.yaml) or a directory of them")
			} else {
				errs.add(Pos{File: p}, CodeIO, "%v", err)
			}
		}
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return l.Load(files...)
}

// Load parses, validates and compiles files. It reports every problem in
// every file together, as an ErrorList sorted by position; when there is any,
// it returns no Set.
func (l *Loader) Load(files ...File) (*Set, error) {
	var errs ErrorList
	set := &Set{}
	byName := map[string]*Ruleset{}
	failed := map[string]bool{}
	type testDoc struct {
		doc  *document
		name string
	}
	var testDocs []testDoc
	files = slices.Clone(files)
	slices.SortStableFunc(files, func(a, b File) int { return strings.Compare(a.Name, b.Name) })
	for _, f := range files {
		d := parseDocument(f.Name, f.Data, &errs)
		if d == nil {
			continue
		}
		if isTestFile(f.Name) {
			s, err := testFileSchema()
			if err != nil {
				return nil, err
			}
			d.validate(s, &errs)
			if name, ok := d.valueAt("/ruleset").(string); ok {
				testDocs = append(testDocs, testDoc{doc: d, name: name})
			}
			continue
		}
		rs := l.build(d, f.Data, &errs)
		if rs == nil {
			if name, ok := d.valueAt("/ruleset").(string); ok {
				failed[name] = true // its problems are reported; its tests cannot run
			}
			continue
		}
		if first, dup := byName[rs.name]; dup {
			errs.add(d.at("/ruleset"), CodeDuplicateSet, "ruleset %s is already defined in %s; give this one another name", rs.name, first.file)
			continue
		}
		byName[rs.name] = rs
		set.rulesets = append(set.rulesets, rs)
	}
	for _, td := range testDocs {
		rs := byName[td.name]
		if rs == nil && failed[td.name] {
			continue
		}
		if rs == nil {
			errs.add(td.doc.at("/ruleset"), CodeUnknownSet, "no ruleset named %s was loaded%s; load its file together with this one",
				td.name, didYouMean(td.name, slices.Sorted(maps.Keys(byName))))
			continue
		}
		parseTests(td.doc, rs, &errs)
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	slices.SortFunc(set.rulesets, func(a, b *Ruleset) int { return strings.Compare(a.name, b.name) })
	return set, nil
}

func (l *Loader) kind(name string) *Kind {
	for _, k := range l.Kinds {
		if k.name == name {
			return k
		}
	}
	return nil
}

// build turns a ruleset document into a Ruleset, or reports why it cannot.
func (l *Loader) build(d *document, src []byte, errs *ErrorList) *Ruleset {
	base, err := rulesetSchema()
	if err != nil {
		errs.add(Pos{File: d.file}, CodeSchema, "internal: %v", err)
		return nil
	}
	before := len(*errs)
	d.validate(base, errs)
	top, _ := d.value.(map[string]any)
	str := func(key string) string { s, _ := top[key].(string); return s }
	decision := str("decision")
	kind := l.kind(decision)
	if kind == nil {
		if decision != "" {
			names := make([]string, len(l.Kinds))
			for i, k := range l.Kinds {
				names[i] = k.name
			}
			errs.add(d.at("/decision"), CodeUnknownKind, "unknown decision %q%s; known: %s", decision, didYouMean(decision, names), strings.Join(names, ", "))
		}
		return nil
	}
	if kind.schema != nil {
		s, _ := kind.schema()
		d.validate(s, errs)
	}
	sum := sha256.Sum256(src)
	rs := &Ruleset{
		name:        str("ruleset"),
		version:     str("version"),
		title:       str("title"),
		description: str("description"),
		kind:        kind,
		file:        d.file,
		digest:      "sha256:" + hex.EncodeToString(sum[:]),
		params:      map[string]any{},
		questions:   map[string]Text{},
	}
	rs.vms.New = func() any { return &vm.VM{MemoryBudget: maxRunSize} }
	if params, ok := top["params"].(map[string]any); ok {
		rs.params = params
	}
	if qs, ok := top["questions"].(map[string]any); ok {
		for fact, q := range qs {
			if _, known := kind.vocab.byName[fact]; !known {
				errs.add(d.keyAt("/questions/"+escapePointer(fact)), CodeUnknownFact, "question for unknown fact %s%s", fact, didYouMean(fact, kind.vocab.names()))
				continue
			}
			rs.questions[fact] = text(q)
		}
	}
	rs.budget = l.evalBudget()
	c := &exprCompiler{doc: d, kind: kind, params: rs.params, errs: errs, maxCost: l.maxRuleCost(), meters: &rs.meters}
	ruleList, _ := top["rules"].([]any)
	seen := map[string]*Rule{}
	for i, item := range ruleList {
		ptr := "/rules/" + strconv.Itoa(i)
		m, ok := item.(map[string]any)
		if !ok {
			continue
		}
		r := &Rule{ruleset: rs, pos: d.at(ptr), message: text(m["message"]), then: map[string]any{}}
		r.id, _ = m["id"].(string)
		r.title, _ = m["title"].(string)
		r.description, _ = m["description"].(string)
		r.source, _ = m["source"].(string)
		if first, dup := seen[r.id]; dup && r.id != "" {
			errs.add(d.at(ptr+"/id"), CodeDuplicateRule, "rule id %s is already used at line %d; rule ids must be unique in a ruleset", r.id, first.pos.Line)
			continue
		}
		seen[r.id] = r
		r.when = c.compile(ptr+"/when", nil, true)
		if then, ok := m["then"].(map[string]any); ok {
			for _, key := range slices.Sorted(maps.Keys(then)) {
				want, isExpr := kind.thenExprs[key]
				if !isExpr {
					r.then[key] = then[key]
					continue
				}
				if then[key] == nil {
					continue
				}
				if p := c.compile(ptr+"/then/"+escapePointer(key), want, false); p != nil {
					if r.thenExprs == nil {
						r.thenExprs = map[string]*program{}
					}
					r.thenExprs[key] = p
					r.thenOrder = append(r.thenOrder, key) // keys come sorted
					r.thenProgs = append(r.thenProgs, p)
				}
			}
		}
		if r.when != nil && !c.withinBudget(r, ptr) {
			continue
		}
		if r.when != nil {
			r.reads = r.when.reads
			for _, p := range r.thenExprs {
				r.reads = r.reads.union(p.reads)
			}
			rs.rules = append(rs.rules, r)
		}
	}
	rs.metered = c.loops
	rs.pack()
	parseTests(d, rs, errs)
	if len(*errs) > before {
		return nil
	}
	return rs
}

func text(v any) Text {
	m, _ := v.(map[string]any)
	t := Text{}
	for k, s := range m {
		if s, ok := s.(string); ok {
			t[k] = s
		}
	}
	return t
}

// Test is one test case of a ruleset: facts, and what the decision must be.
type Test struct {
	name    string
	pos     Pos
	ruleset *Ruleset
	facts   any // pointer to the kind's facts struct
	expect  map[string]any
}

// Name returns the test's name.
func (t *Test) Name() string { return t.name }

// Pos returns the test's position in its file.
func (t *Test) Pos() Pos { return t.pos }

// Ruleset returns the ruleset the test is for.
func (t *Test) Ruleset() *Ruleset { return t.ruleset }

// parseTests adds the tests: of d to rs, checking their facts against the
// vocabulary and the rule ids and facts their expectations name.
func parseTests(d *document, rs *Ruleset, errs *ErrorList) {
	list, _ := d.valueAt("/tests").([]any)
	v := rs.kind.vocab
	_, hasAsOf := v.byName["asOf"]
	names := map[string]Pos{}
	for _, r := range rs.tests {
		names[r.name] = r.pos
	}
	ruleIDs := make([]string, len(rs.rules))
	for i, r := range rs.rules {
		ruleIDs[i] = r.id
	}
	for i, item := range list {
		ptr := "/tests/" + strconv.Itoa(i)
		m, ok := item.(map[string]any)
		if !ok {
			continue
		}
		t := &Test{pos: d.at(ptr), ruleset: rs, facts: reflect.New(v.typ).Interface()}
		t.name, _ = m["name"].(string)
		t.expect, _ = m["expect"].(map[string]any)
		if first, dup := names[t.name]; dup {
			errs.add(d.at(ptr+"/name"), CodeSchema, "test name %q is already used at %s; give each test its own name", t.name, first)
			continue
		}
		names[t.name] = t.pos
		facts, _ := m["facts"].(map[string]any)
		if asOf, ok := m["asOf"]; ok {
			switch {
			case !hasAsOf:
				errs.add(d.keyAt(ptr+"/asOf"), CodeFacts, "decision %s has no asOf fact; give the time facts it has under facts:", rs.kind.name)
			case facts["asOf"] != nil:
				errs.add(d.keyAt(ptr+"/asOf"), CodeFacts, "asOf is given twice, here and under facts:; keep one")
			default:
				facts = maps.Clone(facts)
				if facts == nil {
					facts = map[string]any{}
				}
				facts["asOf"] = asOf
			}
		} else if hasAsOf && facts["asOf"] == nil {
			errs.add(d.at(ptr), CodeFacts, "test %q has no asOf; add asOf: YYYY-MM-DD so that it gives the same result on every day", t.name)
		}
		if err := v.DecodeValue(facts, t.facts); err != nil {
			var fe FactErrors
			if errors.As(err, &fe) {
				for _, e := range fe {
					p := ptr + "/facts" + strings.ReplaceAll(strings.TrimPrefix(e.Path, "$"), ".", "/")
					if e.Path == "$.asOf" && m["asOf"] != nil {
						p = ptr + "/asOf"
					}
					errs.add(d.at(p), CodeFacts, "%s: %s", strings.TrimPrefix(e.Path, "$."), e.Message)
				}
			} else {
				errs.add(d.at(ptr+"/facts"), CodeFacts, "%v", err)
			}
		}
		for _, key := range []string{"fired", "clear", "undetermined"} {
			ids, _ := t.expect[key].([]any)
			for j, id := range ids {
				if s, _ := id.(string); rs.Rule(s) == nil {
					errs.add(d.at(fmt.Sprintf("%s/expect/%s/%d", ptr, key, j)), CodeSchema, "no rule %q in ruleset %s%s", s, rs.name, didYouMean(s, ruleIDs))
				}
			}
		}
		missing, _ := t.expect["missing"].([]any)
		for j, f := range missing {
			if s, _ := f.(string); !v.has(s) {
				errs.add(d.at(fmt.Sprintf("%s/expect/missing/%d", ptr, j)), CodeUnknownFact, "unknown fact %s%s", s, didYouMean(s, v.names()))
			}
		}
		rs.tests = append(rs.tests, t)
	}
}

// MustLoadFS loads the rule files of fsys for kinds, and panics with every
// problem if they do not load. It is for rules built into a program, where a
// rule file that does not load is a bug that the program's tests catch.
func MustLoadFS(fsys fs.FS, kinds ...*Kind) *Set {
	set, err := (&Loader{Kinds: kinds}).LoadFS(fsys)
	if err != nil {
		panic("rules: built-in rule files do not load:\n" + err.Error())
	}
	return set
}
