package console

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"
)

// TestMigrationsAtOnce starts the console's migrations from several
// servers at the same moment on a fresh PostgreSQL database: every one
// succeeds, and each migration is recorded once. Without the advisory lock
// the racing CREATE TABLEs fail (a duplicate key in pg_type) or one
// migration is applied twice.
func TestMigrationsAtOnce(t *testing.T) {
	dsn := os.Getenv("CELLTHERAPY_TEST_POSTGRES")
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CELLTHERAPY_TEST_POSTGRES is not set: the console's migration lock goes untested")
		}
		t.Skip("CELLTHERAPY_TEST_POSTGRES is not set")
	}
	ctx := context.Background()
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	for round := range 5 {
		name := fmt.Sprintf("console_migrate_%d_%d", time.Now().UnixNano(), round)
		if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)") })
		u, err := url.Parse(dsn)
		if err != nil {
			t.Fatal(err)
		}
		u.Path = "/" + name
		const servers = 6
		var (
			wg    sync.WaitGroup
			start = make(chan struct{})
			errs  = make([]error, servers)
		)
		for i := range servers {
			wg.Go(func() {
				<-start
				s, err := OpenSessions(ctx, "", u.String())
				if err == nil {
					s.Close()
				}
				errs[i] = err
			})
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("round %d: server %d: %v", round, i, err)
			}
		}
		db, err := sql.Open("pgx", u.String())
		if err != nil {
			t.Fatal(err)
		}
		var rows, versions int
		err = db.QueryRowContext(ctx, `SELECT COUNT(*), COUNT(DISTINCT version) FROM console_migrations`).Scan(&rows, &versions)
		db.Close()
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if rows != versions || versions == 0 {
			t.Errorf("round %d: %d rows for %d migrations", round, rows, versions)
		}
	}
}
