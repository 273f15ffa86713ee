package rules_test

import (
	"context"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/reocell/celltherapy/rules"
	"github.com/reocell/celltherapy/rules/ruleskit"
)

func ruleset(t testing.TB, when string, extra ...string) *rules.Ruleset {
	t.Helper()
	src := header + "params: {limit: 3}\nrules:\n  - id: r\n    title: T\n    when: '" + strings.ReplaceAll(when, "'", "''") + "'\n    message: {en: m}\n" + strings.Join(extra, "")
	set, err := load(file("t.yaml", src))
	if err != nil {
		t.Fatal(err)
	}
	return set.Ruleset("t")
}

func TestKleene(t *testing.T) {
	T, F := new(true), new(false)
	tests := []struct {
		when    string
		a, b, c *bool
		want    ruleskit.Status
		missing []string
	}{
		{"a || b", T, nil, nil, ruleskit.Fired, nil},
		{"a || b", nil, T, nil, ruleskit.Fired, nil},
		{"a || b", F, nil, nil, ruleskit.Undetermined, []string{"b"}},
		{"a || b", F, F, nil, ruleskit.Clear, nil},
		{"a && b", F, nil, nil, ruleskit.Clear, nil},
		{"a && b", nil, F, nil, ruleskit.Clear, nil},
		{"a && b", T, nil, nil, ruleskit.Undetermined, []string{"b"}},
		{"a && b", nil, nil, nil, ruleskit.Undetermined, []string{"a", "b"}},
		{"not a", nil, nil, nil, ruleskit.Undetermined, []string{"a"}},
		{"!a", F, nil, nil, ruleskit.Fired, nil},
		{"a || (b && c)", nil, F, nil, ruleskit.Undetermined, []string{"a"}},
		{"a || (b && c)", nil, T, T, ruleskit.Fired, nil},
		{"a and b or c", nil, nil, T, ruleskit.Fired, nil},
		{"a ? b : c", nil, T, T, ruleskit.Fired, nil},
		{"a ? b : c", nil, T, F, ruleskit.Undetermined, []string{"a"}},
		{"a ? b : c", F, nil, T, ruleskit.Fired, nil},
		{"n > params.limit || a", T, nil, nil, ruleskit.Fired, nil},
		{"n > params.limit || a", F, nil, nil, ruleskit.Undetermined, []string{"n"}},
		{"(a == true) || b", nil, T, nil, ruleskit.Fired, nil},
		{"a == nil", nil, nil, nil, ruleskit.Undetermined, []string{"a"}},
		{"let x = 1; a && x > 0", F, nil, nil, ruleskit.Clear, nil},
		{"let x = 1; a && x > 0", nil, nil, nil, ruleskit.Undetermined, []string{"a"}},
	}
	for _, tt := range tests {
		name := tt.when + " " + show(tt.a) + show(tt.b) + show(tt.c)
		t.Run(name, func(t *testing.T) {
			rs := ruleset(t, tt.when)
			ev, err := ruleskit.Evaluate(context.Background(), rs, &testFacts{A: tt.a, B: tt.b, C: tt.c})
			if err != nil {
				t.Fatal(err)
			}
			res := ev.Results[0]
			if res.Status != tt.want || !slices.Equal(res.Missing(), tt.missing) {
				t.Errorf("got %v missing %v, want %v missing %v", res.Status, res.Missing(), tt.want, tt.missing)
			}
		})
	}
}

func show(b *bool) string {
	if b == nil {
		return "?"
	}
	if *b {
		return "T"
	}
	return "F"
}

func TestFiredRuleCarriesEvidenceAndThen(t *testing.T) {
	rs := ruleset(t, "a && group.day >= asOf",
		"    then: {until: 'group.day.AddDate(0, 0, params.limit)', note: hello}\n")
	day := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	asOf := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	ev, err := ruleskit.Evaluate(context.Background(), rs, &testFacts{AsOf: &asOf, A: new(true), B: new(false), Group: &testGroup{Day: &day}})
	if err != nil {
		t.Fatal(err)
	}
	res := ev.Results[0]
	if res.Status != ruleskit.Fired {
		t.Fatalf("status %v", res.Status)
	}
	want := rules.Evidence{
		{Fact: "asOf", Value: rules.DateOf(asOf)},
		{Fact: "a", Value: true},
		{Fact: "group.day", Value: rules.DateOf(day)},
	}
	if !reflect.DeepEqual(res.Evidence(), want) {
		t.Errorf("evidence %v, want %v", res.Evidence(), want)
	}
	if js, _ := json.Marshal(res.Evidence()); string(js) != `{"asOf":"2026-11-24","a":true,"group.day":"2026-12-01"}` {
		t.Errorf("evidence encodes as %s", js)
	}
	if v, _ := ruleskit.ThenOf[testThen](res.Rule).Until.In(&res); v != day.AddDate(0, 0, 3) {
		t.Errorf("then.until = %v", v)
	}
	if v := ruleskit.ThenOf[testThen](res.Rule).Note; v != "hello" {
		t.Errorf("then.note = %v", v)
	}
}

func TestThenExpressionWithUnknownFact(t *testing.T) {
	rs := ruleset(t, "a", "    then: {until: 'group.day.AddDate(0, 0, 1)'}\n")
	ev, err := ruleskit.Evaluate(context.Background(), rs, &testFacts{A: new(true)})
	if err != nil {
		t.Fatal(err)
	}
	res := ev.Results[0]
	if _, ok := ruleskit.ThenOf[testThen](res.Rule).Until.In(&res); ok || !slices.Equal(res.Missing(), []string{"group.day"}) {
		t.Errorf("then.until present or missing %v", res.Missing())
	}
}

func TestEvaluateRejectsOtherFacts(t *testing.T) {
	rs := ruleset(t, "a")
	if _, err := ruleskit.Evaluate[testFacts](context.Background(), rs, nil); err == nil {
		t.Error("nil facts were accepted")
	}
	if _, err := ruleskit.Evaluate(context.Background(), rs, &struct{}{}); err == nil {
		t.Error("another type was accepted")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ruleskit.Evaluate(ctx, rs, &testFacts{}); err == nil {
		t.Error("a cancelled context was ignored")
	}
}

func TestEvaluateConcurrently(t *testing.T) {
	rs := ruleset(t, "a || n > params.limit")
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 200 {
				n := float64(j % 6)
				var a *bool
				if i%2 == 0 {
					a = new(false)
				}
				ev, err := ruleskit.Evaluate(context.Background(), rs, &testFacts{A: a, N: &n})
				if err != nil {
					t.Error(err)
					return
				}
				want := ruleskit.Clear
				if n > 3 {
					want = ruleskit.Fired
				} else if a == nil {
					want = ruleskit.Undetermined
				}
				if got := ev.Results[0].Status; got != want {
					t.Errorf("n=%v a=%v: %v, want %v", n, a, got, want)
				}
			}
		})
	}
	wg.Wait()
}

func TestDurationsAreFoldedCorrectly(t *testing.T) {
	rs := ruleset(t, "a", `    then: {until: 'group.at + duration("1h") * params.limit + 2 * duration("30m")'}`+"\n")
	at := time.Date(2026, 11, 24, 9, 30, 0, 0, time.FixedZone("x", 3600))
	ev, err := ruleskit.Evaluate(context.Background(), rs, &testFacts{A: new(true), Group: &testGroup{At: &at}})
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := ruleskit.ThenOf[testThen](ev.Results[0].Rule).Until.In(&ev.Results[0]); !at.Add(4 * time.Hour).Equal(v) {
		t.Errorf("until = %v, want %v", v, at.Add(4*time.Hour))
	}
	if _, err := load(file("f.yaml", header+"rules:\n  - {id: r, title: T, when: 'group.at + duration(\"soon\") > group.at', message: {en: m}}\n")); err == nil {
		t.Error("a bad duration was accepted")
	}
}

func TestEvidenceIncludesFactsReadByThen(t *testing.T) {
	rs := ruleset(t, "a", "    then: {until: 'addDays(group.day, 1)'}\n")
	day := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	ev, err := ruleskit.Evaluate(context.Background(), rs, &testFacts{A: new(true), Group: &testGroup{Day: &day}})
	if err != nil {
		t.Fatal(err)
	}
	if e := ev.Results[0].Evidence(); !slices.Contains(e, rules.FactValue{Fact: "group.day", Value: rules.DateOf(day)}) {
		t.Errorf("evidence %v lacks group.day", ev.Results[0].Evidence())
	}
}
