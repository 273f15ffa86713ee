package rules

import (
	"context"
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
		Decide: func(ctx context.Context, rs *Ruleset, facts any, opts []Option) (any, error) {
			return s.Decide(ctx, rs, *facts.(*F), opts...)
		},
	})
	if err != nil {
		panic(err)
	}
	return k
}

func Evaluate[F any](ctx context.Context, rs *Ruleset, facts *F) (*Evaluation, error) {
	return evaluateTyped(ctx, rs, facts, reflect.TypeFor[F]())
}
