package fhir_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/reocell/celltherapy/fhir"
	"github.com/reocell/celltherapy/procedure"
)

// ExampleCaseBundle exports a case whose donor cells are released: each
// resource with its R4 status.
func ExampleCaseBundle() {
	events, err := giveAll("case-42", donor) // as procedure.Cases.History returns them
	if err != nil {
		fmt.Println(err)
		return
	}
	bundle, err := fhir.CaseBundle(events, fhir.ExportOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(bundle.Type, len(bundle.Entry), "resources")
	for _, e := range bundle.Entry {
		switch r := e.Resource.(type) {
		case fhir.Appointment:
			fmt.Println("Appointment", r.Status)
		case fhir.CarePlan:
			fmt.Println("CarePlan", r.Status, r.Intent)
		case fhir.ServiceRequest:
			fmt.Println("ServiceRequest", r.Status, r.Intent)
		case fhir.Consent:
			fmt.Println("Consent", r.Status, r.Scope.Coding[0].Code)
		case fhir.BiologicallyDerivedProduct:
			fmt.Println("BiologicallyDerivedProduct", r.Status, r.Identifier[0].Value)
		case fhir.Task:
			fmt.Println("Task", r.Code.Coding[0].Code, r.Status)
		}
	}
	// Output:
	// collection 14 resources
	// Appointment fulfilled
	// CarePlan active plan
	// ServiceRequest active order
	// Consent active treatment
	// BiologicallyDerivedProduct available D-2026-118
	// Task booking completed
	// Task consultation completed
	// Task diagnostics completed
	// Task board-review completed
	// Task consent completed
	// Task preparation completed
	// Task administration in-progress
	// Task follow-up requested
}

// BenchmarkCaseBundle exports a completed case (two administrations),
// with BenchmarkFold, the fold alone, as its baseline.
func BenchmarkCaseBundle(b *testing.B) {
	events := history(b, "case-bench", completed)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := fhir.CaseBundle(events, fhir.ExportOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFold is the baseline of BenchmarkCaseBundle: the same history
// folded, without the export.
func BenchmarkFold(b *testing.B) {
	events := history(b, "case-bench", completed)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := procedure.Fold(events); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCaseBundleJSON is the export and its JSON, as a server would
// answer it.
func BenchmarkCaseBundleJSON(b *testing.B) {
	events := history(b, "case-bench", completed)
	b.ReportAllocs()
	for b.Loop() {
		bundle, err := fhir.CaseBundle(events, fhir.ExportOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := json.Marshal(bundle); err != nil {
			b.Fatal(err)
		}
	}
}
