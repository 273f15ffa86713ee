package rules

import (
	"errors"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
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
	// the rules load: one million steps when zero. A cost is a count of
	// expression steps, one per operation, and a loop costs the number of
	// elements it may visit times the cost of its body: one million steps
	// run in tens of milliseconds, the clinic's rules cost well under a
	// hundred each, three nested loops over a 1,000-element list a
	// billion. A rule over it is a load error at its position.
	MaxRuleCost int64
	// EvalBudget is the most the loops of one evaluation may cost, counted
	// while it runs: ten million steps (ten rules at the load-time default)
	// when zero.
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

func text(v any) localized {
	m, _ := v.(map[string]any)
	t := localized{}
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
