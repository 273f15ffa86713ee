package sqlite_test

import (
	"context"
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
