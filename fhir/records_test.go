package fhir

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// readRecord reads a fixture of testdata/records (see testdata/README.md
// for where each shape comes from).
func readRecord(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "records", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// screened is what a test checks of an extract: the facts as JSON (asOf
// left out), the fact each record set, the facts left open, and the
// unreviewed records.
type screened struct {
	Facts      string
	Sources    map[string][]string
	Open       map[string][]string
	Unreviewed []string
}

func screenRecord(t *testing.T, data []byte, opts Options) screened {
	t.Helper()
	if opts.AsOf.IsZero() {
		opts.AsOf = asOf
	}
	x, err := NewMapper(nil).FromBundle(data, opts)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(x.Facts)
	var facts map[string]any
	_ = json.Unmarshal(raw, &facts)
	delete(facts, "asOf")
	raw, _ = json.Marshal(facts)
	s := screened{Facts: string(raw), Sources: refs(x.Provenance), Open: refs(x.Open)}
	for _, u := range x.Unreviewed {
		code := u.Text
		if len(u.Coding) > 0 {
			code = u.Coding[0].Code
		}
		s.Unreviewed = append(s.Unreviewed, u.Reference+" "+code)
	}
	return s
}

// TestRealShapedRecords reads records shaped as EHRs and public examples
// write them: Bundles whose entries name each other by fullUrl (urn:uuid
// or absolute), MedicationRequest and a medicationReference, ICD-10-CM
// children, the LOINC breastfeeding answers.
func TestRealShapedRecords(t *testing.T) {
	tests := []struct {
		file string
		want screened
	}{
		{"synthea-lung-cancer.transaction.json", screened{
			Facts: `{"oncology":{"active":true,"everTreated":true,"lastTreatmentEnd":"2025-06-30"}}`,
			Sources: map[string][]string{
				"oncology.active":           {"Condition/0c5b0d52-7e0f-4e7e-a7c1-6f1c2a3b4d01", "Condition/0c5b0d52-7e0f-4e7e-a7c1-6f1c2a3b4d02"},
				"oncology.everTreated":      {"MedicationRequest/7a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c01", "Procedure/6e1f0a9b-2c3d-4e5f-8a9b-0c1d2e3f4a01"},
				"oncology.lastTreatmentEnd": {"MedicationRequest/7a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c01"},
			},
			Open: map[string][]string{},
			Unreviewed: []string{"Condition/0c5b0d52-7e0f-4e7e-a7c1-6f1c2a3b4d04 44054006",
				"MedicationRequest/7a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c02 314076"},
		}},
		{"ips-aml-anastrozole.document.json", screened{
			Facts: `{"oncology":{"active":true,"everTreated":true,"lastTreatmentEnd":"2026-11-24"}}`,
			Sources: map[string][]string{
				"oncology.active":           {"Condition/c64139e7-f02d-409c-bf34-75e8bf23bc80"},
				"oncology.everTreated":      {"MedicationStatement/976d0804-cae0-45ae-afe3-a19f3ba8ba2d"},
				"oncology.lastTreatmentEnd": {"MedicationStatement/976d0804-cae0-45ae-afe3-a19f3ba8ba2d"},
			},
			Open:       map[string][]string{},
			Unreviewed: []string{"Condition/c4597aa2-688a-401b-a658-70acc7a3b71b 198436008"},
		}},
		{"us-core-absolute.searchset.json", screened{
			Facts: `{"oncology":{"everTreated":true,"lastTreatmentEnd":"2026-11-24"}}`,
			Sources: map[string][]string{
				"oncology.everTreated":      {"MedicationRequest/us-m1"},
				"oncology.lastTreatmentEnd": {"MedicationRequest/us-m1"},
			},
			Open: map[string][]string{"oncology.active": {"Condition/us-c1"}},
		}},
		{"de-breastfeeding-yes.collection.json", screened{Facts: `{"breastfeeding":true}`,
			Sources: map[string][]string{"breastfeeding": {"Observation/bf-yes1"}}, Open: map[string][]string{}}},
		{"de-breastfeeding-no.collection.json", screened{Facts: `{"breastfeeding":false}`,
			Sources: map[string][]string{"breastfeeding": {"Observation/bf-no2"}}, Open: map[string][]string{}}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got := screenRecord(t, readRecord(t, tt.file), Options{})
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

// TestSyntheaLungCancerNextToNo checks the case that came out eligible: an
// active lung cancer in the record and a screening answer "no".
func TestSyntheaLungCancerNextToNo(t *testing.T) {
	var b map[string]any
	if err := json.Unmarshal(readRecord(t, "synthea-lung-cancer.transaction.json"), &b); err != nil {
		t.Fatal(err)
	}
	no := json.RawMessage(obs("q1", screenQ, "oncology-active", "final", "2026-11-23", `"valueBoolean":false`))
	prefetch := map[string]json.RawMessage{"records": mustJSON(t, b), "answers": json.RawMessage(`{"resourceType":"Bundle","type":"searchset","entry":[{"resource":` +
		strings.Replace(string(no), "Patient/p1", "Patient/8b1c3e64-1f7a-4c4e-9a51-3d2b6a0e7f10", 1) + `}]}`)}
	x, err := NewMapper(nil).FromPrefetch(prefetch, Options{AsOf: asOf, PatientID: "8b1c3e64-1f7a-4c4e-9a51-3d2b6a0e7f10"})
	if err != nil {
		t.Fatal(err)
	}
	if a := x.Facts.Oncology.Active; a == nil || !*a {
		t.Errorf("oncology.active = %v, want true", a)
	}
}

func mustJSON(t *testing.T, v any) json.RawMessage {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// TestFullURLOfAnotherPatient checks that naming a record's subject by
// fullUrl does not let another patient's record in.
func TestFullURLOfAnotherPatient(t *testing.T) {
	data := strings.Replace(string(readRecord(t, "ips-aml-anastrozole.document.json")),
		`"subject": {
     "reference": "urn:uuid:2b90dd2b-2dab-4c75-9bb9-a355e07401e8"
    },
    "onsetDateTime": "2025-05"`, `"subject": {
     "reference": "urn:uuid:00000000-0000-4000-8000-000000000000"
    },
    "onsetDateTime": "2025-05"`, 1)
	_, err := NewMapper(nil).FromBundle([]byte(data), Options{AsOf: asOf})
	if !errors.Is(err, ErrBadInput) || !strings.Contains(err.Error(), `entry[5].resource.subject.reference: "urn:uuid:00000000-0000-4000-8000-000000000000" is not the patient screened`) {
		t.Errorf("err = %v", err)
	}
}

// TestMedicationReferenceFetched checks that a Medication neither
// contained nor in the input is fetched, and that one that cannot be found
// leaves the record unreviewed.
func TestMedicationReferenceFetched(t *testing.T) {
	rec := `{"resourceType":"MedicationStatement","id":"m1","status":"active","subject":{"reference":"Patient/p1"},` +
		`"medicationReference":{"reference":"Medication/anz","display":"Anastrozole"}}`
	var asked []string
	fetch := func(ref string) (json.RawMessage, error) {
		asked = append(asked, ref)
		return json.RawMessage(`{"resourceType":"Medication","id":"anz","ingredient":[{"itemCodeableConcept":{"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":"84857"}]}}]}`), nil
	}
	got := screenRecord(t, bundleOf(rec), Options{Fetch: fetch})
	if got.Facts != `{"oncology":{"everTreated":true,"lastTreatmentEnd":"2026-11-24"}}` || strings.Join(asked, ",") != "Medication/anz" {
		t.Errorf("fetched: facts %s, asked %v", got.Facts, asked)
	}
	got = screenRecord(t, bundleOf(rec), Options{})
	if got.Facts != `{}` || strings.Join(got.Unreviewed, ",") != "MedicationStatement/m1 medication Medication/anz not found (Anastrozole)" {
		t.Errorf("not fetched: %+v", got)
	}
	// Methotrexate (ATC L01BA01) stays out of the antineoplastic class.
	if got := screenRecord(t, bundleOf(med("m2", "L01BA01", "completed", `"effectiveDateTime":"2025-01-01"`)), Options{}); got.Facts != `{}` {
		t.Errorf("methotrexate: facts %s", got.Facts)
	}
	if got := screenRecord(t, bundleOf(med("m2", "L01XC03", "completed", `"effectiveDateTime":"2025-01-01"`)), Options{}); got.Facts != `{"oncology":{"everTreated":true,"lastTreatmentEnd":"2025-01-01"}}` {
		t.Errorf("trastuzumab (L01XC03, by its class): facts %s", got.Facts)
	}
}

// TestUnavailableTypes checks that a resource type not read leaves the
// facts it could make true unknown, never false, and says why.
func TestUnavailableTypes(t *testing.T) {
	no := obs("o1", screenQ, "oncology-ever-treated", "final", "2026-11-20", `"valueBoolean":false`)
	got := screenRecord(t, bundleOf(no), Options{})
	if got.Facts != `{"oncology":{"everTreated":false}}` {
		t.Fatalf("all read: facts %s", got.Facts)
	}
	got = screenRecord(t, bundleOf(no), Options{Unavailable: map[string]string{"MedicationStatement": "not supported by the FHIR server"}})
	if got.Facts != `{}` || strings.Join(got.Open["oncology.everTreated"], ",") != "MedicationStatement (not supported by the FHIR server)" {
		t.Errorf("MedicationStatement not available: %+v", got)
	}
	// A fact the records make true stays true.
	yes := cond("c1", icd10, "B20", "active", "confirmed", "")
	got = screenRecord(t, bundleOf(yes), Options{Unavailable: map[string]string{"Condition": "pages cut off after 20"}})
	if got.Facts != `{"hiv":true}` || len(got.Open["pregnant"]) != 1 {
		t.Errorf("Condition cut off: %+v", got)
	}
}
