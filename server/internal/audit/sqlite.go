package audit

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"net/url"
	"path"
	"sort"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	_ "modernc.org/sqlite" // the database/sql driver "sqlite", pure Go
)

//go:embed migrations
var migrations embed.FS

// SQLiteDSN returns the database/sql data source name for the SQLite file
// at path, as the server opens it: WAL journal, synchronous=FULL (a
// committed entry survives power loss), writers waiting rather than failing
// while another holds the lock, and transactions that take the write lock
// at BEGIN.
func SQLiteDSN(file string) string {
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Set("_txlock", "immediate")
	return "file:" + file + "?" + q.Encode()
}

type sqliteBackend struct{ db *sql.DB }

// OpenSQLite opens (creating when needed) the audit log in the SQLite file
// at file, applying its migrations. Its tables are named audit_* so that
// the file can hold other tables too.
func OpenSQLite(ctx context.Context, file string, opts Options) (*Log, error) {
	db, err := sql.Open("sqlite", SQLiteDSN(file))
	if err != nil {
		return nil, fmt.Errorf("audit: open %s: %w", file, err)
	}
	if err := migrateSQLite(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("audit: %s: %w", file, err)
	}
	return newLog(&sqliteBackend{db: db}, opts), nil
}

// migrationFiles returns the migration files of a dialect in order.
func migrationFiles(dialect string) ([]string, error) {
	dir := path.Join("migrations", dialect)
	names, err := fs.Glob(migrations, dir+"/*.sql")
	sort.Strings(names)
	return names, err
}

func migrateSQLite(ctx context.Context, db *sql.DB) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS audit_schema_migrations (
		name TEXT PRIMARY KEY, applied_at TEXT NOT NULL) STRICT`); err != nil {
		return fmt.Errorf("migrations table: %w", err)
	}
	names, err := migrationFiles("sqlite")
	if err != nil {
		return err
	}
	for _, name := range names {
		if err := applySQLite(ctx, db, name); err != nil {
			return fmt.Errorf("migration %s: %w", path.Base(name), err)
		}
	}
	return nil
}

// applySQLite applies one migration in its own transaction, once.
func applySQLite(ctx context.Context, db *sql.DB, name string) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM audit_schema_migrations WHERE name = ?`, path.Base(name)).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	body, err := migrations.ReadFile(name)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, string(body)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_schema_migrations (name, applied_at) VALUES (?, ?)`,
		path.Base(name), time.Now().UTC().Format(time.RFC3339)); err != nil {
		return err
	}
	return tx.Commit()
}

func (s *sqliteBackend) appendBatch(ctx context.Context, now time.Time, recs []Record, signer note.Signer) ([]Entry, error) {
	tx, err := s.db.BeginTx(ctx, nil) // BEGIN IMMEDIATE: the write lock orders writers
	if err != nil {
		return nil, fmt.Errorf("audit: begin: %w", err)
	}
	defer tx.Rollback()
	var lastSeq int64
	var lastHash string
	err = tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_entries ORDER BY seq DESC LIMIT 1`).Scan(&lastSeq, &lastHash)
	if err != nil && err != sql.ErrNoRows {
		return nil, fmt.Errorf("audit: read the chain's end: %w", err)
	}
	entries := chain(lastSeq, lastHash, now, recs)
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO audit_entries
		(seq, at, actor_id, actor_role, action, subject, request_id, ruleset_digest, input, output, prev_hash, hash, event_version, event_hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return nil, fmt.Errorf("audit: prepare: %w", err)
	}
	defer stmt.Close()
	for i := range entries {
		e := &entries[i]
		if _, err := stmt.ExecContext(ctx, e.Seq, e.At, e.ActorID, e.ActorRole, e.Action, e.Subject,
			e.RequestID, e.RulesetDigest, string(e.Input), string(e.Output), e.PrevHash, e.Hash, e.EventVersion, e.EventHash); err != nil {
			return nil, fmt.Errorf("audit: insert entry %d: %w", e.Seq, err)
		}
	}
	if signer != nil {
		if _, err := seal(ctx, sqliteSeal{tx}, signer, now); err != nil {
			return nil, &SealError{Err: err}
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("audit: commit: %w", err)
	}
	return entries, nil
}

func (s *sqliteBackend) scan(ctx context.Context, fn func(*Entry) error) error {
	return s.scanFrom(ctx, 1, fn)
}

func (s *sqliteBackend) scanFrom(ctx context.Context, seq int64, fn func(*Entry) error) error {
	rows, err := s.db.QueryContext(ctx, `SELECT `+entryColumns+` FROM audit_entries WHERE seq >= ? ORDER BY seq`, seq)
	if err != nil {
		return fmt.Errorf("audit: read entries: %w", err)
	}
	defer rows.Close()
	return scanEntries(rows, fn)
}

func (s *sqliteBackend) ping(ctx context.Context) error {
	return s.db.PingContext(ctx)
}

func (s *sqliteBackend) close() error { return s.db.Close() }

type sqliteSeal struct{ tx *sql.Tx }

func (s sqliteSeal) size(ctx context.Context) (int64, error) {
	var n int64
	err := s.tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(size), 0) FROM audit_checkpoints`).Scan(&n)
	return n, err
}

func (s sqliteSeal) entryHashes(ctx context.Context, after int64) ([]int64, []string, error) {
	rows, err := s.tx.QueryContext(ctx, `SELECT seq, hash FROM audit_entries WHERE seq > ? ORDER BY seq`, after)
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

func (s sqliteSeal) readHashes(ctx context.Context, idx []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(idx))
	for i, x := range idx {
		var b []byte
		if err := s.tx.QueryRowContext(ctx, `SELECT hash FROM audit_tree WHERE idx = ?`, x).Scan(&b); err != nil {
			return nil, fmt.Errorf("audit: tree hash %d: %w", x, err)
		}
		copy(out[i][:], b)
	}
	return out, nil
}

func (s sqliteSeal) putHashes(ctx context.Context, first int64, hs []tlog.Hash) error {
	for i, h := range hs {
		if _, err := s.tx.ExecContext(ctx, `INSERT INTO audit_tree (idx, hash) VALUES (?, ?)`, first+int64(i), h[:]); err != nil {
			return err
		}
	}
	return nil
}

func (s sqliteSeal) putCheckpoint(ctx context.Context, size int64, at string, msg []byte) error {
	_, err := s.tx.ExecContext(ctx, `INSERT INTO audit_checkpoints (size, at, note) VALUES (?, ?, ?)`, size, at, string(msg))
	return err
}

func (s *sqliteBackend) seal(ctx context.Context, signer note.Signer, now time.Time) ([]byte, error) {
	tx, err := s.db.BeginTx(ctx, nil) // BEGIN IMMEDIATE: one sealer at a time
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	msg, err := seal(ctx, sqliteSeal{tx}, signer, now)
	if err != nil || msg == nil {
		return nil, err
	}
	return msg, tx.Commit()
}

func (s *sqliteBackend) checkpoints(ctx context.Context) ([][]byte, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT note FROM audit_checkpoints ORDER BY size`)
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

func (s *sqliteBackend) latestCheckpoint(ctx context.Context) ([]byte, error) {
	var n string
	err := s.db.QueryRowContext(ctx, `SELECT note FROM audit_checkpoints ORDER BY size DESC LIMIT 1`).Scan(&n)
	if err == sql.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return []byte(n), nil
}
