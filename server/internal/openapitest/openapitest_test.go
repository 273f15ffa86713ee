package openapitest

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

const doc = `{"openapi": "3.1.0", "info": {"title": "t", "version": "1"},
 "paths": {"/thing": {"post": {
  "requestBody": {"required": true, "content": {"application/json": {"schema": {
    "type": "object", "required": ["n"], "properties": {"n": {"type": "integer"}}}}}},
  "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {
    "type": "object", "required": ["ok"], "properties": {"ok": {"type": "boolean"}}}}}}}}}}}`

// recorder is a testing.TB that keeps what would fail a test.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

// TestTransportReportsMismatches: the checks can fail, in both directions.
func TestTransportReportsMismatches(t *testing.T) {
	tests := []struct {
		name     string
		ctx      context.Context
		request  string
		response string
		want     string // "" for no report
	}{
		{"both match", context.Background(), `{"n": 1}`, `{"ok": true}`, ""},
		{"bad request", context.Background(), `{"n": "one"}`, `{"ok": true}`, "the request does not match"},
		{"bad response", context.Background(), `{"n": 1}`, `{"ok": "yes"}`, "the response does not match"},
		{"knowingly bad request", KnowinglyInvalid(context.Background()), `{"n": "one"}`, `{"ok": true}`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.Write([]byte(tc.response))
			}))
			defer srv.Close()
			rec := &recorder{TB: t}
			client := &http.Client{Transport: Transport(rec, []byte(doc), nil)}
			req, _ := http.NewRequestWithContext(tc.ctx, "POST", srv.URL+"/thing", strings.NewReader(tc.request))
			req.Header.Set("Content-Type", "application/json")
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			got := strings.Join(rec.errors, "\n")
			if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
				t.Errorf("reports %q, want %q", got, tc.want)
			}
		})
	}
}
