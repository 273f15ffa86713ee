package console_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/reocell/celltherapy/server/internal/audit"
	"github.com/reocell/celltherapy/server/internal/auth"
	"github.com/reocell/celltherapy/server/internal/casebook"
	"github.com/reocell/celltherapy/server/internal/console"
	"github.com/reocell/celltherapy/server/internal/httpapi"
	"github.com/reocell/celltherapy/server/internal/rulebook"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// env is the whole server (API and console) on a real loopback listener,
// over a real SQLite database holding the cases, the audit log and the
// console's sessions.
type env struct {
	*httptest.Server
	sessions *console.Sessions
	book     *casebook.Book
	logs     *syncBuffer
	file     string
	audit    *audit.Log
	api      *httpapi.Server
}

type envOptions struct {
	secure bool
	now    func() time.Time // the console's clock
	file   string           // an existing database to reuse
	// oidc, when set, signs people in through the identity provider it
	// returns the settings of, given the server's base URL.
	oidc func(baseURL string) console.OIDCSettings
	// approvals, when set, are the board's approvals the rules are shown with.
	approvals *rulebook.Approvals
}

func newEnv(t testing.TB, o envOptions) *env {
	t.Helper()
	ctx := context.Background()
	priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	key := jose.JSONWebKey{Key: priv, KeyID: "test", Algorithm: string(jose.ES256), Use: "sig"}
	keys, _ := auth.NewStaticKeys(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{key}})
	verifier, err := auth.NewVerifier(auth.Config{Keys: keys, Issuer: "celltherapy-dev", Audience: "celltherapy"})
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, nil))
	shelf, err := rulebook.Open("", rulebook.Options{Logger: logger, Approvals: o.approvals})
	if err != nil {
		t.Fatal(err)
	}
	file := o.file
	if file == "" {
		file = filepath.Join(t.TempDir(), "celltherapy.db")
	}
	log, err := audit.OpenSQLite(ctx, file, audit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	book, err := casebook.Open(ctx, casebook.Options{SQLiteFile: file})
	if err != nil {
		t.Fatal(err)
	}
	sessions, err := console.OpenSessions(ctx, file, "")
	if err != nil {
		t.Fatal(err)
	}
	if o.now != nil {
		console.SetSessionClock(sessions, o.now)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	cc := console.Config{Logger: logger, Cases: book, Sessions: sessions, Rules: shelf, Screenings: log, Dev: true, Secure: o.secure, Now: o.now}
	if o.oidc != nil {
		cc.Dev = false
		if cc.OIDC, err = console.NewOIDC(ctx, o.oidc(base)); err != nil {
			t.Fatal(err)
		}
	}
	con, err := console.New(cc)
	if err != nil {
		t.Fatal(err)
	}
	api := httpapi.New(httpapi.Deps{Logger: logger, Verifier: verifier, Rules: shelf, Audit: log, Cases: book, Console: con})
	con.UseCommander(api)
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: api}}
	srv.Start()
	e := &env{Server: srv, sessions: sessions, book: book, logs: logs, file: file, audit: log, api: api}
	t.Cleanup(func() {
		e.Close()
		sessions.Close()
		log.Close()
		book.Close()
	})
	return e
}

// browser is an HTTP client with a cookie jar that does not follow
// redirects, so that tests see each answer.
func (e *env) browser(t testing.TB) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// signIn signs c in in development mode as role.
func (e *env) signIn(t testing.TB, c *http.Client, role auth.Role, name string) *http.Response {
	t.Helper()
	resp := e.post(t, c, "/console/sign-in", url.Values{"role": {string(role)}, "name": {name}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in as %s: %d", role, resp.StatusCode)
	}
	return resp
}

func (e *env) post(t testing.TB, c *http.Client, path string, form url.Values) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("POST", e.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", e.URL)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func (e *env) get(t testing.TB, c *http.Client, path string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(e.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// postPage posts a form and returns the page answered.
func (e *env) postPage(t testing.TB, c *http.Client, path string, form url.Values) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", e.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", e.URL)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}
