package fhir

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// termDouble is a test double of a FHIR terminology server (none is
// reachable offline): SNOMED CT 363346000 subsumes 999001 and 999002,
// and the value set http://clinic.example/ValueSet/psychosis holds
// ICD-10-CM F20.9.
func termDouble(t *testing.T, delay time.Duration) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		time.Sleep(delay)
		q := r.URL.Query()
		w.Header().Set("Content-Type", "application/fhir+json")
		switch r.URL.Path {
		case "/fhir/CodeSystem/$subsumes":
			outcome := "not-subsumed"
			if q.Get("system") == sct && q.Get("codeA") == "363346000" && strings.HasPrefix(q.Get("codeB"), "99900") {
				outcome = "subsumes"
			}
			fmt.Fprintf(w, `{"resourceType":"Parameters","parameter":[{"name":"outcome","valueCode":%q}]}`, outcome)
		case "/fhir/ValueSet/$validate-code":
			in := q.Get("url") == "http://clinic.example/ValueSet/psychosis" && q.Get("system") == icd10cm && q.Get("code") == "F20.9"
			fmt.Fprintf(w, `{"resourceType":"Parameters","parameter":[{"name":"result","valueBoolean":%t}]}`, in)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

const remoteTables = `codes: clinic
version: "1"
systems:
  sct: [http://snomed.info/sct]
  icd10cm: [http://hl7.org/fhir/sid/icd-10-cm]
tables:
  - fact: oncology.active
    resource: Condition
    status: unconfirmed
    source: test
    codes:
      - {system: sct, code: "254637007", display: NSCLC}
      - {system: sct, descendantsOf: "363346000", display: "Malignant neoplastic disease and its descendants"}
  - fact: mentalStateUnstable
    resource: Condition
    status: unconfirmed
    source: test
    codes:
      - {system: icd10cm, code: F30.9, display: mania}
    ask:
      - {system: icd10cm, valueSet: "http://clinic.example/ValueSet/psychosis", display: psychoses}
`

func TestTerminologyServer(t *testing.T) {
	codes, err := LoadCodes("codes.yaml", []byte(remoteTables))
	if err != nil {
		t.Fatal(err)
	}
	if n := codes.Counts()[0]; n.Terminology != 1 || n.Codes != 1 {
		t.Errorf("counts %v", n)
	}
	srv, hits := termDouble(t, 0)
	tc, err := NewTerminologyClient(srv.URL+"/fhir", srv.Client(), time.Second, 100)
	if err != nil {
		t.Fatal(err)
	}
	m := NewMapper(codes).WithTerminology(tc, srv.URL+"/fhir")
	recs := []string{cond("c1", sct, "999001", "active", "confirmed", ""), cond("c2", icd10cm, "F20.9", "active", "confirmed", ""),
		obs("o1", screenQ, "x", "final", "2026-11-20", `"valueBoolean":false`)}
	got, x := factsOf(t, m, recs...)
	if got != `{"oncology":{"active":true}}` || len(x.Open["mentalStateUnstable"]) != 1 || !strings.Contains(x.Terminology, "answered") {
		t.Errorf("facts %s, open %v, terminology %q", got, x.Open, x.Terminology)
	}
	before := hits.Load()
	factsOf(t, m, recs...)
	if hits.Load() != before {
		t.Errorf("%d more requests for answers already cached", hits.Load()-before)
	}
	// Without a server, the local sets answer and the decision says so.
	got, x = factsOf(t, NewMapper(codes), recs...)
	if got != `{}` || !strings.Contains(x.Terminology, "none is configured") || len(x.Unreviewed) != 2 {
		t.Errorf("no server: facts %s, terminology %q, unreviewed %v", got, x.Terminology, x.Unreviewed)
	}
}

func TestTerminologyServerUnreachable(t *testing.T) {
	codes, err := LoadCodes("codes.yaml", []byte(remoteTables))
	if err != nil {
		t.Fatal(err)
	}
	srv, hits := termDouble(t, 300*time.Millisecond)
	tc, err := NewTerminologyClient(srv.URL+"/fhir", srv.Client(), 20*time.Millisecond, 100)
	if err != nil {
		t.Fatal(err)
	}
	m := NewMapper(codes).WithTerminology(tc, srv.URL+"/fhir")
	got, x := factsOf(t, m, cond("c1", sct, "999001", "active", "confirmed", ""), cond("c2", sct, "999002", "active", "confirmed", ""),
		cond("c3", sct, "254637007", "active", "confirmed", ""))
	if got != `{"oncology":{"active":true}}` || refs(x.Provenance)["oncology.active"][0] != "Condition/c3" {
		t.Errorf("the local sets do not answer: facts %s, provenance %v", got, x.Provenance)
	}
	if !strings.Contains(x.Terminology, "failed") || !strings.Contains(x.Terminology, "local value sets were used") {
		t.Errorf("terminology %q", x.Terminology)
	}
	if n := hits.Load(); n != 1 {
		t.Errorf("%d requests to a server that timed out, want 1 per call", n)
	}
}

func TestTerminologyCacheBounded(t *testing.T) {
	srv, _ := termDouble(t, 0)
	tc, err := NewTerminologyClient(srv.URL+"/fhir", srv.Client(), time.Second, 2)
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range []string{"1", "2", "3", "4"} {
		if _, err := tc.Subsumes(t.Context(), sct, "363346000", code); err != nil {
			t.Fatal(err)
		}
	}
	if n := tc.cached(); n != 2 {
		t.Errorf("%d answers cached, want at most 2", n)
	}
	if _, err := NewTerminologyClient("tx.example", nil, 0, 0); err == nil {
		t.Error("a base URL without scheme accepted")
	}
	if _, err := tc.Subsumes(t.Context(), sct, "363346000", "404"); err != nil {
		t.Fatal(err)
	}
	bad := httptest.NewServer(http.NotFoundHandler())
	defer bad.Close()
	tb, _ := NewTerminologyClient(bad.URL, bad.Client(), time.Second, 10)
	if _, err := tb.InValueSet(t.Context(), "http://x", sct, "1"); err == nil || !strings.Contains(err.Error(), "HTTP 404") {
		t.Errorf("a 404: %v", err)
	}
}
