package audit

import (
	"context"
	"database/sql"
	"embed"
	"encoding/hex"
	"encoding/json"
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

type sqliteBackend struct {
	db *sql.DB
	w  *stmtConn // the commit loop's, from its first batch on
}

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

func (s *sqliteBackend) appendBatch(ctx context.Context, now time.Time, recs []Record, bs *batchSeal) (_ []Entry, err error) {
	if s.w == nil {
		if s.w, err = openStmtConn(ctx, s.db); err != nil {
			return nil, fmt.Errorf("audit: connect: %w", err)
		}
	}
	w := s.w
	if _, err := w.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil { // the write lock orders writers
		return nil, fmt.Errorf("audit: begin: %w", err)
	}
	defer func() {
		if err == nil {
			return
		}
		if _, rerr := w.ExecContext(context.Background(), `ROLLBACK`); rerr != nil {
			// The connection's state is unknown: the next batch takes
			// another.
			w.close()
			s.w = nil
		}
	}()
	var lastSeq int64
	var lastHash string
	err = scanOne(ctx, w, `SELECT seq, hash FROM audit_entries ORDER BY seq DESC LIMIT 1`, nil, &lastSeq, &lastHash)
	if err != nil && err != sql.ErrNoRows {
		return nil, fmt.Errorf("audit: read the chain's end: %w", err)
	}
	entries := chain(lastSeq, lastHash, now, recs)
	for i := range entries {
		e := &entries[i]
		if _, err := w.ExecContext(ctx, `INSERT INTO audit_entries
		(seq, at, actor_id, actor_role, action, subject, request_id, ruleset_digest, input, output, prev_hash, hash, event_version, event_hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, e.Seq, e.At, e.ActorID, e.ActorRole, e.Action, e.Subject,
			e.RequestID, e.RulesetDigest, string(e.Input), string(e.Output), e.PrevHash, e.Hash, e.EventVersion, e.EventHash); err != nil {
			return nil, fmt.Errorf("audit: insert entry %d: %w", e.Seq, err)
		}
	}
	if err := bs.seal(ctx, sqliteSeal{w}, entries, now); err != nil {
		return nil, err
	}
	if _, err := w.ExecContext(ctx, `COMMIT`); err != nil {
		return nil, fmt.Errorf("audit: commit: %w", err)
	}
	return entries, nil
}

// stmtConn is the connection the commit loop writes on, held for the log's
// life, each of its statements prepared the first time it runs: SQLite's
// parser would otherwise run for every statement of every batch. Only the
// commit loop uses it; its transactions are begun and ended by statements.
type stmtConn struct {
	conn *sql.Conn
	st   map[string]*sql.Stmt
}

func openStmtConn(ctx context.Context, db *sql.DB) (*stmtConn, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	return &stmtConn{conn: conn, st: map[string]*sql.Stmt{}}, nil
}

func (c *stmtConn) stmt(ctx context.Context, q string) (*sql.Stmt, error) {
	if st, ok := c.st[q]; ok {
		return st, nil
	}
	st, err := c.conn.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	c.st[q] = st
	return st, nil
}

func (c *stmtConn) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	st, err := c.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

func (c *stmtConn) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	st, err := c.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

func (c *stmtConn) close() {
	for _, st := range c.st {
		st.Close()
	}
	c.conn.Close()
}

// sqlQ is what the SQLite statements of a batch run on: a transaction, or
// the commit loop's connection inside one.
type sqlQ interface {
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

// scanOne scans the first row of q into dest, or returns sql.ErrNoRows.
func scanOne(ctx context.Context, db sqlQ, q string, args []any, dest ...any) error {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	if err := rows.Scan(dest...); err != nil {
		return err
	}
	return rows.Close()
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

func (s *sqliteBackend) close() error {
	if s.w != nil {
		s.w.close()
	}
	return s.db.Close()
}

// sqliteSeal is sealTx in a SQLite transaction, or on the commit loop's
// connection inside one.
type sqliteSeal struct{ q sqlQ }

func (s sqliteSeal) size(ctx context.Context) (int64, error) {
	var n int64
	err := scanOne(ctx, s.q, `SELECT COALESCE(MAX(size), 0) FROM audit_checkpoints`, nil, &n)
	return n, err
}

func (s sqliteSeal) entryHashes(ctx context.Context, after int64) ([]int64, []string, error) {
	rows, err := s.q.QueryContext(ctx, `SELECT seq, hash FROM audit_entries WHERE seq > ? ORDER BY seq`, after)
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

// readHashes reads the tree hashes of idx in one statement.
func (s sqliteSeal) readHashes(ctx context.Context, idx []int64) ([]tlog.Hash, error) {
	list, err := json.Marshal(idx)
	if err != nil {
		return nil, err
	}
	rows, err := s.q.QueryContext(ctx, `SELECT idx, hash FROM audit_tree WHERE idx IN (SELECT value FROM json_each(?))`, string(list))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return scanTreeHashes(rows, idx)
}

// putHashes stores hs in one statement.
func (s sqliteSeal) putHashes(ctx context.Context, first int64, hs []tlog.Hash) error {
	hexes := make([]string, len(hs))
	for i, h := range hs {
		hexes[i] = hex.EncodeToString(h[:])
	}
	list, err := json.Marshal(hexes)
	if err != nil {
		return err
	}
	_, err = s.q.ExecContext(ctx, `INSERT INTO audit_tree (idx, hash) SELECT ? + key, unhex(value) FROM json_each(?)`, first, string(list))
	return err
}

func (s sqliteSeal) putCheckpoint(ctx context.Context, size int64, at string, msg []byte) error {
	_, err := s.q.ExecContext(ctx, `INSERT INTO audit_checkpoints (size, at, note) VALUES (?, ?, ?)`, size, at, string(msg))
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
