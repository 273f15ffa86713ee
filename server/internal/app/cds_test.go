package app

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/reocell/celltherapy/server/internal/httpapi"
	"github.com/reocell/celltherapy/server/internal/openapitest"
)

// ehr is a CDS client: its issuer, signing key and how the server finds
// its public key (the jku it names, or none: a JWKS file).
type ehr struct {
	iss string
	alg jose.SignatureAlgorithm
	key any
	jku string
}

func (e ehr) token(t *testing.T, aud string) string {
	t.Helper()
	opts := (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "k1")
	if e.jku != "" {
		opts = opts.WithHeader("jku", e.jku)
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: e.alg, Key: e.key}, opts)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tok, err := jwt.Signed(s).Claims(jwt.Claims{Issuer: e.iss, Audience: jwt.Audience{aud}, IssuedAt: jwt.NewNumericDate(now),
		Expiry: jwt.NewNumericDate(now.Add(time.Minute)), ID: rand.Text()}).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// orderSign is an order-sign call for a patient with HIV disease whose
// draft order carries code.
func orderSign(system, code string) []byte {
	cond := `{"resourceType":"Condition","id":"c1","subject":{"reference":"Patient/p1"},` +
		`"clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-clinical","code":"active"}]},` +
		`"verificationStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-ver-status","code":"confirmed"}]},` +
		`"code":{"coding":[{"system":"http://hl7.org/fhir/sid/icd-10","code":"B20"}]}}`
	order := `{"resourceType":"ServiceRequest","id":"sr1","status":"draft","intent":"order","subject":{"reference":"Patient/p1"},` +
		`"code":{"coding":[{"system":"` + system + `","code":"` + code + `"}]}}`
	return []byte(`{"hook":"order-sign","hookInstance":"d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
	 "context":{"userId":"Practitioner/d1","patientId":"p1","draftOrders":{"resourceType":"Bundle","type":"collection","entry":[{"resource":` + order + `}]}},
	 "prefetch":{"patient":{"resourceType":"Patient","id":"p1"},
	  "conditions":{"resourceType":"Bundle","type":"searchset","entry":[{"resource":` + cond + `}]},
	  "observations":null,"procedures":null,"medicationStatements":null}}`)
}

// TestCDSHooksFromTheSettings: --cds-clients allow-lists one EHR by the
// jku URL its JWTs name (ES384) and another by a JWKS file (RS384);
// --cds-base-url is the public URL the aud is checked against (here a
// reverse proxy's, not the listener's); --cds-order-codes is the code that
// marks an MSC therapy order.
func TestCDSHooksFromTheSettings(t *testing.T) {
	ec, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	jwks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: ec.Public(), KeyID: "k1", Algorithm: "ES384", Use: "sig"}}})
	}))
	defer jwks.Close()
	rk, _ := rsa.GenerateKey(rand.Reader, 2048)
	file := filepath.Join(t.TempDir(), "ehr-b.jwks")
	data, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: rk.Public(), KeyID: "k1", Algorithm: "RS384", Use: "sig"}}})
	os.WriteFile(file, data, 0o600)
	a := ehr{iss: "https://ehr-a.test/", alg: jose.ES384, key: ec, jku: jwks.URL + "/jwks"}
	b := ehr{iss: "https://ehr-b.test/", alg: jose.RS384, key: rk}

	cfg := config(t)
	cfg.CDSClients = a.iss + "=" + a.jku + ", " + b.iss + "=" + file
	cfg.CDSBaseURL = "https://cds.clinic.test/"
	cfg.CDSOrderCodes = "https://clinic.test/orders|msc-iv"
	srv := startServer(t, cfg)
	client := &http.Client{Transport: openapitest.Transport(t, httpapi.OpenAPI(), nil)}
	const path = "/cds-services/msc-screening-order-sign"
	tests := []struct {
		name         string
		client       ehr
		system, code string
		aud          string
		status       int
		cards        int
	}{
		{"jku client, the clinic's order code", a, "https://clinic.test/orders", "msc-iv", "https://cds.clinic.test" + path, 200, 1},
		{"file client, the clinic's order code", b, "https://clinic.test/orders", "msc-iv", "https://cds.clinic.test" + path, 200, 1},
		{"the default code is not the clinic's", a, "https://github.com/reocell/celltherapy/fhir/CodeSystem/msc-order", "msc-therapy",
			"https://cds.clinic.test" + path, 200, 0},
		{"aud the listener's URL, not the public one", a, "https://clinic.test/orders", "msc-iv", srv.URL + path, 401, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", srv.URL+path, bytes.NewReader(orderSign(tc.system, tc.code)))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+tc.client.token(t, tc.aud))
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("%d %s, want %d", resp.StatusCode, body, tc.status)
			}
			if n := strings.Count(string(body), `"uuid"`); tc.status == 200 && n != tc.cards {
				t.Errorf("%d cards, want %d: %s", n, tc.cards, body)
			}
		})
	}
}

// TestBadCDSSettings: each bad CDS Hooks setting stops start-up with one
// line naming it.
func TestBadCDSSettings(t *testing.T) {
	jwksFile := filepath.Join(t.TempDir(), "bad.jwks")
	os.WriteFile(jwksFile, []byte(`{"keys":[]}`), 0o600)
	const ok = "https://ehr.test/=https://ehr.test/jwks"
	tests := []struct {
		name, clients, base, orders, servers, want string
	}{
		{"base URL without clients", "", "https://cds.test", "", "", "cds-base-url"},
		{"fhir servers without clients", "", "", "", "https://fhir.test", "cds-fhir-servers"},
		{"a client without its keys", "https://ehr.test/", "https://cds.test", "", "", "cds-clients"},
		{"a jku over plain http", "https://ehr.test/=http://ehr.test/jwks", "https://cds.test", "", "", "cds-clients"},
		{"a JWKS file without keys", "https://ehr.test/=" + jwksFile, "https://cds.test", "", "", "cds-clients"},
		{"no base URL", ok, "", "", "", "cds-base-url"},
		{"a base URL over plain http", ok, "http://cds.test", "", "", "cds-base-url"},
		{"an order code without a system", ok, "https://cds.test", "msc", "", "cds-order-codes"},
		{"a FHIR server that is not a URL", ok, "https://cds.test", "", "fhir.test", "cds-fhir-servers"},
		{"an origin with a path", ok, "https://cds.test", "", "", "cds-allowed-origins"},
		{"an origin over plain http", ok, "https://cds.test", "", "", "cds-allowed-origins"},
		{"origins without clients", "", "", "", "", "cds-allowed-origins"},
		{"a fetch limit of no pages", ok, "https://cds.test", "", "", "cds-fetch-limits"},
		{"a fetch limit of no kind", ok, "https://cds.test", "", "", "cds-fetch-limits"},
	}
	origins := map[string]string{"an origin with a path": "https://sandbox.cds-hooks.org/app", "an origin over plain http": "http://sandbox.example",
		"origins without clients": "https://sandbox.cds-hooks.org"}
	limits := map[string]string{"a fetch limit of no pages": "pages=0", "a fetch limit of no kind": "pages=2,minutes=3"}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := config(t)
			cfg.CDSClients, cfg.CDSBaseURL, cfg.CDSOrderCodes, cfg.CDSFHIRServers = tc.clients, tc.base, tc.orders, tc.servers
			cfg.CDSOrigins, cfg.CDSFetchLimits = origins[tc.name], limits[tc.name]
			_, err := Start(context.Background(), cfg, nil)
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Setting != tc.want || strings.Contains(err.Error(), "\n") {
				t.Errorf("Start: %v, want one line naming --%s", err, tc.want)
			}
		})
	}
}

// TestCDSFHIRServersAllowList: with --cds-fhir-servers, a call that lacks
// prefetch and names another FHIR server is answered 412, and the EHR's
// token is never sent there.
func TestCDSFHIRServersAllowList(t *testing.T) {
	ec, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	jwks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: ec.Public(), KeyID: "k1", Algorithm: "ES384", Use: "sig"}}})
	}))
	defer jwks.Close()
	var hits atomic.Int32
	// A test double of an EHR's FHIR server (none is reachable offline).
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer other.Close()
	a := ehr{iss: "https://ehr-a.test/", alg: jose.ES384, key: ec, jku: jwks.URL + "/jwks"}
	cfg := config(t)
	cfg.CDSClients = a.iss + "=" + a.jku
	cfg.CDSBaseURL = "https://cds.clinic.test"
	cfg.CDSFHIRServers = "https://fhir.clinic.test/r4"
	srv := startServer(t, cfg)
	const path = "/cds-services/msc-screening"
	body := `{"hook":"patient-view","hookInstance":"d1577c69-dfbe-44ad-ba6d-3e05e953b2ea","fhirServer":"` + other.URL + `",
	 "fhirAuthorization":{"access_token":"secret","token_type":"Bearer","expires_in":300,"scope":"patient/*.read","subject":"cds"},
	 "context":{"userId":"Practitioner/d1","patientId":"p1"}}`
	req, _ := http.NewRequest("POST", srv.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+a.token(t, cfg.CDSBaseURL+path))
	resp, err := (&http.Client{Transport: openapitest.Transport(t, httpapi.OpenAPI(), nil)}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusPreconditionFailed || hits.Load() != 0 {
		t.Errorf("%d %s with %d fetches, want 412 and no fetch from a server not allowed", resp.StatusCode, data, hits.Load())
	}
}
