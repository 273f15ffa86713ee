package app

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
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
