package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/reocell/celltherapy/procedure"
	"github.com/reocell/celltherapy/server/internal/app"
	"github.com/reocell/celltherapy/server/internal/audit"
	"github.com/reocell/celltherapy/server/internal/casebook"
)

// TestGapsReportedAndRepaired: a database where an earlier version left
// events without audit entries (two commands' worth), beside an event its
// old-style entry covers and a command audited as today. The server
// reports the gaps at start (log, /readyz, metrics); audit repair appends
// one reconstructed entry per gap and changes nothing else; verify then
// passes, and a second repair finds nothing.
func TestGapsReportedAndRepaired(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	cfg := app.Config{DataDir: data}
	log, err := app.OpenAudit(ctx, cfg, audit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	book, err := app.OpenCases(ctx, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	admin := procedure.Actor{ID: "admin-1", Role: procedure.Administrator}
	open := func(id string) string {
		return `{"type": "open-case", "at": "2026-11-24T09:00:00Z", "caseId": "` + id + `", "patient": "p"}`
	}
	const bookIt = `{"type": "book-appointment", "at": "2026-11-24T09:05:00Z", "reason": "r", "specialist": "s", "slot": "2099-11-27T10:00:00Z"}`
	// g-1: as an earlier version left it when its audit write failed.
	for _, body := range []string{open("g-1"), bookIt} {
		var err error
		if strings.Contains(body, "open-case") {
			_, err = book.OpenCase(ctx, admin, []byte(body), casebook.Expect{}, nil)
		} else {
			_, err = book.Give(ctx, "g-1", admin, []byte(body), casebook.Expect{}, nil)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	// g-2: opened by an earlier version, which audited it after the commit.
	if _, err := book.OpenCase(ctx, admin, []byte(open("g-2")), casebook.Expect{}, nil); err != nil {
		t.Fatal(err)
	}
	evs, _ := book.Events(ctx, "g-2")
	out, _ := json.Marshal(evs[0])
	if _, err := log.Append(ctx, audit.Record{ActorID: admin.ID, ActorRole: "administrator", Action: "case-event:case-opened", Subject: "g-2", Output: out}); err != nil {
		t.Fatal(err)
	}
	// g-3: audited as today, in the append's transaction.
	if _, err := book.OpenCase(ctx, admin, []byte(open("g-3")), casebook.Expect{}, &audit.Trail{ActorID: admin.ID}); err != nil {
		t.Fatal(err)
	}
	gaps, err := log.Gaps(ctx, book)
	if err != nil {
		t.Fatal(err)
	}
	stored := 0
	book.EachEvent(ctx, func(procedure.Event) error { stored++; return nil })
	if len(gaps) != 3 || gaps[0].CaseID != "g-1" || gaps[2].CaseID != "g-1" || stored != 5 {
		t.Fatalf("gaps %v of %d events, want the 3 events of g-1", gaps, stored)
	}
	log.Close()
	book.Close()

	r := start(t, "--data-dir", data)
	get := func(path string) string {
		resp, err := http.Get(r.url + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	if ready := get("/readyz"); !strings.Contains(ready, "3 stored case events have no audit entry") || !strings.Contains(ready, `"status":"ready"`) {
		t.Errorf("/readyz: %s", ready)
	}
	if m := get("/metrics"); !strings.Contains(m, "celltherapy_audit_unaudited_events 3") {
		t.Errorf("/metrics lacks the gaps")
	}
	r.stop(t)
	if logged := r.stderr.String(); !strings.Contains(logged, "audit repair") || !strings.Contains(logged, `"events":3`) || !strings.Contains(logged, "g-1/1") {
		t.Errorf("the start-up log does not report the gaps: %s", logged)
	}

	repair := func() string {
		var out, errOut bytes.Buffer
		if err := run(ctx, []string{"audit", "repair", "--data-dir", data, "--actor", "it-1"}, noEnv, &out, &errOut); err != nil {
			t.Fatalf("repair: %v %s", err, errOut.String())
		}
		return out.String()
	}
	if out := repair(); !strings.Contains(out, "3 events had no audit entry") || !strings.Contains(out, "g-1/2") {
		t.Fatalf("repair: %s", out)
	}
	if out := repair(); !strings.Contains(out, "0 events had no audit entry") {
		t.Fatalf("a second repair: %s", out)
	}
	var vout, verr bytes.Buffer
	if err := run(ctx, []string{"audit", "verify", "--data-dir", data}, noEnv, &vout, &verr); err != nil {
		t.Fatalf("verify after repair: %v %s", err, vout.String())
	}
	log, err = app.OpenAudit(ctx, cfg, audit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	var reconstructed []string
	log.Entries(ctx, func(e *audit.Entry) error {
		if strings.HasPrefix(e.Action, "reconstructed:") {
			if e.ActorID != "it-1" || e.EventHash == "" {
				t.Errorf("reconstructed entry %d: %+v", e.Seq, e.Record)
			}
			reconstructed = append(reconstructed, fmt.Sprintf("%s/%d", e.Subject, e.EventVersion))
		}
		return nil
	})
	if strings.Join(reconstructed, " ") != "g-1/1 g-1/2 g-1/3" {
		t.Errorf("reconstructed entries %v, want g-1/1 g-1/2 g-1/3", reconstructed)
	}
}
