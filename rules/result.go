package rules

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// The outcome of an evaluation: each rule's status, and for fired and
// undetermined rules what they read, gave and miss.

// Status is what a rule came to for one set of facts.
type Status uint8

// The three outcomes of a rule, in strong Kleene logic.
const (
	Clear        Status = iota // the condition is false
	Fired                      // the condition is true
	Undetermined               // unknown facts keep the condition open
)

func (s Status) String() string {
	return [...]string{"clear", "fired", "undetermined"}[s]
}

// MarshalText writes the status as clear, fired or undetermined.
func (s Status) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// FactValue is one fact a rule read, with its value: bool, float64, int,
// string, Date (a date fact) or time.Time (an instant).
type FactValue struct {
	Fact  string
	Value any
}

// Evidence is the known facts a fired rule read, in vocabulary order. It
// encodes as a JSON object from fact to value.
type Evidence []FactValue

// Value returns the value of fact in the evidence.
func (e Evidence) Value(fact string) (any, bool) {
	for _, fv := range e {
		if fv.Fact == fact {
			return fv.Value, true
		}
	}
	return nil, false
}

// MarshalJSON writes the evidence as an object, facts in vocabulary order.
// Fact names that need no escaping, booleans, whole numbers and dates are
// written directly: evidence is in every finding, and encoding each part
// through encoding/json was a large share of writing a batch of decisions.
func (e Evidence) MarshalJSON() ([]byte, error) {
	buf := make([]byte, 0, 2+32*len(e))
	buf = append(buf, '{')
	for i, fv := range e {
		if i > 0 {
			buf = append(buf, ',')
		}
		var err error
		if buf, err = appendJSON(buf, fv.Fact); err != nil {
			return nil, err
		}
		buf = append(buf, ':')
		if buf, err = appendJSON(buf, fv.Value); err != nil {
			return nil, err
		}
	}
	return append(buf, '}'), nil
}

// UnmarshalJSON reads evidence written by MarshalJSON, keeping the order of
// its facts. Values come back as JSON gives them: booleans, numbers
// (float64) and strings (dates and instants as written).
func (e *Evidence) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return fmt.Errorf("rules: evidence is a JSON object of facts")
	}
	out := Evidence{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		var v any
		if err := dec.Decode(&v); err != nil {
			return err
		}
		out = append(out, FactValue{Fact: t.(string), Value: v})
	}
	if _, err := dec.Token(); err != nil {
		return err
	}
	*e = out
	return nil
}

// appendJSON appends v as JSON, as json.Marshal writes it.
func appendJSON(buf []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case bool:
		return strconv.AppendBool(buf, x), nil
	case int:
		return strconv.AppendInt(buf, int64(x), 10), nil
	case Date:
		if y := x.Year(); y >= minDateYear && y <= maxDateYear {
			return x.appendJSON(buf), nil
		}
	case string:
		if plainName(x) {
			return append(append(append(buf, '"'), x...), '"'), nil
		}
	}
	raw, err := json.Marshal(v)
	return append(buf, raw...), err
}

// plainName reports whether s is made of characters JSON never escapes
// (letters, digits, '.', '-', '_').
func plainName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// Result is what one rule came to.
type Result struct {
	Rule   *Rule
	Status Status
	more   *resultDetail // for a fired or undetermined rule
}

// resultDetail is what only fired and undetermined rules carry; clear rules,
// usually most of them, carry nothing, which keeps an evaluation small.
type resultDetail struct {
	missing  []string
	evidence Evidence
	then     []thenValue
}

// Missing names, for an undetermined rule, the unknown facts that keep it
// open (facts whose part of the condition was outweighed by a known one are
// left out). For a fired rule it names the unknown facts that a then:
// expression needed, whose value is therefore absent.
func (r *Result) Missing() []string {
	if r.more == nil {
		return nil
	}
	return r.more.missing
}

// Evidence returns, for a fired rule, the known facts the rule reads, in its
// condition or its then: expressions.
func (r *Result) Evidence() Evidence {
	if r.more == nil {
		return nil
	}
	return r.more.evidence
}

type thenValue struct {
	key   string
	value any
}

// then returns the value of then.KEY for a fired rule: the literal of the
// rule file, or the value its expression gave. ok is false when the rule
// has no such key or its expression read unknown facts.
func (r *Result) then(key string) (v any, ok bool) {
	if r.more != nil {
		for _, tv := range r.more.then {
			if tv.key == key {
				return tv.value, true
			}
		}
	}
	if _, isExpr := r.Rule.thenExprs[key]; isExpr {
		return nil, false
	}
	v, ok = r.Rule.then[key]
	return v, ok
}

// Evaluation is the outcome of every rule of a ruleset for one set of facts,
// in the order of the rule file.
type Evaluation struct {
	Ruleset *Ruleset
	Results []Result
}

// Fired returns the results of the rules that fired.
func (e *Evaluation) Fired() []*Result { return e.with(Fired) }

// Undetermined returns the results of the rules left open by unknown facts.
func (e *Evaluation) Undetermined() []*Result { return e.with(Undetermined) }

func (e *Evaluation) with(s Status) []*Result {
	var out []*Result
	for i := range e.Results {
		if e.Results[i].Status == s {
			out = append(out, &e.Results[i])
		}
	}
	return out
}

// Count returns how many rules came to s.
func (e *Evaluation) Count(s Status) int {
	n := 0
	for i := range e.Results {
		if e.Results[i].Status == s {
			n++
		}
	}
	return n
}
