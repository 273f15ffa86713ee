package eligibility_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"
	"github.com/reocell/celltherapy/eligibility"
)

// BenchmarkScreen screens a patient with every fact known.
func BenchmarkScreen(b *testing.B) {
	s := eligibility.NewDefaultScreener()
	facts := allClear()
	facts.Oncology.EverTreated = new(true)
	facts.Oncology.LastTreatmentEnd = day("2019-01-01")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Screen(ctx, facts); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkScreenUnknownFacts screens a patient with several facts unknown,
// which takes the three-valued path.
func BenchmarkScreenUnknownFacts(b *testing.B) {
	s := eligibility.NewDefaultScreener()
	facts := allClear()
	facts.Oncology = &eligibility.Oncology{Active: new(false), EverTreated: new(true)}
	facts.Breastfeeding, facts.Immunodeficiency, facts.ChronicExacerbation = nil, nil, nil
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Screen(ctx, facts); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkScreenBaseline runs the same conditions as compiled expr programs
// directly, with one reused VM and nothing else: the floor the engine's
// overhead is measured against. Params are put in as the constants the
// engine substitutes.
func BenchmarkScreenBaseline(b *testing.B) {
	rs := eligibility.DefaultRules()
	var programs []*vm.Program
	for _, r := range rs.Rules() {
		src := r.When()
		for name, v := range rs.Params() {
			src = strings.ReplaceAll(src, "params."+name, fmt.Sprint(v))
		}
		p, err := expr.Compile(src, expr.Env(eligibility.Facts{}),
			expr.Function("addYears", func(args ...any) (any, error) {
				return args[0].(time.Time).AddDate(args[1].(int), 0, 0), nil
			}, new(func(time.Time, int) time.Time)))
		if err != nil {
			b.Fatal(err)
		}
		programs = append(programs, p)
	}
	facts := allClear()
	facts.Oncology.EverTreated = new(true)
	facts.Oncology.LastTreatmentEnd = day("2019-01-01")
	var machine vm.VM
	b.ReportAllocs()
	for b.Loop() {
		for _, p := range programs {
			if _, err := machine.Run(p, &facts); err != nil {
				b.Fatal(err)
			}
		}
	}
}

