package fhir

import (
	"encoding/json"
	"testing"

	"github.com/reocell/celltherapy/eligibility"
)

// FuzzFromBundle checks that any input is either refused as bad input or
// gives facts that screening accepts (never facts that contradict each
// other, such as a treatment end for a patient never treated).
func FuzzFromBundle(f *testing.F) {
	f.Add(bundleOf(cond("c1", icd10, "C50.9", "resolved", "confirmed", `"abatementDateTime":"2023-03-01"`),
		obs("o1", screenQ, "oncology-ever-treated", "final", "2026-11-20", `"valueBoolean":false`)))
	f.Add(bundleOf(proc("t1", "367336001", "in-progress", `"performedPeriod":{"start":"2026"}`)))
	f.Add(bundleOf(obs("o1", loinc, "82810-3", "final", "2026-11", answer(loinc, "LA26683-5"))))
	f.Add([]byte(`{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Bundle","entry":[{"resource":null}]}}]}`))
	m := NewMapper(nil)
	f.Fuzz(func(t *testing.T, data []byte) {
		x, err := m.FromBundle(data, Options{AsOf: asOf})
		if err != nil {
			return
		}
		b, err := json.Marshal(x.Facts)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := eligibility.DecodeFacts(b); err != nil {
			t.Fatalf("facts %s from %s are refused: %v", b, data, err)
		}
		if o := x.Facts.Oncology; o != nil && o.EverTreated != nil && !*o.EverTreated && o.LastTreatmentEnd != nil {
			t.Fatalf("never treated, yet a last treatment end, from %s", data)
		}
		for fact := range x.Provenance {
			if len(x.Provenance[fact]) == 0 {
				t.Errorf("fact %s has an empty provenance", fact)
			}
		}
	})
}
