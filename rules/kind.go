package rules

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"sync"
)

// Kind is a decision kind (eligibility, therapy, ...) as the loader, the
// test runner and tools see it: its name, the facts its rules may read, and
// a way to decide from facts given as JSON. NewKind makes one, from Go types;
// no other package can implement Kind.
type Kind interface {
	// Name is the value of decision: in rule files, e.g. "eligibility".
	Name() string
	// Vocabulary returns the facts the kind's rules may read.
	Vocabulary() *Vocabulary
	// DecideJSON decodes a JSON object of facts strictly (see
	// the vocabulary) and makes the kind's decision with rs.
	// Options are those of the kind's decision maker (rules.WithLocale...).
	DecideJSON(ctx context.Context, rs *Ruleset, facts []byte, opts ...Option) (any, error)

	// DecodeAny, EvaluateAny and DecideAny are DecideJSON in steps, for
	// tools that handle every kind alike and tell bad input from a rule
	// that fails: DecodeAny gives a pointer to a new facts struct, which
	// the other two take.
	DecodeAny(facts []byte) (any, error)
	EvaluateAny(ctx context.Context, rs *Ruleset, facts any) (*Evaluation, error)
	DecideAny(ctx context.Context, rs *Ruleset, facts any, opts ...Option) (any, error)

	base() *kindBase
}

// kindBase is what the engine needs of a kind, whatever its Go types.
type kindBase struct {
	name  string
	vocab *Vocabulary
	env   any // zero facts value, for type-checking expressions
	// thenType is the Go type a rule's then: decodes into; thenExprs names
	// its Expr fields (by then: key) with the type each expression gives.
	thenType   reflect.Type
	thenExprs  map[string]reflect.Type
	paramsType reflect.Type
	funcs      []Function
	schema     func() (*schemaDoc, error)
	// decide makes the decision for facts, a pointer to the facts struct.
	decide func(ctx context.Context, rs *Ruleset, facts any, opts []Option) (any, error)
	// decision is the decision's type, and outcomes the values its outcome
	// may take (none: unchecked): what a test's expect may name.
	decision reflect.Type
	outcomes []string
	// decideReads and decideParams are what the kind's Go code reads
	// itself, beyond the rules' expressions: Spec.Reads, and the params
	// type's fields.
	decideReads  factSet
	decideParams []string
}

func (k *kindBase) base() *kindBase { return k }

// Name returns the kind's name, as written after decision: in rule files.
func (k *kindBase) Name() string { return k.name }

// Vocabulary returns the facts the kind's rules may read.
func (k *kindBase) Vocabulary() *Vocabulary { return k.vocab }

// DecodeAny decodes a JSON object of facts strictly into a new facts
// struct, and returns a pointer to it.
func (k *kindBase) DecodeAny(data []byte) (any, error) {
	f := reflect.New(k.vocab.typ).Interface()
	if err := k.vocab.decodeJSON(data, f); err != nil {
		return nil, err
	}
	return f, nil
}

// EvaluateAny evaluates rs, a ruleset of this kind, on facts from DecodeAny.
func (k *kindBase) EvaluateAny(ctx context.Context, rs *Ruleset, facts any) (*Evaluation, error) {
	if err := k.owns(rs); err != nil {
		return nil, err
	}
	return rs.evaluate(ctx, facts)
}

// DecideAny makes the kind's decision with rs on facts from DecodeAny.
func (k *kindBase) DecideAny(ctx context.Context, rs *Ruleset, facts any, opts ...Option) (any, error) {
	if err := k.owns(rs); err != nil {
		return nil, err
	}
	return k.decide(ctx, rs, facts, opts)
}

// DecideJSON decodes facts strictly and makes the kind's decision with rs.
func (k *kindBase) DecideJSON(ctx context.Context, rs *Ruleset, data []byte, opts ...Option) (any, error) {
	f, err := k.DecodeAny(data)
	if err != nil {
		return nil, err
	}
	return k.DecideAny(ctx, rs, f, opts...)
}

func (k *kindBase) owns(rs *Ruleset) error {
	if rs == nil {
		return fmt.Errorf("rules: decision %s needs a ruleset, got nil", k.name)
	}
	if rs.kind != k {
		return fmt.Errorf("rules: ruleset %s is for decision %s, not %s", rs.name, rs.kind.name, k.name)
	}
	return nil
}

// Spec describes a decision kind to NewKind. Its type parameters are the
// kind's Go types: F the facts struct (pointer fields, nil = unknown; see
// Vocabulary), T what a rule's then: holds (a struct whose fields have JSON
// names; an Expr field holds an expression), P the params (a struct, or a
// map for kinds whose params are free), and D the decision.
type Spec[F, T, P, D any] struct {
	// Name is the value of decision: in rule files.
	Name string
	// Schema is an optional JSON Schema (draft 2020-12) that rule files of
	// this kind must also satisfy, for the positions and wording of errors
	// in then: and params: that the Go types alone would give less well.
	Schema []byte
	// Functions are expr functions the kind's rules may call, beside the
	// engine's own (addYears, addMonths, addDays, duration).
	Functions []Function
	// Decide makes the kind's decision for facts with a ruleset of the
	// kind, configured by opts (WithLocale, WithClock).
	Decide func(ctx context.Context, rs *Ruleset, facts F, opts ...Option) (D, error)
	// Outcomes are the values a decision's outcome may take. The loader
	// reports a test that expects another, as it reports a key of expect
	// that D does not have. Optional.
	Outcomes []string
	// Reads names the facts Decide reads itself, beyond the rules'
	// expressions (a site shown on a leaflet, say), so that lint does not
	// report their questions as unused. The params Decide reads are the
	// fields of P.
	Reads []string
}

// KindOf is a decision kind with its Go types (see Spec). It is immutable
// and safe for concurrent use; domain packages make one and hand it to the
// loader, and use its typed methods to read what the rules hold.
type KindOf[F, T, P, D any] struct {
	kindBase
	decideTyped func(ctx context.Context, rs *Ruleset, facts F, opts ...Option) (D, error)
}

// NewKind checks s and returns the kind it describes.
func NewKind[F, T, P, D any](s Spec[F, T, P, D]) (*KindOf[F, T, P, D], error) {
	if s.Name == "" || s.Decide == nil {
		return nil, errors.New("rules: a kind needs a Name and Decide")
	}
	vocab, err := newVocabulary(reflect.TypeFor[F]())
	if err != nil {
		return nil, err
	}
	thenType, thenExprs, err := thenShape(reflect.TypeFor[T]())
	if err != nil {
		return nil, fmt.Errorf("rules: kind %s: %w", s.Name, err)
	}
	k := &KindOf[F, T, P, D]{decideTyped: s.Decide}
	k.kindBase = kindBase{
		name:       s.Name,
		vocab:      vocab,
		env:        reflect.New(vocab.typ).Elem().Interface(),
		thenType:   thenType,
		thenExprs:  thenExprs,
		paramsType: reflect.TypeFor[P](),
		decision:   reflect.TypeFor[D](),
		outcomes:   slices.Clone(s.Outcomes),
		decide: func(ctx context.Context, rs *Ruleset, facts any, opts []Option) (any, error) {
			f, ok := facts.(*F)
			if !ok {
				return nil, fmt.Errorf("rules: decision %s takes %T, not %T", s.Name, new(F), facts)
			}
			return k.Decide(ctx, rs, *f, opts...)
		},
	}
	for _, name := range s.Reads {
		i, ok := vocab.byName[name]
		if !ok {
			return nil, fmt.Errorf("rules: kind %s reads %s, which is not one of its facts", s.Name, name)
		}
		k.decideReads.add(i)
	}
	if pt := k.paramsType; pt.Kind() == reflect.Struct {
		for i := range pt.NumField() {
			if f := pt.Field(i); f.IsExported() && jsonName(f) != "" {
				k.decideParams = append(k.decideParams, jsonName(f))
			}
		}
	}
	for _, f := range s.Functions {
		if err := f.check(); err != nil {
			return nil, fmt.Errorf("rules: kind %s: %w", s.Name, err)
		}
		if f.Name == "addYears" || f.Name == "addMonths" || f.Name == "addDays" || f.Name == "duration" {
			return nil, fmt.Errorf("rules: kind %s: function %s is the engine's own", s.Name, f.Name)
		}
		k.funcs = append(k.funcs, f)
	}
	if len(s.Schema) > 0 {
		url := "mem://kinds/" + s.Name + ".schema.json"
		k.schema = sync.OnceValues(func() (*schemaDoc, error) { return compileSchema(url, s.Schema, "") })
		if _, err := k.schema(); err != nil {
			return nil, fmt.Errorf("rules: schema of kind %s: %w", s.Name, err)
		}
	}
	return k, nil
}

// MustKind is NewKind for kinds defined in code, where an error is a bug.
func MustKind[F, T, P, D any](s Spec[F, T, P, D]) *KindOf[F, T, P, D] {
	k, err := NewKind(s)
	if err != nil {
		panic(err)
	}
	return k
}

// Decode decodes a JSON object of facts strictly, as the vocabulary
// does: every problem is a FactError naming its JSON path.
func (k *KindOf[F, T, P, D]) Decode(data []byte) (F, error) {
	var f F
	err := k.vocab.decodeJSON(data, &f)
	return f, err
}

// DecodeReader decodes a JSON object of facts from r as Decode does,
// reading no more than maxBytes (0: DefaultMaxFactsBytes) however long r
// is: memory is bounded by the limit, not by the input.
func (k *KindOf[F, T, P, D]) DecodeReader(r io.Reader, maxBytes int64) (F, error) {
	var f F
	err := k.vocab.decodeReader(r, &f, maxBytes)
	return f, err
}

// UnmarshalFacts decodes data as Decode does into *f, which is left as it
// was on error: the body of a facts type's UnmarshalJSON.
func (k *KindOf[F, T, P, D]) UnmarshalFacts(data []byte, f *F) error {
	out, err := k.Decode(data)
	if err == nil {
		*f = out
	}
	return err
}

// MarshalFacts encodes the known facts of f as JSON: dates as YYYY-MM-DD,
// instants in RFC 3339, unknown facts left out.
func (k *KindOf[F, T, P, D]) MarshalFacts(f *F) ([]byte, error) {
	return json.Marshal(k.vocab.plain(f))
}

// Decide makes the kind's decision for facts with rs, a ruleset of this
// kind, configured by opts (WithLocale, WithClock).
func (k *KindOf[F, T, P, D]) Decide(ctx context.Context, rs *Ruleset, facts F, opts ...Option) (D, error) {
	if err := k.owns(rs); err != nil {
		var zero D
		return zero, err
	}
	return k.decideTyped(ctx, rs, facts, opts...)
}

// Evaluate runs every rule of rs against facts, a pointer to the facts
// struct of rs's kind (nil fields are unknown): a rule whose facts are all
// known runs its compiled condition; otherwise its condition is judged in
// strong Kleene logic over its parts. Domain packages build their decisions
// on the Evaluation. It is safe for concurrent use.
func Evaluate[F any](ctx context.Context, rs *Ruleset, facts *F) (*Evaluation, error) {
	if rs == nil || facts == nil {
		return nil, errors.New("rules: Evaluate needs a ruleset and facts")
	}
	if rs.kind.vocab.typ != reflect.TypeFor[F]() {
		return nil, fmt.Errorf("rules: ruleset %s evaluates %s facts, not %T", rs.name, rs.kind.vocab.typ, facts)
	}
	return rs.evaluate(ctx, facts)
}

// ThenOf returns what rule r's then: holds, decoded into T, the then: type
// of r's kind. The value is the caller's own: changing it changes nothing in
// the rule. It panics when T is not the kind's then: type, a bug that any
// test of the calling package meets.
func ThenOf[T any](r *Rule) T {
	t, ok := clonePlain(r.thenTyped).(T)
	if !ok {
		panic(fmt.Sprintf("rules: rule %s of ruleset %s has then: of type %s, not %s", r.id, r.ruleset.name, r.ruleset.kind.thenType, reflect.TypeFor[T]()))
	}
	return t
}

// ParamsOf returns rs's params decoded into P, the params type of rs's
// kind. The value is the caller's own: changing it changes nothing in the
// ruleset. It panics when P is not the kind's params type, a bug that any
// test of the calling package meets.
func ParamsOf[P any](rs *Ruleset) P {
	p, ok := clonePlain(rs.paramsTyped).(P)
	if !ok {
		panic(fmt.Sprintf("rules: ruleset %s has params of type %s, not %s", rs.name, rs.kind.paramsType, reflect.TypeFor[P]()))
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
func Prepared[T any](rs *Ruleset, prepare func(*Ruleset) T) T {
	key := reflect.TypeFor[T]()
	if v, ok := rs.prepared.Load(key); ok {
		return v.(T)
	}
	v, _ := rs.prepared.LoadOrStore(key, prepare(rs))
	return v.(T)
}
