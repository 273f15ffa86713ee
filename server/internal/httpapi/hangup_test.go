package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/reocell/celltherapy/server/internal/auth"
)

// databases are the stores a test runs the server on: SQLite, and
// PostgreSQL when CELLTHERAPY_TEST_POSTGRES names one (a schema of the
// test's own).
func databases(t *testing.T) map[string]serverOptions {
	t.Helper()
	dbs := map[string]serverOptions{"sqlite": {}}
	dsn := os.Getenv("CELLTHERAPY_TEST_POSTGRES")
	if dsn == "" {
		t.Log("PostgreSQL skipped: set CELLTHERAPY_TEST_POSTGRES to a DSN (.ci/run starts one)")
		return dbs
	}
	dbs["postgres"] = serverOptions{postgres: scopedPostgres(t, dsn)}
	return dbs
}

// TestClientHangUpLeavesNothingUnaudited: clients that close their
// connection at every moment from 0 to 4 ms after sending a command or a
// decision, many at once. Every event stored has its one audit entry,
// every decision the server made has its entry, the chain and the events
// verify, and no request failed on the server's side.
func TestClientHangUpLeavesNothingUnaudited(t *testing.T) {
	for name, opts := range databases(t) {
		t.Run(name, func(t *testing.T) {
			ts := newTestServer(t, opts)
			const cases = 48
			for i := range cases {
				resp, data := ts.do(t, context.Background(), "POST", "/v1/cases", auth.Administrator, SampleOpenCase(fmt.Sprintf("h-%d", i)))
				if resp.StatusCode != http.StatusCreated {
					t.Fatalf("open: %d %s", resp.StatusCode, data)
				}
			}
			admin, doctor := ts.token(t, auth.Administrator), ts.token(t, auth.Doctor)
			client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
			send := func(path, tok, body string, after time.Duration) {
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				req, _ := http.NewRequestWithContext(ctx, "POST", ts.URL+path, strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+tok)
				req.Header.Set("Content-Type", "application/json")
				time.AfterFunc(after, cancel)
				if resp, err := client.Do(req); err == nil {
					resp.Body.Close()
				}
			}
			var wg sync.WaitGroup
			work := make(chan int)
			for range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range work {
						after := time.Duration(i%17) * 250 * time.Microsecond // 0 to 4 ms
						if i%2 == 0 {
							send(fmt.Sprintf("/v1/cases/h-%d/commands", i/2), admin, bookAppointment, after)
						} else {
							send("/v1/decisions/eligibility", doctor, eligiblePatient, after)
						}
					}
				}()
			}
			for i := range 2 * cases {
				work <- i
			}
			close(work)
			wg.Wait()
			ts.Close() // waits for the handlers still running

			ctx := context.Background()
			entries := ts.auditEntries(t)
			audited := map[string]int{}
			decisions := 0
			for _, e := range entries {
				switch {
				case e.EventHash != "":
					audited[fmt.Sprintf("%s/%d", e.Subject, e.EventVersion)]++
				case strings.HasPrefix(e.Action, "decision:"):
					decisions++
				}
			}
			booked := 0
			for i := range cases {
				evs, err := ts.cases.Events(ctx, fmt.Sprintf("h-%d", i))
				if err != nil {
					t.Fatal(err)
				}
				if len(evs) > 1 {
					booked++
				}
				for _, e := range evs {
					if audited[e.ID()] != 1 {
						t.Errorf("event %s (%s) has %d audit entries, want 1", e.ID(), e.Type, audited[e.ID()])
					}
				}
			}
			if n, err := ts.audit.Verify(ctx, ts.cases); err != nil {
				t.Fatalf("verify after %d entries: %v", n, err)
			}
			// What the server did, by its request log: every command and
			// decision it handled succeeded, and each decision is audited.
			var handled, made int
			for _, line := range strings.Split(strings.TrimSpace(ts.logs.String()), "\n") {
				var l struct {
					Msg, Route string
					Status     int
				}
				json.Unmarshal([]byte(line), &l)
				if l.Msg != "request" || (l.Route != "POST /v1/decisions/eligibility" && l.Route != "POST /v1/cases/{id}/commands") {
					continue
				}
				handled++
				if l.Status >= 300 {
					t.Errorf("the server answered %d to a client that hung up: %s", l.Status, line)
				}
				if l.Route == "POST /v1/decisions/eligibility" {
					made++
				}
			}
			if made != decisions {
				t.Errorf("%d decisions made, %d audited", made, decisions)
			}
			t.Logf("%d requests handled of %d sent; %d cases booked, %d decisions", handled, 2*cases, booked, made)
		})
	}
}

// scopedPostgres makes a schema of the test's own in the database at dsn
// (dropped at its end) and returns dsn scoped to it.
func scopedPostgres(t testing.TB, dsn string) string {
	t.Helper()
	ctx := context.Background()
	var b [6]byte
	rand.Read(b[:])
	schema := "httpapi_test_" + hex.EncodeToString(b[:])
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("CELLTHERAPY_TEST_POSTGRES: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if conn, err := pgx.Connect(ctx, dsn); err == nil {
			conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
			conn.Close(ctx)
		}
	})
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	return dsn + sep + "search_path=" + schema
}
