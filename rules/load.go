package rules

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"regexp"
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
	Kinds []Kind
	// Decision, when set, loads only the rule files of that decision kind,
	// without their tests: other kinds' files are skipped once their
	// decision: is read, and test files are not parsed. It is for a caller
	// that makes decisions of one kind and needs nothing else checked.
	Decision string
	// MaxRuleCost is the most a rule's expressions may cost, estimated when
	// the rules load (see DefaultMaxRuleCost, its default when zero). A rule
	// over it is a load error at its position.
	MaxRuleCost int64
	// EvalBudget is the most the loops of one evaluation may cost, counted
	// while it runs (see DefaultEvalBudget, its default when zero).
	EvalBudget int64

	// exprOnly turns the native fast path off, so that every part of a
	// condition runs as an expr program: the reference the differential
	// tests hold the native path to.
	exprOnly bool
}

// isRuleFile reports whether a file name is one the loader reads from a
// directory: *.yaml or *.yml.
func isRuleFile(name string) bool {
	ext := path.Ext(name)
	return ext == ".yaml" || ext == ".yml"
}

func isTestFile(name string) bool {
	return strings.HasSuffix(name, ".test.yaml") || strings.HasSuffix(name, ".test.yml")
}

// fileStem returns name without its extension and without .test: a rule
// file and its test file have the same stem.
func fileStem(name string) string {
	name = strings.TrimSuffix(name, path.Ext(name))
	return strings.TrimSuffix(name, ".test")
}

var rulesetLineRE = regexp.MustCompile(`(?m)^ruleset:[ \t]*["']?([a-z][a-z0-9-]*)`)

// rulesetName finds the ruleset: of a file that does not parse as YAML, so
// that its test file is not also reported as orphaned.
func rulesetName(src []byte) string {
	if m := rulesetLineRE.FindSubmatch(src); m != nil {
		return string(m[1])
	}
	return ""
}

// ReadFS returns every rule file under the root of fsys, sorted by name.
func ReadFS(fsys fs.FS) ([]File, error) {
	var files []File
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !isRuleFile(name) {
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
			if d.IsDir() || (name != p && !isRuleFile(name)) {
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
	ld := &loading{loader: l, byName: map[string]*Ruleset{}, failed: map[string]bool{}}
	files = slices.Clone(files)
	slices.SortStableFunc(files, func(a, b File) int { return strings.Compare(a.Name, b.Name) })
	for _, f := range files {
		if err := ld.file(f); err != nil {
			return nil, err
		}
	}
	for _, d := range ld.testDocs {
		ld.attachTests(d)
	}
	if err := ld.errs.Err(); err != nil {
		return nil, err
	}
	slices.SortFunc(ld.rulesets, func(a, b *Ruleset) int { return strings.Compare(a.name, b.name) })
	return &Set{rulesets: ld.rulesets}, nil
}

// loading is the state of one Load.
type loading struct {
	loader   *Loader
	errs     ErrorList
	rulesets []*Ruleset
	byName   map[string]*Ruleset
	// failed holds the names and file stems of rule files that did not
	// load: their problems are reported, and saying that their tests have
	// no ruleset would only bury them.
	failed   map[string]bool
	testDocs []*document // test files, attached to their rulesets last
}

// file loads one file: a ruleset, or a test file kept for attachTests.
// Only an internal failure is returned; problems go to ld.errs.
func (ld *loading) file(f File) error {
	test, only := isTestFile(f.Name), ld.loader.Decision
	if only != "" && test {
		return nil
	}
	d := parseDocument(f.Name, f.Data, &ld.errs)
	switch {
	case d == nil && !test:
		ld.failed[fileStem(f.Name)] = true
		if name := rulesetName(f.Data); name != "" {
			ld.failed[name] = true
		}
		return nil
	case d == nil:
		return nil
	case test:
		s, err := testFileSchema()
		if err != nil {
			return err
		}
		d.validate(s, &ld.errs)
		ld.testDocs = append(ld.testDocs, d)
		return nil
	}
	if decision, _ := d.valueAt("/decision").(string); only != "" && decision != only {
		return nil
	}
	rs := ld.loader.build(d, f.Data, &ld.errs)
	if rs == nil {
		ld.failed[fileStem(f.Name)] = true
		if name, ok := d.valueAt("/ruleset").(string); ok {
			ld.failed[name] = true
		}
		return nil
	}
	if first, dup := ld.byName[rs.name]; dup {
		ld.errs.add(d.at("/ruleset"), CodeDuplicateSet, "ruleset %s is already defined in %s; give this one another name", rs.name, first.file)
		return nil
	}
	ld.byName[rs.name] = rs
	ld.rulesets = append(ld.rulesets, rs)
	return nil
}

// attachTests adds the tests of the test file d to the ruleset it names.
func (ld *loading) attachTests(d *document) {
	name, ok := d.valueAt("/ruleset").(string)
	if !ok {
		return // the schema check has reported it
	}
	rs := ld.byName[name]
	switch {
	case rs == nil && (ld.failed[name] || ld.failed[fileStem(d.file)]):
		return
	case rs == nil:
		ld.errs.add(d.at("/ruleset"), CodeUnknownSet, "no ruleset named %s was loaded%s; load its file together with this one",
			name, didYouMean(name, slices.Sorted(maps.Keys(ld.byName))))
		return
	}
	parseTests(d, rs, &ld.errs)
}

func (l *Loader) kind(name string) Kind {
	for _, k := range l.Kinds {
		if k.Name() == name {
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
	public := l.kind(decision)
	if public == nil {
		if decision != "" {
			names := make([]string, len(l.Kinds))
			for i, k := range l.Kinds {
				names[i] = k.Name()
			}
			errs.add(d.at("/decision"), CodeUnknownKind, "unknown decision %q%s; known: %s", decision, didYouMean(decision, names), strings.Join(names, ", "))
		}
		return nil
	}
	kind := public.base()
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
		public:      public,
		file:        d.file,
		digest:      "sha256:" + hex.EncodeToString(sum[:]),
		params:      map[string]any{},
		questions:   map[string]Text{},
	}
	rs.vms.New = func() any { return &vm.VM{MemoryBudget: maxRunSize} }
	if params, ok := top["params"].(map[string]any); ok {
		d.checkParamNames(params, errs)
		rs.params = params
	}
	if len(*errs) == before {
		// Decoded only once the schemas hold, so that a problem is reported
		// once, at its position, in the schema's words.
		rs.paramsTyped = decodeParams(d, kind.paramsType, rs.params, errs)
	}
	rs.paramPos, rs.questionPos = map[string]Pos{}, map[string]Pos{}
	for name := range rs.params {
		rs.paramPos[name] = d.keyAt("/params/" + escapePointer(name))
	}
	if qs, ok := top["questions"].(map[string]any); ok {
		for fact, q := range qs {
			if _, known := kind.vocab.byName[fact]; !known {
				errs.add(d.keyAt("/questions/"+escapePointer(fact)), CodeUnknownFact, "question for unknown fact %s%s", fact, didYouMean(fact, kind.vocab.names()))
				continue
			}
			rs.questions[fact] = text(q)
			rs.questionPos[fact] = d.keyAt("/questions/" + escapePointer(fact))
		}
	}
	rs.budget = l.evalBudget()
	c := &exprCompiler{doc: d, kind: kind, params: rs.params, errs: errs, exprOnly: l.exprOnly, maxCost: l.maxRuleCost(), meters: &rs.meters}
	ruleList, _ := top["rules"].([]any)
	seen := map[string]*Rule{}
	for i, item := range ruleList {
		ptr := "/rules/" + strconv.Itoa(i)
		m, ok := item.(map[string]any)
		if !ok {
			continue
		}
		r := &Rule{ruleset: rs, pos: d.at(ptr), whenPos: d.at(ptr + "/when"), message: text(m["message"]), then: map[string]any{}}
		r.id, _ = m["id"].(string)
		r.title, _ = m["title"].(string)
		if _, isText := m["title"].(map[string]any); isText {
			r.titles = text(m["title"])
			r.title = r.titles["en"]
		}
		r.description, _ = m["description"].(string)
		r.source, _ = m["source"].(string)
		if first, dup := seen[r.id]; dup && r.id != "" {
			errs.add(d.at(ptr+"/id"), CodeDuplicateRule, "rule id %s is already used at line %d; rule ids must be unique in a ruleset", r.id, first.pos.Line)
			continue
		}
		seen[r.id] = r
		r.when = c.compile(ptr+"/when", nil, true)
		then, _ := m["then"].(map[string]any)
		if len(*errs) == before {
			if v, err := decodeThen(kind.thenType, then); err != nil {
				reportDecode(d, ptr+"/then", err, errs)
			} else {
				r.thenTyped = v
			}
		}
		if then != nil {
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
	// pack copies the rules into one block: what indexes them by pointer
	// comes after it.
	rs.pack()
	parseUnconfirmed(d, rs, errs)
	parseLocales(d, rs, errs)
	if l.Decision == "" {
		parseTests(d, rs, errs)
	}
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

// MustLoadFS loads the rule files of fsys for kinds, and panics with every
// problem if they do not load. It is for rules built into a program, where a
// rule file that does not load is a bug that the program's tests catch.
func MustLoadFS(fsys fs.FS, kinds ...Kind) *Set {
	set, err := (&Loader{Kinds: kinds}).LoadFS(fsys)
	if err != nil {
		panic("rules: built-in rule files do not load:\n" + err.Error())
	}
	return set
}

// decodeParams decodes a ruleset's params (at /params in the document) into
// a new value of the kind's params type t, reporting a problem at its
// position. Params t has no field for are the rules' own, read only by
// their expressions.
func decodeParams(d *document, t reflect.Type, val any, errs *ErrorList) any {
	v := reflect.New(t)
	if val != nil {
		if err := decodeInto(val, v.Interface(), false); err != nil {
			reportDecode(d, "/params", err, errs)
			return nil
		}
	}
	return v.Elem().Interface()
}

// reportDecode reports an error of decodeInto at the position it names.
func reportDecode(d *document, ptr string, err error, errs *ErrorList) {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "unknown field "); ok {
		name = strings.Trim(name, `"`)
		errs.add(d.keyAt(ptr+"/"+escapePointer(name)), CodeSchema, "%s is not one of the names allowed here", name)
		return
	}
	if path, rest, ok := strings.Cut(msg, ": "); ok && !strings.Contains(path, " ") {
		errs.add(d.at(ptr+"/"+path), CodeSchema, "%s", rest)
		return
	}
	errs.add(d.at(ptr), CodeSchema, "%s", msg)
}
