package httpapi

import (
	"context"
	"strings"
	"testing"

	"github.com/reocell/celltherapy/server/internal/auth"
)

// TestNoPersonalDataInCaseLogs gives case commands carrying values found
// nowhere else (a case id, a patient, free text), some refused, and fails
// if any reaches the log.
func TestNoPersonalDataInCaseLogs(t *testing.T) {
	ts := newTestServer(t, serverOptions{})
	secrets := []string{"Case-Gnu-5521", "Ibex-Patient-7731", "Tapir-Pain-0042", "Quagga-Doc-3310"}
	ctx := context.Background()
	requests := []struct {
		ctx    context.Context
		method string
		path   string
		role   auth.Role
		body   string
		status int
	}{
		{ctx, "POST", "/v1/cases", auth.Administrator,
			`{"type": "open-case", "at": "2026-11-24T09:00:00Z", "caseId": "Case-Gnu-5521", "patient": "Ibex-Patient-7731"}`, 201},
		{ctx, "POST", "/v1/cases/Case-Gnu-5521/commands", auth.Administrator,
			`{"type": "book-appointment", "at": "2026-11-24T09:05:00Z", "reason": "Tapir-Pain-0042", "specialist": "Quagga-Doc-3310", "slot": "2026-11-20T10:00:00Z"}`, 422},
		{knowinglyInvalid(ctx), "POST", "/v1/cases/Case-Gnu-5521/commands", auth.Administrator,
			`{"type": "book-appointment", "at": "Tapir-Pain-0042"}`, 400},
		{ctx, "POST", "/v1/cases/Case-Gnu-5521/commands", auth.Administrator,
			`{"type": "book-appointment", "at": "2026-11-24T09:05:00Z", "reason": "Tapir-Pain-0042", "specialist": "Quagga-Doc-3310", "slot": "2026-11-27T10:00:00Z"}`, 200},
		{ctx, "GET", "/v1/cases/Case-Gnu-5521", auth.Auditor, "", 200},
		{ctx, "GET", "/v1/cases/Case-Gnu-5521/events", auth.Auditor, "", 200},
		{ctx, "GET", "/v1/cases/Ibex-Patient-7731", auth.Auditor, "", 404},
		{ctx, "GET", "/v1/worklist?role=doctor", auth.Doctor, "", 200},
	}
	for _, r := range requests {
		resp, data := ts.do(t, r.ctx, r.method, r.path, r.role, r.body)
		if resp.StatusCode != r.status {
			t.Fatalf("%s %s: %d %s, want %d", r.method, r.path, resp.StatusCode, data, r.status)
		}
	}
	logs := ts.logs.String()
	for _, s := range secrets {
		if strings.Contains(logs, s) {
			t.Errorf("the log holds %q:\n%s", s, logs)
		}
	}
	if !strings.Contains(logs, `"route":"POST /v1/cases/{id}/commands"`) {
		t.Errorf("the log does not name the command route:\n%s", logs)
	}
}
