package postgres

import (
	"context"
	"embed"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/reocell/celltherapy/procedure"
	"github.com/reocell/celltherapy/procedure/internal/migration"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// migrations returns the embedded migrations in order.
func migrations() ([]migration.Migration, error) { return migration.List(migrationFS, "postgres") }

// SchemaVersion is the schema version this code writes: the number of its
// newest migration.
func SchemaVersion() int {
	ms, _ := migrations()
	return migration.Latest(ms)
}

// migrationLock is the advisory lock that keeps two servers from migrating
// the same database at once.
const migrationLock = 0x63656c6c // "cell"

// migrate applies the migrations the database lacks in one transaction,
// each recorded with its version. A database whose schema is newer than
// this code is refused and left as it is.
func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLock); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return fmt.Errorf("postgres: schema_migrations: %w", err)
	}
	var have int
	if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&have); err != nil {
		return err
	}
	if want := migration.Latest(ms); have > want {
		return fmt.Errorf("%w: the database has schema version %d; this code knows up to %d: upgrade the program, the database is left untouched", procedure.ErrSchema, have, want)
	}
	for _, m := range ms {
		if m.Version <= have {
			continue
		}
		if _, err := tx.Exec(ctx, m.SQL); err != nil {
			return fmt.Errorf("postgres: migration %s: %w", m.Name, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.Version, m.Name); err != nil {
			return err
		}
	}
	return tx.Commit(ctx)
}
