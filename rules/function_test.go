package rules_test

import (
	"context"
	"testing"
	"time"

	"github.com/reocell/celltherapy/rules"
	"github.com/reocell/celltherapy/rules/ruleskit"
)

// hoursBetween is the example function of docs/design.md: the hours from a
// to b, as a number.
var hoursBetween = ruleskit.Function{
	Name:  "hoursBetween",
	Types: []any{new(func(time.Time, time.Time) float64)},
	Fn: func(args ...any) (any, error) {
		return args[1].(time.Time).Sub(args[0].(time.Time)).Hours(), nil
	},
}

var funcKind = ruleskit.MustKind(ruleskit.Spec[testFacts, string]{Then: struct{}{}, Params: map[string]any{},
	Name:      "fn",
	Functions: []ruleskit.Function{hoursBetween},
	Decide:    func(context.Context, *rules.Ruleset, testFacts, ...rules.Option) (string, error) { return "", nil },
})

func TestKindFunctions(t *testing.T) {
	src := "ruleset: f\nversion: \"1\"\ndecision: fn\nrules:\n" +
		"  - {id: long, title: T, when: 'a && hoursBetween(group.at, asOf) > 72', message: {en: m}}\n"
	set, err := (&rules.Loader{Kinds: []rules.Kind{funcKind}}).Load(rules.File{Name: "f.yaml", Data: []byte(src)})
	if err != nil {
		t.Fatal(err)
	}
	rs := set.Ruleset("f")
	at := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	asOf := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		facts testFacts
		want  ruleskit.Status
	}{
		{"96 hours", testFacts{A: new(true), AsOf: &asOf, Group: &testGroup{At: &at}}, ruleskit.Fired},
		{"0 hours", testFacts{A: new(true), AsOf: &at, Group: &testGroup{At: &at}}, ruleskit.Clear},
		{"unknown argument", testFacts{A: new(true), AsOf: &asOf}, ruleskit.Undetermined},
		{"unknown argument, other part false", testFacts{A: new(false), AsOf: &asOf}, ruleskit.Clear},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := ruleskit.Evaluate(context.Background(), rs, &tt.facts)
			if err != nil {
				t.Fatal(err)
			}
			if got := ev.Results[0].Status; got != tt.want {
				t.Errorf("status %v, want %v", got, tt.want)
			}
		})
	}
	// A rule calling the function wrongly fails to load, at its position;
	// another kind does not know the function.
	bad := "ruleset: f\nversion: \"1\"\ndecision: fn\nrules:\n  - {id: r, title: T, when: 'hoursBetween(asOf) > 1', message: {en: m}}\n"
	_, err = (&rules.Loader{Kinds: []rules.Kind{funcKind}}).Load(rules.File{Name: "f.yaml", Data: []byte(bad)})
	if p := rules.Problems(err); len(p) != 1 || p[0].Pos.Line != 5 {
		t.Errorf("a wrong call: %v", err)
	}
	other := "ruleset: g\nversion: \"1\"\ndecision: test\nrules:\n  - {id: r, title: T, when: 'hoursBetween(asOf, asOf) > 1', message: {en: m}}\n"
	if _, err := load(file("g.yaml", other)); err == nil {
		t.Error("a kind without the function accepted a call to it")
	}
}

func TestKindFunctionsAreChecked(t *testing.T) {
	for name, f := range map[string]ruleskit.Function{
		"bad name":     {Name: "Hours", Types: hoursBetween.Types, Fn: hoursBetween.Fn},
		"no Fn":        {Name: "hours", Types: hoursBetween.Types},
		"not a func":   {Name: "hours", Types: []any{42}, Fn: hoursBetween.Fn},
		"engine's own": {Name: "addDays", Types: hoursBetween.Types, Fn: hoursBetween.Fn},
	} {
		_, err := ruleskit.NewKind(ruleskit.Spec[testFacts, string]{Then: struct{}{}, Params: map[string]any{},
			Name: "x", Functions: []ruleskit.Function{f},
			Decide: func(context.Context, *rules.Ruleset, testFacts, ...rules.Option) (string, error) { return "", nil },
		})
		if err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
