package app

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/reocell/celltherapy/server/internal/auth"
	"github.com/reocell/celltherapy/server/internal/httpapi"
	"github.com/reocell/celltherapy/server/internal/openapitest"
)

func config(t *testing.T) Config {
	t.Helper()
	return Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), Issuer: DefaultIssuer, Audience: DefaultAudience}
}

func startServer(t *testing.T, cfg Config) *Server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := Start(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		srv.Wait()
	})
	return srv
}

// TestSlowClientsAreCutOff: a client that never finishes its request
// header loses its connection after the read-header timeout.
func TestSlowClientsAreCutOff(t *testing.T) {
	cfg := config(t)
	cfg.Timeouts = Timeouts{ReadHeader: 200 * time.Millisecond}
	srv := startServer(t, cfg)
	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.Write([]byte("POST /v1/decisions/eligibility HTTP/1.1\r\nHost: x\r\n")) // and never the rest
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	start := time.Now()
	_, err = io.ReadAll(conn)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatal("the server kept the connection of a client that never finished its header")
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("cut off after %s", d)
	}
}

// TestTokensFromAJWKSURL: with --jwks an https URL (here a loopback
// test server), tokens signed by the identity provider's key are accepted
// and the development key is not used.
func TestTokensFromAJWKSURL(t *testing.T) {
	priv, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	key := jose.JSONWebKey{Key: priv, KeyID: "idp-1", Algorithm: string(jose.ES384), Use: "sig"}
	idp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{key.Public()}})
	}))
	defer idp.Close()
	cfg := config(t)
	cfg.JWKS, cfg.Issuer = idp.URL, "https://idp.clinic.test"
	srv := startServer(t, cfg)
	if srv.DevMode {
		t.Error("DevMode with a JWKS URL")
	}
	tok, err := auth.Mint(key, cfg.Issuer, cfg.Audience, "dr-1", auth.Doctor, time.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", srv.URL+"/v1/rulesets", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := (&http.Client{Transport: openapitest.Transport(t, httpapi.OpenAPI(), nil)}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
}

func TestAnUnreachableJWKSURLStopsStartUp(t *testing.T) {
	cfg := config(t)
	cfg.JWKS = "http://127.0.0.1:1/keys"
	_, err := Start(context.Background(), cfg, slog.New(slog.DiscardHandler))
	var ce *ConfigError
	if !errors.As(err, &ce) || ce.Setting != "jwks" {
		t.Fatalf("Start: %v, want a --jwks configuration error", err)
	}
}

func TestTheClinicsTimeZoneSetting(t *testing.T) {
	loc, err := clinicZone("Asia/Tokyo")
	if err != nil || loc.String() != "Asia/Tokyo" {
		t.Fatalf("Asia/Tokyo: %v %v", loc, err)
	}
	for _, bad := range []string{"Mars/Olympus", "Local", "+09:00"} {
		var ce *ConfigError
		if _, err := clinicZone(bad); !errors.As(err, &ce) || ce.Setting != "time-zone" {
			t.Errorf("%q: %v, want a --time-zone error", bad, err)
		}
	}
}
