package httpapi

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"golang.org/x/mod/sumdb/note"

	"github.com/reocell/celltherapy/server/internal/audit"
	"github.com/reocell/celltherapy/server/internal/auth"
	"github.com/reocell/celltherapy/server/internal/casebook"
	"github.com/reocell/celltherapy/server/internal/metrics"
	"github.com/reocell/celltherapy/server/internal/openapitest"
	"github.com/reocell/celltherapy/server/internal/rulebook"
)

const (
	testIssuer   = "https://idp.clinic.test"
	testAudience = "celltherapy"
)

// syncBuffer is a log destination tests read while the server writes.
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

// testServer is the API on a real loopback listener, with a real SQLite
// audit log and real tokens.
type testServer struct {
	*httptest.Server
	api     *Server
	audit   *audit.Log
	cases   *casebook.Book
	rules   *rulebook.Shelf
	metrics *metrics.Metrics
	logs    *syncBuffer
	key     jose.JSONWebKey
	client  *http.Client
}

type serverOptions struct {
	rulesDir string
	maxBody  int64
	now      func() time.Time // the case store's clock (default time.Now)
	cds      http.Handler     // Deps.CDS
	location *time.Location   // the clinic's time zone (default UTC)
	postgres string           // a PostgreSQL DSN for the audit log and the cases instead of SQLite
	// auditKey, when set, signs the audit log's checkpoints (after its own
	// batches and every second); with sealBatches, the case store also
	// stores one with each of its commit batches (Deps.Sealer).
	auditKey    note.Signer
	sealBatches bool
}

func newTestServer(t testing.TB, opts serverOptions) *testServer {
	t.Helper()
	ctx := context.Background()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	key := jose.JSONWebKey{Key: priv, KeyID: "test", Algorithm: string(jose.ES256), Use: "sig"}
	keys, err := auth.NewStaticKeys(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{key}})
	if err != nil {
		t.Fatal(err)
	}
	verifier, err := auth.NewVerifier(auth.Config{Keys: keys, Issuer: testIssuer, Audience: testAudience})
	if err != nil {
		t.Fatal(err)
	}
	m := metrics.New()
	logs := &syncBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, nil))
	shelf, err := rulebook.Open(opts.rulesDir, rulebook.Options{Logger: logger, OnReload: m.ObserveReload, Debounce: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "celltherapy.db")
	var log *audit.Log
	if opts.postgres != "" {
		file = ""
		log, err = audit.OpenPostgres(ctx, opts.postgres, audit.Options{ObserveBatch: m.ObserveAuditBatch, Signer: opts.auditKey})
	} else {
		log, err = audit.OpenSQLite(ctx, file, audit.Options{ObserveBatch: m.ObserveAuditBatch, Signer: opts.auditKey})
	}
	if err != nil {
		t.Fatal(err)
	}
	book, err := casebook.Open(ctx, casebook.Options{SQLiteFile: file, Postgres: opts.postgres, Now: opts.now, Location: opts.location,
		ObserveAppend: func(d time.Duration) { m.ObserveStoreAppend("cases", d) }})
	if err != nil {
		t.Fatal(err)
	}
	var sealer *audit.Sealer
	if opts.sealBatches {
		sealer = &audit.Sealer{Signer: opts.auditKey}
	}
	api := New(Deps{Logger: logger, Verifier: verifier, Rules: shelf, Audit: log, Metrics: m, MaxBody: opts.maxBody, Cases: book, CDS: opts.cds,
		Sealer: sealer})
	ts := &testServer{Server: httptest.NewServer(api), api: api, audit: log, cases: book, rules: shelf, metrics: m, logs: logs, key: key}
	ts.client = &http.Client{Transport: openapitest.Transport(t, OpenAPI(), nil)}
	t.Cleanup(func() {
		ts.Close()
		log.Close()
		book.Close()
	})
	return ts
}

func (ts *testServer) token(t testing.TB, role auth.Role) string {
	t.Helper()
	tok, err := auth.Mint(ts.key, testIssuer, testAudience, "user-"+string(role), role, time.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// knowinglyInvalid and undocumented mark requests the OpenAPI checks
// treat specially (see openapitest).
var (
	knowinglyInvalid = openapitest.KnowinglyInvalid
	undocumented     = openapitest.Undocumented
)

// do sends a request as role ("" for none) and returns the response with
// its body read.
func (ts *testServer) do(t *testing.T, ctx context.Context, method, path string, role auth.Role, body string) (*http.Response, []byte) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, ts.URL+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if role != "" {
		req.Header.Set("Authorization", "Bearer "+ts.token(t, role))
	}
	resp, err := ts.client.Do(req)
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

func decodeError(t *testing.T, data []byte) Error {
	t.Helper()
	var e Error
	if err := json.Unmarshal(data, &e); err != nil {
		t.Fatalf("error body %s: %v", data, err)
	}
	return e
}

// openSampleCase opens the case the route table's Sample paths name.
func (ts *testServer) openSampleCase(t *testing.T) {
	t.Helper()
	resp, data := ts.do(t, context.Background(), "POST", "/v1/cases", auth.Administrator, SampleOpenCase(SampleCase))
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("opening the sample case: %d %s", resp.StatusCode, data)
	}
}
