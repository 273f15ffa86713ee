package cdshooks

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/reocell/celltherapy/eligibility"
	"github.com/reocell/celltherapy/rules"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// The test clock: the screening day is 2026-11-24.
var testNow = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)

const testIssuer = "https://ehr.test.example/"

// testKeys are the CDS client's signing keys, made once per test binary.
var testKeys = sync.OnceValue(func() struct {
	ec  *ecdsa.PrivateKey
	rsa *rsa.PrivateKey
} {
	ec, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		panic(err)
	}
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return struct {
		ec  *ecdsa.PrivateKey
		rsa *rsa.PrivateKey
	}{ec, rk}
})

// memoryFeedback is a FeedbackSink that keeps feedback in memory, for
// tests (the reference server stores it in its audit log).
type memoryFeedback struct {
	mu   sync.Mutex
	got  []Feedback
	fail error
}

func (m *memoryFeedback) RecordFeedback(_ context.Context, f Feedback) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return m.fail
	}
	m.got = append(m.got, f)
	return nil
}

func (m *memoryFeedback) setFail(err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.fail = err
}

func (m *memoryFeedback) all() []Feedback {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Feedback(nil), m.got...)
}

// env is a running CDS service on loopback, with the CDS client's key set
// served over loopback too.
type env struct {
	srv      *httptest.Server
	jwks     *httptest.Server
	jwksHits atomic.Int32
	feedback *memoryFeedback
	jti      atomic.Int64
}

func newEnv(t testing.TB, opts ...func(*Config)) *env {
	t.Helper()
	k := testKeys()
	e := &env{feedback: &memoryFeedback{}}
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: k.ec.Public(), KeyID: "ec-1", Algorithm: string(jose.ES384), Use: "sig"}}}
	e.jwks = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.jwksHits.Add(1)
		_ = json.NewEncoder(w).Encode(set)
	}))
	t.Cleanup(e.jwks.Close)
	oob := &jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: k.rsa.Public(), KeyID: "rsa-1", Algorithm: string(jose.RS384), Use: "sig"}}}
	v, err := NewVerifier(AuthConfig{
		Issuers: map[string]Issuer{testIssuer: {Keys: oob, JKU: []string{e.jwks.URL + "/jwks"}}},
		Now:     func() time.Time { return testNow },
	})
	if err != nil {
		t.Fatal(err)
	}
	var h http.Handler
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(e.srv.Close)
	cfg := Config{
		BaseURL:  e.srv.URL,
		Screener: eligibility.NewDefaultScreener(rules.WithClock(func() time.Time { return testNow })),
		Verifier: v,
		Feedback: e.feedback,
		Client:   e.srv.Client(),
		Now:      func() time.Time { return testNow },
	}
	for _, o := range opts {
		o(&cfg)
	}
	if h, err = New(cfg); err != nil {
		t.Fatal(err)
	}
	return e
}

// token signs claims for the CDS client with ES384 (kid ec-1, jku of the
// key set server) after edit changes them.
func (e *env) token(aud string, edit func(c *cdsClaims, hdr map[jose.HeaderKey]any)) string {
	c := cdsClaims{Claims: jwt.Claims{Issuer: testIssuer, Audience: jwt.Audience{aud},
		IssuedAt: jwt.NewNumericDate(testNow), Expiry: jwt.NewNumericDate(testNow.Add(time.Minute)),
		ID: "jti-" + itoa(e.jti.Add(1))}}
	hdr := map[jose.HeaderKey]any{"kid": "ec-1", "jku": e.jwks.URL + "/jwks", jose.HeaderType: "JWT"}
	alg := jose.ES384
	var key any = testKeys().ec
	if edit != nil {
		edit(&c, hdr)
	}
	if a, ok := hdr["alg"]; ok {
		alg = a.(jose.SignatureAlgorithm)
		key = hdr["key"]
		delete(hdr, "alg")
		delete(hdr, "key")
	}
	return sign(alg, key, hdr, c)
}

func sign(alg jose.SignatureAlgorithm, key any, hdr map[jose.HeaderKey]any, claims any) string {
	opts := &jose.SignerOptions{}
	for k, v := range hdr {
		if v != nil {
			opts = opts.WithHeader(k, v)
		}
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, opts)
	if err != nil {
		panic(err)
	}
	tok, err := jwt.Signed(s).Claims(claims).Serialize()
	if err != nil {
		panic(err)
	}
	return tok
}

func itoa(i int64) string { return strconv.FormatInt(i, 10) }

// do calls path with body (nil for GET) and a fresh token for the URL.
func (e *env) do(t testing.TB, path string, body []byte) (int, []byte) {
	t.Helper()
	return e.doWith(t, path, body, e.token(e.srv.URL+path, nil))
}

func (e *env) doWith(t testing.TB, path string, body []byte, token string) (int, []byte) {
	t.Helper()
	method := http.MethodGet
	if body != nil {
		method = http.MethodPost
	}
	req, err := http.NewRequest(method, e.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, out
}

// specSchema validates data against one $defs shape of the CDS Hooks
// JSON shapes written from the specification.
func specSchema(t testing.TB, def string, data []byte) error {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("testdata", "cds-hooks.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	const url = "https://github.com/reocell/celltherapy/fhir/cdshooks/testdata/cds-hooks.schema.json"
	if err := c.AddResource(url, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(url + "#/$defs/" + def)
	if err != nil {
		t.Fatal(err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return err
	}
	return sch.Validate(v)
}

func specFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "spec", "cds-hooks-docs@462a38f."+name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
