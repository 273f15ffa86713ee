package sqlite_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

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
