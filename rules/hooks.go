package rules

import (
	"context"
	"io"
	"reflect"
	"time"

	"github.com/reocell/celltherapy/rules/internal/hook"
)

// What ruleskit, lint and rulestest reach of the engine (see package
// rules/internal/hook): kind authors and tools get it from those packages,
// so that an embedder's view of rules stays small.
func init() {
	hook.NewKind = func(s hook.KindSpec) (Kind, error) {
		k, err := newKind(s)
		if err != nil {
			return nil, err
		}
		return k, nil
	}
	hook.DecodeFacts = func(k Kind, data []byte, f any) error { return k.base().vocab.decodeJSON(data, f) }
	hook.DecodeReader = func(k Kind, r io.Reader, f any, maxBytes int64) error {
		return k.base().vocab.decodeReader(r, f, maxBytes)
	}
	hook.PlainFacts = func(k Kind, f any) map[string]any { return k.base().vocab.plain(f) }
	hook.Owns = func(k Kind, rs *Ruleset) error { return k.base().owns(rs) }
	hook.Evaluate = evaluateTyped
	hook.EvaluateAny = func(ctx context.Context, k Kind, rs *Ruleset, facts any) (*evaluation, error) {
		return k.base().evaluateAny(ctx, rs, facts)
	}
	hook.RuleThen = func(r *Rule, key string) (any, bool, bool) {
		if _, isExpr := r.thenExprs[key]; isExpr {
			return nil, true, false
		}
		v, ok := r.then[key]
		return v, false, ok
	}
	hook.UnconfirmedIn = (*Ruleset).unconfirmedIn
	hook.UnconfirmedAll = (*Ruleset).unconfirmedAll
	hook.IsUnconfirmed = (*Ruleset).isUnconfirmed
	hook.ThenOf = func(r *Rule) (any, string) { return clonePlain(r.thenTyped), r.ruleset.kind.thenType.String() }
	hook.ParamsOf = func(rs *Ruleset) (any, string) { return clonePlain(rs.paramsTyped), rs.kind.paramsType.String() }
	hook.Prepared = func(rs *Ruleset, key reflect.Type, prepare func() any) any {
		if v, ok := rs.prepared.Load(key); ok {
			return v
		}
		v, _ := rs.prepared.LoadOrStore(key, prepare())
		return v
	}
	hook.Settings = func(opts []Option) (func() time.Time, string) { return applyOptions(opts) }
	hook.MissingFacts = missingFactsOf
	hook.Analyze = func(set *Set, emit func(pos Pos, code, message string)) {
		for _, w := range analyze(set) {
			emit(w.Pos, string(w.Code), w.Message)
		}
	}
	hook.Tests = func(rs *Ruleset) []hook.TestCase {
		out := make([]hook.TestCase, len(rs.tests))
		for i, t := range rs.tests {
			out[i] = hook.TestCase{Name: t.name, Pos: t.pos}
		}
		return out
	}
	hook.Constant = func(rs *Ruleset) []bool {
		out := make([]bool, len(rs.rules))
		for i, r := range rs.rules {
			out[i] = r.when.reads.empty()
		}
		return out
	}
	hook.RunTest = func(ctx context.Context, rs *Ruleset, i int) ([]uint8, string, map[string]any, map[string]any, error) {
		return runTest(ctx, rs, i)
	}
	hook.FileStem = fileStem
	hook.Facts = func(k Kind) []hook.Fact {
		list := k.base().vocab.factList()
		out := make([]hook.Fact, len(list))
		for i, f := range list {
			out[i] = hook.Fact{Name: f.Name, Type: uint8(f.Type), Enum: f.Enum, Min: f.Min, Max: f.Max}
		}
		return out
	}
	hook.ValidateFacts = func(k Kind, facts any) error { return k.base().vocab.validateAny(facts) }
}
