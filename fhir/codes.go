package fhir

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/reocell/celltherapy/rules"
	"github.com/reocell/celltherapy/rules/lint"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// Status says whether the clinic has confirmed a code table entry.
type Status string

// The two statuses of an entry.
const (
	Confirmed   Status = "confirmed"
	Unconfirmed Status = "unconfirmed"
)

// Coding is a code in a code system, as FHIR writes it.
type Coding struct {
	System  string `json:"system,omitempty"`
	Code    string `json:"code,omitempty"`
	Display string `json:"display,omitempty"`
}

// Entry is one code of a table, as a clinician reviews it.
type Entry struct {
	Fact     string // the eligibility fact the code speaks to
	Resource string // the FHIR resource type it is looked for in
	Role     string // "codes", "ask", "exclude", "yes", "no" or "reviewed"
	System   string // the short system name of the file, or a URI for a value set's code
	Code     string // one code; empty for a range or a prefix
	Range    string // an ICD-10 range such as C00-C97: every code of its categories
	Prefix   string // an ICD-10 code and its children, such as C34.9
	Include  string // the value set file the code comes from, if any
	// DescendantsOf and ValueSet are answered by a terminology server:
	// the concept and its descendants ($subsumes), the codes of a value
	// set it holds by canonical URL ($validate-code).
	DescendantsOf string
	ValueSet      string
	Display       string
	Status        Status
	Source        string
	Pos           rules.Pos // where the entry is written
}

// Codes is a loaded set of code tables: which FHIR codes say what about
// which eligibility fact. It is immutable and safe for concurrent use.
type Codes struct {
	name, version, digest string
	entries               []Entry
	tables                []*table
	systems               map[string][]string
	// byCode finds the tables a coding belongs to, per resource type (by
	// their codes, ask and reviewed sets); byPattern lists the tables of a
	// resource type that hold ranges or prefixes.
	byCode    map[string]map[key][]*table
	byPattern map[string][]*table
	byRemote  map[string][]*table // tables with entries for a terminology server
	warnings  []lint.Warning
}

type key struct{ system, code string }

// table is one table of the file after loading; its maps hold indexes
// into Codes.entries.
type table struct {
	fact, resource      string // fact is "" for a reviewed set
	codes, ask, exclude valueSet
	yes, no             map[key]int
	boolean             bool
	noValidDays         int
	yesStands           bool
}

// Name returns the name the file gives the tables (codes:).
func (c *Codes) Name() string { return c.name }

// Version returns the clinic's label for the tables (version:).
func (c *Codes) Version() string { return c.version }

// Digest returns "sha256:" and the hex digest of the file's bytes, followed
// by those of each value set file it includes (with its name and size).
func (c *Codes) Digest() string { return c.digest }

// Entries returns a copy of every code of the tables, in file order.
func (c *Codes) Entries() []Entry { return slices.Clone(c.entries) }

// Unconfirmed returns the entries the clinic has not confirmed yet: the
// reviewer's checklist.
func (c *Codes) Unconfirmed() []Entry {
	var out []Entry
	for _, e := range c.entries {
		if e.Status == Unconfirmed {
			out = append(out, e)
		}
	}
	return out
}

//go:embed codes.yaml
var defaultCodesYAML []byte

//go:embed codes.schema.json
var codesSchemaJSON []byte

// DefaultCodesYAML returns the embedded default code tables, fhir/codes.yaml.
func DefaultCodesYAML() []byte { return bytes.Clone(defaultCodesYAML) }

// CodesSchema returns the JSON Schema (draft 2020-12) of code table files.
func CodesSchema() []byte { return bytes.Clone(codesSchemaJSON) }

var defaultCodes = sync.OnceValue(func() *Codes {
	c, err := LoadCodes("codes.yaml", defaultCodesYAML)
	if err != nil {
		panic("fhir: the embedded codes.yaml does not load: " + err.Error())
	}
	return c
})

// DefaultCodes returns the embedded default code tables, loaded once.
func DefaultCodes() *Codes { return defaultCodes() }

// LintCodes loads the code table file at path and returns every problem in
// it (a rules.ErrorList of file:line:col: message), or nil.
func LintCodes(path string) error {
	_, err := LoadCodesFile(path)
	return err
}

const codesSchemaURL = "https://github.com/reocell/celltherapy/fhir/codes.schema.json"

var codesSchema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(codesSchemaJSON))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource(codesSchemaURL, doc); err != nil {
		return nil, err
	}
	return c.Compile(codesSchemaURL)
})

// LoadCodes loads code tables from src, named file in problems. Loading is
// all or nothing: every problem (YAML syntax, schema, unknown system names,
// a code listed twice for one fact, a bad range) is reported at once as a
// rules.ErrorList. A file with include: needs its directory: load it with
// LoadCodesFS or LoadCodesFile.
func LoadCodes(file string, src []byte) (*Codes, error) {
	return loadCodes(file, src, nil)
}

// LoadCodesFile loads the code table file at path, reading the value sets
// it includes from beside it.
func LoadCodesFile(path string) (*Codes, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, rules.ErrorList{{Pos: rules.Pos{File: path}, Code: rules.CodeIO, Message: err.Error()}}
	}
	dir := filepath.Dir(path)
	return loadCodes(path, src, func(rel string) (string, []byte, error) {
		data, err := fs.ReadFile(os.DirFS(dir), rel)
		return filepath.Join(dir, filepath.FromSlash(rel)), data, err
	})
}

// LoadCodesFS loads the code table file name of fsys (a rules directory),
// reading the value sets it includes from fsys, relative to the file.
func LoadCodesFS(fsys fs.FS, name string) (*Codes, error) {
	src, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, rules.ErrorList{{Pos: rules.Pos{File: name}, Code: rules.CodeIO, Message: err.Error()}}
	}
	dir := path.Dir(name)
	return loadCodes(name, src, func(rel string) (string, []byte, error) {
		p := path.Join(dir, rel)
		data, err := fs.ReadFile(fsys, p)
		return p, data, err
	})
}

// includer reads a value set file named relative to the code table file,
// returning the name problems give it.
type includer func(rel string) (name string, data []byte, err error)

func loadCodes(file string, src []byte, inc includer) (*Codes, error) {
	var errs rules.ErrorList
	d := parseYAML(file, src, &errs)
	if d == nil {
		return nil, errs.Err()
	}
	sch, err := codesSchema()
	if err != nil {
		return nil, fmt.Errorf("fhir: the code table schema does not compile: %w", err)
	}
	if err := sch.Validate(d.value); err != nil {
		d.schemaErrors(err, &errs)
		return nil, errs.Err()
	}
	var f codesFile
	if err := d.root.Decode(&f); err != nil {
		errs = append(errs, &rules.Error{Pos: d.at(""), Code: rules.CodeSchema, Message: err.Error()})
		return nil, errs.Err()
	}
	h := sha256.New()
	h.Write(src)
	c := &Codes{name: f.Codes, version: f.Version, byCode: map[string]map[key][]*table{}, byPattern: map[string][]*table{}, byRemote: map[string][]*table{}, systems: f.Systems}
	b := &builder{c: c, d: d, f: &f, errs: &errs, inc: inc, digest: h, seen: map[seenKey]rules.Pos{}}
	for ti := range f.Tables {
		b.table(fmt.Sprintf("/tables/%d", ti), &f.Tables[ti])
	}
	for ti := range f.Reviewed {
		b.table(fmt.Sprintf("/reviewed/%d", ti), &f.Reviewed[ti])
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	c.digest = "sha256:" + hex.EncodeToString(h.Sum(nil))
	return c, nil
}

// codesFile is the shape of codes.yaml (checked by the schema first).
type codesFile struct {
	Codes    string              `yaml:"codes"`
	Version  string              `yaml:"version"`
	Systems  map[string][]string `yaml:"systems"`
	Tables   []tableFile         `yaml:"tables"`
	Reviewed []tableFile         `yaml:"reviewed"`
}

type tableFile struct {
	Fact        string      `yaml:"fact"`
	Resource    string      `yaml:"resource"`
	Status      Status      `yaml:"status"`
	Source      string      `yaml:"source"`
	Codes       []codeEntry `yaml:"codes"`
	Include     []string    `yaml:"include"`
	Ask         []codeEntry `yaml:"ask"`
	Exclude     []codeEntry `yaml:"exclude"`
	Yes         []codeEntry `yaml:"yes"`
	No          []codeEntry `yaml:"no"`
	Boolean     bool        `yaml:"boolean"`
	NoValidDays int         `yaml:"noValidDays"`
	YesStands   bool        `yaml:"yesStands"`
}

type codeEntry struct {
	System string `yaml:"system"`
	Code   string `yaml:"code"`
	Range  string `yaml:"range"`
	Prefix string `yaml:"prefix"`
	// Answered by a terminology server.
	DescendantsOf string `yaml:"descendantsOf"`
	ValueSet      string `yaml:"valueSet"`
	Display       string `yaml:"display"`
	Status        Status `yaml:"status"`
	Source        string `yaml:"source"`
}

type seenKey struct {
	fact, resource string
	k              key
}

// builder indexes the tables of one file.
type builder struct {
	c      *Codes
	d      *yamlDoc
	f      *codesFile
	errs   *rules.ErrorList
	inc    includer
	digest hash.Hash
	seen   map[seenKey]rules.Pos
}

func (b *builder) fail(pos rules.Pos, format string, args ...any) {
	*b.errs = append(*b.errs, &rules.Error{Pos: pos, Code: rules.CodeSchema, Message: fmt.Sprintf(format, args...)})
}

// table indexes one table, reporting unknown system names, codes given
// twice for one fact and resource, bad ranges and value sets that do not
// load.
func (b *builder) table(tptr string, t *tableFile) {
	c, d := b.c, b.d
	tb := &table{fact: t.Fact, resource: t.Resource, boolean: t.Boolean, noValidDays: t.NoValidDays, yesStands: t.YesStands,
		codes: newValueSet(), ask: newValueSet(), exclude: newValueSet(), yes: map[key]int{}, no: map[key]int{}}
	role := func(r string) string {
		if t.Fact == "" && r == "codes" {
			return "reviewed"
		}
		return r
	}
	for _, list := range []struct {
		role    string
		entries []codeEntry
		set     *valueSet
		into    map[key]int
	}{{"codes", t.Codes, &tb.codes, nil}, {"ask", t.Ask, &tb.ask, nil}, {"exclude", t.Exclude, &tb.exclude, nil},
		{"yes", t.Yes, nil, tb.yes}, {"no", t.No, nil, tb.no}} {
		for ei, e := range list.entries {
			ptr := fmt.Sprintf("%s/%s/%d", tptr, list.role, ei)
			uris, ok := b.f.Systems[e.System]
			if !ok {
				b.fail(d.at(ptr+"/system"), "unknown system %q; name one of systems: %s", e.System, strings.Join(sortedKeys(b.f.Systems), ", "))
				continue
			}
			entry := Entry{Fact: t.Fact, Resource: t.Resource, Role: role(list.role), System: e.System, Code: e.Code, Range: e.Range, Prefix: e.Prefix,
				DescendantsOf: e.DescendantsOf, ValueSet: e.ValueSet,
				Display: e.Display, Status: cmp.Or(e.Status, t.Status), Source: cmp.Or(e.Source, t.Source), Pos: d.at(ptr)}
			if e.Code == "" {
				b.pattern(ptr, uris, entry, list.set)
				continue
			}
			c.entries = append(c.entries, entry)
			idx := len(c.entries) - 1
			for _, uri := range uris {
				k := key{uri, e.Code}
				if list.role == "codes" || list.role == "ask" {
					sk := seenKey{t.Fact, t.Resource, k}
					if first, dup := b.seen[sk]; dup {
						what := t.Fact
						if what == "" {
							what = "the reviewed sets"
						}
						b.fail(d.at(ptr+"/code"), "code %s %s is already listed for %s in %s at %s; list it once", e.System, e.Code, what, t.Resource, first)
						break
					}
					b.seen[sk] = d.at(ptr)
				}
				if uri == icd10cmURI && icd10cmHeaders()[e.Code] {
					c.warnings = append(c.warnings, lint.Warning{Pos: d.at(ptr + "/code"), Code: "icd10cm-header",
						Message: fmt.Sprintf("ICD-10-CM %s is a category header, not a billable code: US records hold its children (%s); write prefix: %s to match them", e.Code, icd10cmHeaderSource, e.Code)})
				}
				if list.set != nil {
					list.set.exact[k] = idx
				} else {
					list.into[k] = idx
				}
			}
		}
	}
	for ii, rel := range t.Include {
		b.include(fmt.Sprintf("%s/include/%d", tptr, ii), rel, t, tb)
	}
	c.tables = append(c.tables, tb)
	idx := c.byCode[tb.resource]
	if idx == nil {
		idx = map[key][]*table{}
		c.byCode[tb.resource] = idx
	}
	for k := range tb.codes.exact {
		idx[k] = append(idx[k], tb)
	}
	for k := range tb.ask.exact {
		if _, both := tb.codes.exact[k]; !both {
			idx[k] = append(idx[k], tb)
		}
	}
	if len(tb.codes.patterns) > 0 || len(tb.ask.patterns) > 0 {
		c.byPattern[tb.resource] = append(c.byPattern[tb.resource], tb)
	}
	if len(tb.codes.remote) > 0 || len(tb.ask.remote) > 0 {
		c.byRemote[tb.resource] = append(c.byRemote[tb.resource], tb)
	}
	// An observation is found by its own code, listed under codes.
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

var printer = message.NewPrinter(language.English)

// schemaErrors reports each leaf violation at the position of its value.
func (d *yamlDoc) schemaErrors(err error, errs *rules.ErrorList) {
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		*errs = append(*errs, &rules.Error{Pos: d.at(""), Code: rules.CodeSchema, Message: err.Error()})
		return
	}
	for _, leaf := range leafErrors(ve, nil) {
		ptr := ""
		for _, seg := range leaf.InstanceLocation {
			ptr += "/" + escapePointer(seg)
		}
		where := strings.TrimPrefix(ptr, "/")
		if where == "" {
			where = "the file"
		}
		if k, ok := leaf.ErrorKind.(*kind.AdditionalProperties); ok {
			for _, p := range k.Properties {
				*errs = append(*errs, &rules.Error{Pos: d.keyAt(ptr + "/" + escapePointer(p)), Code: rules.CodeSchema,
					Message: fmt.Sprintf("%s: unknown key %q", where, p)})
			}
			continue
		}
		*errs = append(*errs, &rules.Error{Pos: d.at(ptr), Code: rules.CodeSchema, Message: where + ": " + leaf.ErrorKind.LocalizedString(printer)})
	}
}

func leafErrors(ve *jsonschema.ValidationError, out []*jsonschema.ValidationError) []*jsonschema.ValidationError {
	if len(ve.Causes) == 0 {
		return append(out, ve)
	}
	for _, c := range ve.Causes {
		out = leafErrors(c, out)
	}
	return out
}

// Systems returns the code system URIs a short system name of the file
// stands for.
func (c *Codes) Systems(name string) []string { return slices.Clone(c.systems[name]) }
