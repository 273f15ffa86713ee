package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/reocell/celltherapy/procedure"
	"github.com/reocell/celltherapy/procedure/sqlite"
	"github.com/reocell/celltherapy/procedure/storetest"
)

func open(t *testing.T, path string) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, storetest.Harness{
		Open: func(t *testing.T) procedure.Store { return open(t, filepath.Join(t.TempDir(), "cases.db")) },
		Tamper: func(t *testing.T, s procedure.Store, caseID string) []error {
			db := s.(*sqlite.Store).DB()
			_, upd := db.Exec(`UPDATE events SET data = '{}' WHERE case_id = ?`, caseID)
			_, del := db.Exec(`DELETE FROM events WHERE case_id = ?`, caseID)
			return []error{upd, del}
		},
	})
}

// TestPackedWorkItems checks the packed worklist rows: a patient may hold
// any text, a case id that would break the packing is refused.
func TestPackedWorkItems(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "cases.db"))
	req := storetest.Request("c1", 0, 1, "")
	req.Summary.Patient = "Ann\x1fLee"
	if _, err := s.Append(ctx, req); err != nil {
		t.Fatal(err)
	}
	items, err := s.Worklist(ctx, procedure.WorklistQuery{AsOf: req.Summary.Due[0].By})
	if err != nil || len(items) != 1 || items[0].Patient != "Ann\x1fLee" || items[0].CaseID != "c1" || items[0].Ref != req.Summary.Due[0].Ref {
		t.Fatalf("worklist %+v, %v", items, err)
	}
	bad := storetest.Request("c\x1f2", 0, 1, "")
	if _, err := s.Append(ctx, bad); err == nil {
		t.Error("a case id with a unit separator was stored")
	}
	if _, err := s.Events(ctx, "c\x1f2"); !errors.Is(err, procedure.ErrNotFound) {
		t.Errorf("the refused append left events: %v", err)
	}
}

// TestCommandEventsFollowOtherWriters: two stores (two processes) on one
// file append to one case in turn; the events each answers a command with
// are the case's as stored, the other's appends included, though each
// keeps what it read and wrote in memory; and an edited event is seen by
// Events, which reads the database, whatever is kept.
func TestCommandEventsFollowOtherWriters(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cases.db")
	a, b := open(t, path), open(t, path)
	stores := []*sqlite.Store{a, b}
	for v := 0; v < 6; v++ {
		s := stores[v%2]
		if v > 0 {
			held, err := s.CommandEvents(ctx, "c1")
			if err != nil || len(held) != v || held[v-1].Version != v {
				t.Fatalf("before append %d: %d events (%v), want %d", v+1, len(held), err, v)
			}
		}
		req := storetest.Request("c1", v, 1, "")
		// An instant given with an offset is kept as stored, in UTC.
		req.Events[0].At = req.Events[0].At.In(time.FixedZone("MSK", 3*3600))
		req.Events[0].RecordedAt = time.Now()
		if _, err := s.Append(ctx, req); err != nil {
			t.Fatalf("append %d: %v", v+1, err)
		}
	}
	for _, s := range stores {
		held, err := s.CommandEvents(ctx, "c1")
		if err != nil {
			t.Fatal(err)
		}
		stored, err := s.Events(ctx, "c1")
		if err != nil || len(held) != 6 || len(stored) != 6 {
			t.Fatalf("kept %d events, stored %d (%v); want 6", len(held), len(stored), err)
		}
		// Instants compared as written, zone and monotonic reading included.
		asWritten := cmp.Comparer(func(a, b time.Time) bool { return a.String() == b.String() })
		if diff := cmp.Diff(stored, held, asWritten); diff != "" {
			t.Errorf("the events kept are not the events as stored (-stored +kept):\n%s", diff)
		}
	}
	db := a.DB()
	if _, err := db.Exec(`DROP TRIGGER events_no_update`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE events SET data = '{"edited": true}' WHERE case_id = 'c1' AND version = 2`); err != nil {
		t.Fatal(err)
	}
	stored, err := a.Events(ctx, "c1")
	if err != nil || string(stored[1].Data) != `{"edited": true}` {
		t.Fatalf("Events answered %s (%v), not the event as stored now", stored[1].Data, err)
	}
}

// TestWALCopiedBesideTheWriter: the WAL is copied into the database file
// in the background, within a fraction of a second of the commits, not by
// the writer once the WAL has grown to SQLite's 1000 pages.
func TestWALCopiedBesideTheWriter(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cases.db")
	s := open(t, path)
	before, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	for k := range 40 {
		if _, err := s.Append(ctx, storetest.Request(fmt.Sprintf("w-%d", k), 0, 3, "")); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(3 * time.Second)
	for {
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if st.Size() > before.Size() {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the database file is still %d bytes: the WAL was not copied into it", st.Size())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
