package rules_test

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/reocell/celltherapy/rules"
	"github.com/reocell/celltherapy/rules/ruleskit"
)

func TestDecideChecksTheRulesetKind(t *testing.T) {
	other := ruleskit.MustKind(ruleskit.Spec[testFacts, string]{Then: testThen{}, Params: map[string]any{},
		Name: "other",
		Decide: func(context.Context, *rules.Ruleset, testFacts, ...rules.Option) (string, error) {
			return "decided", nil
		},
	})
	rs := ruleset(t, "a")
	if _, err := other.Decide(context.Background(), rs, testFacts{}); err == nil || !strings.Contains(err.Error(), "is for decision test, not other") {
		t.Errorf("a ruleset of another kind: %v", err)
	}
	if _, err := other.Decide(context.Background(), nil, testFacts{}); err == nil {
		t.Error("a nil ruleset was accepted")
	}
	got, err := testKind.DecideJSON(context.Background(), rs, []byte(`{"a": true}`))
	if d, ok := got.(testDecision); err != nil || !ok || d.Outcome != "some" {
		t.Errorf("DecideJSON: %#v, %v", got, err)
	}
}

func TestDecode(t *testing.T) {
	f, err := testKind.Decode([]byte(`{"a": true}`))
	if err != nil || !*f.A {
		t.Errorf("got %+v, %v", f, err)
	}
	if _, err := testKind.Decode([]byte(`{"a": 1}`)); err == nil {
		t.Error("a number for a boolean was accepted")
	}
}

func TestMustLoadFS(t *testing.T) {
	good := fstest.MapFS{"t.yaml": {Data: []byte(header + "rules: [{id: r, title: T, when: a, message: {en: m}}]\n")}}
	if rs := rules.MustLoadFS(good, testKind).Ruleset("t"); rs == nil {
		t.Fatal("ruleset t not loaded")
	}
	bad := fstest.MapFS{"t.yaml": {Data: []byte(header + "rules: [{id: r, title: T, when: aa, message: {en: m}}]\n")}}
	defer func() {
		if msg, _ := recover().(string); !strings.Contains(msg, "t.yaml:4:33: unknown fact aa") {
			t.Errorf("panic %q does not name the problem", msg)
		}
	}()
	rules.MustLoadFS(bad, testKind)
}

// TestPreparedOncePerRuleset checks that Prepared makes a value once per
// ruleset and type, and that another ruleset gets its own.
func TestPreparedOncePerRuleset(t *testing.T) {
	type ruleCount int
	calls := 0
	prepare := func(rs *rules.Ruleset) ruleCount { calls++; return ruleCount(len(rs.Rules())) }
	a, b := ruleset(t, "a"), ruleset(t, "b")
	for range 3 {
		if got := ruleskit.Prepared(a, prepare); got != 1 {
			t.Fatalf("prepared %d, want 1", got)
		}
	}
	if calls != 1 {
		t.Errorf("prepare ran %d times for one ruleset, want once", calls)
	}
	ruleskit.Prepared(b, prepare)
	if calls != 2 {
		t.Errorf("prepare ran %d times for two rulesets, want twice", calls)
	}
	type other string
	if got := ruleskit.Prepared(a, func(*rules.Ruleset) other { return "x" }); got != "x" {
		t.Errorf("another type got %q: a type is its own key", got)
	}
}

// TestThenOfTheWrongShapeSaysWhatToGive checks that a then: value the kind's
// Go type cannot hold is reported at its position, saying what to write.
func TestThenOfTheWrongShapeSaysWhatToGive(t *testing.T) {
	src := header + "rules:\n  - {id: r, title: T, when: a, then: {note: [1, 2]}, message: {en: m}}\n"
	_, err := load(file("t.yaml", src))
	p := rules.Problems(err)
	if len(p) != 1 || p[0].Pos.Line != 5 || !strings.Contains(p[0].Message, "give a text") {
		t.Errorf("problems %v, want one at line 5 saying to give a text", err)
	}
}

// TestKindOutcomes: a kind gives the outcomes its spec declares, as the
// caller's own slice.
func TestKindOutcomes(t *testing.T) {
	kind := ruleskit.MustKind(ruleskit.Spec[testFacts, testDecision]{Then: testThen{}, Params: map[string]any{},
		Name: "test",
		Decide: func(context.Context, *rules.Ruleset, testFacts, ...rules.Option) (testDecision, error) {
			return testDecision{}, nil
		},
		Outcomes: []string{"none", "some"},
	})
	got := kind.Outcomes()
	if strings.Join(got, ",") != "none,some" {
		t.Fatalf("Outcomes: %q", got)
	}
	got[0] = "changed"
	if kind.Outcomes()[0] != "none" {
		t.Error("the caller's change reached the kind")
	}
}
