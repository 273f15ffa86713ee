package cdshooks

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
)

const (
	clinical     = `"clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-clinical","code":"active"}]}`
	confirmed    = `"verificationStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-ver-status","code":"confirmed"}]}`
	screeningSys = "https://github.com/reocell/celltherapy/fhir/CodeSystem/msc-screening"
)

func searchset(resources ...string) string {
	entries := make([]string, len(resources))
	for i, r := range resources {
		entries[i] = `{"resource":` + r + `}`
	}
	return `{"resourceType":"Bundle","type":"searchset","entry":[` + strings.Join(entries, ",") + `]}`
}

func hivCondition() string {
	return `{"resourceType":"Condition","id":"c-hiv","subject":{"reference":"Patient/p1"},` + clinical + `,` + confirmed +
		`,"code":{"coding":[{"system":"http://hl7.org/fhir/sid/icd-10","code":"B20","display":"HIV disease"}]}}`
}

func chemo(end string) string {
	return `{"resourceType":"Procedure","id":"t1","status":"completed","subject":{"reference":"Patient/p1"},` +
		`"code":{"coding":[{"system":"http://snomed.info/sct","code":"367336001"}]},"performedPeriod":{"start":"2024-01-01","end":"` + end + `"}}`
}

// answers are the clinic's screening answers: no to every question but
// those in yes.
func answers(yes ...string) string {
	var obs []string
	for i, code := range []string{"oncology-active", "oncology-ever-treated", "pregnant", "hiv", "immunodeficiency",
		"mental-state-unstable", "acute-inflammation", "chronic-exacerbation", "clotting-disorder"} {
		v := "false"
		for _, y := range yes {
			if y == code {
				v = "true"
			}
		}
		obs = append(obs, fmt.Sprintf(`{"resourceType":"Observation","id":"q%d","status":"final","subject":{"reference":"Patient/p1"},`+
			`"code":{"coding":[{"system":%q,"code":%q}]},"effectiveDateTime":"2026-11-20","valueBoolean":%s}`, i, screeningSys, code, v))
	}
	obs = append(obs, `{"resourceType":"Observation","id":"bf","status":"final","subject":{"reference":"Patient/p1"},`+
		`"code":{"coding":[{"system":"http://loinc.org","code":"63895-7"}]},"effectiveDateTime":"2026-11-23","valueBoolean":false}`)
	return searchset(obs...)
}

// prefetch is a full prefetch for patient p1.
func prefetch(conditions, observations, procedures string) map[string]json.RawMessage {
	return map[string]json.RawMessage{
		"patient":                   json.RawMessage(`{"resourceType":"Patient","id":"p1"}`),
		"conditions":                json.RawMessage(conditions),
		"observations":              json.RawMessage(observations),
		"procedures":                json.RawMessage(procedures),
		"medicationStatements":      json.RawMessage(`null`),
		"medicationRequests":        json.RawMessage(`null`),
		"medicationAdministrations": json.RawMessage(`null`),
	}
}

func call(hook string, pre map[string]json.RawMessage, extra map[string]any) []byte {
	req := map[string]any{"hook": hook, "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
		"context": map[string]any{"userId": "Practitioner/d1", "patientId": "p1"}}
	if pre != nil {
		req["prefetch"] = pre
	}
	for k, v := range extra {
		req[k] = v
	}
	b, err := json.Marshal(req)
	if err != nil {
		panic(err)
	}
	return b
}

func decodeCards(t *testing.T, body []byte) []Card {
	t.Helper()
	if err := specSchema(t, "response", body); err != nil {
		t.Errorf("the response does not have the specification's shape: %v", err)
	}
	var r Response
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatal(err)
	}
	return r.Cards
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestDiscovery(t *testing.T) {
	e := newEnv(t)
	code, body := e.do(t, "/cds-services", nil)
	if code != http.StatusOK {
		t.Fatalf("HTTP %d %s", code, body)
	}
	if err := specSchema(t, "discovery", body); err != nil {
		t.Errorf("discovery does not have the specification's shape: %v", err)
	}
	var d struct{ Services []Service }
	if err := json.Unmarshal(body, &d); err != nil {
		t.Fatal(err)
	}
	hooks := map[string]Service{}
	for _, s := range d.Services {
		hooks[s.Hook] = s
	}
	for _, hook := range []string{HookPatientView, HookOrderSelect, HookOrderSign} {
		s, ok := hooks[hook]
		if !ok {
			t.Errorf("no service on %s", hook)
			continue
		}
		for _, k := range []string{"patient", "conditions", "observations", "procedures", "medicationStatements", "medicationRequests", "medicationAdministrations"} {
			if !strings.Contains(s.Prefetch[k], "{{context.patientId}}") {
				t.Errorf("%s: prefetch %s = %q", hook, k, s.Prefetch[k])
			}
		}
		if !strings.HasPrefix(s.Prefetch["medicationRequests"], "MedicationRequest?") || !strings.HasPrefix(s.Prefetch["medicationAdministrations"], "MedicationAdministration?") {
			t.Errorf("%s: the prefetch does not ask for medication requests and administrations: %v", hook, s.Prefetch)
		}
		if !strings.Contains(s.Prefetch["observations"], "http://loinc.org|82810-3") || !strings.Contains(s.Prefetch["observations"], "http://loinc.org|63895-7") {
			t.Errorf("%s: the observations template does not ask for pregnancy and breastfeeding status: %s", hook, s.Prefetch["observations"])
		}
	}
}

func TestCards(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name      string
		pre       map[string]json.RawMessage
		indicator []string
		detail    []string // each must appear in the first card's detail
	}{
		{"a contraindication gives a critical card with its finding, evidence and re-screen date",
			prefetch(`null`, answers(), searchset(chemo("2023-06-30"))),
			[]string{Critical},
			[]string{"Active oncological process", "`oncology.lastTreatmentEnd` | 2023-06-30 | Procedure/t1 (367336001 Chemotherapy (procedure)) †",
				"Screening may be repeated from **2028-07-01**", "msc-contraindications", "not yet confirmed"}},
		{"a permanent contraindication says there is no re-screen date",
			prefetch(searchset(hivCondition()), answers(), `null`),
			[]string{Critical},
			[]string{"HIV", "| `hiv` | true | Condition/c-hiv (B20 HIV disease) |", "permanent"}},
		{"two contraindications give two critical cards",
			prefetch(searchset(hivCondition()), answers("pregnant"), `null`),
			[]string{Critical, Critical}, []string{"Pregnancy"}},
		{"records that settle nothing give a warning with the questions",
			prefetch(`null`, `null`, `null`),
			[]string{Warning},
			[]string{"Is the patient pregnant?", "Does the patient have HIV infection or AIDS?", "No record in the chart"}},
		{"records that rule everything out give an info card",
			prefetch(`null`, answers(), `null`),
			[]string{Info}, []string{"`hiv` | Observation/q3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := e.do(t, "/cds-services/msc-screening", call(HookPatientView, tt.pre, nil))
			if code != http.StatusOK {
				t.Fatalf("HTTP %d %s", code, body)
			}
			cards := decodeCards(t, body)
			var got []string
			for _, c := range cards {
				got = append(got, c.Indicator)
				if !uuidRE.MatchString(c.UUID) || c.Source.Label == "" || utf8.RuneCountInString(c.Summary) >= 140 {
					t.Errorf("card uuid %q source %q summary (%d) %q", c.UUID, c.Source.Label, utf8.RuneCountInString(c.Summary), c.Summary)
				}
				if (c.Indicator == Critical) != (len(c.OverrideReasons) > 0) {
					t.Errorf("%s card with %d override reasons", c.Indicator, len(c.OverrideReasons))
				}
			}
			if strings.Join(got, ",") != strings.Join(tt.indicator, ",") {
				t.Fatalf("cards %v, want %v\n%s", got, tt.indicator, body)
			}
			for _, want := range tt.detail {
				if !strings.Contains(cards[0].Detail+cards[len(cards)-1].Detail, want) {
					t.Errorf("detail lacks %q:\n%s", want, cards[0].Detail)
				}
			}
		})
	}
}

func TestOrderHooks(t *testing.T) {
	e := newEnv(t)
	msc := `{"resourceType":"ServiceRequest","id":"sr1","status":"draft","intent":"order","subject":{"reference":"Patient/p1"},` +
		`"code":{"coding":[{"system":"https://github.com/reocell/celltherapy/fhir/CodeSystem/msc-order","code":"msc-therapy"}]}}`
	other := `{"resourceType":"ServiceRequest","id":"sr2","status":"draft","intent":"order","subject":{"reference":"Patient/p1"},` +
		`"code":{"coding":[{"system":"http://snomed.info/sct","code":"73761001"}]}}`
	pre := prefetch(searchset(hivCondition()), `null`, `null`)
	tests := []struct {
		name, service, hook string
		draft               string
		selections          []string
		cards               int
	}{
		{"order-sign with an MSC order", "msc-screening-order-sign", HookOrderSign, searchset(other, msc), nil, 1},
		{"order-sign without an MSC order", "msc-screening-order-sign", HookOrderSign, searchset(other), nil, 0},
		{"order-select with the MSC order selected", "msc-screening-order-select", HookOrderSelect, searchset(other, msc), []string{"ServiceRequest/sr1"}, 1},
		{"order-select with another order selected", "msc-screening-order-select", HookOrderSelect, searchset(other, msc), []string{"ServiceRequest/sr2"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := call(tt.hook, pre, nil)
			var req map[string]any
			_ = json.Unmarshal(body, &req)
			req["context"].(map[string]any)["draftOrders"] = json.RawMessage(tt.draft)
			req["context"].(map[string]any)["selections"] = tt.selections
			body, _ = json.Marshal(req)
			code, out := e.do(t, "/cds-services/"+tt.service, body)
			if code != http.StatusOK {
				t.Fatalf("HTTP %d %s", code, out)
			}
			if n := len(decodeCards(t, out)); n != tt.cards {
				t.Errorf("%d cards, want %d: %s", n, tt.cards, out)
			}
		})
	}
}

// fhirDouble is a test double of an EHR's FHIR server (we cannot reach a
// real one offline): it answers the searches of the prefetch templates for
// patient p1, in two pages for Condition, and records the bearer tokens it
// was given.
type fhirDouble struct {
	*httptest.Server
	mu     sync.Mutex
	tokens []string
	fail   bool
}

func newFHIRDouble(t testing.TB) *fhirDouble {
	t.Helper()
	d := &fhirDouble{}
	d.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d.mu.Lock()
		d.tokens = append(d.tokens, r.Header.Get("Authorization"))
		fail := d.fail
		d.mu.Unlock()
		if fail {
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/fhir+json")
		pid := r.URL.Query().Get("patient")
		var body string
		switch {
		case strings.HasPrefix(r.URL.Path, "/fhir/Patient/"):
			pid = strings.TrimPrefix(r.URL.Path, "/fhir/Patient/")
			body = `{"resourceType":"Patient","id":"p1"}`
		case r.URL.Path == "/fhir/Condition" && r.URL.Query().Get("page") == "":
			body = fmt.Sprintf(`{"resourceType":"Bundle","type":"searchset","link":[{"relation":"next","url":%q}],"entry":[]}`, d.URL+"/fhir/Condition?patient="+pid+"&page=2")
		case r.URL.Path == "/fhir/Condition":
			body = searchset(hivCondition())
		case r.URL.Path == "/fhir/Observation":
			body = answers()
		default:
			body = searchset()
		}
		// Records of whichever patient was asked for.
		body = strings.ReplaceAll(strings.ReplaceAll(body, `"id":"p1"`, `"id":"`+pid+`"`), "Patient/p1", "Patient/"+pid)
		fmt.Fprint(w, body)
	}))
	t.Cleanup(d.Close)
	return d
}

func TestMissingPrefetch(t *testing.T) {
	e := newEnv(t)
	fhirSrv := newFHIRDouble(t)
	auth := map[string]any{"fhirServer": fhirSrv.URL + "/fhir", "fhirAuthorization": map[string]any{
		"access_token": "opaque-token", "token_type": "Bearer", "expires_in": 300, "scope": "user/*.read", "subject": "msc"}}
	partial := prefetch(`null`, `null`, `null`)
	delete(partial, "conditions")
	outcome := prefetch(`null`, `null`, `null`)
	outcome["conditions"] = json.RawMessage(`{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"timeout"}]}`)
	tests := []struct {
		name    string
		body    []byte
		fail    bool
		code    int
		want    string
		fetched bool
	}{
		{"no prefetch and no FHIR server: 412", call(HookPatientView, nil, nil), false, http.StatusPreconditionFailed, "conditions", false},
		{"a prefetch key left out and no FHIR server: read as not available", call(HookPatientView, partial, nil), false, http.StatusOK,
			"- Condition: not in the prefetch, and the call gives no fhirServer", false},
		{"no prefetch: fetched from the FHIR server with the token", call(HookPatientView, nil, auth), false, http.StatusOK, `"critical"`, true},
		{"a key left out is fetched", call(HookPatientView, partial, auth), false, http.StatusOK, `"critical"`, true},
		{"an OperationOutcome in place of a prefetch is fetched again", call(HookPatientView, outcome, auth), false, http.StatusOK, `"critical"`, true},
		{"the FHIR server failing: 412", call(HookPatientView, nil, auth), true, http.StatusPreconditionFailed, "HTTP 503", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fhirSrv.mu.Lock()
			fhirSrv.fail, fhirSrv.tokens = tt.fail, nil
			fhirSrv.mu.Unlock()
			code, body := e.do(t, "/cds-services/msc-screening", tt.body)
			if code != tt.code || !strings.Contains(string(body), tt.want) {
				t.Errorf("HTTP %d %s; want %d with %q", code, body, tt.code, tt.want)
			}
			fhirSrv.mu.Lock()
			defer fhirSrv.mu.Unlock()
			if (len(fhirSrv.tokens) > 0) != tt.fetched {
				t.Errorf("FHIR server called %d times", len(fhirSrv.tokens))
			}
			for _, tok := range fhirSrv.tokens {
				if tok != "Bearer opaque-token" {
					t.Errorf("FHIR server given %q", tok)
				}
			}
		})
	}
}

func TestBadCalls(t *testing.T) {
	e := newEnv(t)
	bad := prefetch(`{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Condition","clinicalStatus":"active"}}]}`, `null`, `null`)
	other := prefetch(searchset(strings.Replace(hivCondition(), "Patient/p1", "Patient/p2", 1)), `null`, `null`)
	tests := []struct {
		name, path string
		body       []byte
		code       int
		want       string
	}{
		{"unknown service", "/cds-services/nope", call(HookPatientView, nil, nil), http.StatusNotFound, "not_found"},
		{"hook of another service", "/cds-services/msc-screening", call(HookOrderSign, nil, nil), http.StatusBadRequest, "$.hook"},
		{"not JSON", "/cds-services/msc-screening", []byte(`{`), http.StatusBadRequest, "not valid JSON"},
		{"no patient", "/cds-services/msc-screening", []byte(`{"hook":"patient-view","hookInstance":"x","context":{}}`), http.StatusBadRequest, "$.context.patientId"},
		{"fhirAuthorization without fhirServer", "/cds-services/msc-screening",
			call(HookPatientView, nil, map[string]any{"fhirAuthorization": map[string]any{"access_token": "t"}}), http.StatusBadRequest, "$.fhirServer"},
		{"order-sign without draftOrders", "/cds-services/msc-screening-order-sign", call(HookOrderSign, nil, nil), http.StatusBadRequest, "draftOrders"},
		{"FHIR of the wrong type, named by its path", "/cds-services/msc-screening", call(HookPatientView, bad, nil), http.StatusBadRequest,
			"prefetch.conditions.entry[0].resource.clinicalStatus"},
		{"records of another patient", "/cds-services/msc-screening", call(HookPatientView, other, nil), http.StatusBadRequest, "Patient/p2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := e.do(t, tt.path, tt.body)
			if code != tt.code || !strings.Contains(string(body), tt.want) {
				t.Errorf("HTTP %d %s; want %d with %q", code, body, tt.code, tt.want)
			}
		})
	}
}
