package audit

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/reocell/celltherapy/procedure"
)

var t0 = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)

func openCmd(caseID string) procedure.Command {
	cmd, err := procedure.DecodeCommand([]byte(`{"type": "open-case", "at": "2026-11-24T09:00:00Z", "caseId": "` + caseID + `", "patient": "p-` + caseID + `"}`))
	if err != nil {
		panic(err)
	}
	return cmd
}

func bookCmd() procedure.Command {
	cmd, err := procedure.DecodeCommand([]byte(`{"type": "book-appointment", "at": "2026-11-24T09:05:00Z", "reason": "knee", "specialist": "s-1", "slot": "2026-11-27T10:00:00Z"}`))
	if err != nil {
		panic(err)
	}
	return cmd
}

var admin = procedure.Actor{ID: "admin-1", Role: procedure.Administrator}

func trailFor(req string) *Trail {
	return &Trail{ActorID: admin.ID, ActorRole: string(admin.Role), RequestID: req, Input: []byte(`{}`)}
}

// givePair opens a case and books it, each command with its trail.
func givePair(ctx context.Context, cases *procedure.Cases, caseID string) error {
	if _, err := cases.Give(ctx, caseID, admin, openCmd(caseID), procedure.WithAuditTrail(trailFor(caseID+"-open"))); err != nil {
		return err
	}
	_, err := cases.Give(ctx, caseID, admin, bookCmd(), procedure.WithAuditTrail(trailFor(caseID+"-book")))
	return err
}

// failingTrail is a trail that cannot make its entries.
type failingTrail struct{}

func (failingTrail) Entries(procedure.AuditTail, []procedure.Event) ([]procedure.AuditEntry, error) {
	return nil, errors.New("no entries today")
}

// TestCaseEventsAuditedInTheirTransaction: commands from many clients and
// decisions at the same time, on one database: every event stored has
// exactly one entry, the chain is one chain, each entry holds its event's
// hash; a command whose entries cannot be written stores nothing.
func TestCaseEventsAuditedInTheirTransaction(t *testing.T) {
	for _, s := range stores(t) {
		t.Run(s.name, func(t *testing.T) {
			ctx := context.Background()
			l := s.open(t, Options{})
			store := s.cases(t)
			cases := procedure.NewCases(store, procedure.WithClock(func() time.Time { return t0.Add(time.Hour) }))
			var wg sync.WaitGroup
			errs := make(chan error, 64)
			for c := range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for k := range 5 {
						if err := givePair(ctx, cases, fmt.Sprintf("c-%d-%d", c, k)); err != nil {
							errs <- err
							return
						}
					}
				}()
			}
			wg.Add(1)
			go func() { // decisions, through the log's own writer
				defer wg.Done()
				for i := range 20 {
					if _, err := l.Append(ctx, record(i)); err != nil {
						errs <- err
						return
					}
				}
			}()
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			if _, err := cases.Give(ctx, "c-0-0", admin, bookCmd(), procedure.WithAuditTrail(failingTrail{})); err == nil {
				t.Fatal("a command whose audit entries failed was stored")
			}
			seen := map[string]int{}
			var decisions int
			n, err := l.Verify(ctx, store)
			if err != nil {
				t.Fatalf("verify after %d entries: %v", n, err)
			}
			l.Entries(ctx, func(e *Entry) error {
				if e.EventHash == "" {
					decisions++
					return nil
				}
				seen[fmt.Sprintf("%s/%d", e.Subject, e.EventVersion)]++
				return nil
			})
			if decisions != 20 {
				t.Errorf("%d decision entries, want 20", decisions)
			}
			var events int
			for c := range 8 {
				for k := range 5 {
					id := fmt.Sprintf("c-%d-%d", c, k)
					evs, err := store.Events(ctx, id)
					if err != nil {
						t.Fatal(err)
					}
					for _, e := range evs {
						events++
						if seen[e.ID()] != 1 {
							t.Errorf("event %s has %d audit entries, want 1", e.ID(), seen[e.ID()])
						}
					}
				}
			}
			if events != len(seen) {
				t.Errorf("%d events stored, %d audited", events, len(seen))
			}
		})
	}
}

// TestVerifyNamesTheEditedEvent: an event changed or deleted in the case
// store by someone past its triggers is named by Verify, though every
// audit entry still matches the chain.
func TestVerifyNamesTheEditedEvent(t *testing.T) {
	tampers := []struct {
		name, sqlite, pg, reason string
		version                  int
	}{
		{"changed", `DROP TRIGGER events_no_update; UPDATE events SET data = replace(data, 'knee', 'hip') WHERE case_id = 'c-2' AND version = 2`,
			`DROP TRIGGER events_no_change ON events; UPDATE events SET data = replace(data, 'knee', 'hip') WHERE case_id = 'c-2' AND version = 2`,
			"changed after it was recorded", 2},
		{"actor changed", `DROP TRIGGER events_no_update; UPDATE events SET actor_id = 'nobody' WHERE case_id = 'c-2' AND version = 3`,
			`DROP TRIGGER events_no_change ON events; UPDATE events SET actor_id = 'nobody' WHERE case_id = 'c-2' AND version = 3`,
			"changed after it was recorded", 3},
		{"deleted", `DROP TRIGGER events_no_delete; DELETE FROM events WHERE case_id = 'c-2' AND version >= 3`,
			`DROP TRIGGER events_no_change ON events; DELETE FROM events WHERE case_id = 'c-2' AND version >= 3`,
			"missing", 3},
	}
	for _, tc := range tampers {
		for _, s := range stores(t) {
			t.Run(tc.name+"/"+s.name, func(t *testing.T) {
				ctx := context.Background()
				l := s.open(t, Options{})
				store := s.cases(t)
				cases := procedure.NewCases(store, procedure.WithClock(func() time.Time { return t0.Add(time.Hour) }))
				for k := range 4 {
					if err := givePair(ctx, cases, fmt.Sprintf("c-%d", k)); err != nil {
						t.Fatal(err)
					}
				}
				if _, err := l.Verify(ctx, store); err != nil {
					t.Fatalf("before tampering: %v", err)
				}
				q := tc.sqlite
				if s.name == "postgres" {
					q = tc.pg
				}
				if err := s.exec(t, q); err != nil {
					t.Fatal(err)
				}
				if _, err := l.Verify(ctx, nil); err != nil {
					t.Fatalf("the chain alone no longer verifies: %v", err)
				}
				_, err := l.Verify(ctx, store)
				var ee *EventError
				if !errors.As(err, &ee) || ee.CaseID != "c-2" || ee.Version != tc.version || !strings.Contains(ee.Reason, tc.reason) {
					t.Fatalf("Verify: %v, want an EventError naming c-2/%d (%s)", err, tc.version, tc.reason)
				}
			})
		}
	}
}
