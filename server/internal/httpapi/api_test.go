package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/reocell/celltherapy/rules"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/reocell/celltherapy/procedure"
	"github.com/reocell/celltherapy/server/internal/audit"
	"github.com/reocell/celltherapy/server/internal/auth"
)

const eligiblePatient = `{"asOf": "2026-11-24", "oncology": {"active": false, "everTreated": false}, "pregnant": false,
 "breastfeeding": false, "hiv": false, "immunodeficiency": false, "mentalStateUnstable": false,
 "acuteInflammation": false, "chronicExacerbation": false, "clottingDisorder": false}`

// TestEveryRouteAndRole walks every cell of the route x role table: a role
// the route admits gets an answer (or, on a case route, the procedure's
// own decision, never the route table's refusal), any other role 403, no
// token 401.
func TestEveryRouteAndRole(t *testing.T) {
	ts := newTestServer(t, serverOptions{})
	ts.openSampleCase(t)
	for _, rt := range expandKinds(ts.api.Routes()) {
		if rt.Auth != "" {
			continue // its own authentication: see TestCDSHooks*
		}
		path := rt.Path
		if rt.Sample != "" {
			path = rt.Sample
		}
		if rt.Roles == nil {
			t.Run(rt.Method+" "+rt.Path+"/public", func(t *testing.T) {
				resp, _ := ts.do(t, context.Background(), rt.Method, path, "", rt.Body)
				if resp.StatusCode != http.StatusOK {
					t.Errorf("public route: %d", resp.StatusCode)
				}
			})
			continue
		}
		t.Run(rt.Method+" "+rt.Path+"/no token", func(t *testing.T) {
			resp, data := ts.do(t, knowinglyInvalid(context.Background()), rt.Method, path, "", rt.Body)
			if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") == "" {
				t.Errorf("%d %s, want 401 with WWW-Authenticate", resp.StatusCode, data)
			}
		})
		for _, role := range auth.Roles() {
			t.Run(rt.Method+" "+rt.Path+"/"+string(role), func(t *testing.T) {
				resp, data := ts.do(t, context.Background(), rt.Method, path, role, rt.Body)
				if !allowed(rt.Roles, role) {
					if e := decodeError(t, data); resp.StatusCode != http.StatusForbidden || !strings.Contains(e.Message, "may not use this route") {
						t.Errorf("%d %s, want the route table's 403", resp.StatusCode, data)
					}
					return
				}
				if resp.StatusCode < 300 {
					return
				}
				if !slices.Contains(rt.Decided, resp.StatusCode) || strings.Contains(string(data), "may not use this route") {
					t.Errorf("%d %s, want success or the domain's decision %v", resp.StatusCode, data, rt.Decided)
				}
			})
		}
	}
}

// TestRoutesAndDocumentAgree: every route is documented, and every
// documented operation is served.
func TestRoutesAndDocumentAgree(t *testing.T) {
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(OpenAPI(), &doc); err != nil {
		t.Fatal(err)
	}
	served := map[string]bool{}
	routes := New(Deps{}).Routes()
	for _, rt := range routes {
		if rt.Kinds != nil {
			served[strings.ToLower(rt.Method)+" "+rt.Path] = true // its 404 for other kinds
		}
	}
	for _, rt := range expandKinds(routes) {
		if rt.Auth == AuthConsole {
			continue // the console's HTML pages are not the API
		}
		key := strings.ToLower(rt.Method) + " " + rt.Path
		served[key] = true
		if _, ok := doc.Paths[rt.Path][strings.ToLower(rt.Method)]; !ok {
			t.Errorf("route %s is not in the OpenAPI document", key)
		}
	}
	for path, ops := range doc.Paths {
		for method := range ops {
			if !served[method+" "+path] {
				t.Errorf("the OpenAPI document has %s %s, which is not served", method, path)
			}
		}
	}
}

// TestDecisionIsAuditedBeforeItIsAnswered: the answer names its audit
// entry, which is committed and holds who asked, the input, the answer and
// the ruleset digest.
func TestDecisionIsAuditedBeforeItIsAnswered(t *testing.T) {
	ts := newTestServer(t, serverOptions{})
	resp, data := ts.do(t, context.Background(), "POST", "/v1/decisions/eligibility", auth.Nurse, eligiblePatient)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%d %s", resp.StatusCode, data)
	}
	var d struct {
		Outcome string                  `json:"outcome"`
		Ruleset struct{ Digest string } `json:"ruleset"`
	}
	json.Unmarshal(data, &d)
	if d.Outcome != "eligible" {
		t.Errorf("outcome %q, want eligible", d.Outcome)
	}
	seq := resp.Header.Get("Audit-Entry")
	var found *audit.Entry
	ts.audit.Entries(context.Background(), func(e *audit.Entry) error {
		if seq == jsonInt(e.Seq) {
			found = e
		}
		return nil
	})
	if found == nil {
		t.Fatalf("no audit entry %q", seq)
	}
	switch {
	case found.ActorID != "user-nurse" || found.ActorRole != "nurse":
		t.Errorf("actor %s/%s", found.ActorID, found.ActorRole)
	case found.Action != "decision:eligibility":
		t.Errorf("action %s", found.Action)
	case string(found.Input) != eligiblePatient:
		t.Errorf("input %s", found.Input)
	case strings.TrimSpace(string(data)) != string(found.Output):
		t.Errorf("output %s, answered %s", found.Output, data)
	case found.RulesetDigest != d.Ruleset.Digest || d.Ruleset.Digest == "":
		t.Errorf("audit digest %q, decision digest %q", found.RulesetDigest, d.Ruleset.Digest)
	case found.RequestID != resp.Header.Get("X-Request-Id"):
		t.Errorf("audit request id %q, response %q", found.RequestID, resp.Header.Get("X-Request-Id"))
	}
}

func jsonInt(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func TestErrorsHaveOneShape(t *testing.T) {
	ts := newTestServer(t, serverOptions{maxBody: 4096})
	bad := knowinglyInvalid(context.Background())
	tests := []struct {
		name       string
		ctx        context.Context
		method     string
		path       string
		role       auth.Role
		body       string
		wantStatus int
		wantCode   Code
		wantPath   string
	}{
		{"wrong type", bad, "POST", "/v1/decisions/eligibility", auth.Doctor, `{"pregnant": "yes"}`, 400, CodeBadInput, "$.pregnant"},
		{"unknown fact", bad, "POST", "/v1/decisions/eligibility", auth.Doctor, `{"pregnantx": true}`, 400, CodeBadInput, "$.pregnantx"},
		{"bad instant", bad, "POST", "/v1/decisions/triage", auth.Nurse, `{"now": "yesterday"}`, 400, CodeBadInput, "$.now"},
		{"not JSON", bad, "POST", "/v1/decisions/therapy", auth.Doctor, `{"asOf": `, 400, CodeBadInput, ""},
		{"too large", bad, "POST", "/v1/decisions/eligibility", auth.Doctor, `{"x": "` + strings.Repeat("a", 5000) + `"}`, 413, CodeTooLarge, ""},
		{"not UTF-8", bad, "POST", "/v1/decisions/eligibility", auth.Doctor, "{\"asOf\": \"\xff\"}", 400, CodeBadInput, "$"},
		{"no token", bad, "GET", "/v1/rulesets", "", "", 401, CodeUnauthenticated, ""},
		{"role refused", context.Background(), "POST", "/v1/decisions/therapy", auth.Lab, `{}`, 403, CodeForbidden, ""},
		{"no such route", undocumented(context.Background()), "GET", "/v1/nothing", auth.Doctor, "", 404, CodeNotFound, ""},
		{"wrong method", undocumented(context.Background()), "DELETE", "/v1/rulesets", auth.Doctor, "", 405, CodeMethodNotAllowed, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, data := ts.do(t, tc.ctx, tc.method, tc.path, tc.role, tc.body)
			e := decodeError(t, data)
			if resp.StatusCode != tc.wantStatus || e.Code != tc.wantCode {
				t.Fatalf("%d %s, want %d %s", resp.StatusCode, data, tc.wantStatus, tc.wantCode)
			}
			if e.Path != tc.wantPath && tc.wantPath != "" {
				t.Errorf("path %q, want %q", e.Path, tc.wantPath)
			}
			if e.RequestID == "" || e.RequestID != resp.Header.Get("X-Request-Id") {
				t.Errorf("requestId %q, header %q", e.RequestID, resp.Header.Get("X-Request-Id"))
			}
		})
	}
}

func TestStatusTable(t *testing.T) {
	tests := []struct {
		err  error
		want int
	}{
		{ErrNotFound, 404},
		{ErrConflict, 409},
		{ErrGuardNotMet, 422},
		{audit.ErrClosed, 503},
		{context.DeadlineExceeded, 503},
		{&auth.Error{Reason: "x"}, 401},
		{&http.MaxBytesError{Limit: 1}, 413},
		{errString("disk on fire"), 500},
		{&procedure.InvalidError{Problems: []rules.FieldError{{Path: "$.at", Message: "is required"}}}, 400},
		{&procedure.ForbiddenError{Role: procedure.Nurse, Command: procedure.CmdOpenCase}, 403},
		{fmt.Errorf("reading: %w", procedure.ErrNotFound), 404},
		{&procedure.VersionError{CaseID: "c", Expected: 1, Actual: 2}, 409},
		{procedure.ErrConflict, 409},
		{&procedure.RefusedError{Rule: "slot-in-future", Reason: "x"}, 422},
		{procedure.ErrSchema, 500},
	}
	for _, tc := range tests {
		t.Run(tc.err.Error(), func(t *testing.T) {
			e, internal := classify(tc.err)
			if got := e.Code.Status(); got != tc.want {
				t.Errorf("status %d, want %d", got, tc.want)
			}
			if tc.want == 500 && (!internal || e.Message != "internal error") {
				t.Errorf("internal error shown as %+v", e)
			}
		})
	}
}

type errString string

func (e errString) Error() string { return string(e) }

// expandKinds gives the decision route one row per kind, with its path,
// roles and body: the rows of the route x role table, and the paths of the
// OpenAPI document.
func expandKinds(routes []Route) []Route {
	var out []Route
	for _, rt := range routes {
		if rt.Kinds == nil {
			out = append(out, rt)
			continue
		}
		for _, k := range rt.Kinds {
			row := rt
			row.Path, row.Roles, row.Body, row.Kinds = k.Path(rt.Path), k.Roles, k.Body, nil
			out = append(out, row)
		}
	}
	return out
}

// TestOneDecisionRoute: the decision kinds are served by one route, and a
// kind the server does not serve is 404 with a body that names the kinds.
func TestOneDecisionRoute(t *testing.T) {
	n := 0
	for _, rt := range New(Deps{}).Routes() {
		if strings.HasPrefix(rt.Path, "/v1/decisions") {
			n++
			if rt.Path != "/v1/decisions/{kind}" || len(rt.Kinds) != len(procedure.DecisionKinds()) {
				t.Errorf("decision route %s with %d kinds", rt.Path, len(rt.Kinds))
			}
		}
	}
	if n != 1 {
		t.Errorf("%d decision routes, want 1", n)
	}
	ts := newTestServer(t, serverOptions{})
	resp, data := ts.do(t, knowinglyInvalid(context.Background()), "POST", "/v1/decisions/horoscope", auth.Doctor, `{}`)
	e := decodeError(t, data)
	if resp.StatusCode != http.StatusNotFound || e.Code != CodeNotFound || e.Field != "kind" ||
		!strings.Contains(e.Message, `"horoscope"`) || !strings.Contains(e.Message, "eligibility, therapy, aftercare, triage") {
		t.Errorf("unknown kind: %d %s", resp.StatusCode, data)
	}
}
