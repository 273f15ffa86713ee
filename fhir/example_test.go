package fhir_test

import (
	"context"
	"fmt"
	"time"

	"github.com/reocell/celltherapy/eligibility"
	"github.com/reocell/celltherapy/fhir"
)

// A pregnancy status observation in a Bundle makes pregnant true; the
// decision's finding reads that fact, and the provenance says which record
// it came from.
func ExampleMapper_FromBundle() {
	bundle := []byte(`{"resourceType": "Bundle", "type": "collection", "entry": [
	  {"resource": {"resourceType": "Patient", "id": "p1"}},
	  {"resource": {"resourceType": "Observation", "id": "preg-1", "status": "final",
	    "subject": {"reference": "Patient/p1"},
	    "code": {"coding": [{"system": "http://loinc.org", "code": "82810-3"}]},
	    "effectiveDateTime": "2026-11-23",
	    "valueCodeableConcept": {"coding": [{"system": "http://loinc.org", "code": "LA15173-0", "display": "Pregnant"}]}}}]}`)
	today := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)

	x, err := fhir.NewMapper(nil).FromBundle(bundle, fhir.Options{AsOf: today})
	if err != nil {
		fmt.Println(err)
		return
	}
	d, err := eligibility.NewDefaultScreener().Screen(context.Background(), x.Facts)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(d.Outcome, d.Findings[0].Rule)
	for _, s := range x.Provenance.Sources("pregnant") {
		fmt.Println("pregnant from", s.Reference, s.Coding.Code, s.Coding.Display)
	}
	// Output:
	// ineligible pregnancy-or-breastfeeding
	// pregnant from Observation/preg-1 82810-3 Pregnancy status
}
