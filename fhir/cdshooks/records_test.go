package cdshooks

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/reocell/celltherapy/fhir"
)

// ehrDouble is a test double of an EHR's FHIR server (none is reachable
// offline): each path answers as routes says, a missing route with 404.
type ehrDouble struct {
	*httptest.Server
	mu    sync.Mutex
	paths []string
}

func newEHRDouble(t *testing.T, routes func(base string, r *http.Request) (int, string)) *ehrDouble {
	t.Helper()
	d := &ehrDouble{}
	d.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d.mu.Lock()
		d.paths = append(d.paths, r.URL.Path+"?"+r.URL.RawQuery)
		d.mu.Unlock()
		code, body := routes(d.URL+"/fhir", r)
		w.Header().Set("Content-Type", "application/fhir+json")
		w.WriteHeader(code)
		fmt.Fprint(w, body)
	}))
	t.Cleanup(d.Close)
	return d
}

func authFor(d *ehrDouble) map[string]any {
	return map[string]any{"fhirServer": d.URL + "/fhir", "fhirAuthorization": map[string]any{
		"access_token": "opaque-token", "token_type": "Bearer", "expires_in": 300, "scope": "user/*.read", "subject": "msc"}}
}

func pageWithNext(next string, resources ...string) string {
	b := searchset(resources...)
	return strings.Replace(b, `"type":"searchset",`, fmt.Sprintf(`"type":"searchset","link":[{"relation":"next","url":%q}],`, next), 1)
}

func condition(id, system, code, display string) string {
	return fmt.Sprintf(`{"resourceType":"Condition","id":%q,"subject":{"reference":"Patient/p1"},%s,%s,"code":{"coding":[{"system":%q,"code":%q,"display":%q}]}}`,
		id, clinical, confirmed, system, code, display)
}

func respond(t *testing.T, body []byte) Response {
	t.Helper()
	decodeCards(t, body) // the specification's shape
	var r Response
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestPagedPrefetch checks that a prefetch search with a next link is read
// on from the FHIR server, and says so when it cannot be.
func TestPagedPrefetch(t *testing.T) {
	e := newEnv(t)
	d := newEHRDouble(t, func(base string, r *http.Request) (int, string) {
		if r.URL.Path == "/fhir/Condition" && r.URL.Query().Get("page") == "2" {
			return 200, searchset(hivCondition())
		}
		return 404, `{"resourceType":"OperationOutcome"}`
	})
	pre := prefetch(pageWithNext(d.URL+"/fhir/Condition?patient=p1&page=2"), answers(), `null`)
	code, body := e.do(t, "/cds-services/msc-screening", call(HookPatientView, pre, authFor(d)))
	if r := respond(t, body); code != 200 || len(r.Cards) == 0 || r.Cards[0].Indicator != Critical || !strings.Contains(r.Cards[0].Summary, "HIV") {
		t.Errorf("page 2 read: HTTP %d %s", code, body)
	}
	code, body = e.do(t, "/cds-services/msc-screening", call(HookPatientView, pre, nil))
	r := respond(t, body)
	if code != 200 || r.Cards[0].Indicator != Warning || !strings.Contains(r.Cards[0].Detail, "- Condition: the prefetch holds the first page of its search only") {
		t.Errorf("page 2 not read: HTTP %d %s", code, body)
	}
}

// TestPageLimit checks that a search longer than the service's bounds is
// cut off, used as far as it was read, and leaves its facts unknown.
func TestPageLimit(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Limits = Limits{Pages: 3} })
	d := newEHRDouble(t, func(base string, r *http.Request) (int, string) {
		switch r.URL.Path {
		case "/fhir/Condition":
			var page int
			fmt.Sscan(r.URL.Query().Get("page"), &page)
			return 200, pageWithNext(fmt.Sprintf("%s/Condition?patient=p1&page=%d", base, page+1),
				condition(fmt.Sprintf("c%d", page), "http://snomed.info/sct", "59621000", "Essential hypertension (disorder)"))
		case "/fhir/Observation":
			return 200, answers()
		}
		return 200, searchset()
	})
	pre := prefetch(`null`, `null`, `null`)
	delete(pre, "conditions")
	code, body := e.do(t, "/cds-services/msc-screening", call(HookPatientView, pre, authFor(d)))
	r := respond(t, body)
	if code != 200 || r.Cards[0].Indicator != Warning || !strings.Contains(r.Cards[0].Detail, "- Condition: only the first 3 pages of its search read") ||
		!strings.Contains(r.Cards[0].Detail, "`hiv`") {
		t.Errorf("HTTP %d %s", code, body)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if n := strings.Count(strings.Join(d.paths, "\n"), "/fhir/Condition"); n != 3 {
		t.Errorf("%d Condition pages fetched, want 3", n)
	}
}

// TestUnsupportedResourceType checks that a FHIR server without
// MedicationStatement (as US Core servers are) or answering 404 leaves the
// facts those records give unknown, and that an active pregnancy in the
// conditions still gives its critical card.
func TestUnsupportedResourceType(t *testing.T) {
	e := newEnv(t)
	d := newEHRDouble(t, func(base string, r *http.Request) (int, string) {
		switch r.URL.Path {
		case "/fhir/metadata":
			return 200, `{"resourceType":"CapabilityStatement","status":"active","kind":"instance","fhirVersion":"4.0.1","format":["json"],` +
				`"rest":[{"mode":"server","resource":[{"type":"Patient"},{"type":"Condition"},{"type":"Observation"},{"type":"Procedure"},{"type":"MedicationRequest"}]}]}`
		case "/fhir/MedicationRequest":
			return 404, `{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"not-supported"}]}`
		}
		return 200, searchset()
	})
	pregnant := condition("c-preg", "http://hl7.org/fhir/sid/icd-10-cm", "Z33.1", "Pregnant state, incidental")
	pre := map[string]json.RawMessage{"patient": json.RawMessage(`{"resourceType":"Patient","id":"p1"}`), "conditions": json.RawMessage(searchset(pregnant))}
	code, body := e.do(t, "/cds-services/msc-screening", call(HookPatientView, pre, authFor(d)))
	r := respond(t, body)
	if code != 200 || len(r.Cards) == 0 || r.Cards[0].Indicator != Critical || !strings.Contains(r.Cards[0].Summary, "regnan") {
		t.Fatalf("HTTP %d %s", code, body)
	}
	for _, want := range []string{"- MedicationStatement: not supported by the FHIR server (its CapabilityStatement)",
		"- MedicationRequest: not supported by the FHIR server (HTTP 404)"} {
		if !strings.Contains(r.Cards[0].Detail, want) {
			t.Errorf("the card does not say %q:\n%s", want, r.Cards[0].Detail)
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if strings.Contains(strings.Join(d.paths, "\n"), "/fhir/MedicationStatement") {
		t.Error("MedicationStatement searched though the CapabilityStatement does not list it")
	}
}

// TestUnreviewedRecordCard checks that an active record in no code table
// turns the info card into a warning naming it, listed in the response.
func TestUnreviewedRecordCard(t *testing.T) {
	e := newEnv(t)
	diabetes := condition("c-dm", "http://snomed.info/sct", "44054006", "Diabetes mellitus type 2 (disorder)")
	htn := condition("c-htn", "http://snomed.info/sct", "59621000", "Essential hypertension (disorder)")
	code, body := e.do(t, "/cds-services/msc-screening", call(HookPatientView, prefetch(searchset(htn), answers(), `null`), nil))
	if r := respond(t, body); code != 200 || r.Cards[0].Indicator != Info || r.Extension != nil {
		t.Fatalf("reviewed records only: HTTP %d %s", code, body)
	}
	code, body = e.do(t, "/cds-services/msc-screening", call(HookPatientView, prefetch(searchset(htn, diabetes), answers(), `null`), nil))
	r := respond(t, body)
	if code != 200 || r.Cards[0].Indicator != Warning || !strings.Contains(r.Cards[0].Detail, "- Condition/c-dm (44054006 Diabetes mellitus type 2 (disorder))") {
		t.Errorf("HTTP %d %s", code, body)
	}
	if r.Extension == nil || len(r.Extension.UnreviewedRecords) != 1 || r.Extension.UnreviewedRecords[0].Coding[0].Display != "Diabetes mellitus type 2 (disorder)" {
		t.Errorf("unreviewedRecords %+v", r.Extension)
	}
}

// TestMedicationFetched checks that a Medication named by reference is
// fetched from the FHIR server with the call's token.
func TestMedicationFetched(t *testing.T) {
	e := newEnv(t)
	d := newEHRDouble(t, func(base string, r *http.Request) (int, string) {
		if r.URL.Path == "/fhir/Medication/anz" {
			return 200, `{"resourceType":"Medication","id":"anz","code":{"coding":[{"system":"http://www.whocc.no/atc","code":"L02BG03"}]}}`
		}
		return 404, `{}`
	})
	pre := prefetch(`null`, answers(), `null`)
	pre["medicationStatements"] = json.RawMessage(searchset(`{"resourceType":"MedicationStatement","id":"m1","status":"active","subject":{"reference":"Patient/p1"},` +
		`"medicationReference":{"reference":"Medication/anz"},"effectivePeriod":{"start":"2026-01-01"}}`))
	code, body := e.do(t, "/cds-services/msc-screening", call(HookPatientView, pre, authFor(d)))
	r := respond(t, body)
	if code != 200 || r.Cards[0].Indicator != Critical || !strings.Contains(r.Cards[0].Detail, "MedicationStatement/m1") {
		t.Errorf("HTTP %d %s", code, body)
	}
}

// TestCORS checks that a browser origin the service allows (a CDS Hooks
// sandbox) gets its preflight answered and may read the answer, and that
// another origin gets neither.
func TestCORS(t *testing.T) {
	const sandbox = "https://sandbox.cds-hooks.org"
	e := newEnv(t, func(c *Config) { c.AllowedOrigins = []string{sandbox} })
	preflight := func(origin string) *http.Response {
		req, _ := http.NewRequest(http.MethodOptions, e.srv.URL+"/cds-services/msc-screening", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
		resp, err := e.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	resp := preflight(sandbox)
	if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Access-Control-Allow-Origin") != sandbox ||
		!strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "Authorization") || !strings.Contains(resp.Header.Get("Access-Control-Allow-Methods"), "POST") {
		t.Errorf("allowed preflight: %d %v", resp.StatusCode, resp.Header)
	}
	if resp := preflight("https://evil.example"); resp.StatusCode != http.StatusForbidden || resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("other origin's preflight: %d %v", resp.StatusCode, resp.Header)
	}
	for origin, want := range map[string]string{sandbox: sandbox, "https://evil.example": ""} {
		req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/cds-services", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Authorization", "Bearer "+e.token(e.srv.URL+"/cds-services", nil))
		resp, err := e.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") != want {
			t.Errorf("discovery from %s: %d, Allow-Origin %q, want %q", origin, resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"), want)
		}
	}
}

// TestTerminologyFallbackCard checks that a terminology server that does
// not answer leaves the local value sets to answer, and the card says so.
func TestTerminologyFallbackCard(t *testing.T) {
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	t.Cleanup(down.Close)
	src := strings.Replace(string(fhir.DefaultCodesYAML()), "    codes:\n      - {system: icd10, range: C00-C97",
		"    codes:\n      - {system: sct, descendantsOf: \"363346000\", display: \"Malignant neoplastic disease and its descendants\"}\n      - {system: icd10, range: C00-C97", 1)
	codes, err := fhir.LoadCodes("codes.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	tc, err := fhir.NewTerminologyClient(down.URL, down.Client(), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, func(c *Config) { c.Mapper = fhir.NewMapper(codes).WithTerminology(tc, down.URL) })
	unknown := condition("c-x", "http://snomed.info/sct", "1234567001", "Some neoplasm")
	code, body := e.do(t, "/cds-services/msc-screening", call(HookPatientView, prefetch(searchset(hivCondition(), unknown), answers(), `null`), nil))
	r := respond(t, body)
	if code != 200 || r.Cards[0].Indicator != Critical || !strings.Contains(r.Cards[0].Detail, "failed (the terminology server answered HTTP 503): the local value sets were used") {
		t.Errorf("HTTP %d %s", code, body)
	}
}
