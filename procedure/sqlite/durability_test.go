package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"github.com/google/go-cmp/cmp"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/reocell/celltherapy/procedure"
	"github.com/reocell/celltherapy/procedure/sqlite"
	"github.com/reocell/celltherapy/procedure/storetest"
)

// childEnv names the database a re-executed test binary appends to.
const childEnv = "CELLTHERAPY_SQLITE_CHILD_DB"

// TestAppendChild is the child of TestKilledMidStream.
func TestAppendChild(t *testing.T) {
	path := os.Getenv(childEnv)
	if path == "" {
		t.Skip("the child of TestKilledMidStream; runs only when re-executed by it")
	}
	s, err := sqlite.Open(context.Background(), path)
	if err != nil {
		fmt.Println("error: open:", err)
		os.Exit(1)
	}
	storetest.AppendUntilKilled(context.Background(), s, "sqlite")
}

// TestKilledMidStream kills a process that is appending with SIGKILL and
// finds, on reopening, every event it acknowledged, in cases that fold.
func TestKilledMidStream(t *testing.T) {
	if os.Getenv(childEnv) != "" {
		t.Skip("in the child")
	}
	path := filepath.Join(t.TempDir(), "cases.db")
	acked := storetest.KillMidStream(t, "TestAppendChild", []string{childEnv + "=" + path}, 300, 60*time.Second)
	storetest.CheckAcked(t, open(t, path), acked)
}

func TestMigrationsRecorded(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cases.db")
	s := open(t, path)
	want := []string{"1 001_case_store.sql", "2 002_worklist_index.sql", "3 003_command_digest.sql"}
	if diff := cmp.Diff(want, recorded(t, s.DB())); diff != "" {
		t.Errorf("recorded migrations (-want +got):\n%s", diff)
	}
	if sqlite.SchemaVersion() != 3 {
		t.Errorf("SchemaVersion %d, want 3", sqlite.SchemaVersion())
	}
	s.Close()
	// Opening again applies nothing new.
	if diff := cmp.Diff(want, recorded(t, open(t, path).DB())); diff != "" {
		t.Errorf("after a second open (-want +got):\n%s", diff)
	}
}

// TestUpgradeFromVersion1 opens a database as the first schema left it:
// the missing migration is applied and recorded, the events kept.
func TestUpgradeFromVersion1(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cases.db")
	s := open(t, path)
	if _, err := s.Append(context.Background(), storetest.Request("c1", 0, 3, "")); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`DROP INDEX dues_worklist`, `ALTER TABLE commands DROP COLUMN digest`, `DELETE FROM schema_migrations WHERE version >= 2`} {
		if _, err := s.DB().Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	s = open(t, path)
	var n int
	s.DB().QueryRow(`SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = 'dues_worklist'`).Scan(&n)
	if n != 1 || len(recorded(t, s.DB())) != 3 {
		t.Errorf("after the upgrade: index %d, migrations %v", n, recorded(t, s.DB()))
	}
	if evs, err := s.Events(context.Background(), "c1"); err != nil || len(evs) != 3 {
		t.Errorf("events after the upgrade: %d, %v", len(evs), err)
	}
}

// TestUpgradeKeepsOldKeys opens a database as the second schema left it,
// with a key stored before command digests were: after the upgrade the key
// still replays its command on its case, whatever command comes with it,
// and is refused on another case.
func TestUpgradeKeepsOldKeys(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cases.db")
	s := open(t, path)
	if _, err := s.Append(ctx, storetest.Request("c1", 0, 2, "old-key")); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`ALTER TABLE commands DROP COLUMN digest`, `DELETE FROM schema_migrations WHERE version = 3`} {
		if _, err := s.DB().Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	s = open(t, path)
	again := storetest.Request("c1", 2, 1, "old-key")
	again.Digest = "sha256:new"
	res, err := s.Append(ctx, again)
	if err != nil || !res.Replayed || len(res.Events) != 2 {
		t.Fatalf("the old key after the upgrade: %+v, %v; want its 2 events replayed", res, err)
	}
	other := storetest.Request("c2", 0, 1, "old-key")
	if _, err := s.Append(ctx, other); !errors.Is(err, procedure.ErrKeyReused) {
		t.Errorf("the old key on another case: %v, want ErrKeyReused", err)
	}
}

func recorded(t *testing.T, db *sql.DB) []string {
	t.Helper()
	rows, err := db.Query(`SELECT version, name FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v int
		var name string
		if err := rows.Scan(&v, &name); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%d %s", v, name))
	}
	return out
}

func TestNewerSchemaRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cases.db")
	s := open(t, path)
	if _, err := s.Append(context.Background(), storetest.Request("c1", 0, 2, "")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB().Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, '099_future.sql', 'later')`); err != nil {
		t.Fatal(err)
	}
	s.Close()

	_, err := sqlite.Open(context.Background(), path)
	if !errors.Is(err, procedure.ErrSchema) {
		t.Fatalf("open of a newer schema: %v, want ErrSchema", err)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var events, top int
	db.QueryRow(`SELECT COUNT(*) FROM events`).Scan(&events)
	db.QueryRow(`SELECT MAX(version) FROM schema_migrations`).Scan(&top)
	if events != 2 || top != 99 {
		t.Errorf("after the refused open: %d events, schema %d; want 2 and 99 untouched", events, top)
	}
}

func TestDurableSettings(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "cases.db"))
	for pragma, want := range map[string]string{"journal_mode": "wal", "synchronous": "2", "busy_timeout": "10000"} {
		var got string
		if err := s.DB().QueryRow("PRAGMA " + pragma).Scan(&got); err != nil || got != want {
			t.Errorf("PRAGMA %s = %q (%v), want %q", pragma, got, err, want)
		}
	}
}
