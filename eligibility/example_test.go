package eligibility_test

import (
	"context"
	"fmt"
	"time"

	"github.com/reocell/celltherapy/eligibility"
)

func Example() {
	screener := eligibility.NewDefaultScreener()
	asOf := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	ended := time.Date(2023, 6, 30, 0, 0, 0, 0, time.UTC)
	decision, err := screener.Screen(context.Background(), eligibility.Facts{
		AsOf:     &asOf,
		Oncology: &eligibility.Oncology{Active: new(false), EverTreated: new(true), LastTreatmentEnd: &ended},
		Pregnant: new(false),
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(decision.Outcome)
	for _, f := range decision.Findings {
		fmt.Println(f.Rule, f.Duration, "rescreen from", f.RescreenFrom)
	}
	// Output:
	// ineligible
	// oncology temporary rescreen from 2028-07-01
}
