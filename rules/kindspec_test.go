package rules

import (
	"context"
	"encoding/json"
	"reflect"

	"github.com/reocell/celltherapy/rules/internal/hook"
)

// The internal tests make kinds without ruleskit, which imports rules: Spec
// and MustKind here are the few parts of ruleskit's that they use.

type Spec[F, T, P, D any] struct {
	Name   string
	Decide func(ctx context.Context, rs *Ruleset, facts F, opts ...Option) (D, error)
}

func MustKind[F, T, P, D any](s Spec[F, T, P, D]) Kind {
	k, err := newKind(hook.KindSpec{
		Name:     s.Name,
		Facts:    reflect.TypeFor[F](),
		Then:     reflect.TypeFor[T](),
		Params:   reflect.TypeFor[P](),
		Decision: reflect.TypeFor[D](),
		ExprType: func(t reflect.Type) (reflect.Type, bool) {
			if !reflect.PointerTo(t).Implements(exprFieldType) {
				return nil, false
			}
			return reflect.New(t).Interface().(exprField).resultType(), true
		},
		SetExprKey: func(field any, key string) { field.(exprField).setKey(key) },
		Text:       reflect.TypeFor[Text](),
		Decide: func(ctx context.Context, rs *Ruleset, facts any, opts []Option) (any, error) {
			return s.Decide(ctx, rs, *facts.(*F), opts...)
		},
	})
	if err != nil {
		panic(err)
	}
	return k
}

func Evaluate[F any](ctx context.Context, rs *Ruleset, facts *F) (*evaluation, error) {
	return evaluateTyped(ctx, rs, facts, reflect.TypeFor[F]())
}

// Expr is ruleskit.Expr's part that the internal tests use: a then:
// expression whose value a fired rule's result holds.
type Expr[V any] struct{ key, src string }

func (e *Expr[V]) UnmarshalJSON(b []byte) error { return json.Unmarshal(b, &e.src) }
func (e *Expr[V]) setKey(key string)            { e.key = key }
func (*Expr[V]) resultType() reflect.Type       { return reflect.TypeFor[V]() }

type exprField interface {
	setKey(key string)
	resultType() reflect.Type
}

var exprFieldType = reflect.TypeFor[exprField]()

// In returns the value e gave in r, as ruleskit.Expr.In does.
func (e Expr[V]) In(r *result) (v V, ok bool) {
	if e.key == "" || r.More == nil {
		return v, false
	}
	for _, tv := range r.More.Then {
		if tv.Key == e.key {
			v, ok = tv.Value.(V)
			return v, ok
		}
	}
	return v, false
}

// Text is ruleskit.Text: a text for people by locale in a kind's types.
type Text map[string]string

// fired returns the results of ev's rules that fired, as
// ruleskit.Evaluation.Fired does.
func firedOf(ev *evaluation) []*result {
	var out []*result
	for i := range ev.Results {
		if ev.Results[i].Status == statusFired {
			out = append(out, &ev.Results[i])
		}
	}
	return out
}

// thenOfResult returns what then: key gave in r, as ruleskit's Result does.
func thenOfResult(r *result, key string) (any, bool) {
	if r.More != nil {
		for _, tv := range r.More.Then {
			if tv.Key == key {
				return tv.Value, true
			}
		}
	}
	return nil, false
}
