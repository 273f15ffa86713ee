package httpapi

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/reocell/celltherapy/eligibility"
	"github.com/reocell/celltherapy/examples/server/internal/audit"
	"github.com/reocell/celltherapy/examples/server/internal/authn"
)

// BenchmarkDecision measures POST /v1/decisions/eligibility through the
// whole API (token, role, logging, metrics, durable SQLite audit with group
// commit) against the floor: a bare handler that decodes and screens. Both
// run in parallel clients over loopback keep-alive connections.
func BenchmarkDecision(b *testing.B) {
	b.Run("floor", func(b *testing.B) {
		screener := eligibility.NewDefaultScreener()
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			facts, err := eligibility.DecodeFacts(body)
			if err != nil {
				http.Error(w, err.Error(), 400)
				return
			}
			d, err := screener.Screen(r.Context(), facts)
			if err != nil {
				http.Error(w, err.Error(), 500)
				return
			}
			json.NewEncoder(w).Encode(d)
		}))
		defer srv.Close()
		drive(b, srv.URL, "")
	})
	// The API with an audit log that records nothing: what the durable
	// audit costs is the difference between this and "server".
	b.Run("server-without-audit", func(b *testing.B) {
		ts := newTestServer(b, serverOptions{})
		ts.api.audit = nopAudit{}
		drive(b, ts.URL, ts.token(b, authn.Doctor))
	})
	b.Run("server", func(b *testing.B) {
		ts := newTestServer(b, serverOptions{})
		drive(b, ts.URL, ts.token(b, authn.Doctor))
		b.StopTimer()
		families, err := ts.metrics.Registry().Gather()
		if err != nil {
			b.Fatal(err)
		}
		for _, f := range families {
			if f.GetName() == "celltherapy_audit_commit_batch_size" {
				h := f.GetMetric()[0].GetHistogram()
				b.ReportMetric(h.GetSampleSum()/float64(h.GetSampleCount()), "entries/commit")
			}
		}
	})
}

func drive(b *testing.B, url, token string) {
	b.Helper()
	tr := &http.Transport{MaxIdleConnsPerHost: 256}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	b.ReportAllocs()
	b.SetParallelism(16) // 32 clients on 2 cores
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest("POST", url+"/v1/decisions/eligibility", strings.NewReader(eligiblePatient))
			if token != "" {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			resp, err := client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Fatalf("status %d", resp.StatusCode)
			}
		}
	})
}

// nopAudit is an audit log that keeps nothing, for the benchmark above only.
type nopAudit struct{}

func (nopAudit) Append(context.Context, audit.Record) (audit.Entry, error) {
	return audit.Entry{Seq: 1}, nil
}

func (nopAudit) Ping(context.Context) error { return nil }
