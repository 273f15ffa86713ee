package server

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/reocell/celltherapy/procedure"
	"github.com/reocell/celltherapy/server/internal/app"
	"github.com/reocell/celltherapy/server/internal/audit"
	"github.com/reocell/celltherapy/server/internal/casebook"
)

// TestStartUpCheckFromTheLastStart: a restart checks only the entries and
// events after those the last start checked, and still finds an event
// stored since without its entry; an entry of the old part rewritten while
// the server was down is not read at start, but audit verify (the full
// check) names it, and --audit-full-check reads the whole log at start.
func TestStartUpCheckFromTheLastStart(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	r := start(t, "--data-dir", data)
	tok := token(t, data, "doctor")
	for range 3 {
		if status, body := post(t, r.url, tok, strings.NewReader(patient)); status != 200 {
			t.Fatalf("%d %s", status, body)
		}
	}
	r.stop(t)
	if !strings.Contains(r.stderr.String(), `"full":true`) {
		t.Fatalf("the first start did not check in full: %s", r.stderr)
	}
	if _, err := os.Stat(filepath.Join(data, app.StartCheckFile)); err != nil {
		t.Fatalf("no record of the start-up check: %v", err)
	}
	// A second run: its start checks the 4 entries of the first (the rules
	// load and 3 decisions), then it appends 3 (its rules load, 2 decisions).
	r = start(t, "--data-dir", data)
	for range 2 {
		if status, body := post(t, r.url, tok, strings.NewReader(patient)); status != 200 {
			t.Fatalf("%d %s", status, body)
		}
	}
	r.stop(t)
	if !strings.Contains(r.stderr.String(), `"full":false,"entries":4,`) {
		t.Fatalf("the second start: %s", r.stderr)
	}
	// While the server is down: an event stored without its entry, and an
	// old entry rewritten by someone past the triggers.
	book, err := app.OpenCases(ctx, app.Config{DataDir: data}, nil)
	if err != nil {
		t.Fatal(err)
	}
	admin := procedure.Actor{ID: "admin-1", Role: procedure.Administrator}
	if _, err := book.OpenCase(ctx, admin, []byte(`{"type": "open-case", "at": "2026-11-24T09:00:00Z", "caseId": "late-1", "patient": "p"}`), casebook.Expect{}, nil); err != nil {
		t.Fatal(err)
	}
	book.Close()
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

	get := func(r *running, path string) string {
		resp, err := http.Get(r.url + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	r = start(t, "--data-dir", data)
	if ready := get(r, "/readyz"); !strings.Contains(ready, "1 stored case events have no audit entry") {
		t.Errorf("/readyz: %s", ready)
	}
	if m := get(r, "/metrics"); !strings.Contains(m, "celltherapy_audit_unaudited_events 1") {
		t.Error("/metrics lacks the gap")
	}
	r.stop(t)
	logged := r.stderr.String()
	if !strings.Contains(logged, `"full":false,"entries":3,"events":1,"gaps":1,"logSize":7`) || !strings.Contains(logged, "late-1/1") {
		t.Errorf("the restart did not check from the last start, or missed the gap: %s", logged)
	}

	var out, errOut bytes.Buffer
	err = run(ctx, []string{"audit", "verify", "--data-dir", data}, noEnv, &out, &errOut)
	var ce *audit.ChainError
	if !errors.As(err, &ce) || ce.Seq != 2 {
		t.Fatalf("audit verify after the rewrite: %v %s, want entry 2 named", err, out.String())
	}

	r = start(t, "--data-dir", data, "--audit-full-check")
	r.stop(t)
	if logged := r.stderr.String(); !strings.Contains(logged, `"full":true,"entries":8,`) || !strings.Contains(logged, "late-1/1") {
		t.Errorf("--audit-full-check: %s", logged)
	}
}
