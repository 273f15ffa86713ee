package eligibility_test

import (
	"context"
	"testing"

	"github.com/reocell/celltherapy/eligibility"
)

// BenchmarkScreen screens a patient with every fact known. The rules package's
// BenchmarkContraindicationsBaseline runs the same rules on expr alone, the
// figure to set beside this one.
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
