package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

const (
	iss = "https://idp.clinic.test"
	aud = "celltherapy"
)

var t0 = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)

func newKey(t *testing.T, curve elliptic.Curve, alg jose.SignatureAlgorithm, kid string) jose.JSONWebKey {
	t.Helper()
	priv, err := ecdsa.GenerateKey(curve, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return jose.JSONWebKey{Key: priv, Algorithm: string(alg), KeyID: kid, Use: "sig"}
}

func sign(t *testing.T, k jose.JSONWebKey, c any) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.SignatureAlgorithm(k.Algorithm), Key: k}, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := jwt.Signed(signer).Claims(c).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func claims(mod func(*Claims)) Claims {
	c := Claims{
		Claims: jwt.Claims{Issuer: iss, Subject: "dr-7", Audience: jwt.Audience{aud},
			NotBefore: jwt.NewNumericDate(t0), Expiry: jwt.NewNumericDate(t0.Add(time.Hour))},
		Role: Doctor,
	}
	if mod != nil {
		mod(&c)
	}
	return c
}

// unsigned builds a token by hand with header h and the HMAC key, or no
// signature when key is nil.
func handMade(t *testing.T, h map[string]string, c Claims, key []byte) string {
	t.Helper()
	hb, _ := json.Marshal(h)
	cb, _ := json.Marshal(c)
	s := base64.RawURLEncoding.EncodeToString(hb) + "." + base64.RawURLEncoding.EncodeToString(cb)
	if key == nil {
		return s + "."
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(s))
	return s + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

type countingKeys struct {
	KeySource
	calls atomic.Int64
}

func (c *countingKeys) Keys(ctx context.Context, kid string) ([]jose.JSONWebKey, error) {
	c.calls.Add(1)
	return c.KeySource.Keys(ctx, kid)
}

func verifier(t *testing.T, keys KeySource, now *time.Time) *Verifier {
	t.Helper()
	v, err := NewVerifier(Config{Keys: keys, Issuer: iss, Audience: aud, Now: func() time.Time { return *now }})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestVerify(t *testing.T) {
	es256 := newKey(t, elliptic.P256(), jose.ES256, "k256")
	es384 := newKey(t, elliptic.P384(), jose.ES384, "k384")
	stranger := newKey(t, elliptic.P256(), jose.ES256, "k256") // same kid, other key
	trusted, err := NewStaticKeys(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{es256, es384}})
	if err != nil {
		t.Fatal(err)
	}
	pubDER, _ := x509.MarshalPKIXPublicKey(es256.Public().Key)
	tests := []struct {
		name  string
		token string
		at    time.Time
		want  Role // "" when refused
	}{
		{"ES256", sign(t, es256, claims(nil)), t0.Add(time.Minute), Doctor},
		{"ES384", sign(t, es384, claims(func(c *Claims) { c.Role = Nurse })), t0.Add(time.Minute), Nurse},
		{"expired within the leeway", sign(t, es256, claims(nil)), t0.Add(time.Hour + 10*time.Second), Doctor},
		{"not before within the leeway", sign(t, es256, claims(nil)), t0.Add(-10 * time.Second), Doctor},
		{"empty", "", t0, ""},
		{"garbage", "not.a.token", t0, ""},
		{"alg none", handMade(t, map[string]string{"alg": "none", "typ": "JWT"}, claims(nil), nil), t0, ""},
		{"HS256 keyed with the public key", handMade(t, map[string]string{"alg": "HS256", "kid": "k256"}, claims(nil), pubDER), t0, ""},
		{"untrusted key with a trusted kid", sign(t, stranger, claims(nil)), t0, ""},
		{"other issuer", sign(t, es256, claims(func(c *Claims) { c.Issuer = "https://evil.test" })), t0, ""},
		{"other audience", sign(t, es256, claims(func(c *Claims) { c.Audience = jwt.Audience{"billing"} })), t0, ""},
		{"expired", sign(t, es256, claims(nil)), t0.Add(time.Hour + time.Minute), ""},
		{"not yet valid", sign(t, es256, claims(nil)), t0.Add(-time.Minute), ""},
		{"no expiry", sign(t, es256, claims(func(c *Claims) { c.Expiry = nil })), t0, ""},
		{"no subject", sign(t, es256, claims(func(c *Claims) { c.Subject = "" })), t0, ""},
		{"no role", sign(t, es256, claims(func(c *Claims) { c.Role = "" })), t0, ""},
		{"unknown role", sign(t, es256, claims(func(c *Claims) { c.Role = "superuser" })), t0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			now := tc.at
			p, err := verifier(t, trusted, &now).Verify(context.Background(), tc.token)
			if tc.want == "" {
				if !errors.Is(err, ErrUnauthenticated) {
					t.Fatalf("Verify = %+v, %v; want ErrUnauthenticated", p, err)
				}
				return
			}
			if err != nil || p.Role != tc.want || p.Subject != "dr-7" {
				t.Fatalf("Verify = %+v, %v; want role %s for dr-7", p, err, tc.want)
			}
		})
	}
}

func TestVerifiedTokensAreCachedUntilExpiry(t *testing.T) {
	k := newKey(t, elliptic.P256(), jose.ES256, "k")
	static, _ := NewStaticKeys(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{k}})
	keys := &countingKeys{KeySource: static}
	now := t0
	v := verifier(t, keys, &now)
	tok := sign(t, k, claims(nil))
	for range 3 {
		if _, err := v.Verify(context.Background(), tok); err != nil {
			t.Fatal(err)
		}
	}
	if n := keys.calls.Load(); n != 1 {
		t.Errorf("keys looked up %d times for one token verified 3 times; want 1 (cached)", n)
	}
	now = t0.Add(2 * time.Hour)
	if _, err := v.Verify(context.Background(), tok); !errors.Is(err, ErrUnauthenticated) {
		t.Errorf("a cached token past its expiry: %v, want ErrUnauthenticated", err)
	}
	// A tampered token has another digest: it is verified, not taken from the cache.
	now = t0
	if _, err := v.Verify(context.Background(), tok[:len(tok)-2]+"AA"); !errors.Is(err, ErrUnauthenticated) {
		t.Errorf("tampered signature: %v", err)
	}
}

func TestRemoteKeysFollowRotation(t *testing.T) {
	old := newKey(t, elliptic.P256(), jose.ES256, "old")
	next := newKey(t, elliptic.P256(), jose.ES256, "new")
	var served atomic.Pointer[jose.JSONWebKey]
	served.Store(&old)
	var fetches atomic.Int64
	idp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{served.Load().Public()}})
	}))
	defer idp.Close()
	now := t0
	v := verifier(t, &RemoteKeys{URL: idp.URL, Client: idp.Client(), MinRefresh: time.Nanosecond}, &now)
	if _, err := v.Verify(context.Background(), sign(t, old, claims(nil))); err != nil {
		t.Fatal(err)
	}
	served.Store(&next)
	if _, err := v.Verify(context.Background(), sign(t, next, claims(nil))); err != nil {
		t.Fatalf("after rotation: %v", err)
	}
	if fetches.Load() != 2 {
		t.Errorf("%d fetches, want 2", fetches.Load())
	}
}

func TestDevKeyIsKeptAndMints(t *testing.T) {
	dir := t.TempDir()
	k1, err := LoadOrCreateDevKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	k2, err := LoadOrCreateDevKey(dir)
	if err != nil || k1.KeyID != k2.KeyID {
		t.Fatalf("second load: %v, kid %q then %q", err, k1.KeyID, k2.KeyID)
	}
	keys, err := NewStaticKeys(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{k2}})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := Mint(k1, iss, aud, "dev-lab", Lab, t0, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	now := t0.Add(time.Minute)
	p, err := verifier(t, keys, &now).Verify(context.Background(), tok)
	if err != nil || p.Role != Lab || p.Subject != "dev-lab" {
		t.Fatalf("Verify = %+v, %v", p, err)
	}
	if strings.Contains(tok, `"d"`) {
		t.Error("token leaks key material")
	}
}

func TestStaticKeysRefusesSymmetricKeys(t *testing.T) {
	_, err := NewStaticKeys(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: []byte("secret"), KeyID: "h", Algorithm: "HS256"}}})
	if err == nil {
		t.Fatal("a JWKS of only an HMAC secret was accepted")
	}
}
