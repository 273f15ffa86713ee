package postgres_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/reocell/celltherapy/procedure"
	"github.com/reocell/celltherapy/procedure/postgres"
	"github.com/reocell/celltherapy/procedure/storetest"
)

// dsnEnv names the database the tests use; .ci/postgres.sh sets it.
const dsnEnv = "CELLTHERAPY_TEST_POSTGRES"

// freshSchema creates an empty schema and returns the DSN that uses it,
// so that each test has a database of its own; the schema is dropped at
// the end.
func freshSchema(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(dsnEnv)
	if dsn == "" && os.Getenv("CI") == "true" {
		t.Fatalf("%s is not set in CI: .ci/run starts PostgreSQL with .ci/postgres.sh and must export it", dsnEnv)
	}
	if dsn == "" {
		t.Skipf("%s is not set: no PostgreSQL to test against (run . .ci/postgres.sh to start one)", dsnEnv)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("%s: %v", dsnEnv, err)
	}
	defer conn.Close(ctx)
	schema := "t_" + strings.ToLower(rand.Text()[:12])
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), dsn)
		if err == nil {
			c.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
			c.Close(context.Background())
		}
	})
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	if !strings.Contains(dsn, "://") {
		return dsn + " search_path=" + schema
	}
	return dsn + sep + "search_path=" + schema
}

func open(t testing.TB, dsn string) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, storetest.Harness{
		Open: func(t *testing.T) procedure.Store { return open(t, freshSchema(t)) },
		Tamper: func(t *testing.T, s procedure.Store, caseID string) []error {
			pool := s.(*postgres.Store).Pool()
			ctx := context.Background()
			_, upd := pool.Exec(ctx, `UPDATE events SET data = '{}' WHERE case_id = $1`, caseID)
			_, del := pool.Exec(ctx, `DELETE FROM events WHERE case_id = $1`, caseID)
			_, trunc := pool.Exec(ctx, `TRUNCATE events`)
			return []error{upd, del, trunc}
		},
	})
}

func TestMigrations(t *testing.T) {
	dsn := freshSchema(t)
	s := open(t, dsn)
	ctx := context.Background()
	var version int
	var name string
	if err := s.Pool().QueryRow(ctx, `SELECT version, name FROM schema_migrations ORDER BY version DESC LIMIT 1`).Scan(&version, &name); err != nil {
		t.Fatal(err)
	}
	if version != postgres.SchemaVersion() || version != 3 || name != "003_command_digest.sql" {
		t.Errorf("recorded migration %d %s, want 3 003_command_digest.sql", version, name)
	}
	open(t, dsn) // a second open applies nothing and fails nothing
	// A database as the first schema left it is upgraded.
	for _, q := range []string{`DROP INDEX dues_worklist`, `ALTER TABLE commands DROP COLUMN digest`, `DELETE FROM schema_migrations WHERE version >= 2`} {
		if _, err := s.Pool().Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	open(t, dsn)
	var n int
	s.Pool().QueryRow(ctx, `SELECT COUNT(*) FROM pg_indexes WHERE schemaname = current_schema() AND indexname = 'dues_worklist'`).Scan(&n)
	s.Pool().QueryRow(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&version)
	if n != 1 || version != 3 {
		t.Errorf("after the upgrade: index %d, version %d", n, version)
	}
	if _, err := s.Append(ctx, storetest.Request("c1", 0, 2, "")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Pool().Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES (99, '099_future.sql')`); err != nil {
		t.Fatal(err)
	}
	if _, err := postgres.Open(ctx, dsn); !errors.Is(err, procedure.ErrSchema) {
		t.Fatalf("open of a newer schema: %v, want ErrSchema", err)
	}
	var events, top int
	s.Pool().QueryRow(ctx, `SELECT COUNT(*) FROM events`).Scan(&events)
	s.Pool().QueryRow(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&top)
	if events != 2 || top != 99 {
		t.Errorf("after the refused open: %d events, schema %d; want 2 and 99 untouched", events, top)
	}
}

// childEnv names the DSN a re-executed test binary appends to.
const childEnv = "CELLTHERAPY_POSTGRES_CHILD_DSN"

// TestAppendChild is the child of TestKilledMidStream.
func TestAppendChild(t *testing.T) {
	dsn := os.Getenv(childEnv)
	if dsn == "" {
		t.Skip("the child of TestKilledMidStream; runs only when re-executed by it")
	}
	s, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		fmt.Println("error: open:", err)
		os.Exit(1)
	}
	storetest.AppendUntilKilled(context.Background(), s, "pg")
}

// TestKilledMidStream kills a client that is appending with SIGKILL and
// finds every event it acknowledged, in cases that fold.
func TestKilledMidStream(t *testing.T) {
	if os.Getenv(childEnv) != "" {
		t.Skip("in the child")
	}
	dsn := freshSchema(t)
	open(t, dsn) // migrate before the child starts
	acked := storetest.KillMidStream(t, "TestAppendChild", []string{childEnv + "=" + dsn}, 300, 60*time.Second)
	storetest.CheckAcked(t, open(t, dsn), acked)
}

// An id or cursor PostgreSQL cannot hold as text (a NUL, invalid UTF-8) is
// not found or bad input through the case API, never a database error.
func TestIDsPostgresCannotHold(t *testing.T) {
	cases := procedure.NewCases(open(t, freshSchema(t)))
	ctx := context.Background()
	for _, id := range []string{"a\x00b", "\xff\xfe", "..", "."} {
		if _, err := cases.Case(ctx, id); !errors.Is(err, procedure.ErrNotFound) {
			t.Errorf("Case(%q): %v, want not found", id, err)
		}
		if _, err := cases.History(ctx, id); !errors.Is(err, procedure.ErrNotFound) {
			t.Errorf("History(%q): %v, want not found", id, err)
		}
		cmd, _ := procedure.DecodeCommand([]byte(`{"type": "withdraw", "at": "2026-11-02T09:00:00Z"}`))
		if _, err := cases.Give(ctx, id, procedure.Actor{ID: "a", Role: procedure.Doctor}, cmd); !errors.Is(err, procedure.ErrNotFound) {
			t.Errorf("Give(%q): %v, want not found", id, err)
		}
	}
	for _, after := range []string{"a\x00", "\xff"} {
		if _, err := cases.List(ctx, procedure.CaseQuery{After: after}); !errors.Is(err, procedure.ErrInvalid) {
			t.Errorf("List(after %q): %v, want invalid", after, err)
		}
	}
}
