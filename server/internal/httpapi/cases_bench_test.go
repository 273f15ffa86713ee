package httpapi

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/reocell/celltherapy/procedure"
	"github.com/reocell/celltherapy/server/internal/audit"
	"github.com/reocell/celltherapy/server/internal/auth"
	"github.com/reocell/celltherapy/server/internal/casebook"
)

// BenchmarkCaseCommand measures a case command (opening a case, booking
// it, then consultation items; 50 commands a case) through the whole API
// (token, role, logs, metrics, the SQLite case store and the durable audit
// log) against the baseline: the same commands given to the case book
// directly, on its own SQLite store, with no HTTP and no audit. Both run
// 8 parallel clients. Each reports commands/s and its p99 latency; the
// fsync-floor sub-benchmark, run first, is the disk's bare fsync loop, so
// that commands/s reads against fsyncs/s of the same run (group commit
// makes more commands than fsyncs possible). With
// CELLTHERAPY_TEST_POSTGRES set, server-postgres runs the API on
// PostgreSQL. The checkpoint sub-benchmarks sign the audit log's
// checkpoints with a key: -ticker as the log alone does (after its own
// batches and every second), -batch with a checkpoint stored in each of
// the case store's commit batches.
func BenchmarkCaseCommand(b *testing.B) {
	b.Run("fsync-floor", benchFsync)
	b.Run("direct", func(b *testing.B) {
		book, err := casebook.Open(context.Background(), casebook.Options{SQLiteFile: filepath.Join(b.TempDir(), "cases.db")})
		if err != nil {
			b.Fatal(err)
		}
		defer book.Close()
		driveCases(b, func(caseID, body string, open bool) error {
			ctx := context.Background()
			var err error
			if open {
				_, err = book.OpenCase(ctx, procedure.Actor{ID: "a", Role: procedure.Administrator}, []byte(body), casebook.Expect{}, nil)
			} else {
				role := procedure.Doctor
				if strings.Contains(body, "book-appointment") {
					role = procedure.Administrator
				}
				_, err = book.Give(ctx, caseID, procedure.Actor{ID: "a", Role: role}, []byte(body), casebook.Expect{}, nil)
			}
			return err
		})
	})
	b.Run("server", func(b *testing.B) { benchServerCommands(b, serverOptions{}) })
	b.Run("server-checkpoint-ticker", func(b *testing.B) { benchServerCommands(b, serverOptions{auditKey: benchKey(b)}) })
	b.Run("server-checkpoint-batch", func(b *testing.B) {
		benchServerCommands(b, serverOptions{auditKey: benchKey(b), sealBatches: true})
	})
	if dsn := os.Getenv("CELLTHERAPY_TEST_POSTGRES"); dsn != "" {
		b.Run("server-postgres", func(b *testing.B) { benchServerCommands(b, serverOptions{postgres: scopedPostgres(b, dsn)}) })
		b.Run("server-postgres-checkpoint-batch", func(b *testing.B) {
			benchServerCommands(b, serverOptions{postgres: scopedPostgres(b, dsn), auditKey: benchKey(b), sealBatches: true})
		})
	}
}

// benchKey is an audit key for a benchmark.
func benchKey(b *testing.B) note.Signer {
	skey, _, err := note.GenerateKey(rand.Reader, audit.KeyName)
	if err != nil {
		b.Fatal(err)
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// benchFsync is the physical floor of a durable commit on this disk: a
// bare loop writing 512 bytes and calling fsync, in the kind of directory
// where the server keeps its database.
func benchFsync(b *testing.B) {
	f, err := os.Create(filepath.Join(b.TempDir(), "fsync"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 512)
	start := time.Now()
	for b.Loop() {
		if _, err := f.Write(buf); err != nil {
			b.Fatal(err)
		}
		if err := f.Sync(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "fsyncs/s")
}

func benchServerCommands(b *testing.B, opts serverOptions) {
	{
		ts := newTestServer(b, opts)
		admin, doctor := ts.token(b, auth.Administrator), ts.token(b, auth.Doctor)
		tr := &http.Transport{MaxIdleConnsPerHost: 64}
		defer tr.CloseIdleConnections()
		client := &http.Client{Transport: tr}
		driveCases(b, func(caseID, body string, open bool) error {
			url, tok := ts.URL+"/v1/cases/"+caseID+"/commands", doctor
			if open {
				url = ts.URL + "/v1/cases"
			}
			if open || strings.Contains(body, "book-appointment") {
				tok = admin
			}
			req, _ := http.NewRequest("POST", url, strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+tok)
			resp, err := client.Do(req)
			if err != nil {
				return err
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode >= 300 {
				return fmt.Errorf("status %d", resp.StatusCode)
			}
			return nil
		})
	}
}

// driveCases gives commands from 8 parallel clients, each on cases of its
// own of 50 commands.
func driveCases(b *testing.B, give func(caseID, body string, open bool) error) {
	b.Helper()
	var clients atomic.Int64
	const at = "2026-11-24T09:00:00Z"
	var mu sync.Mutex
	var took []time.Duration
	b.ReportAllocs()
	b.SetParallelism(8 / runtime.GOMAXPROCS(0)) // 8 clients
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		client := clients.Add(1)
		var mine []time.Duration
		defer func() { mu.Lock(); took = append(took, mine...); mu.Unlock() }()
		for k := 0; pb.Next(); k++ {
			id := fmt.Sprintf("bench-%d-%d", client, k/50)
			body := `{"type": "record-consultation", "at": "` + at + `", "item": "history", "text": "bench"}`
			switch k % 50 {
			case 0:
				body = `{"type": "open-case", "at": "` + at + `", "caseId": "` + id + `", "patient": "p-` + id + `"}`
			case 1:
				body = `{"type": "book-appointment", "at": "` + at + `", "reason": "r", "specialist": "s", "slot": "` + at + `"}`
			}
			t0 := time.Now()
			if err := give(id, body, k%50 == 0); err != nil {
				b.Error(err)
				return
			}
			mine = append(mine, time.Since(t0))
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "commands/s")
	if len(took) > 0 {
		slices.Sort(took)
		b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99-ms")
	}
}
