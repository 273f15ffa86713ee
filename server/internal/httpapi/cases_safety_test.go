package httpapi

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/reocell/celltherapy/procedure/storetest"
	"github.com/reocell/celltherapy/server/internal/auth"
)

// driveTo opens case id on ts and gives it the first n steps of the
// scripted whole case.
func (ts *testServer) driveTo(t *testing.T, id string, n int) {
	t.Helper()
	for i, step := range storetest.WholeCase(id, false)[:n] {
		path, want := "/v1/cases/"+id+"/commands", http.StatusOK
		if i == 0 {
			path, want = "/v1/cases", http.StatusCreated
		}
		resp, data := ts.do(t, context.Background(), "POST", path, auth.Role(step.Role), step.Command)
		if resp.StatusCode != want {
			t.Fatalf("step %d: %d %s", i, resp.StatusCode, data)
		}
	}
}

// The scripted case's steps after which it is in a stage.
const (
	httpInBoard    = 8  // diagnostics done
	httpInAdmin    = 14 // product released
	httpRescreened = 16 // re-screened eligible on 2026-11-25
)

// A screening's asOf is the clinic's day of the command, in the zone the
// server is set to: over HTTP, another day is a 400 at $.facts.asOf.
func TestAsOfIsTheCommandsDayOverHTTP(t *testing.T) {
	ts := newTestServer(t, serverOptions{now: storetest.Now, location: time.FixedZone("UTC+9", 9*3600)})
	ts.driveTo(t, "c-1", httpInBoard)
	// 2026-11-20T20:00Z is 2026-11-21 in the clinic.
	resp, data := ts.do(t, context.Background(), "POST", "/v1/cases/c-1/commands", auth.Board,
		`{"type": "screen", "at": "2026-11-20T20:00:00Z", "facts": {"asOf": "2026-11-20", "hiv": false}}`)
	if resp.StatusCode != http.StatusBadRequest || decodeError(t, data).Path != "$.facts.asOf" {
		t.Fatalf("an asOf of the UTC day: %d %s", resp.StatusCode, data)
	}
	resp, data = ts.do(t, context.Background(), "POST", "/v1/cases/c-1/commands", auth.Board,
		`{"type": "screen", "at": "2026-11-20T20:00:00Z", "facts": {"hiv": false}}`)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(data), `"asOf":"2026-11-21"`) {
		t.Fatalf("a screening without asOf: %d %s", resp.StatusCode, data)
	}
}

// An administration off the plan is refused over HTTP with its rule.
func TestAdministrationOffThePlanOverHTTP(t *testing.T) {
	ts := newTestServer(t, serverOptions{now: storetest.Now})
	ts.driveTo(t, "c-1", httpRescreened)
	for rule, cmd := range map[string]string{
		"administration-dose-from-plan": `{"type": "administer", "at": "2026-11-25T09:30:00Z", "route": "intra-articular", "site": "left knee", "cells": 5e9, "lot": "D-118"}`,
		"administration-site-from-plan": `{"type": "administer", "at": "2026-11-25T09:30:00Z", "route": "intra-articular", "site": "right shoulder", "cells": 5e7, "lot": "D-118"}`,
	} {
		resp, data := ts.do(t, context.Background(), "POST", "/v1/cases/c-1/commands", auth.Doctor, cmd)
		if e := decodeError(t, data); resp.StatusCode != http.StatusUnprocessableEntity || e.Rule != rule || !strings.Contains(e.Message, "stage administration") {
			t.Errorf("%s: %d %s", rule, resp.StatusCode, data)
		}
	}
}

// The strict parts of a command over HTTP: duplicate keys at any depth,
// instants out of range at their own paths, ids no URL names, If-Match
// that is not a strong tag; each a 400 naming where, nothing appended.
func TestStrictCommandsOverHTTP(t *testing.T) {
	ts := newTestServer(t, serverOptions{})
	ts.openSampleCase(t)
	bad := knowinglyInvalid(context.Background())
	const cmds = "/v1/cases/" + SampleCase + "/commands"
	withdraw := `{"type": "withdraw", "at": "2026-11-24T09:05:00Z"}`
	tests := []struct {
		name    string
		path    string
		role    auth.Role
		body    string
		headers map[string]string
		status  int
		at      string // the JSON path named
		field   string // the header named
	}{
		{"two types", cmds, auth.Administrator, `{"type": "withdraw", "type": "book-appointment", "at": "2026-11-24T09:05:00Z", "reason": "r", "specialist": "s", "slot": "2026-11-27T10:00:00Z"}`, nil, 400, "$.type", ""},
		{"two types beside expectedVersion", cmds, auth.Administrator, `{"expectedVersion": 1, "type": "withdraw", "type": "book-appointment", "at": "2026-11-24T09:05:00Z", "reason": "r", "specialist": "s", "slot": "2026-11-27T10:00:00Z"}`, nil, 400, "$.type", ""},
		{"two facts", cmds, auth.Board, `{"type": "screen", "at": "2026-11-24T09:05:00Z", "facts": {"pregnant": true}, "facts": {"pregnant": false}}`, nil, 400, "$.facts", ""},
		{"a slot in 9999", cmds, auth.Administrator, strings.Replace(bookAppointment, "2026-11-27T10:00:00Z", "9999-11-27T10:00:00Z", 1), nil, 400, "$.slot", ""},
		{"a slot that is not an instant", cmds, auth.Administrator, strings.Replace(bookAppointment, "2026-11-27T10:00:00Z", "soon", 1), nil, 400, "$.slot", ""},
		{"a case opened in 1800", "/v1/cases", auth.Administrator, `{"type": "open-case", "at": "1800-11-24T09:00:00Z", "caseId": "old", "patient": "p"}`, nil, 400, "$.at", ""},
		{"a case id of two dots", "/v1/cases", auth.Administrator, `{"type": "open-case", "at": "2026-11-24T09:00:00Z", "caseId": "..", "patient": "p"}`, nil, 400, "$.caseId", ""},
		{"a case id of a dot", "/v1/cases", auth.Administrator, `{"type": "open-case", "at": "2026-11-24T09:00:00Z", "caseId": ".", "patient": "p"}`, nil, 400, "$.caseId", ""},
		{"a weak If-Match", cmds, auth.Administrator, withdraw, map[string]string{"If-Match": `W/"1"`}, 400, "", "If-Match"},
		{"an unquoted If-Match", cmds, auth.Administrator, withdraw, map[string]string{"If-Match": `1`}, 400, "", "If-Match"},
		{"an If-Match of a signed version", cmds, auth.Administrator, withdraw, map[string]string{"If-Match": `"+1"`}, 400, "", "If-Match"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := ts.caseVersion(t, SampleCase)
			resp, data := ts.send(t, bad, "POST", tc.path, tc.role, tc.body, tc.headers)
			e := decodeError(t, data)
			if resp.StatusCode != tc.status || e.Path != tc.at || e.Field != tc.field {
				t.Fatalf("%d %s; want %d at %q field %q", resp.StatusCode, data, tc.status, tc.at, tc.field)
			}
			if after := ts.caseVersion(t, SampleCase); after != before {
				t.Errorf("the case moved from version %d to %d", before, after)
			}
		})
	}
	// *, and then a strong If-Match of the case's version, pass.
	resp, data := ts.send(t, context.Background(), "POST", cmds, auth.Administrator, bookAppointment, map[string]string{"If-Match": "*"})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("If-Match *: %d %s", resp.StatusCode, data)
	}
	resp, data = ts.send(t, context.Background(), "POST", cmds, auth.Administrator, `{"type": "cancel-case", "at": "2026-11-24T09:06:00Z", "reason": "r"}`,
		map[string]string{"If-Match": resp.Header.Get("ETag")})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("If-Match of the ETag: %d %s", resp.StatusCode, data)
	}
}

// A key names one command over HTTP: another command with it, on the same
// case or another, is a 422 idempotency-key-reused and appends nothing;
// the same command again replays.
func TestAKeyNamesOneCommandOverHTTP(t *testing.T) {
	ts := newTestServer(t, serverOptions{})
	ts.openSampleCase(t)
	ctx := context.Background()
	key := map[string]string{"Idempotency-Key": "k-book"}
	const cmds = "/v1/cases/" + SampleCase + "/commands"
	resp, data := ts.send(t, ctx, "POST", cmds, auth.Administrator, bookAppointment, key)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("booking: %d %s", resp.StatusCode, data)
	}
	version, entries := ts.caseVersion(t, SampleCase), len(ts.auditEntries(t))
	for _, tc := range []struct {
		path string
		role auth.Role
		body string
	}{
		{cmds, auth.Doctor, `{"type": "record-consultation", "at": "2026-11-27T10:10:00Z", "item": "history", "text": "knee pain"}`},
		{cmds, auth.Administrator, `{"type": "withdraw", "at": "2026-11-24T09:10:00Z"}`},
		{"/v1/cases", auth.Administrator, `{"type": "open-case", "at": "2026-11-24T09:00:00Z", "caseId": "other", "patient": "p"}`},
	} {
		resp, data := ts.send(t, ctx, "POST", tc.path, tc.role, tc.body, key)
		if e := decodeError(t, data); resp.StatusCode != http.StatusUnprocessableEntity || e.Code != CodeKeyReused {
			t.Errorf("%s with a used key: %d %s", tc.body, resp.StatusCode, data)
		}
	}
	if v, n := ts.caseVersion(t, SampleCase), len(ts.auditEntries(t)); v != version || n != entries {
		t.Errorf("a reused key changed the case (%d -> %d) or the audit log (%d -> %d)", version, v, entries, n)
	}
	if ts.caseVersion(t, "other") != 0 {
		t.Error("a reused key opened a case")
	}
	resp, data = ts.send(t, ctx, "POST", cmds, auth.Administrator, bookAppointment, key)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(data), `"replayed":true`) {
		t.Errorf("the same command again: %d %s", resp.StatusCode, data)
	}
}

// Findings reach the worklists over HTTP: a contraindication a same-day
// re-screening found, for the board and the doctor, and the administration
// it holds until the case is referred to the board.
func TestFindingsOnTheWorklistOverHTTP(t *testing.T) {
	ts := newTestServer(t, serverOptions{now: storetest.Now})
	ctx := context.Background()
	ts.driveTo(t, "c-1", httpInAdmin)
	resp, data := ts.do(t, ctx, "POST", "/v1/cases/c-1/commands", auth.Nurse,
		`{"type": "screen", "at": "2026-11-25T08:30:00Z", "facts": {"oncology": {"active": false, "everTreated": false}, "pregnant": false, "breastfeeding": false,
		"hiv": true, "immunodeficiency": false, "mentalStateUnstable": false, "acuteInflammation": false, "chronicExacerbation": false, "clottingDisorder": false}}`)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("re-screening: %d %s", resp.StatusCode, data)
	}
	for _, role := range []string{"board", "doctor"} {
		resp, data := ts.do(t, ctx, "GET", "/v1/worklist?asOf=2026-11-25T09:00:00Z&role="+role, auth.Auditor, "")
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(data), `"what":"contraindication-found"`) || !strings.Contains(string(data), "immunodeficiency") {
			t.Errorf("the %s's worklist: %d %s", role, resp.StatusCode, data)
		}
	}
	resp, data = ts.do(t, ctx, "POST", "/v1/cases/c-1/commands", auth.Doctor,
		`{"type": "administer", "at": "2026-11-25T09:30:00Z", "route": "intra-articular", "site": "left knee", "cells": 5e7, "lot": "D-118"}`)
	if e := decodeError(t, data); resp.StatusCode != http.StatusUnprocessableEntity || e.Rule != "administration-finding-referred" {
		t.Errorf("administering on the finding: %d %s", resp.StatusCode, data)
	}
}

// A severe adverse event reaches the board's worklist over HTTP and holds
// completion until the case is referred to the board; a case id with a NUL
// or invalid UTF-8 is a clean 404, a list cursor with one a 400.
func TestSevereAdverseEventAndOddIDsOverHTTP(t *testing.T) {
	ts := newTestServer(t, serverOptions{now: storetest.Now})
	ctx := context.Background()
	ts.driveTo(t, "c-1", 22) // in follow-up after the second procedure
	resp, data := ts.do(t, ctx, "POST", "/v1/cases/c-1/commands", auth.Doctor,
		`{"type": "record-adverse-event", "at": "2026-12-04T10:00:00Z", "description": "anaphylaxis", "severity": "severe"}`)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("recording: %d %s", resp.StatusCode, data)
	}
	resp, data = ts.do(t, ctx, "GET", "/v1/worklist?asOf=2026-12-04T11:00:00Z&role=board", auth.Auditor, "")
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(data), `"what":"severe-adverse-event"`) {
		t.Errorf("the board's worklist: %d %s", resp.StatusCode, data)
	}
	resp, data = ts.do(t, ctx, "POST", "/v1/cases/c-1/commands", auth.Doctor,
		`{"type": "refer-to-board", "at": "2026-12-04T10:30:00Z", "reason": "anaphylaxis after the second procedure"}`)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(data), `"stage":"follow-up"`) {
		t.Errorf("referring in follow-up: %d %s", resp.StatusCode, data)
	}
	bad := knowinglyInvalid(ctx)
	for _, path := range []string{"/v1/cases/a%00b", "/v1/cases/%FF%FE", "/v1/cases/a%00b/events"} {
		if resp, data := ts.do(t, bad, "GET", path, auth.Auditor, ""); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d %s", path, resp.StatusCode, data)
		}
	}
	if resp, data := ts.do(t, bad, "GET", "/v1/cases?after=a%00", auth.Auditor, ""); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a cursor with a NUL: %d %s", resp.StatusCode, data)
	}
}
