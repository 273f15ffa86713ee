package httpapi

import (
	"context"
	"encoding/json"
	"io/fs"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/reocell/celltherapy/eligibility"
	"github.com/reocell/celltherapy/procedure/storetest"
	"github.com/reocell/celltherapy/server/internal/auth"
	"github.com/reocell/celltherapy/server/internal/rulebook"
)

// TestIdempotentCommand: the same Idempotency-Key twice appends and audits
// once; the second answer is the first's events, marked replayed, even
// with the If-Match of the first.
func TestIdempotentCommand(t *testing.T) {
	ts := newTestServer(t, serverOptions{})
	ts.openSampleCase(t)
	key := map[string]string{"Idempotency-Key": "book-walk-1"}
	path := "/v1/cases/" + SampleCase + "/commands"
	var first, second commandResult
	resp, data := ts.send(t, context.Background(), "POST", path, auth.Administrator, bookAppointment, key)
	json.Unmarshal(data, &first)
	if resp.StatusCode != 200 || first.Replayed || len(first.Events) == 0 {
		t.Fatalf("first: %d %s", resp.StatusCode, data)
	}
	entries := len(ts.auditEntries(t))
	// A resend carries the version the first was given against: the key
	// wins over the now stale If-Match.
	key["If-Match"] = `"1"`
	resp, data = ts.send(t, context.Background(), "POST", path, auth.Administrator, bookAppointment, key)
	json.Unmarshal(data, &second)
	if resp.StatusCode != 200 || !second.Replayed || len(second.Events) != len(first.Events) || second.Events[0].Version != first.Events[0].Version {
		t.Fatalf("second: %d %s, want the first's events, replayed", resp.StatusCode, data)
	}
	if v := ts.caseVersion(t, SampleCase); v != first.Case.Version {
		t.Errorf("case at version %d after a replay, want %d", v, first.Case.Version)
	}
	if n := len(ts.auditEntries(t)); n != entries {
		t.Errorf("a replay added %d audit entries", n-entries)
	}
}

// TestIfMatch: a command given against the version read is accepted, and
// the answer's ETag is the new version.
func TestIfMatch(t *testing.T) {
	ts := newTestServer(t, serverOptions{})
	ts.openSampleCase(t)
	resp, _ := ts.do(t, context.Background(), "GET", "/v1/cases/"+SampleCase, auth.Administrator, "")
	etag := resp.Header.Get("ETag")
	resp, data := ts.send(t, context.Background(), "POST", "/v1/cases/"+SampleCase+"/commands", auth.Administrator, bookAppointment,
		map[string]string{"If-Match": etag})
	var res commandResult
	json.Unmarshal(data, &res)
	if resp.StatusCode != 200 || etag != `"1"` || resp.Header.Get("ETag") != `"`+jsonInt(int64(res.Case.Version))+`"` {
		t.Fatalf("%d %s (read ETag %s, answer ETag %s)", resp.StatusCode, data, etag, resp.Header.Get("ETag"))
	}
	// The same command body with expectedVersion: the case has moved on.
	resp, data = ts.send(t, context.Background(), "POST", "/v1/cases/"+SampleCase+"/commands", auth.Administrator,
		strings.Replace(bookAppointment, "{", `{"expectedVersion": 1, `, 1), nil)
	if resp.StatusCode != http.StatusConflict {
		t.Fatalf("stale expectedVersion: %d %s", resp.StatusCode, data)
	}
}

// TestWorklistAndList: an opened case is due for booking on the
// administrator's worklist, on nobody else's, and listed in its stage.
func TestWorklistAndList(t *testing.T) {
	ts := newTestServer(t, serverOptions{})
	ts.openSampleCase(t)
	ctx := context.Background()
	worklist := func(role string) []map[string]any {
		t.Helper()
		resp, data := ts.do(t, ctx, "GET", "/v1/worklist?asOf=2026-11-24T12:00:00Z&role="+role, auth.Auditor, "")
		var w struct{ Items []map[string]any }
		if err := json.Unmarshal(data, &w); err != nil || resp.StatusCode != 200 {
			t.Fatalf("worklist: %d %s", resp.StatusCode, data)
		}
		return w.Items
	}
	if items := worklist("administrator"); len(items) != 1 || items[0]["caseId"] != SampleCase || items[0]["what"] != "book-appointment" {
		t.Errorf("administrator's worklist: %v", items)
	}
	if items := worklist("lab"); len(items) != 0 {
		t.Errorf("lab's worklist: %v", items)
	}
	for query, want := range map[string]int{"?stage=booking": 1, "?stage=consent": 0, "": 1, "?after=" + SampleCase: 0} {
		resp, data := ts.do(t, ctx, "GET", "/v1/cases"+query, auth.Nurse, "")
		var l struct{ Cases []map[string]any }
		json.Unmarshal(data, &l)
		if resp.StatusCode != 200 || len(l.Cases) != want {
			t.Errorf("list %q: %d %s, want %d cases", query, resp.StatusCode, data, want)
		}
	}
}

// TestCaseStoreIsObserved: a command reports the case store's append
// latency, and /readyz checks the case store.
func TestCaseStoreIsObserved(t *testing.T) {
	ts := newTestServer(t, serverOptions{})
	ts.openSampleCase(t)
	_, data := ts.do(t, context.Background(), "GET", "/metrics", "", "")
	if !strings.Contains(string(data), `celltherapy_store_append_duration_seconds_count{store="cases"} 1`) {
		t.Errorf("no case store append in the metrics")
	}
	resp, data := ts.do(t, context.Background(), "GET", "/readyz", "", "")
	if resp.StatusCode != 200 || !strings.Contains(string(data), `"cases":"ok"`) {
		t.Fatalf("readyz: %d %s", resp.StatusCode, data)
	}
	ts.api.cases.Close()
	resp, data = ts.do(t, context.Background(), "GET", "/readyz", "", "")
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(data), `"cases":"unreachable"`) {
		t.Errorf("readyz with the case store closed: %d %s", resp.StatusCode, data)
	}
}

// TestCasesDecideWithTheRulesInForce: with a rules directory, a screening
// given as a case command is decided by its rules, not the built-in ones,
// and the event and its audit entry keep that ruleset's digest.
func TestCasesDecideWithTheRulesInForce(t *testing.T) {
	original, err := fs.ReadFile(eligibility.DefaultFS(), "contraindications.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "contraindications.yaml"), []byte(strings.Replace(string(original), `version: "`, `version: "clinic-`, 1)))
	ts := newTestServer(t, serverOptions{rulesDir: dir, now: storetest.Now})
	builtin, err := rulebook.Open("", rulebook.Options{})
	if err != nil {
		t.Fatal(err)
	}
	inForce, defaults := ts.rules.Current().Rulesets()[0], builtin.Current().Rulesets()[0]
	if inForce.Kind != "eligibility" || inForce.Digest == defaults.Digest {
		t.Fatalf("the directory's eligibility rules %+v are not in force, or not other than the built-in %+v", inForce, defaults)
	}
	steps := storetest.WholeCase("r-1", true)[:9] // up to the board's screening
	var last commandResult
	for i, step := range steps {
		path := "/v1/cases/r-1/commands"
		if i == 0 {
			path = "/v1/cases"
		}
		resp, data := ts.send(t, context.Background(), "POST", path, auth.Role(step.Role), step.Command, nil)
		if resp.StatusCode >= 300 {
			t.Fatalf("step %d: %d %s", i, resp.StatusCode, data)
		}
		last = commandResult{}
		json.Unmarshal(data, &last)
	}
	if len(last.Events) == 0 || last.Events[0].Type != "screening-recorded" || last.Events[0].Decision == nil ||
		last.Events[0].Decision.Digest != inForce.Digest {
		t.Fatalf("the screening's event %+v does not carry the digest in force %s", last.Events, inForce.Digest)
	}
	entries := ts.auditEntries(t)
	if e := entries[len(entries)-1]; e.Action != "case-event:screening-recorded" || e.RulesetDigest != inForce.Digest {
		t.Errorf("audit entry %s with digest %s, want the screening with %s", e.Action, e.RulesetDigest, inForce.Digest)
	}
}
