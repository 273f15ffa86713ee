package rules

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/expr-lang/expr/vm"
)

type diffFacts struct {
	AsOf  *time.Time `json:"asOf,omitempty" expr:"asOf" fact:"date"`
	Now   *time.Time `json:"now,omitempty" expr:"now" fact:"instant"`
	A     *bool      `json:"a,omitempty" expr:"a"`
	B     *bool      `json:"b,omitempty" expr:"b"`
	N     *float64   `json:"n,omitempty" expr:"n" fact:"range=-1e6..1e6"`
	Count *int       `json:"count,omitempty" expr:"count" fact:"range=-1e6..1e6"`
	Color *string    `json:"color,omitempty" expr:"color" fact:"enum=red|green|blue"`
	G     *diffGroup `json:"g,omitempty" expr:"g"`
}

type diffGroup struct {
	Day *time.Time `json:"day,omitempty" expr:"day" fact:"date"`
	At  *time.Time `json:"at,omitempty" expr:"at" fact:"instant"`
}

// TestNativeAgreesWithExpr holds the conditions judged natively to expr's
// meaning: on random facts, every rule must come to what its compiled expr
// program gives.
func TestNativeAgreesWithExpr(t *testing.T) {
	kind := MustKind(KindConfig{Name: "diff", Facts: diffFacts{}, Decide: func(context.Context, *Ruleset, any) (any, error) { return nil, nil }})
	conditions := []string{
		"a", "a == true", "a != false", "false == a", "!a", "a && !b", "a || b",
		`color == "red"`, `"green" == color`, `color != "blue"`, `color in ["red", "blue"]`,
		"n > 3", "3 < n", "n <= params.limit", "n == 2.5", "-1 < n", "n >= -2", "n != params.limit",
		"count >= 2", "count == 2", "count < 2.5", "2 <= count",
		"g.day >= addYears(asOf, -params.years)", "addDays(g.day, params.days) > asOf",
		"addMonths(addDays(g.day, 1), 1) <= asOf", "g.day == asOf", "g.day != asOf", "asOf < g.day",
		"g.day >= asOf.AddDate(0, 0, -params.days)", "g.day.AddDate(params.years, -1, 1) > asOf",
		"addDays(g.day.AddDate(0, 1, 0), 1) == asOf", "now.AddDate(0, 0, -3) <= g.at",
		`g.at + duration("1h") * params.hours < now`, `now - duration("30m") >= g.at`,
		`g.at + params.hours * duration("1h") > now`, `duration("2h") + g.at == now`,
		`params.flag == "x" && a`, `params.flag == "y" || b`,
		"a ? n > 3 : count == 2",
	}
	var src strings.Builder
	src.WriteString("ruleset: d\nversion: \"1\"\ndecision: diff\nparams: {limit: 3, years: 5, days: 30, hours: 72, flag: x}\nrules:\n")
	for i, c := range conditions {
		fmt.Fprintf(&src, "  - {id: r%d, title: T, when: '%s', message: {en: m}}\n", i, strings.ReplaceAll(c, "'", "''"))
	}
	set, err := (&Loader{Kinds: []*Kind{kind}}).Load(File{Name: "d.yaml", Data: []byte(src.String())})
	if err != nil {
		t.Fatal(err)
	}
	rs := set.Ruleset("d")
	for _, r := range rs.rules {
		if !r.when.native {
			t.Errorf("%q is not judged natively", r.when.src)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	pick := func(n int) int { return rng.IntN(n) }
	asOf := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	now := time.Date(2026, 11, 27, 9, 30, 0, 0, time.FixedZone("x", 3600))
	days := []time.Time{asOf, asOf.AddDate(-5, 0, 0), asOf.AddDate(-5, 0, -1), asOf.AddDate(0, 0, -30), asOf.AddDate(0, 0, -31), asOf.AddDate(0, -1, -1), asOf.AddDate(1, 0, 0), time.Date(2020, 2, 29, 0, 0, 0, 0, time.UTC)}
	ats := []time.Time{now.Add(-72 * time.Hour), now.Add(-72*time.Hour - time.Second), now.Add(-71 * time.Hour), now.Add(-30 * time.Minute), now.Add(-2 * time.Hour), now.In(time.UTC)}
	machine := new(vm.VM)
	for range 3000 {
		f := &diffFacts{
			AsOf: &asOf, Now: &now,
			A: new(pick(2) == 0), B: new(pick(2) == 0),
			N:     new([]float64{-2, -1, 0, 2.5, 3, 3.5, 10}[pick(7)]),
			Count: new([]int{0, 1, 2, 3}[pick(4)]),
			Color: new([]string{"red", "green", "blue"}[pick(3)]),
			G:     &diffGroup{Day: new(days[pick(len(days))]), At: new(ats[pick(len(ats))])},
		}
		ev, err := rs.Evaluate(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range rs.rules {
			want, err := machine.Run(r.when.prog, f)
			if err != nil {
				t.Fatal(err)
			}
			if got := ev.Results[i].Status == Fired; got != deref(want).(bool) {
				t.Fatalf("%q on %+v %+v: native %v, expr %v", r.when.src, *f, *f.G, got, want)
			}
		}
	}
}

// TestNativeThenAgreesWithExpr does the same for then: expressions computed
// in Go.
func TestNativeThenAgreesWithExpr(t *testing.T) {
	kind := MustKind(KindConfig{Name: "diff", Facts: diffFacts{}, ThenExprs: map[string]any{"x": float64(0)},
		Decide: func(context.Context, *Ruleset, any) (any, error) { return nil, nil }})
	exprs := []string{"n * params.limit", "params.limit * n", "2.5 - n", "n - 2.5", "n / 4", "n + 1", "-3 + n", "n * 1.5"}
	var src strings.Builder
	src.WriteString("ruleset: d\nversion: \"1\"\ndecision: diff\nparams: {limit: 3}\nrules:\n")
	for i, e := range exprs {
		fmt.Fprintf(&src, "  - {id: r%d, title: T, when: true, then: {x: '%s'}, message: {en: m}}\n", i, e)
	}
	set, err := (&Loader{Kinds: []*Kind{kind}}).Load(File{Name: "d.yaml", Data: []byte(src.String())})
	if err != nil {
		t.Fatal(err)
	}
	rs := set.Ruleset("d")
	machine := new(vm.VM)
	for _, n := range []float64{-2, 0, 2.5, 3, 70.4} {
		f := &diffFacts{N: new(n)}
		ev, err := rs.Evaluate(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range rs.rules {
			if r.thenProgs[0].num == nil {
				t.Errorf("%q is not computed natively", r.thenProgs[0].src)
			}
			want, err := machine.Run(r.thenProgs[0].prog, f)
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := ev.Results[i].Then("x"); got != want {
				t.Errorf("%q with n=%v: native %v (%T), expr %v (%T)", r.thenProgs[0].src, n, got, got, want, want)
			}
		}
	}
}
