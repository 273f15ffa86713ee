package rules_test

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/reocell/celltherapy/rules"
)

func TestDecider(t *testing.T) {
	decide := rules.Decider(func(ctx context.Context, rs *rules.Ruleset, f testFacts) (string, error) {
		if f.A != nil && *f.A {
			return "a", nil
		}
		return "not a", nil
	})
	rs := ruleset(t, "a")
	got, err := decide(context.Background(), rs, &testFacts{A: new(true)})
	if err != nil || got != "a" {
		t.Errorf("got %v, %v", got, err)
	}
	if _, err := decide(context.Background(), rs, testFacts{}); err == nil || !strings.Contains(err.Error(), "takes *rules_test.testFacts") {
		t.Errorf("facts of the wrong type: %v", err)
	}
}

func TestDecode(t *testing.T) {
	f, err := rules.Decode[testFacts](testKind, []byte(`{"a": true}`))
	if err != nil || !*f.A {
		t.Errorf("got %+v, %v", f, err)
	}
	if _, err := rules.Decode[testFacts](testKind, []byte(`{"a": 1}`)); err == nil {
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
