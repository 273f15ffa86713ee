package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/reocell/celltherapy/procedure"
	"github.com/reocell/celltherapy/server/internal/audit"
	"github.com/reocell/celltherapy/server/internal/casebook"
)

// BenchmarkStartCheck measures the start-up checks on a SQLite log of
// 20,000 entries (case events of 1,000 cases and decisions) with 100 new
// since the last start (10 new cases and decisions): over the whole log
// and every event (the baseline, --audit-full-check) and from the record
// of the last start, in the same run.
func BenchmarkStartCheck(b *testing.B) {
	ctx := context.Background()
	cfg := Config{DataDir: b.TempDir()}
	log, err := OpenAudit(ctx, cfg, audit.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer log.Close()
	cases, err := OpenCases(ctx, cfg, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer cases.Close()
	admin := procedure.Actor{ID: "admin-1", Role: procedure.Administrator}
	give := func(prefix string, from, to int) {
		var wg sync.WaitGroup
		for w := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := from + w; i < to; i += 8 {
					id := fmt.Sprintf("%s-%05d", prefix, i)
					if _, err := cases.OpenCase(ctx, admin, []byte(`{"type": "open-case", "at": "2026-11-24T09:00:00Z", "caseId": "`+id+`", "patient": "p"}`),
						casebook.Expect{}, &audit.Trail{ActorID: admin.ID, ActorRole: "administrator", Input: []byte(`{}`)}); err != nil {
						b.Error(err)
						return
					}
					if _, err := cases.Give(ctx, id, admin, []byte(`{"type": "book-appointment", "at": "2026-11-24T09:05:00Z", "reason": "r", "specialist": "s", "slot": "2099-11-27T10:00:00Z"}`),
						casebook.Expect{}, &audit.Trail{ActorID: admin.ID, ActorRole: "administrator", Input: []byte(`{}`)}); err != nil {
						b.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
	}
	size := func() int64 {
		var n int64
		log.Entries(ctx, func(*audit.Entry) error { n++; return nil })
		return n
	}
	decide := func(n int64) {
		var wg sync.WaitGroup
		for w := range 32 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := int64(w); i < n; i += 32 {
					if _, err := log.Append(ctx, audit.Record{ActorID: "dr-1", ActorRole: "doctor", Action: "decision:eligibility",
						RulesetDigest: "eligibility=sha256:abc", Input: []byte(fmt.Sprintf(`{"n":%d}`, i)), Output: []byte(`{"outcome":"eligible"}`)}); err != nil {
						b.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
	}
	give("old", 0, 1000)
	decide(19900 - size())
	file := filepath.Join(cfg.DataDir, StartCheckFile)
	quiet := slog.New(slog.DiscardHandler)
	if _, err := checkStart(ctx, log, cases, file, true, quiet); err != nil {
		b.Fatal(err)
	}
	record, err := os.ReadFile(file)
	if err != nil {
		b.Fatal(err)
	}
	before := size()
	give("new", 0, 10)
	decide(20000 - size())
	if n := size(); n != 20000 {
		b.Fatalf("the log holds %d entries", n)
	}
	b.Logf("%d entries, %d new since the last start", size(), size()-before)
	for _, bc := range []struct {
		name string
		full bool
	}{{"full", true}, {"from-last-start", false}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				if err := os.WriteFile(file, record, 0o600); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				res, err := checkStart(ctx, log, cases, file, bc.full, quiet)
				if err != nil {
					b.Fatal(err)
				}
				if len(res.Gaps) != 0 || res.Full != bc.full {
					b.Fatalf("gaps %v, full %v", res.Gaps, res.Full)
				}
				b.ReportMetric(float64(res.Work.Entries), "entries-read")
				b.ReportMetric(float64(res.Work.Events), "events-read")
			}
		})
	}
}
