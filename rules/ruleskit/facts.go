package ruleskit

import (
	"github.com/reocell/celltherapy/rules"
	"github.com/reocell/celltherapy/rules/internal/hook"
)

var (
	factsOf       = hook.Facts.(func(rules.Kind) []hook.Fact)
	validateFacts = hook.ValidateFacts.(func(rules.Kind, any) error)
)

// FactType is the type of a fact as rule authors see it.
type FactType uint8

// The fact types a vocabulary may hold. In Go a fact is a pointer field
// (nil = unknown) of the matching type: *bool, *float64, *int, *string or
// *time.Time; a date or instant needs the tag fact:"date" or fact:"instant",
// a number or integer its range fact:"range=MIN..MAX", and a string may be
// limited to a set with fact:"enum=a|b|c".
const (
	TypeBool FactType = iota + 1
	TypeNumber
	TypeInteger
	TypeString
	TypeDate    // a calendar day, YYYY-MM-DD, held as midnight UTC
	TypeInstant // a moment in time, RFC 3339
)

// String names the type as rule authors read it ("boolean", "date
// (YYYY-MM-DD)", ...).
func (t FactType) String() string {
	if int(t) >= len(factTypeNames) {
		return ""
	}
	return factTypeNames[t]
}

var factTypeNames = [...]string{"", "boolean", "number", "integer", "string", "date (YYYY-MM-DD)", "instant (RFC 3339)"}

// Fact describes one fact a kind's rules may read.
type Fact struct {
	Name string   // dotted name as written in expressions and JSON, e.g. oncology.active
	Type FactType // its type
	Enum []string // for strings limited to a set, the allowed values
	// Min and Max bound a number or integer fact (its tag range=MIN..MAX).
	Min, Max float64
}

// Facts returns the facts the rules of kind k may read, in the order of
// its facts struct. The slice and what it holds are the caller's own.
func Facts(k rules.Kind) []Fact {
	list := factsOf(k)
	out := make([]Fact, len(list))
	for i, f := range list {
		out[i] = Fact{Name: f.Name, Type: FactType(f.Type), Enum: f.Enum, Min: f.Min, Max: f.Max}
	}
	return out
}

// Validate checks facts built in Go, a pointer to k's facts struct, as
// decoding checks JSON facts: strings within their enumeration, numbers
// within their range, dates and instants within the years facts may have.
// It returns rules.FieldErrors naming the JSON path of each offender, or
// nil. Every evaluation validates its facts first.
func Validate(k rules.Kind, facts any) error { return validateFacts(k, facts) }
