package ruleskit

import (
	"context"
	"encoding/json"
	"reflect"
	"unsafe"

	"github.com/reocell/celltherapy/rules"
	"github.com/reocell/celltherapy/rules/internal/hook"
)

// The outcome of an evaluation: each rule's status, and for fired and
// undetermined rules what they read, gave and miss.

// Status is what a rule came to for one set of facts.
type Status uint8

// The three outcomes of a rule, in strong Kleene logic.
const (
	Clear        Status = Status(hook.Clear)        // the condition is false
	Fired        Status = Status(hook.Fired)        // the condition is true
	Undetermined Status = Status(hook.Undetermined) // unknown facts keep the condition open
)

func (s Status) String() string {
	return [...]string{"clear", "fired", "undetermined"}[s]
}

// MarshalText writes the status as clear, fired or undetermined.
func (s Status) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Result is what one rule came to.
type Result struct {
	Rule   *rules.Rule
	Status Status
	more   *hook.Detail[rules.Evidence] // for a fired or undetermined rule
}

// Missing names, for an undetermined rule, the unknown facts that keep it
// open (facts whose part of the condition was outweighed by a known one are
// left out). For a fired rule it names the unknown facts that a then:
// expression needed, whose value is therefore absent.
func (r *Result) Missing() []string {
	if r.more == nil {
		return nil
	}
	return r.more.Missing
}

// Evidence returns, for a fired rule, the known facts the rule reads, in its
// condition or its then: expressions.
func (r *Result) Evidence() rules.Evidence {
	if r.more == nil {
		return nil
	}
	return r.more.Evidence
}

// Finding returns the result as a rules.Finding, with the message in locale.
func (r *Result) Finding(locale string) rules.Finding {
	return rules.Finding{Rule: r.Rule.ID(), Title: r.Rule.TitleIn(locale), Message: r.Rule.Message(locale), Evidence: r.Evidence()}
}

// then returns the value of then.KEY for a fired rule: the literal of the
// rule file, or the value its expression gave. ok is false when the rule
// has no such key or its expression read unknown facts.
func (r *Result) then(key string) (v any, ok bool) {
	if r.more != nil {
		for _, tv := range r.more.Then {
			if tv.Key == key {
				return tv.Value, true
			}
		}
	}
	v, isExpr, ok := ruleThen(r.Rule, key)
	if isExpr {
		return nil, false
	}
	return v, ok
}

// Evaluation is the outcome of every rule of a ruleset for one set of facts,
// in the order of the rule file.
type Evaluation struct {
	Ruleset *rules.Ruleset
	Results []Result
}

// outcome is a rule's result as the engine gives it. Result has its
// layout (TestResultLayout holds it so): the engine's outcomes are an
// evaluation's results as they are, without a copy per decision.
type outcome = hook.Outcome[*rules.Rule, rules.Evidence]

// outcomesOf views Results as the engine's outcomes.
func outcomesOf(rs []Result) []outcome {
	return unsafe.Slice((*outcome)(unsafe.Pointer(unsafe.SliceData(rs))), len(rs))
}

// outcomePointers views pointers to Results as pointers to outcomes.
func outcomePointers(rs []*Result) []*outcome {
	return unsafe.Slice((**outcome)(unsafe.Pointer(unsafe.SliceData(rs))), len(rs))
}

// engineEvaluation is an evaluation as the engine gives it; Evaluation has
// its layout (TestResultLayout).
type engineEvaluation = hook.Evaluation[*rules.Ruleset, *rules.Rule, rules.Evidence]

// evaluation views what the engine gave as an Evaluation.
func evaluation(ev *engineEvaluation, err error) (*Evaluation, error) {
	return (*Evaluation)(unsafe.Pointer(ev)), err
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

// Missing returns the unknown facts that keep the undetermined rules open,
// in vocabulary order, each with its question in locale.
func (e *Evaluation) Missing(locale string) []rules.MissingFact {
	return MissingFacts(e.Ruleset, locale, e.Undetermined())
}

// Unconfirmed is UnconfirmedIn over every result of the evaluation.
func (e *Evaluation) Unconfirmed(params ...string) []string {
	return unconfirmedAll(e.Ruleset, params, outcomesOf(e.Results))
}

// UnconfirmedIn returns the unconfirmed values of rs (see
// rules.Unconfirmed) that shaped a decision, in the order of the ruleset's
// list: the params read by the conditions of the results that are decided
// (fired or clear), the params read by the then: expressions of fired
// results and their then: values, and the params the decision maker's Go
// code read (named without "params."). A decision maker passes the results
// its decision rests on.
func UnconfirmedIn(rs *rules.Ruleset, results []*Result, params ...string) []string {
	return unconfirmedIn(rs, params, outcomePointers(results))
}

// IsUnconfirmed reports whether value (params.NAME or rules.ID.then.KEY)
// is one of rs's unconfirmed values.
func IsUnconfirmed(rs *rules.Ruleset, value string) bool { return isUnconfirmed(rs, value) }

// EvaluateAny evaluates rs, a ruleset of kind k, on facts from
// k.DecodeAny, for tools that handle every kind alike; domain code calls
// Evaluate.
func EvaluateAny(ctx context.Context, k rules.Kind, rs *rules.Ruleset, facts any) (*Evaluation, error) {
	return evaluation(evaluateAny(ctx, k, rs, facts))
}

// Expr is a then: value that is an expression, in a kind's then: type: the
// rule file gives its source, the loader compiles it (checking it gives a V),
// and a fired rule's Result holds its value. For example eligibility's
//
//	RescreenFrom ruleskit.Expr[time.Time] `json:"rescreenFrom"`
//
// is written in a rule as rescreenFrom: addDays(oncology.lastTreatmentEnd, 1).
type Expr[V any] struct {
	key, src string
}

// Source returns the expression as written, or "" when the rule has none.
func (e Expr[V]) Source() string { return e.src }

// IsSet reports whether the rule gives this expression.
func (e Expr[V]) IsSet() bool { return e.key != "" }

// In returns the value the expression gave for a fired rule's result; ok is
// false when the rule has no such expression, did not fire, or the
// expression read unknown facts (Result.Missing names them).
func (e Expr[V]) In(r *Result) (v V, ok bool) {
	if e.key == "" {
		return v, false
	}
	x, ok := r.then(e.key)
	if !ok {
		return v, false
	}
	v, ok = x.(V)
	return v, ok
}

// MarshalJSON writes the expression's source.
func (e Expr[V]) MarshalJSON() ([]byte, error) { return json.Marshal(e.src) }

// UnmarshalJSON reads an expression's source; the loader compiles it.
func (e *Expr[V]) UnmarshalJSON(b []byte) error { return json.Unmarshal(b, &e.src) }

func (e *Expr[V]) setKey(key string)      { e.key = key }
func (*Expr[V]) resultType() reflect.Type { return reflect.TypeFor[V]() }

// exprField is what the loader sees of an Expr field of a then: type.
type exprField interface {
	setKey(key string)
	resultType() reflect.Type
}

var exprFieldType = reflect.TypeFor[exprField]()

// exprType reports whether t, a field type of a then: type, is an Expr,
// and the type of its value.
func exprType(t reflect.Type) (reflect.Type, bool) {
	if !reflect.PointerTo(t).Implements(exprFieldType) {
		return nil, false
	}
	return reflect.New(t).Interface().(exprField).resultType(), true
}

// setExprKey gives an Expr field, through a pointer to it, its then: key.
func setExprKey(field any, key string) { field.(exprField).setKey(key) }

// Text is text for people by locale ("en", "de", ...), in a kind's then:
// or params types. "en" is always there; the loader checks that a Text in
// params is given in every locale the ruleset declares.
type Text map[string]string

// In returns the text in locale, falling back to English.
func (t Text) In(locale string) string {
	if s, ok := t[locale]; ok {
		return s
	}
	return t["en"]
}
