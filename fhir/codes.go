package fhir

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/reocell/celltherapy/rules"
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
	Role     string // "codes", "yes" or "no"
	System   string // the short system name of the file
	Code     string
	Display  string
	Status   Status
	Source   string
	Pos      rules.Pos // where the entry is written
}

// Codes is a loaded set of code tables: which FHIR codes say what about
// which eligibility fact. It is immutable and safe for concurrent use.
type Codes struct {
	name, version, digest string
	entries               []Entry
	tables                []*table
	systems               map[string][]string
	// byCode finds the tables a coding belongs to, per resource type.
	byCode map[string]map[key][]*table
}

type key struct{ system, code string }

// table is one table of the file after loading; its maps hold indexes
// into Codes.entries.
type table struct {
	fact, resource string
	codes, yes, no map[key]int
	boolean        bool
	noValidDays    int
	yesStands      bool
}

// Name returns the name the file gives the tables (codes:).
func (c *Codes) Name() string { return c.name }

// Version returns the clinic's label for the tables (version:).
func (c *Codes) Version() string { return c.version }

// Digest returns "sha256:" and the hex digest of the file's bytes.
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
	src, err := os.ReadFile(path)
	if err != nil {
		return rules.ErrorList{{Pos: rules.Pos{File: path}, Code: rules.CodeIO, Message: err.Error()}}
	}
	_, err = LoadCodes(path, src)
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
// a code listed twice for one fact) is reported at once as a rules.ErrorList.
func LoadCodes(file string, src []byte) (*Codes, error) {
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
	sum := sha256.Sum256(src)
	c := &Codes{name: f.Codes, version: f.Version, digest: "sha256:" + hex.EncodeToString(sum[:]), byCode: map[string]map[key][]*table{}, systems: f.Systems}
	c.build(d, &f, &errs)
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return c, nil
}

// codesFile is the shape of codes.yaml (checked by the schema first).
type codesFile struct {
	Codes   string              `yaml:"codes"`
	Version string              `yaml:"version"`
	Systems map[string][]string `yaml:"systems"`
	Tables  []struct {
		Fact        string      `yaml:"fact"`
		Resource    string      `yaml:"resource"`
		Status      Status      `yaml:"status"`
		Source      string      `yaml:"source"`
		Codes       []codeEntry `yaml:"codes"`
		Yes         []codeEntry `yaml:"yes"`
		No          []codeEntry `yaml:"no"`
		Boolean     bool        `yaml:"boolean"`
		NoValidDays int         `yaml:"noValidDays"`
		YesStands   bool        `yaml:"yesStands"`
	} `yaml:"tables"`
}

type codeEntry struct {
	System  string `yaml:"system"`
	Code    string `yaml:"code"`
	Display string `yaml:"display"`
	Status  Status `yaml:"status"`
	Source  string `yaml:"source"`
}

// build indexes the tables, reporting unknown system names and codes given
// twice for one fact and resource.
func (c *Codes) build(d *yamlDoc, f *codesFile, errs *rules.ErrorList) {
	type seenKey struct {
		fact, resource string
		k              key
	}
	seen := map[seenKey]rules.Pos{}
	for ti, t := range f.Tables {
		tb := &table{fact: t.Fact, resource: t.Resource, boolean: t.Boolean, noValidDays: t.NoValidDays, yesStands: t.YesStands,
			codes: map[key]int{}, yes: map[key]int{}, no: map[key]int{}}
		for _, list := range []struct {
			role    string
			entries []codeEntry
			into    map[key]int
		}{{"codes", t.Codes, tb.codes}, {"yes", t.Yes, tb.yes}, {"no", t.No, tb.no}} {
			for ei, e := range list.entries {
				ptr := fmt.Sprintf("/tables/%d/%s/%d", ti, list.role, ei)
				uris, ok := f.Systems[e.System]
				if !ok {
					*errs = append(*errs, &rules.Error{Pos: d.at(ptr + "/system"), Code: rules.CodeSchema,
						Message: fmt.Sprintf("unknown system %q; name one of systems: %s", e.System, strings.Join(sortedKeys(f.Systems), ", "))})
					continue
				}
				c.entries = append(c.entries, Entry{Fact: t.Fact, Resource: t.Resource, Role: list.role, System: e.System,
					Code: e.Code, Display: e.Display, Status: cmp.Or(e.Status, t.Status), Source: cmp.Or(e.Source, t.Source), Pos: d.at(ptr)})
				for _, uri := range uris {
					k := key{uri, e.Code}
					sk := seenKey{t.Fact, t.Resource, k}
					if first, dup := seen[sk]; dup {
						*errs = append(*errs, &rules.Error{Pos: d.at(ptr + "/code"), Code: rules.CodeSchema,
							Message: fmt.Sprintf("code %s %s is already listed for %s in %s at %s; list it once", e.System, e.Code, t.Fact, t.Resource, first)})
						break
					}
					seen[sk] = d.at(ptr)
					list.into[k] = len(c.entries) - 1
				}
			}
		}
		c.tables = append(c.tables, tb)
		idx := c.byCode[tb.resource]
		if idx == nil {
			idx = map[key][]*table{}
			c.byCode[tb.resource] = idx
		}
		for k := range tb.codes {
			idx[k] = append(idx[k], tb)
		}
		// An observation is found by its own code, listed under codes.
	}
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
