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
