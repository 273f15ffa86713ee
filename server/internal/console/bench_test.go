package console_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/reocell/celltherapy/procedure"
	"github.com/reocell/celltherapy/server/internal/audit"
	"github.com/reocell/celltherapy/server/internal/auth"
	"github.com/reocell/celltherapy/server/internal/casebook"
)

// seedCases opens n cases on the SQLite store, every other one booked (a
// consultation due for the doctor), from 16 parallel writers.
func seedCases(b *testing.B, book *casebook.Book, n int) {
	b.Helper()
	ctx := context.Background()
	admin := procedure.Actor{ID: "seed", Role: procedure.Administrator}
	var (
		wg    sync.WaitGroup
		next  = make(chan int)
		first error
		mu    sync.Mutex
	)
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				id := fmt.Sprintf("case-%05d", i)
				_, err := book.OpenCase(ctx, admin, []byte(fmt.Sprintf(`{"type":"open-case","at":"2026-09-01T09:00:00Z","caseId":%q,"patient":"patient-%05d"}`, id, i)), casebook.Expect{}, nil)
				if err == nil && i%2 == 0 {
					slot := time.Date(2026, 9, 2, 9, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Minute).Format(time.RFC3339)
					_, err = book.Give(ctx, id, admin, []byte(`{"type":"book-appointment","at":"2026-09-01T09:05:00Z","reason":"knee","specialist":"s","slot":"`+slot+`"}`), casebook.Expect{}, nil)
				}
				if err != nil {
					mu.Lock()
					first = err
					mu.Unlock()
				}
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	if first != nil {
		b.Fatal(first)
	}
}

// seedAudit appends n audit entries of case events, from 16 writers, and
// 50 screenings with unreviewed records spread among them.
func seedAudit(b *testing.B, e *env, n int) {
	b.Helper()
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for w := range 16 {
		wg.Go(func() {
			for i := w; i < n; i += 16 {
				in := fmt.Sprintf(`{"type":"book-appointment","at":"2026-09-01T09:05:00Z","reason":"knee","specialist":"s","slot":"2026-09-02T09:00:00Z","case":"case-%05d"}`, i)
				if _, err := e.audit.Append(ctx, audit.Record{ActorID: "seed", ActorRole: "administrator", Action: "case:appointment-booked",
					Subject: fmt.Sprintf("case-%05d", i), Input: []byte(in), Output: []byte(`{"version":2}`)}); err != nil {
					errs <- err
					return
				}
				if i%(n/50) == 0 {
					e.screened(b)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
}

// BenchmarkPages renders each console page through the whole server
// (loopback HTTP, session, route table, store, template) with 10,000 cases
// in the SQLite store. The baseline is the console's stylesheet: the same
// path with no session, store or template.
func BenchmarkPages(b *testing.B) {
	e := newEnv(b, envOptions{})
	start := time.Now()
	seedCases(b, e.book, 10000)
	b.Logf("seeded 10000 cases in %v", time.Since(start).Round(time.Millisecond))
	// The audit log as 10,000 cases leave it (an entry per event), with the
	// CDS Hooks screenings among them, for the unreviewed records' pages.
	start = time.Now()
	seedAudit(b, e, 15000)
	b.Logf("seeded 15000 audit entries and 50 screenings in %v", time.Since(start).Round(time.Millisecond))
	var screening int64 // a screening in the middle of the log
	e.audit.Entries(context.Background(), func(en *audit.Entry) error {
		if en.Action == "cds-screening" && en.Seq < 8000 && strings.Contains(string(en.Input), "unreviewedRecords") {
			screening = en.Seq
		}
		return nil
	})
	doctor, admin := e.browser(b), e.browser(b)
	e.signIn(b, doctor, auth.Doctor, "dr")
	e.signIn(b, admin, auth.Administrator, "ann")
	pages := []struct {
		name string
		c    *http.Client
		path string
	}{
		{"baseline-static", doctor, "/console/static/console.css"},
		{"sign-in", doctor, "/console/sign-in"},
		{"worklist-doctor", doctor, "/console/worklist"},
		{"worklist-doctor-page-50", doctor, "/console/worklist?page=50"},
		{"worklist-doctor-stage-filter", doctor, "/console/worklist?stage=consultation&page=20"},
		{"worklist-administrator", admin, "/console/worklist"},
		{"case-doctor", doctor, "/console/cases/case-04242"},
		{"case-administrator", admin, "/console/cases/case-04243"},
		{"rules", doctor, "/console/rules"},
		{"playground-eligibility", doctor, "/console/playground?kind=eligibility"},
		{"unreviewed", doctor, "/console/unreviewed"},
		{"unreviewed-one", doctor, "/console/unreviewed/" + strconv.FormatInt(screening, 10)},
	}
	for _, p := range pages {
		b.Run(p.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				resp, err := p.c.Get(e.URL + p.path)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Fatalf("%s: %d", p.path, resp.StatusCode)
				}
			}
		})
	}
}
