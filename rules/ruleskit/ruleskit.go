// Package ruleskit is for the authors of decision kinds (eligibility,
// therapy, ...): it turns a kind's Go types into a rules.Kind the loader
// knows (NewKind), reads what a ruleset holds in those types (ThenOf,
// ParamsOf, Prepared), evaluates a ruleset (Evaluate) and gives the parts
// every decision shares (Header, Settings). Embedders that load rules and
// make decisions need only package rules and the kinds' own packages.
package ruleskit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"time"

	"github.com/reocell/celltherapy/rules"
	"github.com/reocell/celltherapy/rules/internal/hook"
)

// The engine's hooks, asserted once: a mismatch is a bug that every test of
// this package meets at start-up.
var (
	newKind        = hook.NewKind.(func(hook.KindSpec) (rules.Kind, error))
	decodeFacts    = hook.DecodeFacts.(func(rules.Kind, []byte, any) error)
	decodeReader   = hook.DecodeReader.(func(rules.Kind, io.Reader, any, int64) error)
	plainFacts     = hook.PlainFacts.(func(rules.Kind, any) map[string]any)
	owns           = hook.Owns.(func(rules.Kind, *rules.Ruleset) error)
	evaluate       = hook.Evaluate.(func(context.Context, *rules.Ruleset, any, reflect.Type) (*engineEvaluation, error))
	evaluateAny    = hook.EvaluateAny.(func(context.Context, rules.Kind, *rules.Ruleset, any) (*engineEvaluation, error))
	ruleThen       = hook.RuleThen.(func(*rules.Rule, string) (any, bool, bool))
	unconfirmedIn  = hook.UnconfirmedIn.(func(*rules.Ruleset, []string, []*outcome) []string)
	unconfirmedAll = hook.UnconfirmedAll.(func(*rules.Ruleset, []string, []outcome) []string)
	isUnconfirmed  = hook.IsUnconfirmed.(func(*rules.Ruleset, string) bool)
	thenOf         = hook.ThenOf.(func(*rules.Rule) (any, string))
	paramsOf       = hook.ParamsOf.(func(*rules.Ruleset) (any, string))
	prepared       = hook.Prepared.(func(*rules.Ruleset, reflect.Type, func() any) any)
	settingsOf     = hook.Settings.(func([]rules.Option) (func() time.Time, string))
	missingFacts   = hook.MissingFacts.(func(*rules.Ruleset, string, []*outcome) []rules.MissingFact)
)

// Function is an expr function a decision kind adds for its rules (see
// Spec.Functions). Types are its signatures, each a pointer to a func type,
// as expr.Function takes them (new(func(time.Time, int) time.Time)); the
// type checker uses them, so a rule calling it wrongly fails at load with
// its position. Fn gets arguments of those types and must be pure: the same
// arguments always give the same value, so decisions can be replayed.
//
// A condition part that calls a kind's function is judged by expr, not by
// the engine's native fast path; Kleene logic holds as for any other part
// (unknown facts in its arguments leave it unknown).
type Function struct {
	Name  string
	Types []any
	Fn    func(args ...any) (any, error)
}

// Spec describes a decision kind to NewKind. Its type parameters are the
// kind's facts struct F (pointer fields, nil = unknown; see
// Facts) and its decision D; the types of a rule's then:
// and of the params are given as values, Then and Params.
type Spec[F, D any] struct {
	// Name is the value of decision: in rule files.
	Name string
	// Then is a value of the type a rule's then: decodes into (a struct
	// whose fields have JSON names; an Expr field holds an expression),
	// such as Then{}; ThenOf reads it back in that type. Nil: struct{}.
	Then any
	// Params is a value of the type the params decode into (a struct, or
	// map[string]any{} for kinds whose params are free); ParamsOf reads
	// them back in that type. Nil: struct{}.
	Params any
	// Schema is an optional JSON Schema (draft 2020-12) that rule files of
	// this kind must also satisfy, for the positions and wording of errors
	// in then: and params: that the Go types alone would give less well.
	Schema []byte
	// Functions are expr functions the kind's rules may call, beside the
	// engine's own (addYears, addMonths, addDays, duration).
	Functions []Function
	// Decide makes the kind's decision for facts with a ruleset of the
	// kind, configured by opts (rules.WithLocale, rules.WithClock; read
	// them with NewSettings).
	Decide func(ctx context.Context, rs *rules.Ruleset, facts F, opts ...rules.Option) (D, error)
	// Outcomes are the values a decision's outcome may take. The loader
	// reports a test that expects another, as it reports a key of expect
	// that D does not have. Optional.
	Outcomes []string
	// Reads names the facts Decide reads itself, beyond the rules'
	// expressions (a site shown on a leaflet, say), so that lint does not
	// report their questions as unused. The params Decide reads are the
	// fields of Params.
	Reads []string
}

// KindOf is a decision kind with its Go types, facts F and decision D (see
// Spec). It is a rules.Kind, to hand to the loader; its typed methods
// decode facts and decide. It is immutable and safe for concurrent use.
type KindOf[F, D any] struct {
	rules.Kind
	decide func(ctx context.Context, rs *rules.Ruleset, facts F, opts ...rules.Option) (D, error)
}

// NewKind checks s and returns the kind it describes.
func NewKind[F, D any](s Spec[F, D]) (*KindOf[F, D], error) {
	if s.Decide == nil {
		return nil, errors.New("rules: a kind needs a Name and Decide")
	}
	typeOf := func(v any) reflect.Type {
		if v == nil {
			return reflect.TypeFor[struct{}]()
		}
		return reflect.TypeOf(v)
	}
	k := &KindOf[F, D]{decide: s.Decide}
	base, err := newKind(hook.KindSpec{
		Name:       s.Name,
		Schema:     s.Schema,
		Functions:  functions(s.Functions),
		Outcomes:   s.Outcomes,
		Reads:      s.Reads,
		Facts:      reflect.TypeFor[F](),
		Then:       typeOf(s.Then),
		Params:     typeOf(s.Params),
		Decision:   reflect.TypeFor[D](),
		ExprType:   exprType,
		SetExprKey: setExprKey,
		Text:       reflect.TypeFor[Text](),
		Decide: func(ctx context.Context, rs *rules.Ruleset, facts any, opts []rules.Option) (any, error) {
			f, ok := facts.(*F)
			if !ok {
				return nil, fmt.Errorf("rules: decision %s takes %T, not %T", s.Name, new(F), facts)
			}
			return k.Decide(ctx, rs, *f, opts...)
		},
	})
	if err != nil {
		return nil, err
	}
	k.Kind = base
	return k, nil
}

func functions(fs []Function) []hook.Function {
	out := make([]hook.Function, len(fs))
	for i, f := range fs {
		out[i] = hook.Function(f)
	}
	return out
}

// MustKind is NewKind for kinds defined in code, where an error is a bug.
func MustKind[F, D any](s Spec[F, D]) *KindOf[F, D] {
	k, err := NewKind(s)
	if err != nil {
		panic(err)
	}
	return k
}

// Decode decodes a JSON object of facts strictly, as the vocabulary
// does: every problem is a rules.FieldError naming its JSON path.
func (k *KindOf[F, D]) Decode(data []byte) (F, error) {
	var f F
	err := decodeFacts(k.Kind, data, &f)
	return f, err
}

// DecodeReader decodes a JSON object of facts from r as Decode does,
// reading no more than maxBytes (0: rules.DefaultMaxFactsBytes) however
// long r is: memory is bounded by the limit, not by the input.
func (k *KindOf[F, D]) DecodeReader(r io.Reader, maxBytes int64) (F, error) {
	var f F
	err := decodeReader(k.Kind, r, &f, maxBytes)
	return f, err
}

// UnmarshalFacts decodes data as Decode does into *f, which is left as it
// was on error: the body of a facts type's UnmarshalJSON.
func (k *KindOf[F, D]) UnmarshalFacts(data []byte, f *F) error {
	out, err := k.Decode(data)
	if err == nil {
		*f = out
	}
	return err
}

// MarshalFacts encodes the known facts of f as JSON: dates as YYYY-MM-DD,
// instants in RFC 3339, unknown facts left out.
func (k *KindOf[F, D]) MarshalFacts(f *F) ([]byte, error) {
	return json.Marshal(plainFacts(k.Kind, f))
}

// Decide makes the kind's decision for facts with rs, a ruleset of this
// kind, configured by opts (rules.WithLocale, rules.WithClock).
func (k *KindOf[F, D]) Decide(ctx context.Context, rs *rules.Ruleset, facts F, opts ...rules.Option) (D, error) {
	if err := owns(k.Kind, rs); err != nil {
		var zero D
		return zero, err
	}
	return k.decide(ctx, rs, facts, opts...)
}

// Evaluate runs every rule of rs against facts, a pointer to the facts
// struct of rs's kind (nil fields are unknown): a rule whose facts are all
// known runs its compiled condition; otherwise its condition is judged in
// strong Kleene logic over its parts. Domain packages build their decisions
// on the Evaluation. It is safe for concurrent use.
func Evaluate[F any](ctx context.Context, rs *rules.Ruleset, facts *F) (*Evaluation, error) {
	if facts == nil {
		return nil, errors.New("rules: Evaluate needs a ruleset and facts")
	}
	return evaluation(evaluate(ctx, rs, facts, reflect.TypeFor[F]()))
}

// ThenOf returns what rule r's then: holds, decoded into T, the then: type
// of r's kind (Spec.Then). The value is the caller's own: changing it
// changes nothing in the rule. It panics when T is not the kind's then:
// type, a bug that any test of the calling package meets.
func ThenOf[T any](r *rules.Rule) T {
	v, typ := thenOf(r)
	t, ok := v.(T)
	if !ok {
		panic(fmt.Sprintf("rules: rule %s has then: of type %s, not %s", r.ID(), typ, reflect.TypeFor[T]()))
	}
	return t
}

// ParamsOf returns rs's params decoded into P, the params type of rs's
// kind (Spec.Params). The value is the caller's own: changing it changes
// nothing in the ruleset. It panics when P is not the kind's params type, a
// bug that any test of the calling package meets.
func ParamsOf[P any](rs *rules.Ruleset) P {
	v, typ := paramsOf(rs)
	p, ok := v.(P)
	if !ok {
		panic(fmt.Sprintf("rules: ruleset %s has params of type %s, not %s", rs.Name(), typ, reflect.TypeFor[P]()))
	}
	return p
}

// Prepared returns what prepare makes of rs, made once per ruleset and
// type T and kept with the ruleset: what a decision maker reads from its
// rules (each rule's typed then:, say, through ThenOf) need not be read
// again for every decision. Use a type of your package's own, unexported,
// so that only your package reaches the value, and do not change it: every
// decision maker of rs shares it. prepare may run more than once when
// called concurrently; one result is kept.
func Prepared[T any](rs *rules.Ruleset, prepare func(*rules.Ruleset) T) T {
	return prepared(rs, reflect.TypeFor[T](), func() any { return prepare(rs) }).(T)
}

// MissingFacts gathers the Missing facts of results into one list in
// vocabulary order, each naming the rules (in file order) that need it.
func MissingFacts(rs *rules.Ruleset, locale string, results []*Result) []rules.MissingFact {
	return missingFacts(rs, locale, outcomePointers(results))
}
