package rules

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/expr-lang/expr/vm"
)

// baselineFacts mirrors eligibility.Facts, so that the engine's benchmark
// baseline runs the clinic's contraindication rules without the rules
// package importing a domain package.
type baselineFacts struct {
	AsOf                *time.Time        `json:"asOf,omitempty" expr:"asOf" fact:"date"`
	Oncology            *baselineOncology `json:"oncology,omitempty" expr:"oncology"`
	Pregnant            *bool             `json:"pregnant,omitempty" expr:"pregnant"`
	Breastfeeding       *bool             `json:"breastfeeding,omitempty" expr:"breastfeeding"`
	HIV                 *bool             `json:"hiv,omitempty" expr:"hiv"`
	Immunodeficiency    *bool             `json:"immunodeficiency,omitempty" expr:"immunodeficiency"`
	MentalStateUnstable *bool             `json:"mentalStateUnstable,omitempty" expr:"mentalStateUnstable"`
	AcuteInflammation   *bool             `json:"acuteInflammation,omitempty" expr:"acuteInflammation"`
	ChronicExacerbation *bool             `json:"chronicExacerbation,omitempty" expr:"chronicExacerbation"`
	ClottingDisorder    *bool             `json:"clottingDisorder,omitempty" expr:"clottingDisorder"`
}

type baselineOncology struct {
	Active           *bool      `json:"active,omitempty" expr:"active"`
	EverTreated      *bool      `json:"everTreated,omitempty" expr:"everTreated"`
	LastTreatmentEnd *time.Time `json:"lastTreatmentEnd,omitempty" expr:"lastTreatmentEnd" fact:"date"`
}

type baselineThen struct {
	Duration     string          `json:"duration"`
	RescreenFrom Expr[time.Time] `json:"rescreenFrom"`
}

func contraindications(tb testing.TB) (*Ruleset, *baselineFacts) {
	tb.Helper()
	src, err := os.ReadFile("../eligibility/contraindications.yaml")
	if err != nil {
		tb.Fatal(err)
	}
	kind := MustKind(Spec[baselineFacts, baselineThen, struct{}, any]{
		Name:   "eligibility",
		Decide: func(context.Context, *Ruleset, baselineFacts, ...Option) (any, error) { return nil, nil },
	})
	set, err := (&Loader{Kinds: []Kind{kind}}).Load(File{Name: "contraindications.yaml", Data: src})
	if err != nil {
		tb.Fatal(err)
	}
	asOf := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	ended := time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)
	no := new(false)
	return set.Ruleset("msc-contraindications"), &baselineFacts{
		AsOf:     &asOf,
		Oncology: &baselineOncology{Active: no, EverTreated: new(true), LastTreatmentEnd: &ended},
		Pregnant: no, Breastfeeding: no, HIV: no, Immunodeficiency: no, MentalStateUnstable: no,
		AcuteInflammation: no, ChronicExacerbation: no, ClottingDisorder: no,
	}
}

// BenchmarkContraindicationsEngine evaluates the clinic's contraindication
// rules with every fact known; BenchmarkContraindicationsBaseline runs the
// same compiled expr programs one after the other on one reused VM: what
// the rules cost with expr alone. The engine judges simple conditions in Go,
// so it can come in under the baseline.
func BenchmarkContraindicationsEngine(b *testing.B) {
	rs, facts := contraindications(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := rs.evaluate(ctx, facts); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkContraindicationsBaseline(b *testing.B) {
	rs, facts := contraindications(b)
	var machine vm.VM
	b.ReportAllocs()
	for b.Loop() {
		for _, r := range rs.rules {
			if _, err := machine.Run(r.when.prog, facts); err != nil {
				b.Fatal(err)
			}
		}
	}
}
