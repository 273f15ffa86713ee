package httpapi

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/reocell/celltherapy/server/internal/audit"
	"github.com/reocell/celltherapy/server/internal/auth"
)

// TestReadsOfPersonalDataAreAudited: reading a case, its history, its
// calendar, the list and the worklist each leave an entry saying who read
// what, when; a read refused (no such case) leaves none.
func TestReadsOfPersonalDataAreAudited(t *testing.T) {
	ts := newTestServer(t, serverOptions{})
	ts.openSampleCase(t)
	ctx := undocumented(context.Background())
	reads := []struct{ path, action, subject string }{
		{"/v1/cases/" + SampleCase, ActionReadCase, SampleCase},
		{"/v1/cases/" + SampleCase + "/events", ActionReadHistory, SampleCase},
		{"/v1/cases?limit=5", ActionReadCases, ""},
		{"/v1/worklist?role=doctor", ActionReadWorklist, ""},
	}
	for _, rd := range reads {
		if resp, data := ts.do(t, ctx, "GET", rd.path, auth.Auditor, ""); resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %s", rd.path, resp.StatusCode, data)
		}
	}
	if resp, _ := ts.do(t, ctx, "GET", "/v1/cases/nobody", auth.Auditor, ""); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("no such case: %d", resp.StatusCode)
	}
	var got []audit.Entry
	ts.audit.Entries(context.Background(), func(e *audit.Entry) error {
		if strings.HasPrefix(e.Action, "read:") {
			got = append(got, *e)
		}
		return nil
	})
	if len(got) != len(reads) {
		t.Fatalf("%d read entries, want %d: %+v", len(got), len(reads), got)
	}
	for i, rd := range reads {
		e := got[i]
		if e.Action != rd.action || e.Subject != rd.subject || e.ActorID != "user-auditor" || e.ActorRole != "auditor" || e.At == "" || e.RequestID == "" {
			t.Errorf("read %s: entry %+v", rd.path, e.Record)
		}
	}
	if !strings.Contains(string(got[3].Input), "role=doctor") {
		t.Errorf("the worklist's query is not recorded: %s", got[3].Input)
	}
	if _, err := ts.audit.Verify(context.Background(), ts.cases); err != nil {
		t.Fatal(err)
	}
}
