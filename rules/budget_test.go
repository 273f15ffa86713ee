package rules_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/reocell/celltherapy/eligibility"
	"github.com/reocell/celltherapy/recommendations"
	"github.com/reocell/celltherapy/rules"
	"github.com/reocell/celltherapy/rules/ruleskit"
	"github.com/reocell/celltherapy/therapy"
)

// withList is a ruleset whose param xs lists 0 .. n-1, with one rule.
func withList(n int, when string, extra ...string) string {
	xs := make([]string, n)
	for i := range xs {
		xs[i] = fmt.Sprint(i)
	}
	return header + "params: {xs: [" + strings.Join(xs, ", ") + "]}\nrules:\n  - id: r\n    title: T\n    when: '" + when + "'\n    message: {en: m}\n" + strings.Join(extra, "")
}

const threeNested = "any(params.xs, any(params.xs, any(params.xs, # > n)))"

func TestLoadRefusesRulesOverTheCostBudget(t *testing.T) {
	tests := []struct {
		name   string
		src    string
		budget int64
		want   string // position and code of the problem, or "" to load
	}{
		{"three nested loops over 1,000", withList(1000, threeNested), 0, "8:12 cost"},
		{"three nested loops reading no fact", withList(1000, "any(params.xs, any(params.xs, any(params.xs, # < 0)))"), 0, "8:12 cost"},
		{"two nested loops over 1,000", withList(1000, "any(params.xs, any(params.xs, # == n))"), 0, "8:12 cost"},
		{"a loop over 1,000", withList(1000, "any(params.xs, # == n)"), 0, ""},
		{"three nested loops over 10", withList(10, threeNested), 0, ""},
		{"a loop over a range from a fact", withList(1, "any(0..group.count, # == 3)"), 0, ""},
		{"nested loops over ranges from facts", withList(1, "any(0..group.count, any(0..group.count, # == 3))"), 0, "8:12 cost"},
		{"a loop over the elements of a list param", header + "params: {xss: [[1, 2], [3]]}\nrules:\n  - {id: r, title: T, when: 'any(params.xss, any(#, # == n))', message: {en: m}}\n", 0, ""},
		{"a loop in then:", withList(1000, "a", "    then: {until: 'any(params.xs, any(params.xs, # == n)) ? group.day : asOf'}\n"), 0, "10:20 cost"},
		{"when and then together over the budget", withList(1000, "any(params.xs, # == n)", "    then: {until: 'any(params.xs, # == n) ? group.day : asOf'}\n"), 5000, "6:5 cost"},
		{"a raised budget", withList(1000, threeNested), 1 << 40, ""},
		{"a lowered budget", withList(1000, "any(params.xs, # == n)"), 100, "8:12 cost"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := &rules.Loader{Kinds: []rules.Kind{testKind}, MaxRuleCost: tt.budget}
			_, err := l.Load(file("f.yaml", tt.src))
			var got []string
			for _, p := range rules.Problems(err) {
				got = append(got, fmt.Sprintf("%d:%d %s", p.Pos.Line, p.Pos.Col, p.Code))
			}
			if tt.want == "" {
				if err != nil {
					t.Fatalf("load failed: %v", err)
				}
				return
			}
			if strings.Join(got, ", ") != tt.want {
				t.Fatalf("problems %v, want %s: %v", got, tt.want, err)
			}
		})
	}
}

func TestCostMessageSaysCostBudgetAndFix(t *testing.T) {
	_, err := load(file("f.yaml", withList(1000, threeNested)))
	msg := err.Error()
	for _, want := range []string{"f.yaml:8:12: ", "4,003,003,002", "steps, over the budget of 1,000,000", "nest fewer loops", "MaxRuleCost"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q:\n%s", want, msg)
		}
	}
}

func TestDefaultRulesAreWithinTheDefaultCostBudget(t *testing.T) {
	for name, k := range map[string]struct {
		kinds []rules.Kind
		fs    func() []rules.File
	}{
		"eligibility":     {[]rules.Kind{eligibility.Kind()}, func() []rules.File { f, _ := rules.ReadFS(eligibility.DefaultFS()); return f }},
		"therapy":         {[]rules.Kind{therapy.Kind()}, func() []rules.File { f, _ := rules.ReadFS(therapy.DefaultFS()); return f }},
		"recommendations": {[]rules.Kind{recommendations.AftercareKind(), recommendations.TriageKind()}, func() []rules.File { f, _ := rules.ReadFS(recommendations.DefaultFS()); return f }},
	} {
		t.Run(name, func(t *testing.T) {
			// A budget a thousand times smaller than the default still
			// passes: the clinic's rules are far from the limit.
			l := &rules.Loader{Kinds: k.kinds, MaxRuleCost: 1_000_000 / 1000}
			if _, err := l.Load(k.fs()...); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// longRule loads a rule that would run for minutes: its load budget is
// raised so that only the run-time limits can stop it.
func longRule(t *testing.T, evalBudget int64, then ...string) *rules.Ruleset {
	t.Helper()
	l := &rules.Loader{Kinds: []rules.Kind{testKind}, MaxRuleCost: 1 << 50, EvalBudget: evalBudget}
	set, err := l.Load(file("f.yaml", withList(1000, threeNested, then...)))
	if err != nil {
		t.Fatal(err)
	}
	return set.Ruleset("t")
}

func TestDeadlineStopsALongRule(t *testing.T) {
	rs := longRule(t, 1<<50)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := ruleskit.Evaluate(ctx, rs, &testFacts{N: new(5000.0)})
	elapsed := time.Since(start)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v is not a deadline", err)
	}
	var re *rules.RuleError
	if !errors.As(err, &re) || re.Rule != "r" || re.Ruleset != "t" || re.Pos.Line != 6 {
		t.Errorf("error %#v does not name rule r at line 6", err)
	}
	// Without the deadline the rule runs for about a minute; the slack is
	// for a loaded machine.
	if elapsed > 2*time.Second {
		t.Errorf("returned after %v, want about 200ms", elapsed)
	}
}

func TestCostBudgetStopsALongRule(t *testing.T) {
	tests := []struct {
		name string
		then string
		a    bool
	}{
		{"in when:", "", false},
		{"in then:", "    then: {until: 'any(params.xs, any(params.xs, # == n)) ? group.day : asOf'}\n", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := &rules.Loader{Kinds: []rules.Kind{testKind}, MaxRuleCost: 1 << 50, EvalBudget: 100_000}
			when := threeNested
			if tt.a {
				when = "a"
			}
			set, err := l.Load(file("f.yaml", withList(1000, when, tt.then)))
			if err != nil {
				t.Fatal(err)
			}
			day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			_, err = ruleskit.Evaluate(context.Background(), set.Ruleset("t"), &testFacts{A: new(true), N: new(5000.0), AsOf: &day, Group: &testGroup{Day: &day}})
			var re *rules.RuleError
			if !errors.Is(err, rules.ErrCostBudget) || !errors.As(err, &re) || re.Rule != "r" {
				t.Fatalf("error %v is not the budget's, for rule r", err)
			}
			if tt.then != "" && !strings.Contains(err.Error(), "then.until") {
				t.Errorf("error %q does not name then.until", err)
			}
		})
	}
}

func TestMeteredRulesDecideAsBefore(t *testing.T) {
	set, err := load(file("f.yaml", withList(100, "any(params.xs, # == n) && all(params.xs, # < 100)")))
	if err != nil {
		t.Fatal(err)
	}
	rs := set.Ruleset("t")
	facts := &testFacts{N: new(7.0)}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 50 {
				// Every goroutine shares one facts value: each evaluation
				// meters its own copy.
				f := facts
				want := ruleskit.Fired
				if (i+j)%2 == 1 {
					f, want = &testFacts{N: new(100.5)}, ruleskit.Clear
				}
				ev, err := ruleskit.Evaluate(context.Background(), rs, f)
				if err != nil {
					t.Error(err)
					return
				}
				if got := ev.Results[0].Status; got != want {
					t.Errorf("%v, want %v", got, want)
				}
			}
		})
	}
	wg.Wait()
	ev, err := ruleskit.Evaluate(context.Background(), rs, &testFacts{})
	if err != nil || ev.Results[0].Status != ruleskit.Undetermined {
		t.Errorf("unknown n: %v, %v", ev, err)
	}
}

// TestBudgetCountsTheSecondLookAtUndeterminedRules spends the budget while
// the missing facts of an undetermined rule are worked out, which runs its
// loop a second time: the evaluation fails, rather than leave them out.
func TestBudgetCountsTheSecondLookAtUndeterminedRules(t *testing.T) {
	// One run of the loop is 1,000 steps of weight 3.
	l := &rules.Loader{Kinds: []rules.Kind{testKind}, EvalBudget: 4500}
	set, err := l.Load(file("f.yaml", withList(1000, "a || any(params.xs, # == n)")))
	if err != nil {
		t.Fatal(err)
	}
	_, err = ruleskit.Evaluate(context.Background(), set.Ruleset("t"), &testFacts{N: new(5000.0)})
	if !errors.Is(err, rules.ErrCostBudget) {
		t.Errorf("error %v, want the budget's", err)
	}
	l.EvalBudget = 6500
	set, _ = l.Load(file("f.yaml", withList(1000, "a || any(params.xs, # == n)")))
	if ev, err := ruleskit.Evaluate(context.Background(), set.Ruleset("t"), &testFacts{N: new(5000.0)}); err != nil || ev.Results[0].Status != ruleskit.Undetermined {
		t.Errorf("within the budget: %v", err)
	}
}
