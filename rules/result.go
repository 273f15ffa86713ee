package rules

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/reocell/celltherapy/rules/internal/hook"
)

// The outcome of an evaluation: each rule's status, and for fired and
// undetermined rules what they read, gave and miss.

// A rule's status, as ruleskit.Status gives it to kind authors: the three
// outcomes of a rule in strong Kleene logic.
const (
	statusClear        = hook.Clear        // the condition is false
	statusFired        = hook.Fired        // the condition is true
	statusUndetermined = hook.Undetermined // unknown facts keep the condition open
)

// FactValue is one fact a rule read, with its value: bool, float64, int,
// string, Date (a date fact) or time.Time (an instant).
type FactValue struct {
	Fact  string
	Value any
}

// Evidence is the known facts a fired rule read, in vocabulary order. It
// encodes as a JSON object from fact to value.
type Evidence []FactValue

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

// result is what one rule came to (ruleskit.Result, to kind authors). Its
// detail is only for fired and undetermined rules; clear rules, usually
// most of them, carry nothing, which keeps an evaluation small.
type result = hook.Outcome[*Rule, Evidence]

type resultDetail = hook.Detail[Evidence]

type thenValue = hook.ThenValue

// missingOf names, for an undetermined rule, the unknown facts that keep it
// open; for a fired rule the unknown facts a then: expression needed.
func missingOf(r *result) []string {
	if r.More == nil {
		return nil
	}
	return r.More.Missing
}

// evaluation is the outcome of every rule of a ruleset for one set of
// facts, in the order of the rule file (ruleskit.Evaluation).
type evaluation = hook.Evaluation[*Ruleset, *Rule, Evidence]
