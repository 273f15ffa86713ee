package rules

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
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

// diffThen is the then: of the differential tests: one number expression.
type diffThen struct {
	X Expr[float64] `json:"x"`
}

func noDecision(context.Context, *Ruleset, diffFacts, ...Option) (any, error) { return nil, nil }

type diffGroup struct {
	Day *time.Time `json:"day,omitempty" expr:"day" fact:"date"`
	At  *time.Time `json:"at,omitempty" expr:"at" fact:"instant"`
}

// diffConditions has a condition of every shape the native path judges.
var diffConditions = []string{
	"a", "a == true", "a != false", "false == a", "!a", "a && !b", "a || b",
	`color == "red"`, `"green" == color`, `color != "blue"`, `color in ["red", "blue"]`,
	"n > 3", "3 < n", "n <= params.limit", "n == 2.5", "-1 < n", "n >= -2", "n != params.limit",
	"count >= 2", "count == 2", "count < 2.5", "2 <= count",
	"g.day >= addYears(asOf, -params.years)", "addDays(g.day, params.days) > asOf",
	"addMonths(addDays(g.day, 1), 1) <= asOf", "addMonths(g.day, 1) == addDays(asOf, 6)", "addYears(g.day, 6) == asOf", "g.day == asOf", "g.day != asOf", "asOf < g.day",
	`g.at + duration("1h") * params.hours < now`, `now - duration("30m") >= g.at`,
	`g.at + params.hours * duration("1h") > now`, `duration("2h") + g.at == now`,
	`params.flag == "x" && a`, `params.flag == "y" || b`,
	"g.day >= asOf.AddDate(0, 0, -params.days)", "g.day.AddDate(params.years, -1, 1) > asOf",
	"addDays(g.day.AddDate(0, 1, 0), 1) == asOf", "now.AddDate(0, 0, -3) <= g.at",
	"a ? n > 3 : count == 2", "!(a || n > 3) && color in [\"red\"]",
}

// diffRuleset loads diffConditions as one rule each; exprOnly turns the
// native path off.
func diffRuleset(t testing.TB, exprOnly bool) *Ruleset {
	t.Helper()
	kind := MustKind(Spec[diffFacts, struct{}, map[string]any, any]{Name: "diff", Decide: noDecision})
	var src strings.Builder
	src.WriteString("ruleset: d\nversion: \"1\"\ndecision: diff\nparams: {limit: 3, years: 5, days: 30, hours: 72, flag: x}\nrules:\n")
	for i, c := range diffConditions {
		fmt.Fprintf(&src, "  - {id: r%d, title: T, when: '%s', message: {en: m}}\n", i, strings.ReplaceAll(c, "'", "''"))
	}
	set, err := (&Loader{Kinds: []Kind{kind}, exprOnly: exprOnly}).Load(File{Name: "d.yaml", Data: []byte(src.String())})
	if err != nil {
		t.Fatal(err)
	}
	return set.Ruleset("d")
}

var (
	diffAsOf = time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	diffNow  = time.Date(2026, 11, 27, 9, 30, 0, 0, time.FixedZone("x", 3600))
	diffDays = []time.Time{diffAsOf, diffAsOf.AddDate(-5, 0, 0), diffAsOf.AddDate(-5, 0, -1), diffAsOf.AddDate(0, 0, -30),
		diffAsOf.AddDate(0, 0, -31), diffAsOf.AddDate(0, -1, -1), diffAsOf.AddDate(1, 0, 0), time.Date(2020, 2, 29, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC), time.Date(2020, 11, 24, 0, 0, 0, 0, time.UTC)}
	diffAts = []time.Time{diffNow.Add(-72 * time.Hour), diffNow.Add(-72*time.Hour - time.Second), diffNow.Add(-71 * time.Hour),
		diffNow.Add(-30 * time.Minute), diffNow.Add(-2 * time.Hour), diffNow.In(time.UTC)}
)

// diffFactsFrom picks a value, or unknown, for every fact from the bytes b
// (read as choices; missing bytes choose 0).
func diffFactsFrom(b []byte) *diffFacts {
	i := 0
	pick := func(n int) int { // 0 is unknown; 1..n a value
		var c byte
		if i < len(b) {
			c = b[i]
		}
		i++
		return int(c) % (n + 1)
	}
	f := &diffFacts{G: &diffGroup{}}
	if k := pick(1); k > 0 {
		f.AsOf = &diffAsOf
	}
	if k := pick(1); k > 0 {
		f.Now = &diffNow
	}
	if k := pick(2); k > 0 {
		f.A = new(k == 1)
	}
	if k := pick(2); k > 0 {
		f.B = new(k == 1)
	}
	if k := pick(7); k > 0 {
		f.N = new([]float64{-2, -1, 0, 2.5, 3, 3.5, 10}[k-1])
	}
	if k := pick(4); k > 0 {
		f.Count = new(k - 1)
	}
	if k := pick(3); k > 0 {
		f.Color = new([]string{"red", "green", "blue"}[k-1])
	}
	if k := pick(len(diffDays)); k > 0 {
		f.G.Day = &diffDays[k-1]
	}
	if k := pick(len(diffAts)); k > 0 {
		f.G.At = &diffAts[k-1]
	}
	if k := pick(2); k == 1 {
		f.G = nil // the whole group unknown
	}
	return f
}

// FuzzNativeAgreesWithExpr holds the native path to expr on facts with
// unknowns: every rule must come to the same status, and an undetermined
// rule must name the same missing facts, whether its parts are judged in Go
// or each run as an expr program under the same Kleene logic. Where every
// fact a rule reads is known, both must also agree with running the whole
// condition in expr.
func FuzzNativeAgreesWithExpr(f *testing.F) {
	native, ref := diffRuleset(f, false), diffRuleset(f, true)
	for _, seed := range [][]byte{{}, {1, 1, 1, 1, 1, 1, 1, 1, 1, 0}, {1, 1, 2, 0, 3, 2, 3, 7, 4}, {0, 1, 1, 2, 0, 0, 1, 0, 2, 1}} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, b []byte) { checkNativeAgrees(t, native, ref, b) })
}

func checkNativeAgrees(t *testing.T, native, ref *Ruleset, b []byte) {
	t.Helper()
	var machine vm.VM
	{
		facts := diffFactsFrom(b)
		got, err := native.evaluate(context.Background(), facts)
		if err != nil {
			t.Fatal(err)
		}
		want, err := ref.evaluate(context.Background(), facts)
		if err != nil {
			t.Fatal(err)
		}
		known := native.kind.vocab.known(reflect.ValueOf(facts).Elem())
		for i, r := range native.rules {
			g, w := &got.Results[i], &want.Results[i]
			if g.Status != w.Status || !slices.Equal(missingOf(g), missingOf(w)) {
				t.Fatalf("%q on %s: native %v missing %v, expr parts %v missing %v", r.when.src, b, g.Status, missingOf(g), w.Status, missingOf(w))
			}
			if !r.when.reads.within(&known) {
				continue
			}
			whole, err := machine.Run(r.when.prog, facts)
			if err != nil {
				t.Fatal(err)
			}
			if (g.Status == statusFired) != deref(whole).(bool) || g.Status == statusUndetermined {
				t.Fatalf("%q on %v: native %v, whole expr %v", r.when.src, b, g.Status, whole)
			}
		}
	}
}

// TestNativeAgreesWithExpr holds the conditions judged natively to expr's
// meaning: on random facts, every rule must come to what its compiled expr
// program gives.
func TestNativeAgreesWithExpr(t *testing.T) {
	native, ref := diffRuleset(t, false), diffRuleset(t, true)
	for _, r := range native.rules {
		if !r.when.native {
			t.Errorf("%q is not judged natively", r.when.src)
		}
	}
	for _, r := range ref.rules {
		if r.when.native {
			t.Errorf("%q is judged natively in the expr-only reference", r.when.src)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, 10)
	for n := range 6000 {
		for i := range b {
			b[i] = byte(rng.IntN(256))
			if n%2 == 0 && b[i] == 0 {
				b[i] = 1 // half the runs with every fact known
			}
		}
		checkNativeAgrees(t, native, ref, b)
	}
}

// TestNativeThenAgreesWithExpr does the same for then: expressions computed
// in Go.
func TestNativeThenAgreesWithExpr(t *testing.T) {
	kind := MustKind(Spec[diffFacts, diffThen, map[string]any, any]{Name: "diff", Decide: noDecision})
	exprs := []string{"n * params.limit", "params.limit * n", "2.5 - n", "n - 2.5", "n / 4", "n + 1", "-3 + n", "n * 1.5"}
	var src strings.Builder
	src.WriteString("ruleset: d\nversion: \"1\"\ndecision: diff\nparams: {limit: 3}\nrules:\n")
	for i, e := range exprs {
		fmt.Fprintf(&src, "  - {id: r%d, title: T, when: true, then: {x: '%s'}, message: {en: m}}\n", i, e)
	}
	set, err := (&Loader{Kinds: []Kind{kind}}).Load(File{Name: "d.yaml", Data: []byte(src.String())})
	if err != nil {
		t.Fatal(err)
	}
	rs := set.Ruleset("d")
	machine := new(vm.VM)
	for _, n := range []float64{-2, 0, 2.5, 3, 70.4} {
		f := &diffFacts{N: new(n)}
		ev, err := rs.evaluate(context.Background(), f)
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
			if got, _ := thenOfResult(&ev.Results[i], "x"); got != want {
				t.Errorf("%q with n=%v: native %v (%T), expr %v (%T)", r.thenProgs[0].src, n, got, got, want, want)
			}
		}
	}
}
