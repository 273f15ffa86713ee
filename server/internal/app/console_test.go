package app

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/oauth2-proxy/mockoidc"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestConsoleOnlyInDevelopmentMode: with the development key the console
// serves its sign-in page; with an issuer of production and no identity
// provider for the console it answers 404 and the log says why.
func TestConsoleOnlyInDevelopmentMode(t *testing.T) {
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, prod := range []bool{false, true} {
		cfg := config(t)
		if prod {
			cfg.Issuer = "https://idp.clinic.test"
		}
		logs := &lockedBuffer{}
		ctx, cancel := context.WithCancel(context.Background())
		srv, err := Start(ctx, cfg, slog.New(slog.NewTextHandler(logs, nil)))
		if err != nil {
			cancel()
			t.Fatal(err)
		}
		resp, err := noRedirect.Get(srv.URL + "/console/sign-in")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		cancel()
		srv.Wait()
		switch {
		case !prod && resp.StatusCode != http.StatusOK:
			t.Errorf("development: sign-in page %d", resp.StatusCode)
		case prod && resp.StatusCode != http.StatusNotFound:
			t.Errorf("production: sign-in page %d, want 404", resp.StatusCode)
		case prod && !strings.Contains(logs.String(), "the console is off: the server is configured for production"):
			t.Errorf("production: the log does not say why the console is off:\n%s", logs)
		case !prod && !strings.Contains(logs.String(), "the console is in development mode"):
			t.Errorf("development: the log does not say so:\n%s", logs)
		}
	}
}

// TestConsoleWithAnIdentityProvider: with --oidc-issuer the console is on
// in production too and signs in through the provider; a bad role mapping
// stops start-up, naming the setting.
func TestConsoleWithAnIdentityProvider(t *testing.T) {
	m, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	defer m.Shutdown()
	cfg := config(t)
	cfg.Issuer = "https://idp.clinic.test"
	cfg.OIDCIssuer, cfg.OIDCClientID, cfg.OIDCClientSecret = m.Issuer(), m.Config().ClientID, m.Config().ClientSecret
	cfg.OIDCRoles, cfg.OIDCRoleClaim, cfg.OIDCScopes = "clinic-doctors=doctor", "groups", "groups"
	srv := startServer(t, cfg)
	resp, err := http.Get(srv.URL + "/console/sign-in")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "identity provider") || strings.Contains(string(body), "Development mode") {
		t.Errorf("sign-in page: %d\n%s", resp.StatusCode, body)
	}
	cfg = config(t)
	cfg.OIDCIssuer, cfg.OIDCClientID, cfg.OIDCRoles = m.Issuer(), "c", "clinic-doctors=surgeon"
	_, err = Start(context.Background(), cfg, slog.New(slog.DiscardHandler))
	var ce *ConfigError
	if !errors.As(err, &ce) || ce.Setting != "oidc-roles" {
		t.Errorf("a bad role mapping: %v", err)
	}
}
