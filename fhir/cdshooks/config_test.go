package cdshooks

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/reocell/celltherapy/fhir"
)

// memoryScreenings is a ScreeningSink in memory, for tests.
type memoryScreenings struct {
	mu   sync.Mutex
	got  []Screening
	fail error
}

func (m *memoryScreenings) RecordScreening(_ context.Context, s Screening) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return m.fail
	}
	m.got = append(m.got, s)
	return nil
}

func TestScreeningsRecorded(t *testing.T) {
	sink := &memoryScreenings{}
	e := newEnv(t, func(c *Config) { c.Screenings = sink })
	code, body := e.do(t, "/cds-services/msc-screening", call(HookPatientView, prefetch(searchset(hivCondition()), `null`, `null`), nil))
	if code != http.StatusOK {
		t.Fatalf("HTTP %d %s", code, body)
	}
	cards := decodeCards(t, body)
	sink.mu.Lock()
	got := sink.got
	sink.mu.Unlock()
	if len(got) != 1 {
		t.Fatalf("%d screenings recorded", len(got))
	}
	s := got[0]
	var d struct{ Outcome string }
	_ = json.Unmarshal(s.Decision, &d)
	if d.Outcome != "ineligible" || len(s.Cards) != len(cards) || s.Cards[0] != cards[0].UUID || s.PatientID != "p1" ||
		s.Client != testIssuer || s.Provenance.Sources("hiv")[0].Reference != "Condition/c-hiv" || !strings.Contains(string(s.Facts), `"hiv":true`) {
		t.Errorf("screening %+v", s)
	}

	sink.mu.Lock()
	sink.fail = errors.New("audit log down")
	sink.mu.Unlock()
	code, body = e.do(t, "/cds-services/msc-screening", call(HookPatientView, prefetch(`null`, `null`, `null`), nil))
	if code != http.StatusInternalServerError || strings.Contains(string(body), "cards") {
		t.Errorf("with the sink failing: HTTP %d %s; want 500 and no card", code, body)
	}
}

func TestFHIRServerAllowList(t *testing.T) {
	fhirSrv := newFHIRDouble(t)
	e := newEnv(t, func(c *Config) { c.FHIRServers = []string{"https://fhir.allowed.example/r4"} })
	auth := map[string]any{"fhirServer": fhirSrv.URL + "/fhir", "fhirAuthorization": map[string]any{"access_token": "t"}}
	code, body := e.do(t, "/cds-services/msc-screening", call(HookPatientView, nil, auth))
	if code != http.StatusPreconditionFailed || !strings.Contains(string(body), "not one this service may fetch from") {
		t.Errorf("HTTP %d %s; want 412", code, body)
	}
	fhirSrv.mu.Lock()
	defer fhirSrv.mu.Unlock()
	if len(fhirSrv.tokens) > 0 {
		t.Error("the token was sent to a FHIR server not allowed")
	}
}

func TestConfiguredOrderCode(t *testing.T) {
	e := newEnv(t, func(c *Config) {
		c.OrderCodes = []fhir.Coding{{System: "http://clinic.example/orders", Code: "msc-iv"}}
	})
	order := func(system, code string) []byte {
		body := call(HookOrderSign, prefetch(searchset(hivCondition()), `null`, `null`), nil)
		var req map[string]any
		_ = json.Unmarshal(body, &req)
		req["context"].(map[string]any)["draftOrders"] = json.RawMessage(searchset(`{"resourceType":"ServiceRequest","id":"sr1","status":"draft",` +
			`"intent":"order","code":{"coding":[{"system":"` + system + `","code":"` + code + `"}]}}`))
		body, _ = json.Marshal(req)
		return body
	}
	tests := []struct {
		name, system, code string
		cards              int
	}{
		{"the clinic's code", "http://clinic.example/orders", "msc-iv", 1},
		{"the default code no longer counts", DefaultOrderCodes()[0].System, DefaultOrderCodes()[0].Code, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out := e.do(t, "/cds-services/msc-screening-order-sign", order(tt.system, tt.code))
			if code != http.StatusOK || len(decodeCards(t, out)) != tt.cards {
				t.Errorf("HTTP %d %s; want %d card(s)", code, out, tt.cards)
			}
		})
	}
}
