package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/reocell/celltherapy/server/internal/auth"
)

const bookAppointment = `{"type": "book-appointment", "at": "2026-11-24T09:05:00Z", "reason": "knee pain", "specialist": "orthopedist-2", "slot": "2026-11-27T10:00:00Z"}`

// caseVersion reads the case's version, or 0 when it does not exist.
func (ts *testServer) caseVersion(t *testing.T, id string) int {
	t.Helper()
	resp, data := ts.do(t, undocumented(context.Background()), "GET", "/v1/cases/"+id, auth.Auditor, "")
	if resp.StatusCode == http.StatusNotFound {
		return 0
	}
	var c struct{ Version int }
	json.Unmarshal(data, &c)
	return c.Version
}

// TestCaseErrors: each of procedure's refusals is its status in the one
// error shape, names what is at fault, and appends nothing.
func TestCaseErrors(t *testing.T) {
	ts := newTestServer(t, serverOptions{})
	ts.openSampleCase(t)
	bad := knowinglyInvalid(context.Background())
	ok := context.Background()
	const cmds = "/v1/cases/" + SampleCase + "/commands"
	tests := []struct {
		name      string
		ctx       context.Context
		method    string
		path      string
		role      auth.Role
		body      string
		headers   map[string]string
		status    int
		code      Code
		jsonPath  string // the JSON path named, if any
		field     string // the header or parameter named, if any
		rule      string // the procedure rule named, if any
		inMessage string
	}{
		{name: "invalid field", ctx: bad, method: "POST", path: cmds, role: auth.Administrator,
			body:   `{"type": "book-appointment", "at": "2026-11-24T09:05:00Z", "reason": "", "specialist": "x", "slot": "2026-11-27T10:00:00Z"}`,
			status: 400, code: CodeBadInput, jsonPath: "$.reason"},
		{name: "unknown command", ctx: bad, method: "POST", path: cmds, role: auth.Doctor, body: `{"type": "heal", "at": "2026-11-24T09:05:00Z"}`,
			status: 400, code: CodeBadInput, jsonPath: "$.type"},
		{name: "open-case to an existing case", ctx: bad, method: "POST", path: cmds, role: auth.Administrator, body: SampleOpenCase(SampleCase),
			status: 400, code: CodeBadInput, jsonPath: "$.type"},
		{name: "a command to open", ctx: bad, method: "POST", path: "/v1/cases", role: auth.Administrator, body: bookAppointment,
			status: 400, code: CodeBadInput, jsonPath: "$.type"},
		{name: "role may not give it", ctx: ok, method: "POST", path: cmds, role: auth.Nurse, body: bookAppointment,
			status: 403, code: CodeForbidden, inMessage: "administrator"},
		{name: "no such case", ctx: ok, method: "POST", path: "/v1/cases/nobody/commands", role: auth.Administrator, body: bookAppointment,
			status: 404, code: CodeNotFound},
		{name: "read no such case", ctx: ok, method: "GET", path: "/v1/cases/nobody", role: auth.Auditor, status: 404, code: CodeNotFound},
		{name: "opened twice", ctx: ok, method: "POST", path: "/v1/cases", role: auth.Administrator, body: SampleOpenCase(SampleCase),
			status: 409, code: CodeConflict, inMessage: "already exists"},
		{name: "stale If-Match", ctx: ok, method: "POST", path: cmds, role: auth.Administrator, body: bookAppointment,
			headers: map[string]string{"If-Match": `"7"`}, status: 409, code: CodeConflict, inMessage: "version 1, not the expected version 7"},
		{name: "stale expectedVersion", ctx: ok, method: "POST", path: cmds, role: auth.Administrator,
			body: strings.Replace(bookAppointment, "{", `{"expectedVersion": 0, `, 1), status: 409, code: CodeConflict},
		{name: "If-Match not a version", ctx: ok, method: "POST", path: cmds, role: auth.Administrator, body: bookAppointment,
			headers: map[string]string{"If-Match": "yesterday"}, status: 400, code: CodeBadInput, field: "If-Match"},
		{name: "If-Match and body differ", ctx: ok, method: "POST", path: cmds, role: auth.Administrator,
			body: strings.Replace(bookAppointment, "{", `{"expectedVersion": 2, `, 1), headers: map[string]string{"If-Match": `"1"`},
			status: 400, code: CodeBadInput, jsonPath: "$.expectedVersion", field: "If-Match"},
		{name: "key header and body differ", ctx: ok, method: "POST", path: cmds, role: auth.Administrator,
			body: strings.Replace(bookAppointment, "{", `{"key": "k-1", `, 1), headers: map[string]string{"Idempotency-Key": "k-2"},
			status: 400, code: CodeBadInput, jsonPath: "$.key", field: "Idempotency-Key"},
		{name: "refused by a rule", ctx: ok, method: "POST", path: cmds, role: auth.Administrator,
			body:   strings.Replace(bookAppointment, "2026-11-27T10:00:00Z", "2026-11-20T10:00:00Z", 1),
			status: 422, code: CodeGuardNotMet, rule: "slot-in-future"},
		{name: "wrong stage", ctx: ok, method: "POST", path: cmds, role: auth.Doctor,
			body:   `{"type": "record-consultation", "at": "2026-11-24T10:10:00Z", "item": "history", "text": "knee pain"}`,
			status: 422, code: CodeGuardNotMet, rule: "command-stage"},
		{name: "worklist asOf", ctx: bad, method: "GET", path: "/v1/worklist?asOf=monday", role: auth.Auditor, status: 400, code: CodeBadInput, field: "asOf"},
		{name: "worklist role", ctx: bad, method: "GET", path: "/v1/worklist?role=janitor", role: auth.Auditor, status: 400, code: CodeBadInput, field: "role"},
		{name: "list stage", ctx: bad, method: "GET", path: "/v1/cases?stage=limbo", role: auth.Auditor, status: 400, code: CodeBadInput, field: "stage"},
		{name: "list limit", ctx: bad, method: "GET", path: "/v1/cases?limit=0", role: auth.Auditor, status: 400, code: CodeBadInput, field: "limit"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before, entries := ts.caseVersion(t, SampleCase), len(ts.auditEntries(t))
			resp, data := ts.send(t, tc.ctx, tc.method, tc.path, tc.role, tc.body, tc.headers)
			e := decodeError(t, data)
			if resp.StatusCode != tc.status || e.Code != tc.code {
				t.Fatalf("%d %s, want %d %s", resp.StatusCode, data, tc.status, tc.code)
			}
			if e.Path != tc.jsonPath || e.Field != tc.field || e.Rule != tc.rule {
				t.Errorf("path %q field %q rule %q, want %q %q %q (%s)", e.Path, e.Field, e.Rule, tc.jsonPath, tc.field, tc.rule, data)
			}
			if !strings.Contains(e.Message, tc.inMessage) {
				t.Errorf("message %q, want it to say %q", e.Message, tc.inMessage)
			}
			if after := ts.caseVersion(t, SampleCase); after != before || len(ts.auditEntries(t)) != entries {
				t.Errorf("a refused command changed the case (version %d -> %d) or the audit log", before, after)
			}
		})
	}
}

// TestBadFieldsKeepTheirJSON: a bad field reaches the error body as the
// domain's rules.FieldError, encoded as exactly {"path", "message"}, for a
// case command (procedure.InvalidError) and for facts (rules.FieldErrors).
func TestBadFieldsKeepTheirJSON(t *testing.T) {
	ts := newTestServer(t, serverOptions{})
	ts.openSampleCase(t)
	bad := knowinglyInvalid(context.Background())
	for _, tc := range []struct {
		path, body, want string
		role             auth.Role
	}{
		{"/v1/cases/" + SampleCase + "/commands",
			`{"type": "book-appointment", "at": "2026-11-24T09:05:00Z", "reason": "", "specialist": "x", "slot": "2026-11-27T10:00:00Z"}`,
			"$.reason", auth.Administrator},
		{"/v1/decisions/eligibility", `{"pregnant": "yes"}`, "$.pregnant", auth.Doctor},
	} {
		resp, data := ts.do(t, bad, "POST", tc.path, tc.role, tc.body)
		var body struct {
			Problems []map[string]any `json:"problems"`
		}
		if err := json.Unmarshal(data, &body); err != nil || resp.StatusCode != 400 || len(body.Problems) == 0 {
			t.Fatalf("%s: %d %s", tc.path, resp.StatusCode, data)
		}
		p := body.Problems[0]
		if len(p) != 2 || p["path"] != tc.want || p["message"] == "" || p["message"] == nil {
			t.Errorf("%s: problem %v, want exactly path %s and a message", tc.path, p, tc.want)
		}
	}
}
