package cdshooks

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
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

// TestKeySets covers fetching key sets from jku: cached, fetched again
// for a new kid (key rotation), refused when never reachable.
func TestKeySets(t *testing.T) {
	k := testKeys()
	var hits atomic.Int32
	var mu sync.Mutex
	keys := []jose.JSONWebKey{{Key: k.ec.Public(), KeyID: "old", Algorithm: string(jose.ES384)}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		mu.Lock()
		defer mu.Unlock()
		_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: keys})
	}))
	defer srv.Close()
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL + "/jwks"
	dead.Close()
	now := testNow
	v, err := NewVerifier(AuthConfig{
		Issuers: map[string]Issuer{testIssuer: {JKU: []string{srv.URL + "/jwks", deadURL}}},
		Now:     func() time.Time { return now },
	})
	if err != nil {
		t.Fatal(err)
	}
	tok := func(kid, jku string) string {
		c := cdsClaims{Claims: jwt.Claims{Issuer: testIssuer, Audience: jwt.Audience{"https://cds/x"}, IssuedAt: jwt.NewNumericDate(now),
			Expiry: jwt.NewNumericDate(now.Add(time.Minute)), ID: kid + now.String()}}
		return sign(jose.ES384, k.ec, map[jose.HeaderKey]any{"kid": kid, "jku": jku, jose.HeaderType: "JWT"}, c)
	}
	steps := []struct {
		name     string
		advance  time.Duration
		kid, jku string
		ok       bool
		hits     int32
	}{
		{"first use fetches the set", 0, "old", srv.URL + "/jwks", true, 1},
		{"the set is cached", time.Second, "old", srv.URL + "/jwks", true, 1},
		{"a new kid right away does not fetch again", time.Second, "new", srv.URL + "/jwks", false, 1},
		{"a new kid later fetches the rotated set", time.Minute, "new", srv.URL + "/jwks", true, 2},
		{"an allowed jku that cannot be reached", 0, "old", deadURL, false, 2},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			now = now.Add(s.advance)
			if s.kid == "new" {
				mu.Lock()
				keys = []jose.JSONWebKey{{Key: k.ec.Public(), KeyID: "new", Algorithm: string(jose.ES384)}}
				mu.Unlock()
			}
			_, err := v.Verify(context.Background(), tok(s.kid, s.jku), "https://cds/x")
			if (err == nil) != s.ok || hits.Load() != s.hits {
				t.Errorf("err %v, %d fetches; want ok=%v, %d fetches", err, hits.Load(), s.ok, s.hits)
			}
		})
	}
}

func TestSummaryAndMarkdown(t *testing.T) {
	tests := []struct {
		name, in string
		check    func(string) bool
	}{
		{"a short summary is kept", "MSC therapy contraindicated: Pregnancy", func(s string) bool { return s == "MSC therapy contraindicated: Pregnancy" }},
		{"a long summary is cut under 140 characters at a word", strings.Repeat("contraindication ", 20), func(s string) bool {
			return utf8.RuneCountInString(s) < 140 && strings.HasSuffix(s, "contraindication…")
		}},
		{"a long summary of Cyrillic letters counts characters, not bytes", strings.Repeat("противопоказание ", 20), func(s string) bool {
			return utf8.RuneCountInString(s) < 140 && utf8.ValidString(s)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := summary(tt.in); !tt.check(got) {
				t.Errorf("summary = %q (%d)", got, utf8.RuneCountInString(got))
			}
		})
	}
	if got := md("a|b *c* [x](javascript:y) <img>\nz"); got != `a\|b \*c\* \[x\](javascript:y) \<img\> z` {
		t.Errorf("md = %q", got)
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
		{"the default code no longer counts", DefaultOrderCodes[0].System, DefaultOrderCodes[0].Code, 0},
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
