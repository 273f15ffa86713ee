package ruleskit_test

import (
	"context"
	"strings"
	"testing"

	"github.com/reocell/celltherapy/rules"
	"github.com/reocell/celltherapy/rules/ruleskit"
)

type facts struct {
	A *bool `json:"a" expr:"a"`
}

// A kind that gives neither Then nor Params has struct{} for both: its
// rules may not carry then: keys or params, and ParamsOf reads struct{}.
func TestSpecDefaults(t *testing.T) {
	k := ruleskit.MustKind(ruleskit.Spec[facts, int]{
		Name: "plain",
		Decide: func(ctx context.Context, rs *rules.Ruleset, f facts, _ ...rules.Option) (int, error) {
			ev, err := ruleskit.Evaluate(ctx, rs, &f)
			if err != nil {
				return 0, err
			}
			_ = ruleskit.ParamsOf[struct{}](rs)
			return len(ev.Fired()), nil
		},
	})
	src := "ruleset: p\nversion: \"1\"\ndecision: plain\nrules:\n  - {id: r, title: T, when: a, message: {en: m}}\n"
	set, err := (&rules.Loader{Kinds: []rules.Kind{k}}).Load(rules.File{Name: "p.yaml", Data: []byte(src)})
	if err != nil {
		t.Fatal(err)
	}
	yes := true
	n, err := k.Decide(t.Context(), set.Ruleset("p"), facts{A: &yes})
	if err != nil || n != 1 {
		t.Fatalf("Decide = %d, %v; want 1 fired", n, err)
	}
	bad := strings.Replace(src, "message: {en: m}}", "message: {en: m}, then: {x: 1}}", 1)
	if _, err := (&rules.Loader{Kinds: []rules.Kind{k}}).Load(rules.File{Name: "p.yaml", Data: []byte(bad)}); err == nil {
		t.Error("a then: key of a kind without then: type loaded")
	}
	if _, err := ruleskit.NewKind(ruleskit.Spec[facts, int]{Name: "x"}); err == nil {
		t.Error("NewKind without Decide gave no error")
	}
	defer func() {
		if recover() == nil {
			t.Error("ParamsOf with another type than the kind's did not panic")
		}
	}()
	ruleskit.ParamsOf[map[string]any](set.Ruleset("p"))
}

// A kind's then: and params types use ruleskit's Expr and Text: the loader
// compiles an Expr field and the fired rule's result holds its value, and a
// Text in params must be given in every locale the ruleset declares.
func TestExprAndTextOfAKind(t *testing.T) {
	type then struct {
		N ruleskit.Expr[int] `json:"n"`
	}
	type params struct {
		Purpose ruleskit.Text `json:"purpose"`
	}
	k := ruleskit.MustKind(ruleskit.Spec[facts, int]{
		Name: "typed", Then: then{}, Params: params{},
		Decide: func(ctx context.Context, rs *rules.Ruleset, f facts, _ ...rules.Option) (int, error) {
			ev, err := ruleskit.Evaluate(ctx, rs, &f)
			if err != nil {
				return 0, err
			}
			for _, r := range ev.Fired() {
				if n, ok := ruleskit.ThenOf[then](r.Rule).N.In(r); ok {
					return n, nil
				}
			}
			return -1, nil
		},
	})
	src := "ruleset: t\nversion: \"1\"\ndecision: typed\nlocales: [en, ru]\nparams: {purpose: {en: check, ru: проверка}}\n" +
		"rules:\n  - {id: r, title: {en: T, ru: Т}, when: a, message: {en: m, ru: м}, then: {n: '1 + 2'}}\n"
	load := func(src string) (*rules.Set, error) {
		return (&rules.Loader{Kinds: []rules.Kind{k}}).Load(rules.File{Name: "t.yaml", Data: []byte(src)})
	}
	set, err := load(src)
	if err != nil {
		t.Fatal(err)
	}
	yes := true
	if n, err := k.Decide(t.Context(), set.Ruleset("t"), facts{A: &yes}); err != nil || n != 3 {
		t.Errorf("the then: expression gave %d, %v; want 3", n, err)
	}
	_, err = load(strings.Replace(src, ", ru: проверка}", "}", 1))
	if ps := rules.Problems(err); len(ps) != 1 || ps[0].Code != rules.CodeLocale || !strings.Contains(ps[0].Pos.String(), "t.yaml:5") {
		t.Errorf("a Text of params without ru: %v", err)
	}
}
