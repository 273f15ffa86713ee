package audit

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/reocell/celltherapy/procedure"
	"github.com/reocell/celltherapy/procedure/postgres"
	"github.com/reocell/celltherapy/procedure/sqlite"
)

// store is one database the log runs on, with the raw access an attacker
// with database credentials has.
type store struct {
	name string
	open func(t *testing.T, opts Options) *Log
	// exec runs SQL straight on the database, bypassing the log.
	exec func(t *testing.T, sql string) error
	// cases opens the case store in the same database.
	cases func(t *testing.T) procedure.Store
}

func stores(t *testing.T) []store {
	t.Helper()
	list := []store{sqliteStore(t)}
	if dsn := os.Getenv("CELLTHERAPY_TEST_POSTGRES"); dsn != "" {
		list = append(list, postgresStore(t, dsn))
	} else {
		t.Log("PostgreSQL audit tests skipped: set CELLTHERAPY_TEST_POSTGRES to a DSN (.ci/run starts one)")
	}
	return list
}

func sqliteStore(t *testing.T) store {
	t.Helper()
	file := filepath.Join(t.TempDir(), "audit.db")
	return store{
		name: "sqlite",
		open: func(t *testing.T, opts Options) *Log {
			t.Helper()
			l, err := OpenSQLite(context.Background(), file, opts)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { l.Close() })
			return l
		},
		cases: func(t *testing.T) procedure.Store {
			t.Helper()
			st, err := sqlite.Open(context.Background(), file)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			return st
		},
		exec: func(t *testing.T, q string) error {
			t.Helper()
			db, err := sql.Open("sqlite", SQLiteDSN(file))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			_, err = db.Exec(q)
			return err
		},
	}
}

// postgresStore gives the test a schema of its own in the database at dsn.
func postgresStore(t *testing.T, dsn string) store {
	t.Helper()
	ctx := context.Background()
	var b [6]byte
	rand.Read(b[:])
	schema := "audit_test_" + hex.EncodeToString(b[:])
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("CELLTHERAPY_TEST_POSTGRES: %v", err)
	}
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)
	t.Cleanup(func() {
		conn, err := pgx.Connect(ctx, dsn)
		if err == nil {
			conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
			conn.Close(ctx)
		}
	})
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	scoped := dsn + sep + "search_path=" + schema
	return store{
		name: "postgres",
		open: func(t *testing.T, opts Options) *Log {
			t.Helper()
			l, err := OpenPostgres(ctx, scoped, opts)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { l.Close() })
			return l
		},
		cases: func(t *testing.T) procedure.Store {
			t.Helper()
			st, err := postgres.Open(ctx, scoped)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(st.Close)
			return st
		},
		exec: func(t *testing.T, q string) error {
			t.Helper()
			conn, err := pgx.Connect(ctx, scoped)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close(ctx)
			_, err = conn.Exec(ctx, q)
			return err
		},
	}
}

func record(i int) Record {
	return Record{
		ActorID: "dr-1", ActorRole: "doctor", Action: "decision:eligibility", RequestID: fmt.Sprintf("req-%d", i),
		RulesetDigest: "sha256:abc", Input: []byte(fmt.Sprintf(`{"n":%d}`, i)), Output: []byte(`{"outcome":"eligible"}`),
	}
}

func appendN(t *testing.T, l *Log, n int) []Entry {
	t.Helper()
	var out []Entry
	for i := range n {
		e, err := l.Append(context.Background(), record(i))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

func TestAppendChainsAndSurvivesReopen(t *testing.T) {
	for _, s := range stores(t) {
		t.Run(s.name, func(t *testing.T) {
			l := s.open(t, Options{})
			entries := appendN(t, l, 3)
			for i, e := range entries {
				if e.Seq != int64(i+1) {
					t.Errorf("entry %d: seq %d", i, e.Seq)
				}
				if i > 0 && e.PrevHash != entries[i-1].Hash {
					t.Errorf("entry %d: prev hash %q, want %q", e.Seq, e.PrevHash, entries[i-1].Hash)
				}
			}
			l.Close()
			l = s.open(t, Options{}) // a committed entry is there after a restart
			appendN(t, l, 1)
			n, err := l.Verify(context.Background(), nil)
			if err != nil || n != 4 {
				t.Fatalf("Verify = %d, %v; want 4 entries, no error", n, err)
			}
			var got []string
			l.Entries(context.Background(), func(e *Entry) error {
				got = append(got, string(e.Input))
				return nil
			})
			if want := `{"n":0}`; got[0] != want {
				t.Errorf("first input %s, want %s", got[0], want)
			}
		})
	}
}

func TestAppendOnlyInTheDatabase(t *testing.T) {
	for _, s := range stores(t) {
		t.Run(s.name, func(t *testing.T) {
			l := s.open(t, Options{})
			appendN(t, l, 2)
			for _, q := range []string{
				`UPDATE audit_entries SET output = '{}' WHERE seq = 1`,
				`DELETE FROM audit_entries WHERE seq = 2`,
			} {
				err := s.exec(t, q)
				if err == nil || !strings.Contains(err.Error(), "append-only") {
					t.Errorf("%s: error %v, want the append-only trigger's refusal", q, err)
				}
			}
			if n, err := l.Verify(context.Background(), nil); err != nil || n != 2 {
				t.Errorf("Verify = %d, %v; want 2, nil", n, err)
			}
		})
	}
}

// TestVerifyNamesTheTamperedEntry plays an attacker with database access:
// the trigger is dropped, a row changed, the trigger put back.
func TestVerifyNamesTheTamperedEntry(t *testing.T) {
	tampers := []struct {
		name    string
		sqlite  string
		pg      string
		wantSeq int64
	}{
		{
			name:    "output changed",
			sqlite:  `DROP TRIGGER audit_entries_no_update; UPDATE audit_entries SET output = '{"outcome":"ineligible"}' WHERE seq = 3`,
			pg:      `DROP TRIGGER audit_entries_no_change ON audit_entries; UPDATE audit_entries SET output = '{"outcome":"ineligible"}' WHERE seq = 3`,
			wantSeq: 3,
		},
		{
			name:    "entry deleted",
			sqlite:  `DROP TRIGGER audit_entries_no_delete; DELETE FROM audit_entries WHERE seq = 2`,
			pg:      `DROP TRIGGER audit_entries_no_change ON audit_entries; DELETE FROM audit_entries WHERE seq = 2`,
			wantSeq: 3,
		},
		{
			name:    "hash recomputed by hand without the next entry",
			sqlite:  `DROP TRIGGER audit_entries_no_update; UPDATE audit_entries SET actor_id = 'someone-else', hash = 'sha256:00' WHERE seq = 4`,
			pg:      `DROP TRIGGER audit_entries_no_change ON audit_entries; UPDATE audit_entries SET actor_id = 'someone-else', hash = 'sha256:00' WHERE seq = 4`,
			wantSeq: 4,
		},
	}
	for _, tc := range tampers {
		for _, s := range stores(t) {
			t.Run(tc.name+"/"+s.name, func(t *testing.T) {
				l := s.open(t, Options{})
				appendN(t, l, 5)
				q := tc.sqlite
				if s.name == "postgres" {
					q = tc.pg
				}
				if err := s.exec(t, q); err != nil {
					t.Fatal(err)
				}
				_, err := l.Verify(context.Background(), nil)
				var ce *ChainError
				if !errors.As(err, &ce) || ce.Seq != tc.wantSeq {
					t.Fatalf("Verify error %v, want a ChainError naming entry %d", err, tc.wantSeq)
				}
			})
		}
	}
}

func TestConcurrentAppendsShareCommits(t *testing.T) {
	for _, s := range stores(t) {
		t.Run(s.name, func(t *testing.T) {
			var commits, recorded atomic.Int64
			l := s.open(t, Options{ObserveBatch: func(n int) {
				commits.Add(1)
				recorded.Add(int64(n))
			}})
			const n = 64
			var wg sync.WaitGroup
			errs := make(chan error, n)
			for i := range n {
				wg.Go(func() {
					if _, err := l.Append(context.Background(), record(i)); err != nil {
						errs <- err
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			if recorded.Load() != n || commits.Load() >= n {
				t.Errorf("%d records in %d commits; want %d records in fewer commits", recorded.Load(), commits.Load(), n)
			}
			if c, err := l.Verify(context.Background(), nil); err != nil || c != n {
				t.Errorf("Verify = %d, %v", c, err)
			}
		})
	}
}

func TestAppendAfterClose(t *testing.T) {
	s := sqliteStore(t)
	l := s.open(t, Options{})
	l.Close()
	if _, err := l.Append(context.Background(), record(0)); !errors.Is(err, ErrClosed) {
		t.Errorf("Append after Close: %v, want ErrClosed", err)
	}
}

// TestTwoLogsOnOneFileKeepOneChain: a second writer on the same SQLite
// file makes the first one's cached end of the chain stale; appends still
// land in one unbroken chain.
func TestTwoLogsOnOneFileKeepOneChain(t *testing.T) {
	file := filepath.Join(t.TempDir(), "audit.db")
	open := func() *Log {
		l, err := OpenSQLite(context.Background(), file, Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.Close() })
		return l
	}
	a, b := open(), open()
	for i := range 6 {
		l := a
		if i%2 == 1 {
			l = b
		}
		e, err := l.Append(context.Background(), record(i))
		if err != nil {
			t.Fatal(err)
		}
		if e.Seq != int64(i+1) {
			t.Fatalf("append %d got seq %d", i, e.Seq)
		}
	}
	if n, err := a.Verify(context.Background(), nil); err != nil || n != 6 {
		t.Fatalf("Verify = %d, %v", n, err)
	}
}
