package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/reocell/celltherapy/procedure"
	"github.com/reocell/celltherapy/server/internal/app"
	"github.com/reocell/celltherapy/server/internal/audit"
)

// TestKillNineUnderLoad kills the server process (SIGKILL) while eight
// clients open and book cases, several times over one database: every
// event acknowledged is stored, every event stored has exactly one audit
// entry, and the chain and the events verify.
func TestKillNineUnderLoad(t *testing.T) {
	dbs := map[string][]string{"sqlite": nil}
	if dsn := os.Getenv("CELLTHERAPY_TEST_POSTGRES"); dsn != "" {
		dbs["postgres"] = []string{"--postgres", freshSchema(t, dsn)}
	} else {
		t.Log("PostgreSQL skipped: set CELLTHERAPY_TEST_POSTGRES")
	}
	for name, extra := range dbs {
		t.Run(name, func(t *testing.T) {
			data := t.TempDir()
			args := append([]string{"--data-dir", data}, extra...)
			tok := token(t, data, "administrator")
			client := &caseClient{http: &http.Client{Timeout: 5 * time.Second}, token: tok}
			at := time.Now().UTC().Add(-time.Hour).Truncate(time.Second).Format(time.RFC3339)
			acked := map[string]int{} // case -> the version an answer acknowledged
			var tried []string
			var mu sync.Mutex
			for round := range 4 {
				c := startChild(t, args...)
				var wg sync.WaitGroup
				for g := range 8 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for n := 0; ; n++ {
							id := fmt.Sprintf("k-%d-%d-%d", round, g, n)
							mu.Lock()
							tried = append(tried, id)
							mu.Unlock()
							open := fmt.Sprintf(`{"type": "open-case", "at": %q, "caseId": %q, "patient": "p"}`, at, id)
							book := fmt.Sprintf(`{"type": "book-appointment", "at": %q, "reason": "r", "specialist": "s", "slot": %q}`, at, at)
							for i, body := range []string{open, book} {
								url := c.url + "/v1/cases"
								if i == 1 {
									url += "/" + id + "/commands"
								}
								status, data, err := client.send(context.Background(), url, body, nil)
								if err != nil {
									return // the server is gone
								}
								if status >= 300 {
									t.Errorf("%s: %d %s", id, status, data)
									return
								}
								var a struct{ Case struct{ Version int } }
								json.Unmarshal(data, &a)
								mu.Lock()
								acked[id] = a.Case.Version
								mu.Unlock()
							}
						}
					}()
				}
				time.Sleep(time.Duration(150+round*70) * time.Millisecond)
				c.cmd.Process.Kill()
				c.cmd.Wait()
				wg.Wait()
			}
			ctx := context.Background()
			cfg := app.Config{DataDir: data}
			if len(extra) > 0 {
				cfg.Postgres = extra[1]
			}
			log, err := app.OpenAudit(ctx, cfg, audit.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer log.Close()
			book, err := app.OpenCases(ctx, cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer book.Close()
			entries := map[string]int{}
			log.Entries(ctx, func(e *audit.Entry) error {
				if e.EventHash != "" {
					entries[fmt.Sprintf("%s/%d", e.Subject, e.EventVersion)]++
				}
				return nil
			})
			stored := 0
			for _, id := range tried {
				evs, err := book.Events(ctx, id)
				if err != nil && !errors.Is(err, procedure.ErrNotFound) {
					t.Fatal(err)
				}
				if len(evs) < acked[id] {
					t.Errorf("case %s: %d events stored, %d acknowledged", id, len(evs), acked[id])
				}
				for _, e := range evs {
					stored++
					if entries[e.ID()] != 1 {
						t.Errorf("event %s has %d audit entries, want 1", e.ID(), entries[e.ID()])
					}
				}
			}
			if stored != len(entries) {
				t.Errorf("%d events stored, %d audit entries of events", stored, len(entries))
			}
			if n, err := log.Verify(ctx, book); err != nil {
				t.Fatalf("verify after %d entries: %v", n, err)
			}
			t.Logf("4 kills: %d cases tried, %d acknowledged, %d events stored, all audited", len(tried), len(acked), stored)
		})
	}
}
