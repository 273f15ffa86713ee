package rules

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"

	"github.com/reocell/celltherapy/rules/internal/hook"
)

// Kind is a decision kind (eligibility, therapy, ...) as the loader, the
// test runner and tools see it: its name and a way to decide from facts
// given as JSON (the facts its rules may read: ruleskit.Facts). ruleskit.NewKind makes one,
// from Go types; no other package can implement Kind.
type Kind interface {
	// Name is the value of decision: in rule files, e.g. "eligibility".
	Name() string
	// Outcomes are the values the kind's decision's outcome takes, in
	// the kind's order (nil when the kind declares none).
	Outcomes() []string
	// DecideJSON decodes a JSON object of facts strictly (see
	// the vocabulary) and makes the kind's decision with rs.
	// Options are those of the kind's decision maker (rules.WithLocale...).
	DecideJSON(ctx context.Context, rs *Ruleset, facts []byte, opts ...Option) (any, error)

	// DecodeAny and DecideAny are DecideJSON in two steps, for tools that
	// handle every kind alike and tell bad input from a rule that fails:
	// DecodeAny gives a pointer to a new facts struct, which DecideAny
	// takes (and ruleskit.EvaluateAny, for the rules' own outcomes).
	DecodeAny(facts []byte) (any, error)
	DecideAny(ctx context.Context, rs *Ruleset, facts any, opts ...Option) (any, error)

	base() *kindBase
}

// kindBase is what the engine needs of a kind, whatever its Go types.
type kindBase struct {
	name  string
	vocab *vocabulary
	env   any // zero facts value, for type-checking expressions
	// thenType is the Go type a rule's then: decodes into; thenExprs names
	// its Expr fields (by then: key) with the type each expression gives.
	thenType   reflect.Type
	thenExprs  map[string]reflect.Type
	setExprKey func(field any, key string)
	textType   reflect.Type // ruleskit.Text, in params checked for every locale
	paramsType reflect.Type
	funcs      []hook.Function
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

// Outcomes returns the values the kind's outcome takes; the slice is the
// caller's own.
func (k *kindBase) Outcomes() []string { return slices.Clone(k.outcomes) }

// DecodeAny decodes a JSON object of facts strictly into a new facts
// struct, and returns a pointer to it.
func (k *kindBase) DecodeAny(data []byte) (any, error) {
	f := reflect.New(k.vocab.typ).Interface()
	if err := k.vocab.decodeJSON(data, f); err != nil {
		return nil, err
	}
	return f, nil
}

// evaluateAny evaluates rs, a ruleset of this kind, on facts from DecodeAny
// (ruleskit.EvaluateAny).
func (k *kindBase) evaluateAny(ctx context.Context, rs *Ruleset, facts any) (*evaluation, error) {
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

// newKind checks s and returns the kind it describes (see
// ruleskit.NewKind, which fills s from its Spec).
func newKind(s hook.KindSpec) (*kindBase, error) {
	decide, _ := s.Decide.(func(ctx context.Context, rs *Ruleset, facts any, opts []Option) (any, error))
	if s.Name == "" || decide == nil {
		return nil, errors.New("rules: a kind needs a Name and Decide")
	}
	factsType, _ := s.Facts.(reflect.Type)
	thenT, _ := s.Then.(reflect.Type)
	paramsType, _ := s.Params.(reflect.Type)
	decisionType, _ := s.Decision.(reflect.Type)
	if factsType == nil || thenT == nil || paramsType == nil || decisionType == nil {
		return nil, fmt.Errorf("rules: kind %s needs the types of its facts, then:, params and decision", s.Name)
	}
	vocab, err := newVocabulary(factsType)
	if err != nil {
		return nil, err
	}
	thenType, thenExprs, err := thenShape(thenT, s.ExprType)
	if err != nil {
		return nil, fmt.Errorf("rules: kind %s: %w", s.Name, err)
	}
	k := &kindBase{
		name:       s.Name,
		vocab:      vocab,
		env:        reflect.New(vocab.typ).Elem().Interface(),
		thenType:   thenType,
		thenExprs:  thenExprs,
		setExprKey: s.SetExprKey,
		textType:   s.Text,
		paramsType: paramsType,
		decision:   decisionType,
		outcomes:   slices.Clone(s.Outcomes),
		decide:     decide,
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
		if err := checkFunction(f); err != nil {
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

// evaluateTyped is ruleskit.Evaluate: it evaluates rs on facts, a pointer
// to a value of type t, which must be rs's kind's facts struct.
func evaluateTyped(ctx context.Context, rs *Ruleset, facts any, t reflect.Type) (*evaluation, error) {
	if rs == nil || facts == nil || reflect.ValueOf(facts).IsNil() {
		return nil, errors.New("rules: Evaluate needs a ruleset and facts")
	}
	if rs.kind.vocab.typ != t {
		return nil, fmt.Errorf("rules: ruleset %s evaluates %s facts, not %T", rs.name, rs.kind.vocab.typ, facts)
	}
	return rs.evaluate(ctx, facts)
}
