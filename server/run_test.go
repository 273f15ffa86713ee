package server

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/reocell/celltherapy/server/internal/app"
	"github.com/reocell/celltherapy/server/internal/audit"
	"github.com/reocell/celltherapy/server/internal/httpapi"
	"github.com/reocell/celltherapy/server/internal/openapitest"
)

const patient = `{"asOf": "2026-11-24", "oncology": {"active": false, "everTreated": false}, "pregnant": false,
 "breastfeeding": false, "hiv": false, "immunodeficiency": false, "mentalStateUnstable": false,
 "acuteInflammation": false, "chronicExacerbation": false, "clottingDisorder": false}`

// lockedBuffer is an output the test reads while run writes.
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

func noEnv(string) string { return "" }

type running struct {
	url    string
	cancel context.CancelFunc
	done   chan error
	stdout *lockedBuffer
	stderr *lockedBuffer
}

// start runs the server with args on a free loopback port and waits until
// it says where it listens.
func start(t *testing.T, args ...string) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{cancel: cancel, done: make(chan error, 1), stdout: &lockedBuffer{}, stderr: &lockedBuffer{}}
	go func() {
		r.done <- run(ctx, append([]string{"--addr", "127.0.0.1:0"}, args...), noEnv, r.stdout, r.stderr)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		out := r.stdout.String()
		if _, rest, ok := strings.Cut(out, "listening on "); ok {
			r.url, _, _ = strings.Cut(rest, "\n")
			break
		}
		select {
		case err := <-r.done:
			t.Fatalf("run stopped: %v\n%s", err, r.stderr)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("the server did not start")
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Cleanup(func() {
		cancel()
		<-r.done
	})
	return r
}

func (r *running) stop(t *testing.T) {
	t.Helper()
	r.cancel()
	if err := <-r.done; err != nil {
		t.Fatalf("run: %v", err)
	}
	r.done <- nil // for Cleanup
}

func token(t *testing.T, dataDir, role string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"token", "--role", role, "--data-dir", dataDir}, noEnv, &out, &errOut); err != nil {
		t.Fatalf("token: %v %s", err, errOut.String())
	}
	return strings.TrimSpace(out.String())
}

// post screens the facts in body, checking request and response against
// the OpenAPI document.
func post(t *testing.T, url, tok string, body io.Reader) (int, string) {
	t.Helper()
	status, data, err := postErr(t, url, tok, body)
	if err != nil {
		t.Fatal(err)
	}
	return status, data
}

// postErr is post for a goroutine of the test: it returns the error.
func postErr(t *testing.T, url, tok string, body io.Reader) (int, string, error) {
	req, _ := http.NewRequest("POST", url+"/v1/decisions/eligibility", body)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	client := &http.Client{Transport: openapitest.Transport(t, httpapi.OpenAPI(), nil)}
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data), err
}

// TestStartWithNoConfiguration: a data directory is all it takes; the
// server prints its URL and how to get a token for every role, and a token
// from the token command screens a patient.
func TestStartWithNoConfiguration(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	r := start(t, "--data-dir", data)
	for _, want := range []string{"http://127.0.0.1:", "token --role doctor", "token --role auditor"} {
		if !strings.Contains(r.stdout.String(), want) {
			t.Errorf("start-up output lacks %q:\n%s", want, r.stdout)
		}
	}
	status, body := post(t, r.url, token(t, data, "doctor"), strings.NewReader(patient))
	if status != 200 || !strings.Contains(body, `"outcome":"eligible"`) {
		t.Fatalf("%d %s", status, body)
	}
	r.stop(t)
	// The key is kept: a token minted before a restart still works after it.
	tok := token(t, data, "nurse")
	r = start(t, "--data-dir", data)
	if status, body := post(t, r.url, tok, strings.NewReader(patient)); status != 200 {
		t.Fatalf("after restart: %d %s", status, body)
	}
}

// TestShutdownFinishesRequestsInFlight cancels run's context while a
// request's body is still arriving: the request is answered, then run
// returns.
func TestShutdownFinishesRequestsInFlight(t *testing.T) {
	data := t.TempDir()
	r := start(t, "--data-dir", data)
	tok := token(t, data, "doctor")
	pr, pw := io.Pipe()
	answered := make(chan string, 1)
	go func() {
		status, body, err := postErr(t, r.url, tok, pr)
		if err != nil {
			answered <- err.Error()
			return
		}
		answered <- strings.TrimSpace(strings.Join([]string{http.StatusText(status), body}, " "))
	}()
	half := len(patient) / 2
	pw.Write([]byte(patient[:half]))
	time.Sleep(100 * time.Millisecond) // the request is in flight
	r.cancel()
	time.Sleep(100 * time.Millisecond) // shutdown has begun
	select {
	case err := <-r.done:
		r.done <- err // for Cleanup
		t.Fatalf("run returned (%v) with a request in flight", err)
	default:
	}
	pw.Write([]byte(patient[half:]))
	pw.Close()
	if got := <-answered; !strings.HasPrefix(got, "OK") || !strings.Contains(got, "eligible") {
		t.Fatalf("the request in flight got %s", got)
	}
	if err := <-r.done; err != nil {
		t.Fatalf("run: %v", err)
	}
	r.done <- nil
	if _, err := http.Get(r.url + "/healthz"); err == nil {
		t.Error("the server still answers after shutdown")
	}
}

func TestBadConfigurationNamesTheSetting(t *testing.T) {
	dir := t.TempDir()
	aFile := filepath.Join(dir, "file")
	os.WriteFile(aFile, []byte("x"), 0o644)
	brokenRules := filepath.Join(dir, "rules")
	os.Mkdir(brokenRules, 0o755)
	os.WriteFile(filepath.Join(brokenRules, "bad.yaml"), []byte("ruleset: [\n"), 0o644)
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"address", []string{"--addr", "nowhere"}, nil, "--addr"},
		{"data directory is a file", []string{"--data-dir", aFile}, nil, "--data-dir"},
		{"no rules directory", []string{"--rules", filepath.Join(dir, "missing")}, nil, "--rules"},
		{"broken rules", []string{"--rules", brokenRules}, nil, "--rules (CELLTHERAPY_RULES): " + brokenRules},
		{"rules from the environment", nil, map[string]string{"CELLTHERAPY_RULES": brokenRules}, "--rules"},
		{"no JWKS file", []string{"--jwks", filepath.Join(dir, "keys.json")}, nil, "--jwks"},
		{"JWKS not a key set", []string{"--jwks", aFile}, nil, "--jwks"},
		{"JWKS over plain http", []string{"--jwks", "http://idp.example.org/keys"}, nil, "--jwks"},
		{"empty issuer", []string{"--issuer", ""}, nil, "--issuer"},
		{"CDS client from the environment", nil, map[string]string{"CELLTHERAPY_CDS_CLIENTS": "https://ehr.test/"}, "--cds-clients (CELLTHERAPY_CDS_CLIENTS)"},
		{"CDS clients without a base URL", []string{"--cds-clients", "https://ehr.test/=https://ehr.test/jwks"}, nil, "--cds-base-url"},
		{"unreachable PostgreSQL", []string{"--postgres", "postgres://u@127.0.0.1:1/db?connect_timeout=2"}, nil, "--postgres"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			getenv := func(k string) string { return tc.env[k] }
			var out, errOut bytes.Buffer
			args := append([]string{"--addr", "127.0.0.1:0", "--data-dir", filepath.Join(t.TempDir(), "d")}, tc.args...)
			err := run(context.Background(), args, getenv, &out, &errOut)
			var ce *app.ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("run: %v, want a configuration error", err)
			}
			if msg := err.Error(); !strings.Contains(msg, tc.want) || strings.Contains(msg, "\n") {
				t.Errorf("error %q: want one line naming %s", msg, tc.want)
			}
		})
	}
}

func TestHelpListsEverySettingWithItsVariable(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"--help"}, noEnv, &out, &errOut); err != nil {
		t.Fatalf("run --help: %v", err)
	}
	if errOut.Len() > 0 {
		t.Errorf("--help wrote to stderr: %s", errOut.String())
	}
	for _, want := range []string{"-addr", "CELLTHERAPY_ADDR", "-data-dir", "CELLTHERAPY_DATA_DIR", "-postgres",
		"CELLTHERAPY_POSTGRES", "-rules", "CELLTHERAPY_RULES", "-jwks", "CELLTHERAPY_JWKS", "-issuer",
		"CELLTHERAPY_ISSUER", "-audience", "CELLTHERAPY_AUDIENCE", "-cds-clients", "CELLTHERAPY_CDS_CLIENTS",
		"-cds-base-url", "CELLTHERAPY_CDS_BASE_URL", "-cds-order-codes", "CELLTHERAPY_CDS_ORDER_CODES",
		"-cds-fhir-servers", "CELLTHERAPY_CDS_FHIR_SERVERS"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("help lacks %s", want)
		}
	}
}

func TestTokenRefusesAnUnknownRole(t *testing.T) {
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"token", "--role", "janitor", "--data-dir", t.TempDir()}, noEnv, &out, &errOut)
	var ce *app.ConfigError
	if !errors.As(err, &ce) || ce.Setting != "role" {
		t.Fatalf("token --role janitor: %v", err)
	}
}

// TestAuditVerifyNamesTheTamperedEntry: decisions through the server, an
// attacker with database access drops the trigger and changes a row, and
// audit verify names it.
func TestAuditVerifyNamesTheTamperedEntry(t *testing.T) {
	data := t.TempDir()
	r := start(t, "--data-dir", data)
	tok := token(t, data, "doctor")
	for range 3 {
		if status, body := post(t, r.url, tok, strings.NewReader(patient)); status != 200 {
			t.Fatalf("%d %s", status, body)
		}
	}
	r.stop(t)
	verify := func() (string, error) {
		var out, errOut bytes.Buffer
		err := run(context.Background(), []string{"audit", "verify", "--data-dir", data}, noEnv, &out, &errOut)
		return out.String(), err
	}
	if out, err := verify(); err != nil || !strings.Contains(out, "ok: 4 entries") { // the rules load, 3 decisions
		t.Fatalf("verify before tampering: %v %s", err, out)
	}
	db, err := sql.Open("sqlite", audit.SQLiteDSN(filepath.Join(data, app.DatabaseFile)))
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.Exec(`DROP TRIGGER audit_entries_no_update;
		UPDATE audit_entries SET output = replace(output, '"eligible"', '"ineligible"') WHERE seq = 2`)
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	out, err := verify()
	var ce *audit.ChainError
	if !errors.As(err, &ce) || ce.Seq != 2 || !strings.Contains(out, "entry 2 does not") {
		t.Fatalf("verify after tampering: %v %q, want entry 2 named", err, out)
	}
}

func TestAuditVerifyWithoutADatabase(t *testing.T) {
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"audit", "verify", "--data-dir", t.TempDir()}, noEnv, &out, &errOut)
	var ce *app.ConfigError
	if !errors.As(err, &ce) || ce.Setting != "data-dir" {
		t.Fatalf("verify with no database: %v", err)
	}
}

// TestPostgres runs the server on PostgreSQL: a decision is audited there
// and audit verify reads the chain back.
func TestPostgres(t *testing.T) {
	dsn := os.Getenv("CELLTHERAPY_TEST_POSTGRES")
	if dsn == "" {
		t.Skip("set CELLTHERAPY_TEST_POSTGRES to a PostgreSQL DSN to run the server on PostgreSQL (.ci/run starts one)")
	}
	dsn = freshSchema(t, dsn)
	data := t.TempDir()
	r := start(t, "--data-dir", data, "--postgres", dsn)
	if status, body := post(t, r.url, token(t, data, "board"), strings.NewReader(patient)); status != 200 {
		t.Fatalf("%d %s", status, body)
	}
	r.stop(t)
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"audit", "verify", "--postgres", dsn, "--data-dir", data}, noEnv, &out, &errOut); err != nil {
		t.Fatalf("verify: %v %s", err, errOut.String())
	}
	if !strings.Contains(out.String(), "ok: 2 entries") { // the rules load, the decision
		t.Errorf("verify: %s", out.String())
	}
}

// freshSchema makes a schema for the test and returns dsn scoped to it.
func freshSchema(t *testing.T, dsn string) string {
	t.Helper()
	ctx := context.Background()
	schema := fmt.Sprintf("server_test_%d", time.Now().UnixNano())
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("CELLTHERAPY_TEST_POSTGRES: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if c, err := pgx.Connect(ctx, dsn); err == nil {
			c.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
			c.Close(ctx)
		}
	})
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	return dsn + sep + "search_path=" + schema
}

// TestDefaultBodyLimit: a body over 1 MiB is refused with 413.
func TestDefaultBodyLimit(t *testing.T) {
	data := t.TempDir()
	r := start(t, "--data-dir", data)
	tok := token(t, data, "doctor")
	big := `{"site": "` + strings.Repeat("a", 1<<20) + `"}`
	req, _ := http.NewRequestWithContext(openapitest.KnowinglyInvalid(context.Background()), "POST", r.url+"/v1/decisions/eligibility", strings.NewReader(big))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Transport: openapitest.Transport(t, httpapi.OpenAPI(), nil)}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d, want 413", resp.StatusCode)
	}
	small := `{"asOf": "2026-11-24"}` + strings.Repeat(" ", 1<<20-len(`{"asOf": "2026-11-24"}`))
	if status, body := post(t, r.url, tok, strings.NewReader(small)); status != 200 {
		t.Fatalf("a body of exactly 1 MiB: %d %s", status, body)
	}
}

// TestReadmeSteps follows the README's three steps (start, token, screen
// examples/patient.json), so that the README cannot drift from the server.
func TestReadmeSteps(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "## The reference server")
	if !ok {
		t.Fatal("README has no reference server section")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	for _, step := range []string{"go run ./cmd/celltherapy serve ", "go run ./cmd/celltherapy token --role doctor",
		"--data @examples/patient.json", "http://127.0.0.1:8080/v1/decisions/eligibility", "second terminal"} {
		if !strings.Contains(section, step) {
			t.Errorf("the README's steps lack %q", step)
		}
	}
	if !strings.Contains(section, app.DefaultAddr) {
		t.Errorf("the README does not give the default address %s", app.DefaultAddr)
	}
	facts, err := os.Open("../examples/patient.json")
	if err != nil {
		t.Fatal(err)
	}
	defer facts.Close()
	data := t.TempDir()
	r := start(t, "--data-dir", data)
	if status, body := post(t, r.url, token(t, data, "doctor"), facts); status != 200 {
		t.Fatalf("screening examples/patient.json: %d %s", status, body)
	}
}

// TestReadmeCaseSteps gives the README's two case commands (open a case,
// book it with If-Match and an idempotency key) to a server, as written.
func TestReadmeCaseSteps(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	bodies := regexp.MustCompile(`--data '(\{[^']*"type": "(?:open-case|book-appointment)"[^']*\})'`).FindAllStringSubmatch(string(readme), -1)
	if len(bodies) != 2 || !strings.Contains(string(readme), `-H 'If-Match: "1"' -H 'Idempotency-Key: book-case-1'`) {
		t.Fatalf("the README's case steps: %q", bodies)
	}
	data := t.TempDir()
	r := start(t, "--data-dir", data)
	admin := &caseClient{http: &http.Client{Transport: openapitest.Transport(t, httpapi.OpenAPI(), nil)}, token: token(t, data, "administrator")}
	ctx := context.Background()
	if status, body, err := admin.send(ctx, r.url+"/v1/cases", bodies[0][1], nil); err != nil || status != http.StatusCreated {
		t.Fatalf("open: %d %s %v", status, body, err)
	}
	headers := map[string]string{"If-Match": `"1"`, "Idempotency-Key": "book-case-1"}
	status, body, err := admin.send(ctx, r.url+"/v1/cases/case-1/commands", bodies[1][1], headers)
	if err != nil || status != http.StatusOK || !strings.Contains(string(body), `"stage":"consultation"`) {
		t.Fatalf("book: %d %s %v", status, body, err)
	}
}

// TestAuditVerifyNamesTheEditedEvent: a case through the server, then an
// attacker with database access changes a stored event (its triggers
// dropped); every audit entry still matches the chain, and audit verify
// names the event.
func TestAuditVerifyNamesTheEditedEvent(t *testing.T) {
	data := t.TempDir()
	r := start(t, "--data-dir", data)
	tok := token(t, data, "administrator")
	client := &http.Client{Transport: openapitest.Transport(t, httpapi.OpenAPI(), nil)}
	for _, c := range []struct{ path, body string }{
		{"/v1/cases", httpapi.SampleOpenCase("e-1")},
		{"/v1/cases/e-1/commands", `{"type": "book-appointment", "at": "2026-11-24T09:05:00Z", "reason": "knee pain", "specialist": "s", "slot": "2099-11-27T10:00:00Z"}`},
	} {
		req, _ := http.NewRequest("POST", r.url+c.path, strings.NewReader(c.body))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 300 {
			t.Fatalf("%s: %d %s", c.path, resp.StatusCode, body)
		}
	}
	r.stop(t)
	verify := func() (string, error) {
		var out, errOut bytes.Buffer
		err := run(context.Background(), []string{"audit", "verify", "--data-dir", data}, noEnv, &out, &errOut)
		return out.String(), err
	}
	if out, err := verify(); err != nil || !strings.Contains(out, "ok: ") {
		t.Fatalf("verify before tampering: %v %s", err, out)
	}
	db, err := sql.Open("sqlite", audit.SQLiteDSN(filepath.Join(data, app.DatabaseFile)))
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.Exec(`DROP TRIGGER events_no_update;
		UPDATE events SET data = replace(data, 'knee pain', 'no complaint') WHERE case_id = 'e-1' AND version = 2`)
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	out, err := verify()
	var ee *audit.EventError
	if !errors.As(err, &ee) || ee.CaseID != "e-1" || ee.Version != 2 || !strings.Contains(out, "the event e-1/2 of entry") {
		t.Fatalf("verify after editing an event: %v %q, want event e-1/2 named", err, out)
	}
}
