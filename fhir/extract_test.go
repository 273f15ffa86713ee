package fhir

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var asOf = time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)

const (
	icd10   = "http://hl7.org/fhir/sid/icd-10"
	sct     = "http://snomed.info/sct"
	loinc   = "http://loinc.org"
	atc     = "http://www.whocc.no/atc"
	screenQ = "https://github.com/reocell/celltherapy/fhir/CodeSystem/msc-screening"
)

// cond is a Condition of code with the given statuses ("" leaves one out)
// and extra JSON members.
func cond(id, system, code, clinical, verification, extra string) string {
	s := fmt.Sprintf(`{"resourceType":"Condition","id":%q,"subject":{"reference":"Patient/p1"},"code":{"coding":[{"system":%q,"code":%q}]}`, id, system, code)
	if clinical != "" {
		s += fmt.Sprintf(`,"clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-clinical","code":%q}]}`, clinical)
	}
	if verification != "" {
		s += fmt.Sprintf(`,"verificationStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-ver-status","code":%q}]}`, verification)
	}
	if extra != "" {
		s += "," + extra
	}
	return s + "}"
}

// obs is an Observation of code with status, effective day ("" for none)
// and value (a JSON member such as "valueBoolean":false).
func obs(id, system, code, status, effective, value string) string {
	s := fmt.Sprintf(`{"resourceType":"Observation","id":%q,"status":%q,"subject":{"reference":"Patient/p1"},"code":{"coding":[{"system":%q,"code":%q}]},%s`, id, status, system, code, value)
	if effective != "" {
		s += fmt.Sprintf(`,"effectiveDateTime":%q`, effective)
	}
	return s + "}"
}

func answer(system, code string) string {
	return fmt.Sprintf(`"valueCodeableConcept":{"coding":[{"system":%q,"code":%q}]}`, system, code)
}

func proc(id, code, status, extra string) string {
	s := fmt.Sprintf(`{"resourceType":"Procedure","id":%q,"status":%q,"subject":{"reference":"Patient/p1"},"code":{"coding":[{"system":%q,"code":%q}]}`, id, status, sct, code)
	if extra != "" {
		s += "," + extra
	}
	return s + "}"
}

func med(id, code, status, extra string) string {
	s := fmt.Sprintf(`{"resourceType":"MedicationStatement","id":%q,"status":%q,"subject":{"reference":"Patient/p1"},"medicationCodeableConcept":{"coding":[{"system":%q,"code":%q}]}`, id, status, atc, code)
	if extra != "" {
		s += "," + extra
	}
	return s + "}"
}

// bundleOf wraps resources in a searchset Bundle with the patient p1.
func bundleOf(resources ...string) []byte {
	entries := []string{`{"resource":{"resourceType":"Patient","id":"p1"}}`}
	for _, r := range resources {
		entries = append(entries, `{"resource":`+r+`}`)
	}
	return []byte(`{"resourceType":"Bundle","type":"searchset","entry":[` + strings.Join(entries, ",") + `]}`)
}

// refs returns, for each fact of p, the references of its sources.
func refs(p Provenance) map[string][]string {
	out := map[string][]string{}
	for f, srcs := range p {
		for _, s := range srcs {
			out[f] = append(out[f], s.Reference)
		}
	}
	return out
}

func TestSafetyRules(t *testing.T) {
	hivYes := func(id string) string { return obs(id, screenQ, "hiv", "final", "2026-11-20", `"valueBoolean":true`) }
	tests := []struct {
		name      string
		resources []string
		facts     string              // the facts as eligibility JSON, asOf left out
		sources   map[string][]string // fact -> references
	}{
		{"no record leaves every fact unknown", nil, `{}`, map[string][]string{}},
		{"an active confirmed condition makes the fact true",
			[]string{cond("c1", icd10, "B20", "active", "confirmed", "")},
			`{"hiv":true}`, map[string][]string{"hiv": {"Condition/c1"}}},
		{"a recurrence counts as active",
			[]string{cond("c1", sct, "254837009", "recurrence", "confirmed", "")},
			`{"oncology":{"active":true}}`, map[string][]string{"oncology.active": {"Condition/c1"}}},
		{"a refuted condition never makes a fact true",
			[]string{cond("c1", icd10, "B20", "active", "refuted", "")}, `{}`, map[string][]string{}},
		{"an entered-in-error condition never makes a fact true",
			[]string{cond("c1", icd10, "B20", "active", "entered-in-error", "")}, `{}`, map[string][]string{}},
		{"a provisional condition is not confirmed",
			[]string{cond("c1", icd10, "B20", "active", "provisional", "")}, `{}`, map[string][]string{}},
		{"a condition without verification status is not confirmed",
			[]string{cond("c1", icd10, "B20", "active", "", "")}, `{}`, map[string][]string{}},
		{"a resolved condition never makes a fact true",
			[]string{cond("c1", icd10, "D68.0", "resolved", "confirmed", "")}, `{}`, map[string][]string{}},
		{"a resolved condition is not a negative either",
			[]string{cond("c1", icd10, "D68.0", "resolved", "confirmed", ""), hivYes("o1")},
			`{"hiv":true}`, map[string][]string{"hiv": {"Observation/o1"}}},
		{"a code the tables do not list says nothing",
			[]string{cond("c1", icd10, "J45.9", "active", "confirmed", "")}, `{}`, map[string][]string{}},
		{"a resolved cancer is not active but dates its treatment end",
			[]string{cond("c1", icd10, "C50.9", "resolved", "confirmed", `"abatementDateTime":"2023-03-01"`)},
			`{"oncology":{"lastTreatmentEnd":"2023-03-01"}}`, map[string][]string{"oncology.lastTreatmentEnd": {"Condition/c1"}}},
		{"a cancer in remission dates its end by the last day of a partial date",
			[]string{cond("c1", icd10, "C50.9", "remission", "confirmed", `"abatementPeriod":{"start":"2022","end":"2023-02"}`)},
			`{"oncology":{"lastTreatmentEnd":"2023-02-28"}}`, map[string][]string{"oncology.lastTreatmentEnd": {"Condition/c1"}}},
		{"a refuted cancer does not date anything",
			[]string{cond("c1", icd10, "C50.9", "resolved", "refuted", `"abatementDateTime":"2023-03-01"`)}, `{}`, map[string][]string{}},
		{"a completed treatment makes everTreated true and dates its end",
			[]string{proc("t1", "367336001", "completed", `"performedPeriod":{"start":"2022-01-10","end":"2022-06-30"}`)},
			`{"oncology":{"everTreated":true,"lastTreatmentEnd":"2022-06-30"}}`,
			map[string][]string{"oncology.everTreated": {"Procedure/t1"}, "oncology.lastTreatmentEnd": {"Procedure/t1"}}},
		{"the latest end of several treatments and a resolved cancer wins",
			[]string{
				proc("t1", "367336001", "completed", `"performedDateTime":"2021-05-02"`),
				med("m1", "L02BA01", "completed", `"effectivePeriod":{"start":"2021-06-01","end":"2024-01-15"}`),
				cond("c1", icd10, "C50.9", "resolved", "confirmed", `"abatementDateTime":"2022-03-01"`),
			},
			`{"oncology":{"everTreated":true,"lastTreatmentEnd":"2024-01-15"}}`,
			map[string][]string{"oncology.everTreated": {"MedicationStatement/m1", "Procedure/t1"}, "oncology.lastTreatmentEnd": {"MedicationStatement/m1"}}},
		{"a treatment going on ends no earlier than the screening day",
			[]string{med("m1", "L02BA01", "active", `"effectivePeriod":{"start":"2025-01-01"}`)},
			`{"oncology":{"everTreated":true,"lastTreatmentEnd":"2026-11-24"}}`,
			map[string][]string{"oncology.everTreated": {"MedicationStatement/m1"}, "oncology.lastTreatmentEnd": {"MedicationStatement/m1"}}},
		{"a treatment planned to end later keeps its end",
			[]string{proc("t1", "108290001", "in-progress", `"performedPeriod":{"start":"2026-10-01","end":"2027-01-31"}`)},
			`{"oncology":{"everTreated":true,"lastTreatmentEnd":"2027-01-31"}}`,
			map[string][]string{"oncology.everTreated": {"Procedure/t1"}, "oncology.lastTreatmentEnd": {"Procedure/t1"}}},
		{"a treatment whose end is not known leaves the last end unknown",
			[]string{proc("t1", "367336001", "completed", ""), proc("t2", "367336001", "completed", `"performedDateTime":"2015-01-01"`)},
			`{"oncology":{"everTreated":true}}`, map[string][]string{"oncology.everTreated": {"Procedure/t1", "Procedure/t2"}}},
		{"a treatment not done, not taken or entered in error says nothing",
			[]string{proc("t1", "367336001", "not-done", ""), proc("t2", "367336001", "entered-in-error", `"performedDateTime":"2025-01-01"`),
				med("m1", "L01XA01", "not-taken", ""), med("m2", "L01XA01", "intended", "")},
			`{}`, map[string][]string{}},
		{"a treatment record outweighs a screening answer of never treated",
			[]string{proc("t1", "367336001", "completed", `"performedDateTime":"2019-05-02"`),
				obs("o1", screenQ, "oncology-ever-treated", "final", "2026-11-20", `"valueBoolean":false`)},
			`{"oncology":{"everTreated":true,"lastTreatmentEnd":"2019-05-02"}}`,
			map[string][]string{"oncology.everTreated": {"Procedure/t1"}, "oncology.lastTreatmentEnd": {"Procedure/t1"}}},
		{"never treated: a resolved cancer does not give a treatment end that would contradict it",
			[]string{cond("c1", icd10, "C50.9", "resolved", "confirmed", `"abatementDateTime":"2023-03-01"`),
				obs("o1", screenQ, "oncology-ever-treated", "final", "2026-11-20", `"valueBoolean":false`)},
			`{"oncology":{"everTreated":false}}`, map[string][]string{"oncology.everTreated": {"Observation/o1"}}},
		{"pregnancy status pregnant makes pregnant true",
			[]string{obs("o1", loinc, "82810-3", "final", "2026-11-23", answer(loinc, "LA15173-0"))},
			`{"pregnant":true}`, map[string][]string{"pregnant": {"Observation/o1"}}},
		{"pregnancy status not pregnant (SNOMED) is an explicit negative",
			[]string{obs("o1", loinc, "82810-3", "final", "2026-11-22", answer(sct, "60001007"))},
			`{"pregnant":false}`, map[string][]string{"pregnant": {"Observation/o1"}}},
		{"pregnancy status unknown leaves it unknown",
			[]string{obs("o1", loinc, "82810-3", "final", "2026-11-22", answer(loinc, "LA4489-6"))}, `{}`, map[string][]string{}},
		{"a not pregnant older than noValidDays is not used",
			[]string{obs("o1", loinc, "82810-3", "final", "2026-11-16", answer(loinc, "LA26683-5"))}, `{}`, map[string][]string{}},
		{"a not pregnant exactly noValidDays old is still used",
			[]string{obs("o1", loinc, "82810-3", "final", "2026-11-17", answer(loinc, "LA26683-5"))},
			`{"pregnant":false}`, map[string][]string{"pregnant": {"Observation/o1"}}},
		{"a not pregnant dated only by its month ages from the month's first day",
			[]string{obs("o1", loinc, "82810-3", "final", "2026-11", answer(loinc, "LA26683-5"))}, `{}`, map[string][]string{}},
		{"a preliminary observation is not used",
			[]string{obs("o1", loinc, "82810-3", "preliminary", "2026-11-23", answer(loinc, "LA15173-0"))}, `{}`, map[string][]string{}},
		{"an entered-in-error observation is not used",
			[]string{obs("o1", loinc, "82810-3", "entered-in-error", "2026-11-23", answer(loinc, "LA15173-0"))}, `{}`, map[string][]string{}},
		{"the latest observation wins",
			[]string{obs("o1", loinc, "82810-3", "final", "2026-03-01", answer(loinc, "LA15173-0")),
				obs("o2", loinc, "82810-3", "amended", "2026-11-23T10:00:00+03:00", answer(loinc, "LA26683-5"))},
			`{"pregnant":false}`, map[string][]string{"pregnant": {"Observation/o2"}}},
		{"a yes and a no on one day: yes wins",
			[]string{obs("o1", loinc, "82810-3", "final", "2026-11-23", answer(loinc, "LA26683-5")),
				obs("o2", loinc, "82810-3", "final", "2026-11-23", answer(loinc, "LA15173-0"))},
			`{"pregnant":true}`, map[string][]string{"pregnant": {"Observation/o2"}}},
		{"an undated yes counts, an undated no does not",
			[]string{obs("o1", screenQ, "clotting-disorder", "final", "", `"valueBoolean":true`),
				obs("o2", screenQ, "hiv", "final", "", `"valueBoolean":false`)},
			`{"clottingDisorder":true}`, map[string][]string{"clottingDisorder": {"Observation/o1"}}},
		{"a yes that stands (HIV) is not undone by a later no",
			[]string{obs("o1", screenQ, "hiv", "final", "2024-01-10", `"valueBoolean":true`),
				obs("o2", screenQ, "hiv", "final", "2026-11-20", `"valueBoolean":false`)},
			`{"hiv":true}`, map[string][]string{"hiv": {"Observation/o1"}}},
		{"a yes of another table is undone by a later no",
			[]string{obs("o1", screenQ, "clotting-disorder", "final", "2024-01-10", `"valueBoolean":true`),
				obs("o2", screenQ, "clotting-disorder", "final", "2026-11-20", `"valueBoolean":false`)},
			`{"clottingDisorder":false}`, map[string][]string{"clottingDisorder": {"Observation/o2"}}},
		{"an active confirmed condition outweighs a later negative",
			[]string{cond("c1", icd10, "Z33", "active", "confirmed", ""),
				obs("o1", loinc, "82810-3", "final", "2026-11-23", answer(loinc, "LA26683-5"))},
			`{"pregnant":true}`, map[string][]string{"pregnant": {"Condition/c1"}}},
		{"breastfeeding status answered false is an explicit negative",
			[]string{obs("o1", loinc, "63895-7", "final", "2026-11-23", `"valueBoolean":false`)},
			`{"breastfeeding":false}`, map[string][]string{"breastfeeding": {"Observation/o1"}}},
		{"a screening answer of no is an explicit negative for each fact",
			[]string{
				obs("o1", screenQ, "oncology-active", "final", "2026-11-20", `"valueBoolean":false`),
				obs("o2", screenQ, "oncology-ever-treated", "final", "2026-11-20", `"valueBoolean":false`),
				obs("o3", screenQ, "pregnant", "final", "2026-11-20", `"valueBoolean":false`),
				obs("o4", loinc, "63895-7", "final", "2026-11-20", `"valueBoolean":false`),
				obs("o5", screenQ, "hiv", "final", "2026-11-20", `"valueBoolean":false`),
				obs("o6", screenQ, "immunodeficiency", "final", "2026-11-20", `"valueBoolean":false`),
				obs("o7", screenQ, "mental-state-unstable", "final", "2026-11-20", `"valueBoolean":false`),
				obs("o8", screenQ, "acute-inflammation", "final", "2026-11-20", `"valueBoolean":false`),
				obs("o9", screenQ, "chronic-exacerbation", "final", "2026-11-20", `"valueBoolean":false`),
				obs("o10", screenQ, "clotting-disorder", "final", "2026-11-20", `"valueBoolean":false`),
			},
			`{"oncology":{"active":false,"everTreated":false},"pregnant":false,"breastfeeding":false,"hiv":false,"immunodeficiency":false,
			  "mentalStateUnstable":false,"acuteInflammation":false,"chronicExacerbation":false,"clottingDisorder":false}`,
			map[string][]string{"oncology.active": {"Observation/o1"}, "oncology.everTreated": {"Observation/o2"}, "pregnant": {"Observation/o3"},
				"breastfeeding": {"Observation/o4"}, "hiv": {"Observation/o5"}, "immunodeficiency": {"Observation/o6"},
				"mentalStateUnstable": {"Observation/o7"}, "acuteInflammation": {"Observation/o8"}, "chronicExacerbation": {"Observation/o9"},
				"clottingDisorder": {"Observation/o10"}}},
		{"each contraindication has condition codes",
			[]string{cond("c1", icd10, "F30.9", "active", "confirmed", ""), cond("c2", icd10, "J18.9", "active", "confirmed", ""),
				cond("c3", icd10, "J44.1", "active", "confirmed", ""), cond("c4", icd10, "D84.9", "active", "confirmed", ""),
				cond("c5", icd10, "D68.9", "relapse", "confirmed", ""), cond("c6", icd10, "Z39.1", "active", "confirmed", "")},
			`{"mentalStateUnstable":true,"acuteInflammation":true,"chronicExacerbation":true,"immunodeficiency":true,"clottingDisorder":true,"breastfeeding":true}`,
			map[string][]string{"mentalStateUnstable": {"Condition/c1"}, "acuteInflammation": {"Condition/c2"}, "chronicExacerbation": {"Condition/c3"},
				"immunodeficiency": {"Condition/c4"}, "clottingDisorder": {"Condition/c5"}, "breastfeeding": {"Condition/c6"}}},
	}
	m := NewMapper(nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x, err := m.FromBundle(bundleOf(tt.resources...), Options{AsOf: asOf})
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.Marshal(x.Facts)
			if err != nil {
				t.Fatal(err)
			}
			var gotMap, wantMap map[string]any
			if err := json.Unmarshal(got, &gotMap); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal([]byte(tt.facts), &wantMap); err != nil {
				t.Fatal(err)
			}
			wantMap["asOf"] = "2026-11-24"
			if d := cmp.Diff(wantMap, gotMap); d != "" {
				t.Errorf("facts (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tt.sources, refs(x.Provenance)); d != "" {
				t.Errorf("provenance (-want +got):\n%s", d)
			}
		})
	}
}

func TestBadInput(t *testing.T) {
	tests := []struct {
		name string
		in   string
		path string
	}{
		{"not a resource", `[1,2]`, "$"},
		{"a status of the wrong type", `{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Observation","status":3}}]}`, "$.entry[0].resource.status"},
		{"a code that is not a FHIR status", `{"resourceType":"Bundle","entry":[{"resource":` + cond("c1", icd10, "B20", "current", "confirmed", "") + `}]}`,
			"$.entry[0].resource.clinicalStatus.coding[0].code"},
		{"an observation without status", `{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Observation","code":{}}}]}`, "$.entry[0].resource.status"},
		{"a date that is not a date", string(bundleOf(proc("t1", "367336001", "completed", `"performedDateTime":"2022-13-01"`))),
			"$.entry[1].resource.performedDateTime"},
		{"a record of another patient", string(bundleOf(strings.Replace(cond("c1", icd10, "B20", "active", "confirmed", ""), "Patient/p1", "Patient/p2", 1))),
			"$.entry[1].resource.subject.reference"},
		{"two patients", `{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Patient","id":"a"}},{"resource":{"resourceType":"Patient","id":"b"}}]}`,
			"$.entry[1].resource.id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewMapper(nil).FromBundle([]byte(tt.in), Options{AsOf: asOf})
			if !errors.Is(err, ErrBadInput) {
				t.Fatalf("err = %v, want ErrBadInput", err)
			}
			var list InputErrors
			if !errors.As(err, &list) || list[0].Path != tt.path {
				t.Errorf("err = %v, want the first at %s", err, tt.path)
			}
		})
	}
}

func TestPrefetchPathsAndNull(t *testing.T) {
	pre := map[string]json.RawMessage{
		"patient":    json.RawMessage(`{"resourceType":"Patient","id":"p1"}`),
		"conditions": json.RawMessage(`null`),
		"procedures": json.RawMessage(`{"resourceType":"Bundle","type":"searchset","entry":[{"resource":{"resourceType":"Procedure","id":"t1","status":"done"}}]}`),
	}
	_, err := NewMapper(nil).FromPrefetch(pre, Options{AsOf: asOf})
	var list InputErrors
	if !errors.As(err, &list) || list[0].Path != "prefetch.procedures.entry[0].resource.status" {
		t.Fatalf("err = %v, want one at prefetch.procedures.entry[0].resource.status", err)
	}
}
