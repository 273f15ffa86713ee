package httpapi

import (
	"context"
	"encoding/json"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/reocell/celltherapy/eligibility"
	"github.com/reocell/celltherapy/server/internal/auth"
)

func TestPanicBecomesAnInternalError(t *testing.T) {
	ts := newTestServer(t, serverOptions{})
	h := ts.api.observe("GET /boom", ts.api.recoverPanic(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic("secret detail: table cases has no column x")
	})))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/boom", nil))
	e := decodeError(t, rec.Body.Bytes())
	if rec.Code != 500 || e.Code != CodeInternal || e.Message != "internal error" || e.RequestID == "" {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	if strings.Contains(rec.Body.String(), "secret") {
		t.Errorf("the panic reached the caller: %s", rec.Body)
	}
	if !strings.Contains(ts.logs.String(), e.RequestID) || !strings.Contains(ts.logs.String(), "secret detail") {
		t.Errorf("the log does not have the panic with request id %s", e.RequestID)
	}
}

// TestNoPersonalDataInLogs sends facts with values found nowhere else and
// fails if any reaches the log, while the log line still says who asked
// what and how it went.
func TestNoPersonalDataInLogs(t *testing.T) {
	ts := newTestServer(t, serverOptions{})
	secrets := []string{"1937-05-11", "1942-02-28", "Zebra-Knee-4417", "2031-03-04T05:06:07Z", "Okapi-Elbow-9931"}
	requests := []struct {
		path string
		role auth.Role
		body string
		ok   bool
	}{
		{"/v1/decisions/eligibility", auth.Doctor, `{"asOf":"1942-02-28","oncology":{"active":false,"everTreated":true,"lastTreatmentEnd":"1937-05-11"}}`, true},
		{"/v1/decisions/therapy", auth.Board, `{"condition":{"category":"orthopedic","site":"Zebra-Knee-4417"}}`, true},
		{"/v1/decisions/aftercare", auth.Nurse, `{"administeredAt":"2031-03-04T05:06:07Z","route":"local","site":"Okapi-Elbow-9931"}`, true},
		{"/v1/decisions/triage", auth.Nurse, `{"now":"2031-03-04T05:06:07Z","symptom":{"name":"Okapi-Elbow-9931"}}`, false},
		{"/v1/decisions/eligibility", auth.Doctor, `{"asOf":"Zebra-Knee-4417"}`, false},
	}
	for _, r := range requests {
		ctx := context.Background()
		if !r.ok {
			ctx = knowinglyInvalid(ctx)
		}
		resp, data := ts.do(t, ctx, "POST", r.path, r.role, r.body)
		if (resp.StatusCode == 200) != r.ok {
			t.Fatalf("%s: %d %s", r.path, resp.StatusCode, data)
		}
	}
	logs := ts.logs.String()
	for _, s := range secrets {
		if strings.Contains(logs, s) {
			t.Errorf("the log holds the fact value %q:\n%s", s, logs)
		}
	}
	var line struct {
		RequestID, Route, Role, Subject string
		Status                          int
		DurationMs                      *float64
	}
	first, _, _ := strings.Cut(logs, "\n")
	if err := json.Unmarshal([]byte(first), &line); err != nil {
		t.Fatalf("log line %q: %v", first, err)
	}
	if line.RequestID == "" || line.Route != "POST /v1/decisions/eligibility" || line.Role != "doctor" ||
		line.Subject != "user-doctor" || line.Status != 200 || line.DurationMs == nil {
		t.Errorf("log line %s lacks request id, route, role, subject, status or duration", first)
	}
}

func TestMetrics(t *testing.T) {
	ts := newTestServer(t, serverOptions{})
	ts.do(t, context.Background(), "POST", "/v1/decisions/eligibility", auth.Doctor, eligiblePatient)
	_, data := ts.do(t, context.Background(), "GET", "/metrics", "", "")
	for _, want := range []string{
		`celltherapy_decisions_total{kind="eligibility",outcome="eligible"} 1`,
		`celltherapy_http_request_duration_seconds_count{route="POST /v1/decisions/eligibility",status="200"} 1`,
		`celltherapy_audit_commit_batch_size_count 1`,
		`celltherapy_store_append_duration_seconds_count{store="audit"} 1`,
		`celltherapy_rules_reloads_total{result="failure"} 0`,
		`celltherapy_rules_last_reload_success_timestamp_seconds`,
	} {
		if !strings.Contains(string(data), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestReadyz(t *testing.T) {
	ts := newTestServer(t, serverOptions{})
	if resp, data := ts.do(t, context.Background(), "GET", "/readyz", "", ""); resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, data)
	}
	ts.audit.Close() // the database is gone
	resp, data := ts.do(t, context.Background(), "GET", "/readyz", "", "")
	if resp.StatusCode != 503 || !strings.Contains(string(data), `"audit":"unreachable"`) {
		t.Fatalf("%d %s, want 503 naming the audit database", resp.StatusCode, data)
	}
}

// TestReloadUnderLoad swaps a broken rule file in, then a good one, while
// clients keep asking: no request fails, and every decision carries the
// digest of the rules in force when it was made.
func TestReloadUnderLoad(t *testing.T) {
	dir := t.TempDir()
	original, err := fs.ReadFile(eligibility.DefaultFS(), "contraindications.yaml")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "contraindications.yaml")
	writeFile(t, file, original)
	ts := newTestServer(t, serverOptions{rulesDir: dir})
	ctx, cancel := context.WithCancel(context.Background())
	watching := make(chan error, 1)
	go func() { watching <- ts.rules.Watch(ctx) }()
	defer func() { cancel(); <-watching }()
	time.Sleep(50 * time.Millisecond)
	oldDigest := ts.rules.Current().Rulesets()[0].Digest

	type result struct {
		start, end time.Time
		digest     string
		status     int
	}
	var mu sync.Mutex
	var results []result
	stop := make(chan struct{})
	var wg sync.WaitGroup
	token := ts.token(t, auth.Doctor)
	for range 8 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				start := time.Now()
				req, _ := http.NewRequest("POST", ts.URL+"/v1/decisions/eligibility", strings.NewReader(eligiblePatient))
				req.Header.Set("Authorization", "Bearer "+token)
				req.Header.Set("Content-Type", "application/json")
				resp, err := ts.client.Do(req)
				r := result{start: start}
				if err == nil {
					var d struct{ Ruleset struct{ Digest string } }
					json.NewDecoder(resp.Body).Decode(&d)
					resp.Body.Close()
					r.digest, r.status = d.Ruleset.Digest, resp.StatusCode
				}
				r.end = time.Now()
				mu.Lock()
				results = append(results, r)
				mu.Unlock()
			}
		})
	}
	time.Sleep(150 * time.Millisecond)
	writeFile(t, file, []byte("ruleset: msc-contraindications\nrules: [\n"))
	waitUntil(t, func() bool { return ts.rules.Status().LastError != "" })
	_, data := ts.do(t, context.Background(), "GET", "/v1/rulesets", auth.Auditor, "")
	if !strings.Contains(string(data), "contraindications.yaml:") {
		t.Errorf("/v1/rulesets does not report the failed reload: %s", data)
	}
	time.Sleep(100 * time.Millisecond)
	writeFile(t, file, []byte(strings.Replace(string(original), `version: "`, `version: "reloaded-`, 1)))
	waitUntil(t, func() bool { return ts.rules.Current().Rulesets()[0].Digest != oldDigest })
	swapped := time.Now()
	newDigest := ts.rules.Current().Rulesets()[0].Digest
	time.Sleep(150 * time.Millisecond)
	close(stop)
	wg.Wait()

	swappedAt := ts.rules.Status().LastSuccess
	var before, after int
	for _, r := range results {
		switch {
		case r.status != 200:
			t.Fatalf("a request failed during the reloads: status %d", r.status)
		case r.digest != oldDigest && r.digest != newDigest:
			t.Fatalf("a decision names digest %s, neither the old nor the new rules", r.digest)
		case r.end.Before(swappedAt) && r.digest != oldDigest:
			t.Fatalf("a decision finished before the swap names the new rules")
		case r.start.After(swapped) && r.digest != newDigest:
			t.Fatalf("a decision started after the swap names the old rules")
		case r.digest == oldDigest:
			before++
		default:
			after++
		}
	}
	if before == 0 || after == 0 {
		t.Fatalf("%d decisions on the old rules, %d on the new: the load did not span the swap", before, after)
	}
	_, data = ts.do(t, context.Background(), "GET", "/metrics", "", "")
	for _, none := range []string{`celltherapy_rules_reloads_total{result="failure"} 0`, `celltherapy_rules_reloads_total{result="success"} 0`} {
		if strings.Contains(string(data), none) {
			t.Errorf("metrics say %s", none)
		}
	}
	if n, err := ts.audit.Verify(context.Background(), ts.cases); err != nil || n < int64(len(results)) {
		t.Errorf("audit Verify = %d, %v; want at least %d entries", n, err, len(results))
	}
}

func writeFile(t *testing.T, name string, data []byte) {
	t.Helper()
	// Write then rename, as editors and deploy tools do: the watcher never
	// sees half a file.
	tmp := name + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, name); err != nil {
		t.Fatal(err)
	}
}

func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
