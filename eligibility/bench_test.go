package eligibility_test

import (
	"context"
	"testing"

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

// BenchmarkScreenBaseline runs the compiled conditions (rules.Rule.Program)
// directly on one reused VM and nothing else: what running the rules with
// expr alone costs. The engine judges simple conditions natively, so it can
// come in under this.
func BenchmarkScreenBaseline(b *testing.B) {
	var programs []*vm.Program
	for _, r := range eligibility.DefaultRules().Rules() {
		programs = append(programs, r.Program())
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
