package cdshooks

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

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
