package httpapi

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/reocell/celltherapy/fhir/cdshooks"
	"github.com/reocell/celltherapy/server/internal/audit"
)

const cdsIssuer = "https://ehr.clinic.test/"

// lateHandler is a handler set once the test server's URL (the CDS
// service's base URL) is known.
type lateHandler struct {
	mu sync.Mutex
	h  http.Handler
}

func (l *lateHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	l.mu.Lock()
	h := l.h
	l.mu.Unlock()
	h.ServeHTTP(w, r)
}

// cdsEnv is the server with the CDS Hooks service mounted, and a CDS
// client: its ES384 key, whose key set a loopback server serves at the
// jku the client's JWTs name.
type cdsEnv struct {
	*testServer
	key *ecdsa.PrivateKey
	jku string
	jti atomic.Int64
}

func newCDSEnv(t testing.TB, opts serverOptions) *cdsEnv {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: key.Public(), KeyID: "ehr-1", Algorithm: string(jose.ES384), Use: "sig"}}}
	jwks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(set)
	}))
	t.Cleanup(jwks.Close)
	late := &lateHandler{}
	opts.cds = late
	ts := newTestServer(t, opts)
	verifier, err := cdshooks.NewVerifier(cdshooks.AuthConfig{
		Issuers: map[string]cdshooks.Issuer{cdsIssuer: {JKU: []string{jwks.URL + "/jwks"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	sink := CDSAudit{Log: ts.audit}
	h, err := cdshooks.New(cdshooks.Config{BaseURL: ts.URL, Screener: ts.rules.Screener(), Verifier: verifier,
		Feedback: sink, Screenings: sink, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	late.h = h
	return &cdsEnv{testServer: ts, key: key, jku: jwks.URL + "/jwks"}
}

// cdsToken is a CDS client JWT for the URL of path; edit may change it.
func (e *cdsEnv) cdsToken(t testing.TB, path string, edit func(*jwt.Claims)) string {
	t.Helper()
	now := time.Now()
	c := jwt.Claims{Issuer: cdsIssuer, Audience: jwt.Audience{e.URL + path}, IssuedAt: jwt.NewNumericDate(now),
		Expiry: jwt.NewNumericDate(now.Add(time.Minute)), ID: fmt.Sprintf("jti-%d", e.jti.Add(1))}
	if edit != nil {
		edit(&c)
	}
	opts := (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "ehr-1").WithHeader("jku", e.jku)
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES384, Key: e.key}, opts)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.Signed(s).Claims(c).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// cdsDo calls a CDS Hooks route with token ("" for none).
func (e *cdsEnv) cdsDo(t *testing.T, ctx context.Context, method, path, token string, body []byte) (*http.Response, []byte) {
	t.Helper()
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, e.URL+path, r)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, data
}

// entry returns the audit entry of the answer's request id and action.
func (e *cdsEnv) entry(t *testing.T, requestID, action string) *audit.Entry {
	t.Helper()
	var found *audit.Entry
	err := e.audit.Entries(context.Background(), func(x *audit.Entry) error {
		if x.RequestID == requestID && x.Action == action {
			found = x
		}
		return nil
	})
	if err != nil || found == nil {
		t.Fatalf("no %s audit entry for request %s (%v)", action, requestID, err)
	}
	return found
}

const (
	cdsActive    = `"clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-clinical","code":"active"}]}`
	cdsConfirmed = `"verificationStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-ver-status","code":"confirmed"}]}`
)

// hivCall is a patient-view call whose full prefetch holds a confirmed,
// active HIV disease: a contraindication.
func hivCall() []byte {
	hiv := `{"resourceType":"Condition","id":"c-hiv","subject":{"reference":"Patient/p1"},` + cdsActive + `,` + cdsConfirmed +
		`,"code":{"coding":[{"system":"http://hl7.org/fhir/sid/icd-10","code":"B20"}]}}`
	return []byte(`{"hook":"patient-view","hookInstance":"d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
	 "context":{"userId":"Practitioner/d1","patientId":"p1"},
	 "prefetch":{"patient":{"resourceType":"Patient","id":"p1"},
	  "conditions":{"resourceType":"Bundle","type":"searchset","entry":[{"resource":` + hiv + `}]},
	  "observations":null,"procedures":null,"medicationStatements":null}}`)
}

type cdsCard struct {
	UUID      string `json:"uuid"`
	Indicator string `json:"indicator"`
	Source    struct {
		Label string `json:"label"`
	} `json:"source"`
}

func decodeCards(t *testing.T, data []byte) []cdsCard {
	t.Helper()
	var body struct {
		Cards []cdsCard `json:"cards"`
	}
	if err := json.Unmarshal(data, &body); err != nil {
		t.Fatalf("cards %s: %v", data, err)
	}
	return body.Cards
}
