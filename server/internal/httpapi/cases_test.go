package httpapi

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/reocell/celltherapy/procedure/storetest"
	"github.com/reocell/celltherapy/server/internal/audit"
	"github.com/reocell/celltherapy/server/internal/auth"
)

// send is do with request headers.
func (ts *testServer) send(t *testing.T, ctx context.Context, method, path string, role auth.Role, body string, headers map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, method, ts.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+ts.token(t, role))
	for k, v := range headers {
		req.Header.Set(k, v)
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

// commandResult is the part of a command's answer the tests read.
type commandResult struct {
	Case struct {
		ID      string `json:"id"`
		Version int    `json:"version"`
		Stage   string `json:"stage"`
	} `json:"case"`
	Events []struct {
		Version  int    `json:"version"`
		Type     string `json:"type"`
		Decision *struct {
			Digest string `json:"digest"`
		} `json:"decision"`
	} `json:"events"`
	Replayed bool `json:"replayed"`
}

// auditEntries returns the audit log's entries.
// auditEntries returns the audit entries of acts (not of reads).
func (ts *testServer) auditEntries(t *testing.T) []audit.Entry {
	t.Helper()
	var all []audit.Entry
	if err := ts.audit.Entries(context.Background(), func(e *audit.Entry) error {
		if !strings.HasPrefix(e.Action, "read:") {
			all = append(all, *e)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return all
}

// TestWholeCaseOverHTTP drives a case from opening to completion through
// the routes, each command as its role, and checks every event is in the
// audit log (who, the command, the event, the digest of its decision)
// before the answer, the history, the calendar and the case read back.
func TestWholeCaseOverHTTP(t *testing.T) {
	ts := newTestServer(t, serverOptions{now: storetest.Now})
	ctx := context.Background()
	var answered []json.RawMessage
	for i, step := range storetest.WholeCase("c-1", false) {
		path := "/v1/cases/c-1/commands"
		want := http.StatusOK
		if i == 0 {
			path, want = "/v1/cases", http.StatusCreated
		}
		resp, data := ts.send(t, ctx, "POST", path, auth.Role(step.Role), step.Command, nil)
		if resp.StatusCode != want || resp.Header.Get("Location") != "/v1/cases/c-1" {
			t.Fatalf("step %d (%s): %d %s (Location %q)", i, step.Role, resp.StatusCode, data, resp.Header.Get("Location"))
		}
		var res struct {
			Events []json.RawMessage `json:"events"`
		}
		json.Unmarshal(data, &res)
		before := len(answered)
		answered = append(answered, res.Events...)
		entries := ts.auditEntries(t)
		if len(entries) != len(answered) {
			t.Fatalf("step %d answered with %d audit entries for %d events", i, len(entries), len(answered))
		}
		for j, e := range entries[before:] {
			checkCaseEntry(t, e, step.Command, res.Events[j], "user-"+string(step.Role), resp.Header.Get("X-Request-Id"))
		}
	}
	resp, data := ts.do(t, ctx, "GET", "/v1/cases/c-1", auth.Auditor, "")
	var c struct {
		Version int    `json:"version"`
		Stage   string `json:"stage"`
	}
	json.Unmarshal(data, &c)
	if resp.StatusCode != 200 || c.Stage != "closed" || c.Version != len(answered) || resp.Header.Get("ETag") != `"`+jsonInt(int64(c.Version))+`"` {
		t.Fatalf("case: %d %s (ETag %s), want closed at version %d", resp.StatusCode, data, resp.Header.Get("ETag"), len(answered))
	}
	_, data = ts.do(t, ctx, "GET", "/v1/cases/c-1/events", auth.Auditor, "")
	var h struct{ Events []json.RawMessage }
	json.Unmarshal(data, &h)
	if len(h.Events) != len(answered) {
		t.Fatalf("history has %d events, %d were answered", len(h.Events), len(answered))
	}
	for i := range h.Events {
		if string(h.Events[i]) != string(answered[i]) {
			t.Errorf("event %d: history %s, answered %s", i+1, h.Events[i], answered[i])
		}
	}
	resp, data = ts.do(t, ctx, "GET", "/v1/cases/c-1/aftercare.ics", auth.Nurse, "")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/calendar") ||
		strings.Count(string(data), "BEGIN:VCALENDAR") != 2 || !strings.Contains(string(data), "BEGIN:VEVENT") {
		t.Errorf("calendar: %d %s, want one calendar per administration (2):\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), data)
	}
}

// checkCaseEntry checks one audit entry of a case event.
func checkCaseEntry(t *testing.T, e audit.Entry, command string, event json.RawMessage, actor, requestID string) {
	t.Helper()
	var ev struct {
		CaseID   string `json:"caseId"`
		Type     string `json:"type"`
		Decision *struct {
			Digest string `json:"digest"`
		} `json:"decision"`
	}
	json.Unmarshal(event, &ev)
	digest := ""
	if ev.Decision != nil {
		digest = ev.Decision.Digest
	}
	switch {
	case e.Action != "case-event:"+ev.Type || e.Subject != ev.CaseID:
		t.Errorf("entry %d: action %s subject %s, want case-event:%s on %s", e.Seq, e.Action, e.Subject, ev.Type, ev.CaseID)
	case e.ActorID != actor:
		t.Errorf("entry %d: actor %s, want %s", e.Seq, e.ActorID, actor)
	case string(e.Input) != command:
		t.Errorf("entry %d: input %s, want the command as received", e.Seq, e.Input)
	case string(e.Output) != string(event):
		t.Errorf("entry %d: output %s, answered %s", e.Seq, e.Output, event)
	case e.RulesetDigest != digest:
		t.Errorf("entry %d: digest %q, the event's decision has %q", e.Seq, e.RulesetDigest, digest)
	case e.RequestID != requestID:
		t.Errorf("entry %d: request %s, want %s", e.Seq, e.RequestID, requestID)
	}
}
