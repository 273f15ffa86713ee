package therapy_test

import (
	"context"
	"testing"

	"github.com/reocell/celltherapy/rules/ruleskit"
	"github.com/reocell/celltherapy/therapy"
)

// BenchmarkSelect is a whole decision for a patient whose facts are all
// known: evaluation, reasons, source, routes, dose and choice.
func BenchmarkSelect(b *testing.B) {
	s := therapy.NewDefaultSelector()
	f := known()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Select(ctx, f); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEvaluate is the engine's share of Select: every rule of the
// default ruleset evaluated, without building the decision.
func BenchmarkEvaluate(b *testing.B) {
	rs := therapy.DefaultRules()
	f := known()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ruleskit.Evaluate(ctx, rs, &f); err != nil {
			b.Fatal(err)
		}
	}
}
