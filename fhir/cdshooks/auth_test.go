package cdshooks

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

func TestAuthRefusals(t *testing.T) {
	e := newEnv(t)
	path := "/cds-services"
	aud := e.srv.URL + path
	otherEC, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	b64 := base64.RawURLEncoding.EncodeToString
	tests := []struct {
		name  string
		token func() string
		why   string // part of the reason given
	}{
		{"no token", func() string { return "" }, "no Authorization: Bearer"},
		{"not a JWS", func() string { return "not.a.token" }, "not a JWS"},
		{"alg none", func() string {
			return b64([]byte(`{"alg":"none","typ":"JWT","kid":"ec-1"}`)) + "." + b64([]byte(`{"iss":"`+testIssuer+`"}`)) + "."
		}, "asymmetric"},
		{"a symmetric algorithm (HS384)", func() string {
			return e.token(aud, func(c *cdsClaims, h map[jose.HeaderKey]any) {
				h["alg"], h["key"] = jose.HS384, []byte(strings.Repeat("k", 48))
			})
		}, "asymmetric"},
		{"typ is not JWT", func() string {
			return e.token(aud, func(c *cdsClaims, h map[jose.HeaderKey]any) { h[jose.HeaderType] = "at+jwt" })
		}, "typ"},
		{"no kid", func() string { return e.token(aud, func(c *cdsClaims, h map[jose.HeaderKey]any) { h["kid"] = nil }) }, "kid"},
		{"iss not allowed", func() string {
			return e.token(aud, func(c *cdsClaims, h map[jose.HeaderKey]any) { c.Issuer = "https://evil.example/" })
		}, "iss"},
		{"jku not allowed", func() string {
			return e.token(aud, func(c *cdsClaims, h map[jose.HeaderKey]any) { h["jku"] = e.jwks.URL + "/other" })
		}, "jku"},
		{"kid not in the key set", func() string { return e.token(aud, func(c *cdsClaims, h map[jose.HeaderKey]any) { h["kid"] = "ec-9" }) }, "no public signing key"},
		{"signed with another key", func() string {
			return e.token(aud, func(c *cdsClaims, h map[jose.HeaderKey]any) { h["alg"], h["key"] = jose.ES384, otherEC })
		}, "signature"},
		{"aud of another endpoint", func() string { return e.token(e.srv.URL+"/cds-services/msc-screening", nil) }, "aud"},
		{"no aud", func() string { return e.token(aud, func(c *cdsClaims, h map[jose.HeaderKey]any) { c.Audience = nil }) }, "aud is missing"},
		{"no exp", func() string { return e.token(aud, func(c *cdsClaims, h map[jose.HeaderKey]any) { c.Expiry = nil }) }, "exp is missing"},
		{"expired", func() string {
			return e.token(aud, func(c *cdsClaims, h map[jose.HeaderKey]any) {
				c.IssuedAt, c.Expiry = jwt.NewNumericDate(testNow.Add(-3*time.Minute)), jwt.NewNumericDate(testNow.Add(-time.Minute))
			})
		}, "expired"},
		{"no iat", func() string { return e.token(aud, func(c *cdsClaims, h map[jose.HeaderKey]any) { c.IssuedAt = nil }) }, "iat is missing"},
		{"iat in the future", func() string {
			return e.token(aud, func(c *cdsClaims, h map[jose.HeaderKey]any) {
				c.IssuedAt, c.Expiry = jwt.NewNumericDate(testNow.Add(2*time.Minute)), jwt.NewNumericDate(testNow.Add(3*time.Minute))
			})
		}, "future"},
		{"lives too long", func() string {
			return e.token(aud, func(c *cdsClaims, h map[jose.HeaderKey]any) { c.Expiry = jwt.NewNumericDate(testNow.Add(time.Hour)) })
		}, "longer"},
		{"no jti", func() string { return e.token(aud, func(c *cdsClaims, h map[jose.HeaderKey]any) { c.ID = "" }) }, "jti is missing"},
		{"no jku and a key not agreed out of band", func() string {
			return e.token(aud, func(c *cdsClaims, h map[jose.HeaderKey]any) { h["jku"] = nil })
		}, "no public signing key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := e.doWith(t, path, nil, tt.token())
			if code != http.StatusUnauthorized || !strings.Contains(string(body), tt.why) || !strings.Contains(string(body), `"unauthenticated"`) {
				t.Errorf("HTTP %d %s; want 401 saying %q", code, body, tt.why)
			}
		})
	}
}

func TestAuthAccepts(t *testing.T) {
	e := newEnv(t)
	path := "/cds-services"
	aud := e.srv.URL + path
	tests := []struct {
		name  string
		token string
	}{
		{"ES384 with an allowed jku", e.token(aud, nil)},
		{"RS384 with keys agreed out of band", e.token(aud, func(c *cdsClaims, h map[jose.HeaderKey]any) {
			h["alg"], h["key"], h["kid"], h["jku"] = jose.RS384, testKeys().rsa, "rsa-1", nil
		})},
		{"aud as an array", e.token(aud, func(c *cdsClaims, h map[jose.HeaderKey]any) { c.Audience = jwt.Audience{"https://x.example", aud} })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if code, body := e.doWith(t, path, nil, tt.token); code != http.StatusOK {
				t.Errorf("HTTP %d %s", code, body)
			}
		})
	}
	if hits := e.jwksHits.Load(); hits != 1 {
		t.Errorf("the key set was fetched %d times, want once (cached)", hits)
	}
}

func TestAuthRefusesReplayedJTI(t *testing.T) {
	e := newEnv(t)
	tok := e.token(e.srv.URL+"/cds-services", nil)
	if code, body := e.doWith(t, "/cds-services", nil, tok); code != http.StatusOK {
		t.Fatalf("first call: HTTP %d %s", code, body)
	}
	code, body := e.doWith(t, "/cds-services", nil, tok)
	if code != http.StatusUnauthorized || !strings.Contains(string(body), "replayed") {
		t.Errorf("replay: HTTP %d %s; want 401 replayed", code, body)
	}
}

// TestSpecificationExampleToken verifies the JWT published with the
// specification with its key set: accepted within its lifetime (with a
// lifetime limit as long as its own), refused once expired.
func TestSpecificationExampleToken(t *testing.T) {
	var ex struct {
		JWKS jose.JSONWebKeySet `json:"jwks"`
	}
	if err := json.Unmarshal(specFile(t, "specification-current.jwt-example.json"), &ex); err != nil {
		t.Fatal(err)
	}
	tok := strings.TrimSpace(string(specFile(t, "specification-current.jwt-example.txt")))
	const aud = "https://cds.example.org/cds-services/some-service"
	tests := []struct {
		name string
		now  time.Time
		want error
	}{
		{"within its lifetime", time.Unix(1400000000, 0), nil},
		{"after exp", time.Unix(1422568860+3600, 0), ErrUnauthenticated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := NewVerifier(AuthConfig{
				Issuers:     map[string]Issuer{"https://fhir-ehr.example.com/": {JKU: []string{"https://fhir-ehr.example.com/jwk_uri"}}},
				Now:         func() time.Time { return tt.now },
				MaxLifetime: 4 * 365 * 24 * time.Hour,
			})
			if err != nil {
				t.Fatal(err)
			}
			// The jku is not reachable offline: its key set is the one
			// published beside the token.
			v.sets["https://fhir-ehr.example.com/jwk_uri"] = keySet{keys: &ex.JWKS, fetched: tt.now}
			c, err := v.Verify(context.Background(), tok, aud)
			if !errors.Is(err, tt.want) || tt.want == nil && c.Tenant != "2ddd6c3a-8e9a-44c6-a305-52111ad302a2" {
				t.Errorf("Verify = %+v, %v; want %v", c, err, tt.want)
			}
		})
	}
}

// TestEveryEndpointNeedsAToken calls each endpoint without a token, and
// with one for another endpoint: nothing is screened or stored.
func TestEveryEndpointNeedsAToken(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		path string
		body []byte
	}{
		{"/cds-services", nil},
		{"/cds-services/msc-screening", call(HookPatientView, prefetch(`null`, `null`, `null`), nil)},
		{"/cds-services/msc-screening/feedback", specFile(t, "specification-current.feedback-overridden-example.json")},
	}
	for _, tt := range tests {
		for _, tok := range []string{"", e.token(e.srv.URL+"/cds-services/other", nil)} {
			t.Run(tt.path, func(t *testing.T) {
				if code, body := e.doWith(t, tt.path, tt.body, tok); code != http.StatusUnauthorized {
					t.Errorf("HTTP %d %s; want 401", code, body)
				}
			})
		}
	}
	if n := len(e.feedback.all()); n != 0 {
		t.Errorf("%d feedback stored without authentication", n)
	}
}
