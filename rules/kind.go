package rules

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
)

// Kind is a decision kind (eligibility, therapy, ...): the vocabulary its
// rules are checked against, what a rule's then: may hold, and how a decision
// is made from a ruleset, which the test runner calls. A Kind is immutable.
type Kind struct {
	name      string
	vocab     *Vocabulary
	env       any // zero facts value, for type-checking expressions
	thenExprs map[string]reflect.Type
	schemaSrc []byte
	schema    func() (*schemaDoc, error)
	decide    func(ctx context.Context, rs *Ruleset, facts any) (any, error)
	// decideReads and decideParams are what decide reads itself, beyond
	// the rules' expressions (KindConfig.Reads).
	decideReads  factSet
	decideParams []string
}

// KindConfig describes a decision kind to NewKind.
type KindConfig struct {
	// Name is the value of decision: in rule files, e.g. "eligibility".
	Name string
	// Facts is a value of the facts struct (e.g. eligibility.Facts{}); its
	// fields make the vocabulary (see Vocabulary).
	Facts any
	// ThenExprs names the keys of a rule's then: whose values are expressions,
	// each with a value of the type it must give (nil: any type). They are
	// compiled like when: and evaluated when the rule fires.
	ThenExprs map[string]any
	// Schema is an optional JSON Schema (draft 2020-12) that rule files of
	// this kind must also satisfy, for example to say what then: may hold.
	Schema []byte
	// Decide makes the kind's decision for facts (a pointer to the facts
	// struct) with rs. Tests of rulesets of this kind compare against it.
	Decide func(ctx context.Context, rs *Ruleset, facts any) (any, error)
	// Reads names what Decide reads itself, beyond the rules' expressions:
	// facts by name, params as params.NAME. Analyze counts them as read, so
	// that a param or question the kind's code uses is not reported unused.
	Reads []string
}

// NewKind checks c and returns the Kind it describes.
func NewKind(c KindConfig) (*Kind, error) {
	if c.Name == "" || c.Facts == nil || c.Decide == nil {
		return nil, errors.New("rules: a kind needs a Name, Facts and Decide")
	}
	vocab, err := NewVocabulary(reflect.TypeOf(c.Facts))
	if err != nil {
		return nil, err
	}
	k := &Kind{
		name:      c.Name,
		vocab:     vocab,
		env:       reflect.New(vocab.typ).Elem().Interface(),
		thenExprs: map[string]reflect.Type{},
		schemaSrc: c.Schema,
		decide:    c.Decide,
	}
	for key, zero := range c.ThenExprs {
		k.thenExprs[key] = reflect.TypeOf(zero)
	}
	for _, name := range c.Reads {
		if p, ok := strings.CutPrefix(name, "params."); ok {
			k.decideParams = append(k.decideParams, p)
		} else if i, ok := vocab.byName[name]; ok {
			k.decideReads.add(i)
		} else {
			return nil, fmt.Errorf("rules: kind %s reads %s, which is neither a fact nor params.NAME", c.Name, name)
		}
	}
	if len(c.Schema) > 0 {
		url := "mem://kinds/" + c.Name + ".schema.json"
		k.schema = sync.OnceValues(func() (*schemaDoc, error) { return compileSchema(url, c.Schema, "") })
		if _, err := k.schema(); err != nil {
			return nil, fmt.Errorf("rules: schema of kind %s: %w", c.Name, err)
		}
	}
	return k, nil
}

// MustKind is NewKind for kinds defined in code, where an error is a bug.
func MustKind(c KindConfig) *Kind {
	k, err := NewKind(c)
	if err != nil {
		panic(err)
	}
	return k
}

// Name returns the kind's name, as written after decision: in rule files.
func (k *Kind) Name() string { return k.name }

// Vocabulary returns the facts the kind's rules may read.
func (k *Kind) Vocabulary() *Vocabulary { return k.vocab }

// NewFacts returns a pointer to a new, empty facts struct of the kind.
func (k *Kind) NewFacts() any { return reflect.New(k.vocab.typ).Interface() }

// Decide makes the kind's decision for facts (a pointer to its facts struct)
// with rs, a ruleset of this kind.
func (k *Kind) Decide(ctx context.Context, rs *Ruleset, facts any) (any, error) {
	if rs.kind != k {
		return nil, fmt.Errorf("rules: ruleset %s is for decision %s, not %s", rs.name, rs.kind.name, k.name)
	}
	return k.decide(ctx, rs, facts)
}

// Decider adapts a typed decision function to KindConfig.Decide: the facts
// it is given are a pointer to F, as the test runner and the CLI make them.
func Decider[F, D any](decide func(ctx context.Context, rs *Ruleset, facts F) (D, error)) func(context.Context, *Ruleset, any) (any, error) {
	return func(ctx context.Context, rs *Ruleset, facts any) (any, error) {
		f, ok := facts.(*F)
		if !ok {
			return nil, fmt.Errorf("rules: decision %s takes %T, not %T", rs.kind.name, new(F), facts)
		}
		return decide(ctx, rs, *f)
	}
}

// Decode decodes a JSON object of facts of kind k into a new F, with the
// checks of Vocabulary.DecodeJSON.
func Decode[F any](k *Kind, data []byte) (F, error) {
	var f F
	err := k.vocab.DecodeJSON(data, &f)
	return f, err
}
