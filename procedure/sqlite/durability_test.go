package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
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
	var version int
	var name string
	if err := s.DB().QueryRow(`SELECT version, name FROM schema_migrations ORDER BY version DESC LIMIT 1`).Scan(&version, &name); err != nil {
		t.Fatal(err)
	}
	if version != sqlite.SchemaVersion() || name != "001_case_store.sql" {
		t.Errorf("recorded migration %d %s, want %d 001_case_store.sql", version, name, sqlite.SchemaVersion())
	}
	s.Close()
	// Opening again applies nothing new.
	s2 := open(t, path)
	var n int
	s2.DB().QueryRow(`SELECT COUNT(*) FROM schema_migrations`).Scan(&n)
	if n != 1 {
		t.Errorf("%d migrations recorded after a second open, want 1", n)
	}
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
