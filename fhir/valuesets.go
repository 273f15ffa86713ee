package fhir

import (
	"bufio"
	"bytes"
	"cmp"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/reocell/celltherapy/rules"
	"github.com/reocell/celltherapy/rules/lint"
)

// The ICD-10 code systems: WHO's and the US clinical modification are
// separate systems with codes of their own (C34.9 is a WHO code; a US
// record holds C34.90, C34.91 or C34.92).
const (
	icd10URI   = "http://hl7.org/fhir/sid/icd-10"
	icd10cmURI = "http://hl7.org/fhir/sid/icd-10-cm"
	// ATC codes are hierarchical by prefix: L01 is every antineoplastic
	// agent, L01BA01 methotrexate.
	atcURI = "http://www.whocc.no/atc"
)

// Bounds on what one value set file may hold.
const (
	maxValueSetBytes = 32 << 20
	maxValueSetCodes = 500_000
	maxContainsDepth = 16
)

// valueSet is one value set of a table: explicit codes, and ICD-10 ranges
// and prefixes that match every code of their categories.
type valueSet struct {
	exact    map[key]int
	patterns []pattern
	remote   []remote
}

// remote is an entry only a terminology server can answer: the
// descendants of a concept ($subsumes), or the codes of a value set it
// holds ($validate-code).
type remote struct {
	systems       []string // the systems a descendant is of; empty for a value set
	ancestor, url string
	entry         int
}

// pattern is an ICD-10 range (lo-hi, compared on the first len(lo)
// characters of a code without its dot) or a prefix (hi empty).
type pattern struct {
	system, lo, hi string
	entry          int
}

func newValueSet() valueSet { return valueSet{exact: map[key]int{}} }

// find returns the entry that puts c in the set; n is c's code as
// normICD writes it.
func (s *valueSet) find(c Coding, n icdKey) (int, bool) {
	if i, ok := s.exact[key{c.System, c.Code}]; ok {
		return i, true
	}
	for _, p := range s.patterns {
		if p.system == c.System && p.matches(n) {
			return p.entry, true
		}
	}
	return 0, false
}

// icdKey is a code without its dot, in capitals, held without allocating:
// codes longer than its array match no pattern.
type icdKey struct {
	b [12]byte
	n int
}

func icdKeyOf(code string) icdKey {
	var k icdKey
	for i := 0; i < len(code); i++ {
		ch := code[i]
		switch {
		case ch == '.' || ch == ' ':
			continue
		case ch >= 'a' && ch <= 'z':
			ch -= 'a' - 'A'
		}
		if k.n == len(k.b) {
			return icdKey{n: -1}
		}
		k.b[k.n] = ch
		k.n++
	}
	return k
}

func (p pattern) matches(k icdKey) bool {
	if k.n < len(p.lo) {
		return false
	}
	head := k.b[:len(p.lo)]
	if p.hi == "" {
		return string(head) == p.lo
	}
	return string(head) >= p.lo && string(head) <= p.hi
}

// normICD writes an ICD-10 code without its dot, in capitals.
func normICD(code string) string {
	plain := true
	for i := 0; i < len(code); i++ {
		if ch := code[i]; ch == '.' || ch >= 'a' && ch <= 'z' || ch == ' ' {
			plain = false
			break
		}
	}
	if plain {
		return code
	}
	return strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(code), ".", ""))
}

// icdCode is the form of an ICD-10 or ICD-10-CM code, or of a part of one
// (and of an ATC code or class).
func icdCode(s string) bool {
	if len(s) < 1 || len(s) > 8 || s[0] < 'A' || s[0] > 'Z' {
		return false
	}
	for i := 1; i < len(s); i++ {
		ch := s[i]
		if !(ch >= '0' && ch <= '9' || ch >= 'A' && ch <= 'Z' || ch == '.' && i == 3) {
			return false
		}
	}
	return true
}

// pattern adds a range or prefix entry to set, for each ICD-10 system the
// entry's short name stands for, or an entry for the terminology server.
func (b *builder) pattern(ptr string, uris []string, e Entry, set *valueSet) {
	if set == nil {
		b.fail(b.d.at(ptr), "yes and no answers are single codes: give code:")
		return
	}
	if e.DescendantsOf != "" || e.ValueSet != "" {
		b.c.entries = append(b.c.entries, e)
		r := remote{ancestor: e.DescendantsOf, url: e.ValueSet, entry: len(b.c.entries) - 1}
		if e.DescendantsOf != "" {
			r.systems = uris
		}
		set.remote = append(set.remote, r)
		return
	}
	for _, uri := range uris {
		if uri != icd10URI && uri != icd10cmURI && !(uri == atcURI && e.Prefix != "") {
			b.fail(b.d.at(ptr+"/system"), "system %s stands for %s: ranges and prefixes are for ICD-10 and ICD-10-CM codes, and prefixes for ATC classes, only (for a hierarchy of SNOMED CT, include a ValueSet expansion or use a terminology server)", e.System, uri)
			return
		}
	}
	var lo, hi, at string
	if e.Range != "" {
		at = ptr + "/range"
		l, h, ok := strings.Cut(e.Range, "-")
		if !ok || !icdCode(l) || !icdCode(h) {
			b.fail(b.d.at(at), "range %q: want FIRST-LAST, two ICD-10 codes such as C00-C97", e.Range)
			return
		}
		lo, hi = normICD(l), normICD(h)
		if len(lo) != len(hi) || lo > hi {
			b.fail(b.d.at(at), "range %q: its ends must have as many characters and the first come first", e.Range)
			return
		}
	} else {
		at = ptr + "/prefix"
		if !icdCode(e.Prefix) {
			b.fail(b.d.at(at), "prefix %q: want an ICD-10 code or category such as C34 or C34.9", e.Prefix)
			return
		}
		lo = normICD(e.Prefix)
	}
	b.c.entries = append(b.c.entries, e)
	for _, uri := range uris {
		set.patterns = append(set.patterns, pattern{system: uri, lo: lo, hi: hi, entry: len(b.c.entries) - 1})
	}
}

// valueSetJSON is the part of a FHIR R4 ValueSet the tables read: its
// expansion, as a terminology service exports it.
type valueSetJSON struct {
	ResourceType string `json:"resourceType"`
	URL          string `json:"url"`
	Version      string `json:"version"`
	Name         string `json:"name"`
	Expansion    *struct {
		Contains []vsContains `json:"contains"`
	} `json:"expansion"`
}

type vsContains struct {
	System   string       `json:"system"`
	Code     string       `json:"code"`
	Display  string       `json:"display"`
	Abstract bool         `json:"abstract"`
	Contains []vsContains `json:"contains"`
}

// include adds the codes of a ValueSet expansion file to the table's codes.
func (b *builder) include(ptr, rel string, t *tableFile, tb *table) {
	pos := b.d.at(ptr)
	if b.inc == nil {
		b.fail(pos, "include %q: the file is loaded without its directory; lint the file itself, or load it with LoadCodesFS", rel)
		return
	}
	if strings.HasPrefix(rel, "/") || slices.Contains(strings.Split(rel, "/"), "..") {
		b.fail(pos, "include %q: name a file beside the code tables or below them (no /, no ..)", rel)
		return
	}
	name, data, err := b.inc(rel)
	if err != nil {
		b.fail(pos, "include %q: %v", rel, err)
		return
	}
	if len(data) > maxValueSetBytes {
		b.fail(pos, "include %q: larger than %d bytes", rel, maxValueSetBytes)
		return
	}
	fmt.Fprintf(b.digest, "\n--- include %s %d\n", rel, len(data))
	b.digest.Write(data)
	var vs valueSetJSON
	if err := json.Unmarshal(data, &vs); err != nil {
		msg := err.Error()
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		p := rules.Pos{File: name}
		switch {
		case errors.As(err, &se):
			p.Line, p.Col = lineCol(data, se.Offset)
		case errors.As(err, &te):
			p.Line, p.Col = lineCol(data, te.Offset)
			msg = fmt.Sprintf("%s: want a JSON %s, got %s", te.Field, jsonKind(te.Type.Kind().String()), te.Value)
		}
		*b.errs = append(*b.errs, &rules.Error{Pos: p, Code: rules.CodeSchema, Message: "value set: " + msg})
		return
	}
	switch {
	case vs.ResourceType != "ValueSet":
		b.fail(rules.Pos{File: name}, "resourceType: want ValueSet, got %q", vs.ResourceType)
		return
	case vs.Expansion == nil:
		b.fail(rules.Pos{File: name}, "expansion: missing; export the value set expanded ($expand) from the terminology service")
		return
	}
	label := cmp.Or(vs.URL, vs.Name, rel)
	if vs.Version != "" {
		label += "|" + vs.Version
	}
	source := t.Source + "; value set " + label + " (" + rel + ")"
	role := "codes"
	if t.Fact == "" {
		role = "reviewed"
	}
	n := 0
	var walk func(path string, list []vsContains, depth int) bool
	walk = func(path string, list []vsContains, depth int) bool {
		if depth > maxContainsDepth {
			b.fail(rules.Pos{File: name}, "%s: contains nested deeper than %d", path, maxContainsDepth)
			return false
		}
		for i, e := range list {
			at := fmt.Sprintf("%s[%d]", path, i)
			if e.Code != "" && !e.Abstract {
				if e.System == "" {
					b.fail(rules.Pos{File: name}, "%s.system: missing; every code of an expansion names its system", at)
					return false
				}
				if n++; n > maxValueSetCodes {
					b.fail(rules.Pos{File: name}, "more than %d codes", maxValueSetCodes)
					return false
				}
				k := key{e.System, e.Code}
				if _, dup := tb.codes.exact[k]; !dup {
					b.c.entries = append(b.c.entries, Entry{Fact: t.Fact, Resource: t.Resource, Role: role,
						System: e.System, Code: e.Code, Include: rel, Display: cmp.Or(e.Display, e.Code), Status: t.Status, Source: source, Pos: pos})
					tb.codes.exact[k] = len(b.c.entries) - 1
				}
			}
			if !walk(at+".contains", e.Contains, depth+1) {
				return false
			}
		}
		return true
	}
	walk("expansion.contains", vs.Expansion.Contains, 0)
}

func lineCol(data []byte, off int64) (int, int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	before := data[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	col := int(off) - bytes.LastIndexByte(before, '\n')
	return line, col
}

// find returns the entry that puts c in the table (by its codes or its
// ask set), unless the table excludes it; n is c's code as icdKeyOf
// writes it.
func (tb *table) find(c Coding, n icdKey) (entry int, ask, ok bool) {
	if i, in := tb.codes.find(c, n); in {
		entry, ok = i, true
	} else if i, in := tb.ask.find(c, n); in {
		entry, ask, ok = i, true, true
	}
	if ok {
		if _, out := tb.exclude.find(c, n); out {
			return 0, false, false
		}
	}
	return entry, ask, ok
}

//go:embed icd10cm-headers.txt
var icd10cmHeadersTxt string

// icd10cmHeaderSource names where the list of category headers comes from.
const icd10cmHeaderSource = "ICD-10-CM FY2025 tabular list, CMS/NCHS; the list shipped in fhir/icd10cm-headers.txt"

// icd10cmHeaders are ICD-10-CM codes that have children: a US record never
// holds them.
var icd10cmHeaders = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(icd10cmHeadersTxt))
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		if f := strings.Fields(line); len(f) > 0 {
			m[f[0]] = true
		}
	}
	return m
})

// CodeCount is how many codes of a file speak to one fact.
type CodeCount struct {
	Fact string `json:"fact"` // "" for the reviewed sets
	// Codes counts the explicit codes and those of included value sets,
	// each once per system; Ranges and Prefixes the ICD-10 patterns; Ask
	// the codes and patterns that leave the fact to ask.
	Codes, Ranges, Prefixes, Ask int
	// Terminology counts the entries a terminology server answers
	// (descendantsOf, valueSet).
	Terminology int
}

// Counts returns how many codes speak to each fact, in the order of
// yesNoFacts, oncology.everTreated last, then the reviewed sets.
func (c *Codes) Counts() []CodeCount {
	by := map[string]*CodeCount{}
	order := append(slices.Clone(yesNoFacts), "oncology.everTreated", "")
	for _, f := range order {
		by[f] = &CodeCount{Fact: f}
	}
	for _, e := range c.entries {
		n := by[e.Fact]
		if n == nil {
			continue
		}
		switch {
		case e.Role == "ask":
			n.Ask++
		case e.Role != "codes" && e.Role != "reviewed" && e.Role != "yes":
		case e.Range != "":
			n.Ranges++
		case e.Prefix != "":
			n.Prefixes++
		case e.DescendantsOf != "" || e.ValueSet != "":
			n.Terminology++
		default:
			n.Codes++
		}
	}
	out := make([]CodeCount, 0, len(order))
	for _, f := range order {
		out = append(out, *by[f])
	}
	return out
}

// Warnings returns what loads but is likely a mistake: an ICD-10-CM
// category header listed as a code.
func (c *Codes) Warnings() []lint.Warning { return slices.Clone(c.warnings) }

func (n CodeCount) String() string {
	name := n.Fact
	if name == "" {
		name = "reviewed, not a contraindication"
	}
	s := fmt.Sprintf("%s: %d code(s), %d range(s), %d prefix(es), %d to ask", name, n.Codes, n.Ranges, n.Prefixes, n.Ask)
	if n.Terminology > 0 {
		s += fmt.Sprintf(", %d for the terminology server", n.Terminology)
	}
	return s
}
