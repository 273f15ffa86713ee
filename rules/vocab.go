package rules

import (
	"fmt"
	"math/bits"
	"reflect"
	"slices"
	"strings"
	"time"
	"unsafe"
)

// factType is the type of a fact as rule authors see it.
type factType uint8

// The fact types a vocabulary may hold. In Go a fact is a pointer field
// (nil = unknown) of the matching type: *bool, *float64, *int, *string or
// *time.Time; a date or instant needs the tag fact:"date" or fact:"instant",
// a number or integer its range fact:"range=MIN..MAX", and a string may be
// limited to a set with fact:"enum=a|b|c".
const (
	typeBool factType = iota + 1
	typeNumber
	typeInteger
	typeString
	typeDate    // a calendar day, YYYY-MM-DD, held as midnight UTC
	typeInstant // a moment in time, RFC 3339
)

func (t factType) String() string {
	return [...]string{"", "boolean", "number", "integer", "string", "date (YYYY-MM-DD)", "instant (RFC 3339)"}[t]
}

// factInfo describes one fact of a vocabulary.
type factInfo struct {
	Name string   // dotted name as written in expressions and JSON, e.g. oncology.active
	Type factType // its type
	Enum []string // for strings limited to a set, the allowed values
	// Min and Max bound a number or integer fact (its tag range=MIN..MAX).
	Min, Max float64
	// offsets are the byte offsets of the pointer fields on the way from the
	// facts struct to the fact, for reading it without reflection.
	offsets []uintptr
}

// maxFacts bounds a vocabulary so that a set of facts fits in a factSet.
const maxFacts = 256

// factSet is a set of facts of one vocabulary, by position.
type factSet [maxFacts / 64]uint64

func (s *factSet) add(i int)      { s[i/64] |= 1 << (i % 64) }
func (s *factSet) has(i int) bool { return s[i/64]&(1<<(i%64)) != 0 }
func (s factSet) union(t factSet) factSet {
	for i := range s {
		s[i] |= t[i]
	}
	return s
}
func (s factSet) minus(t factSet) factSet {
	for i := range s {
		s[i] &^= t[i]
	}
	return s
}
func (s factSet) intersect(t factSet) factSet {
	for i := range s {
		s[i] &= t[i]
	}
	return s
}
func (s factSet) empty() bool { return s == factSet{} }

func (s factSet) count() int {
	n := 0
	for _, w := range s {
		n += bits.OnesCount64(w)
	}
	return n
}

// within reports whether every fact of s is in t.
func (s *factSet) within(t *factSet) bool {
	for i := range s {
		if s[i]&^t[i] != 0 {
			return false
		}
	}
	return true
}

// vocabulary is the set of facts a decision kind reads, taken from the Go
// struct that holds them. Its JSON names are the names used in expressions.
type vocabulary struct {
	typ    reflect.Type // the facts struct
	facts  []factInfo
	byName map[string]int
	groups map[string][]int // group name ("oncology") -> facts in it
	root   []vfield
	// checked are the facts whose values Validate checks.
	checked []int
}

// vfield is one field of the facts struct: a fact, or a group of facts.
type vfield struct {
	name   string  // its JSON name within its group
	offset uintptr // of the pointer field in its struct
	index  int
	fact   int // position in facts, or -1 for a group
	fields []vfield
}

var timeType = reflect.TypeFor[time.Time]()

// newVocabulary builds the vocabulary of the facts struct type t (or pointer
// to it). Every exported field needs a json tag and an equal expr tag.
func newVocabulary(t reflect.Type) (*vocabulary, error) {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("rules: facts type %s is not a struct", t)
	}
	v := &vocabulary{typ: t, byName: map[string]int{}, groups: map[string][]int{}}
	root, err := v.walk(t, "", nil)
	if err != nil {
		return nil, err
	}
	v.root = root
	v.checked = checkedFacts(v.facts)
	if len(v.facts) > maxFacts {
		return nil, fmt.Errorf("rules: facts type %s has %d facts, more than %d", t, len(v.facts), maxFacts)
	}
	return v, nil
}

func (v *vocabulary) walk(t reflect.Type, prefix string, offsets []uintptr) ([]vfield, error) {
	var out []vfield
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" || f.Tag.Get("expr") != name {
			return nil, fmt.Errorf("rules: field %s.%s needs equal json and expr tags", t, f.Name)
		}
		full := prefix + name
		offs := append(slices.Clone(offsets), f.Offset)
		if f.Type.Kind() != reflect.Pointer {
			return nil, fmt.Errorf("rules: field %s.%s must be a pointer (nil = unknown)", t, f.Name)
		}
		elem := f.Type.Elem()
		if elem.Kind() == reflect.Struct && elem != timeType {
			first := len(v.facts)
			kids, err := v.walk(elem, full+".", offs)
			if err != nil {
				return nil, err
			}
			for j := first; j < len(v.facts); j++ {
				v.groups[full] = append(v.groups[full], j)
			}
			out = append(out, vfield{name: name, offset: f.Offset, index: i, fact: -1, fields: kids})
			continue
		}
		fact := factInfo{Name: full, offsets: offs}
		tag := f.Tag.Get("fact")
		switch {
		case elem.Kind() == reflect.Bool:
			fact.Type = typeBool
		case elem.Kind() == reflect.Float64 || elem.Kind() == reflect.Int:
			fact.Type = typeNumber
			if elem.Kind() == reflect.Int {
				fact.Type = typeInteger
			}
			var err error
			if fact.Min, fact.Max, err = parseRange(tag); err != nil {
				return nil, fmt.Errorf("rules: number field %s.%s %w", t, f.Name, err)
			}
		case elem.Kind() == reflect.String:
			fact.Type = typeString
			if values, ok := strings.CutPrefix(tag, "enum="); ok {
				fact.Enum = strings.Split(values, "|")
			}
		case elem == timeType && tag == "date":
			fact.Type = typeDate
		case elem == timeType && tag == "instant":
			fact.Type = typeInstant
		default:
			return nil, fmt.Errorf("rules: field %s.%s has type %s, which is not a fact type (or lacks fact:\"date\"/\"instant\")", t, f.Name, f.Type)
		}
		v.byName[full] = len(v.facts)
		out = append(out, vfield{name: name, offset: f.Offset, index: i, fact: len(v.facts)})
		v.facts = append(v.facts, fact)
	}
	return out, nil
}

// factList returns the facts of the vocabulary in declaration order. The slice
// and what it holds are the caller's own.
func (v *vocabulary) factList() []factInfo {
	out := make([]factInfo, len(v.facts))
	for i, f := range v.facts {
		out[i] = f.clone()
	}
	return out
}

// clone gives a factInfo that shares no slice with f.
func (f factInfo) clone() factInfo {
	f.Enum = slices.Clone(f.Enum)
	return f
}

func (v *vocabulary) has(name string) bool {
	_, ok := v.byName[name]
	return ok
}

func (v *vocabulary) names() []string {
	out := make([]string, 0, len(v.facts)+len(v.groups))
	for _, f := range v.facts {
		out = append(out, f.Name)
	}
	for g := range v.groups {
		out = append(out, g)
	}
	slices.Sort(out)
	return out
}

// known returns the set of facts that are set in the facts struct s, which
// must be addressable (the value behind a pointer).
func (v *vocabulary) known(s reflect.Value) factSet {
	var set factSet
	knownIn(s.Addr().UnsafePointer(), v.root, &set)
	return set
}

// knownIn reads the pointer fields of the struct at base directly: every
// field of a vocabulary is a pointer (newVocabulary checks it), and this runs
// once per evaluation, where reflect's per-field cost showed.
func knownIn(base unsafe.Pointer, fields []vfield, set *factSet) {
	for _, f := range fields {
		p := *(*unsafe.Pointer)(unsafe.Add(base, f.offset))
		if p == nil {
			continue
		}
		if f.fact >= 0 {
			set.add(f.fact)
		} else {
			knownIn(p, f.fields, set)
		}
	}
}

// typed returns the known fact i of s: a Date for a date fact, the value
// itself for the others.
func (v *vocabulary) typed(s reflect.Value, i int) any {
	p := v.pointer(s.Addr().UnsafePointer(), i)
	if p == nil {
		return nil
	}
	switch v.facts[i].Type {
	case typeBool:
		return *(*bool)(p)
	case typeNumber:
		return *(*float64)(p)
	case typeInteger:
		return *(*int)(p)
	case typeString:
		return *(*string)(p)
	case typeDate:
		return DateOf(*(*time.Time)(p))
	}
	return *(*time.Time)(p)
}

// value returns the known fact i of s as plain data: dates as YYYY-MM-DD and
// instants as RFC 3339 strings.
func (v *vocabulary) value(s reflect.Value, i int) any {
	switch x := v.typed(s, i).(type) {
	case Date:
		return x.String()
	case time.Time:
		return x.Format(time.RFC3339Nano)
	default:
		return x
	}
}

// plain returns the known facts of facts (a pointer to, or value of, the
// vocabulary's struct) as nested maps in their JSON shape, ready for
// encoding: dates as YYYY-MM-DD, instants as RFC 3339.
func (v *vocabulary) plain(facts any) map[string]any {
	s := reflect.Indirect(reflect.ValueOf(facts))
	out := map[string]any{}
	for i, f := range v.facts {
		val := v.value(s, i)
		if val == nil {
			continue
		}
		m := out
		parts := strings.Split(f.Name, ".")
		for _, p := range parts[:len(parts)-1] {
			next, ok := m[p].(map[string]any)
			if !ok {
				next = map[string]any{}
				m[p] = next
			}
			m = next
		}
		m[parts[len(parts)-1]] = val
	}
	return out
}
