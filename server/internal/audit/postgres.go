package audit

import (
	"context"
	"errors"
	"fmt"
	"path"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

type postgresBackend struct{ pool *pgxpool.Pool }

// migrationLock is the advisory lock id that keeps two servers starting at
// once from applying the same migration twice.
const migrationLock = 0x63656c6c61756469 // "cellaudi"

// OpenPostgres opens the audit log in the PostgreSQL database at dsn,
// applying its migrations. Several servers may share one database: a
// table lock orders their commits, so the chain stays one chain.
func OpenPostgres(ctx context.Context, dsn string, opts Options) (*Log, error) {
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("audit: postgres: %w", err)
	}
	if err := migratePostgres(ctx, pool); err != nil {
		pool.Close()
		return nil, fmt.Errorf("audit: postgres: %w", err)
	}
	return newLog(&postgresBackend{pool: pool}, opts), nil
}

func migratePostgres(ctx context.Context, pool *pgxpool.Pool) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, int64(migrationLock)); err != nil {
		return err
	}
	defer conn.Exec(context.Background(), `SELECT pg_advisory_unlock($1)`, int64(migrationLock))
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS audit_schema_migrations (
		name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)`); err != nil {
		return fmt.Errorf("migrations table: %w", err)
	}
	names, err := migrationFiles("postgres")
	if err != nil {
		return err
	}
	for _, name := range names {
		if err := applyPostgres(ctx, conn.Conn(), name); err != nil {
			return fmt.Errorf("migration %s: %w", path.Base(name), err)
		}
	}
	return nil
}

func applyPostgres(ctx context.Context, conn *pgx.Conn, name string) error {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM audit_schema_migrations WHERE name = $1`, path.Base(name)).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	body, err := migrations.ReadFile(name)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, string(body)); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO audit_schema_migrations (name, applied_at) VALUES ($1, now())`, path.Base(name)); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

func (p *postgresBackend) appendBatch(ctx context.Context, now time.Time, recs []Record, bs *batchSeal) ([]Entry, error) {
	tx, err := p.pool.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("audit: begin: %w", err)
	}
	defer tx.Rollback(ctx)
	// Readers are not blocked; other writers wait, so the chain has one end.
	if _, err := tx.Exec(ctx, `LOCK TABLE audit_entries IN EXCLUSIVE MODE`); err != nil {
		return nil, fmt.Errorf("audit: lock: %w", err)
	}
	var lastSeq int64
	var lastHash string
	err = tx.QueryRow(ctx, `SELECT seq, hash FROM audit_entries ORDER BY seq DESC LIMIT 1`).Scan(&lastSeq, &lastHash)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("audit: read the chain's end: %w", err)
	}
	entries := chain(lastSeq, lastHash, now, recs)
	rows := make([][]any, len(entries))
	for i := range entries {
		e := &entries[i]
		rows[i] = []any{e.Seq, e.At, e.ActorID, e.ActorRole, e.Action, e.Subject, e.RequestID,
			e.RulesetDigest, string(e.Input), string(e.Output), e.PrevHash, e.Hash, int64(e.EventVersion), e.EventHash}
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"audit_entries"}, []string{"seq", "at", "actor_id", "actor_role",
		"action", "subject", "request_id", "ruleset_digest", "input", "output", "prev_hash", "hash", "event_version", "event_hash"},
		pgx.CopyFromRows(rows)); err != nil {
		return nil, fmt.Errorf("audit: insert: %w", err)
	}
	if bs != nil {
		// One sealer at a time over every server, taken after
		// audit_entries as the case store takes them.
		if _, err := tx.Exec(ctx, `LOCK TABLE audit_checkpoints IN EXCLUSIVE MODE`); err != nil {
			return nil, &SealError{Err: err}
		}
	}
	if err := bs.seal(ctx, postgresSeal{tx}, entries, now); err != nil {
		return nil, err
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("audit: commit: %w", err)
	}
	return entries, nil
}

func (p *postgresBackend) scan(ctx context.Context, fn func(*Entry) error) error {
	return p.scanFrom(ctx, 1, fn)
}

func (p *postgresBackend) scanFrom(ctx context.Context, seq int64, fn func(*Entry) error) error {
	rows, err := p.pool.Query(ctx, `SELECT `+entryColumns+` FROM audit_entries WHERE seq >= $1 ORDER BY seq`, seq)
	if err != nil {
		return fmt.Errorf("audit: read entries: %w", err)
	}
	defer rows.Close()
	return scanEntries(rows, fn)
}

func (p *postgresBackend) ping(ctx context.Context) error { return p.pool.Ping(ctx) }

func (p *postgresBackend) close() error {
	p.pool.Close()
	return nil
}

type postgresSeal struct{ tx pgx.Tx }

func (s postgresSeal) size(ctx context.Context) (int64, error) {
	var n int64
	err := s.tx.QueryRow(ctx, `SELECT COALESCE(MAX(size), 0) FROM audit_checkpoints`).Scan(&n)
	return n, err
}

func (s postgresSeal) entryHashes(ctx context.Context, after int64) ([]int64, []string, error) {
	rows, err := s.tx.Query(ctx, `SELECT seq, hash FROM audit_entries WHERE seq > $1 ORDER BY seq`, after)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var seqs []int64
	var hashes []string
	for rows.Next() {
		var q int64
		var h string
		if err := rows.Scan(&q, &h); err != nil {
			return nil, nil, err
		}
		seqs, hashes = append(seqs, q), append(hashes, h)
	}
	return seqs, hashes, rows.Err()
}

func (s postgresSeal) readHashes(ctx context.Context, idx []int64) ([]tlog.Hash, error) {
	return readTreeHashes(ctx, s.tx, idx)
}

// readTreeHashes reads the stored tree hashes of idx in one query.
func readTreeHashes(ctx context.Context, tx pgx.Tx, idx []int64) ([]tlog.Hash, error) {
	rows, err := tx.Query(ctx, `SELECT idx, hash FROM audit_tree WHERE idx = ANY($1)`, idx)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return scanTreeHashes(rows, idx)
}

func (s postgresSeal) putHashes(ctx context.Context, first int64, hs []tlog.Hash) error {
	rows := make([][]any, len(hs))
	for i, h := range hs {
		rows[i] = []any{first + int64(i), h[:]}
	}
	_, err := s.tx.CopyFrom(ctx, pgx.Identifier{"audit_tree"}, []string{"idx", "hash"}, pgx.CopyFromRows(rows))
	return err
}

func (s postgresSeal) putCheckpoint(ctx context.Context, size int64, at string, msg []byte) error {
	_, err := s.tx.Exec(ctx, `INSERT INTO audit_checkpoints (size, at, note) VALUES ($1, $2, $3)`, size, at, string(msg))
	return err
}

func (p *postgresBackend) seal(ctx context.Context, signer note.Signer, now time.Time) ([]byte, error) {
	tx, err := p.pool.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(ctx)
	// One sealer at a time, over every server on the database.
	if _, err := tx.Exec(ctx, `LOCK TABLE audit_checkpoints IN EXCLUSIVE MODE`); err != nil {
		return nil, err
	}
	msg, err := seal(ctx, postgresSeal{tx}, signer, now)
	if err != nil || msg == nil {
		return nil, err
	}
	return msg, tx.Commit(ctx)
}

func (p *postgresBackend) checkpoints(ctx context.Context) ([][]byte, error) {
	rows, err := p.pool.Query(ctx, `SELECT note FROM audit_checkpoints ORDER BY size`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][]byte
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, []byte(n))
	}
	return out, rows.Err()
}

func (p *postgresBackend) latestCheckpoint(ctx context.Context) ([]byte, error) {
	var n string
	err := p.pool.QueryRow(ctx, `SELECT note FROM audit_checkpoints ORDER BY size DESC LIMIT 1`).Scan(&n)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return []byte(n), nil
}
