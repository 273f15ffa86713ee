package console

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the database/sql driver "pgx"
	_ "modernc.org/sqlite"             // the database/sql driver "sqlite"

	"github.com/reocell/celltherapy/server/internal/auth"
)

//go:embed migrations
var migrations embed.FS

// Session is one signed-in browser: who, in which role, since when.
type Session struct {
	Subject  string
	Role     auth.Role // "" until the person chooses one of Choices
	Choices  []auth.Role
	Created  time.Time
	LastSeen time.Time
}

// ErrNoSession is a request without a live session: none, unknown,
// signed out, or past its idle or absolute timeout.
var ErrNoSession = errors.New("no console session")

// Sessions keeps the console's sessions in the case database (SQLite or
// PostgreSQL), so that they can be revoked and two servers share them.
// It is safe for concurrent use.
type Sessions struct {
	db       *sql.DB
	postgres bool
	// Idle and Absolute are the timeouts: a session unused for Idle, or
	// older than Absolute, is over.
	Idle, Absolute time.Duration
	now            func() time.Time
}

// Default timeouts of a session.
const (
	DefaultIdle     = 30 * time.Minute
	DefaultAbsolute = 12 * time.Hour
)

// OpenSessions opens the session tables in the SQLite file (when postgres
// is "") or the PostgreSQL database, applying the console's migrations.
func OpenSessions(ctx context.Context, sqliteFile, postgres string) (*Sessions, error) {
	s := &Sessions{Idle: DefaultIdle, Absolute: DefaultAbsolute, now: time.Now}
	var err error
	if postgres != "" {
		s.postgres = true
		s.db, err = sql.Open("pgx", postgres)
	} else {
		q := url.Values{}
		q.Set("_journal_mode", "WAL")
		q.Set("_busy_timeout", "10000")
		q.Set("_txlock", "immediate")
		s.db, err = sql.Open("sqlite", "file:"+sqliteFile+"?"+q.Encode())
	}
	if err != nil {
		return nil, fmt.Errorf("console sessions: %w", err)
	}
	if err := s.migrate(ctx); err != nil {
		s.db.Close()
		return nil, fmt.Errorf("console sessions: %w", err)
	}
	return s, nil
}

// Close closes the database handle.
func (s *Sessions) Close() error { return s.db.Close() }

var numbered = regexp.MustCompile(`\$(\d+)`)

// q writes a query for the database: $1 stays for PostgreSQL, ?1 for SQLite.
func (s *Sessions) q(query string) string {
	if s.postgres {
		return query
	}
	return numbered.ReplaceAllString(query, "?$1")
}

// migrationLock is the PostgreSQL advisory lock that keeps two servers
// starting at once from migrating the console's tables together (as the
// procedure store's migrations do, under a lock of their own).
const migrationLock = 0x636f6e73 // "cons"

// migrate applies the console's migrations not yet applied, all in one
// transaction with their rows in console_migrations. On PostgreSQL the
// transaction first takes migrationLock, so a second server waits and then
// finds the migrations done; on SQLite the transaction is BEGIN IMMEDIATE
// (_txlock), which holds the database's write lock from its start.
func (s *Sessions) migrate(ctx context.Context) error {
	dir := "migrations/sqlite"
	if s.postgres {
		dir = "migrations/postgres"
	}
	names, err := fs.Glob(migrations, dir+"/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if s.postgres {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLock); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS console_migrations (version INTEGER PRIMARY KEY)`); err != nil {
		return err
	}
	var have int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM console_migrations`).Scan(&have); err != nil {
		return err
	}
	if have > len(names) {
		return fmt.Errorf("the database's console schema is version %d, newer than this program's %d", have, len(names))
	}
	for i, name := range names[have:] {
		v := have + i + 1
		body, err := migrations.ReadFile(name)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO console_migrations (version) VALUES ($1)`), v); err != nil {
			return err
		}
	}
	return tx.Commit()
}

func hashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// Create starts a session for subject in role and returns its token, for
// the cookie. A person with several roles gets role "" and the roles as
// choices, and chooses one with Choose.
func (s *Sessions) Create(ctx context.Context, subject string, role auth.Role, choices ...auth.Role) (string, error) {
	var b [32]byte
	rand.Read(b[:])
	token := base64.RawURLEncoding.EncodeToString(b[:])
	now := s.now().UnixMicro()
	names := make([]string, len(choices))
	for i, c := range choices {
		names[i] = string(c)
	}
	_, err := s.db.ExecContext(ctx, s.q(`INSERT INTO console_sessions (token_hash, subject, role, choices, created_at, last_seen) VALUES ($1, $2, $3, $4, $5, $6)`),
		hashToken(token), subject, string(role), strings.Join(names, ","), now, now)
	if err != nil {
		return "", fmt.Errorf("console sessions: %w", err)
	}
	return token, nil
}

// touchEvery is how stale last_seen may grow before a request writes it:
// most requests only read.
const touchEvery = time.Minute

// Get returns the live session of token, ErrNoSession when there is none;
// an expired session is deleted.
func (s *Sessions) Get(ctx context.Context, token string) (Session, error) {
	if token == "" || len(token) > 100 {
		return Session{}, ErrNoSession
	}
	var (
		se            Session
		role, choices string
		created, seen int64
	)
	h := hashToken(token)
	err := s.db.QueryRowContext(ctx, s.q(`SELECT subject, role, choices, created_at, last_seen FROM console_sessions WHERE token_hash = $1`), h).
		Scan(&se.Subject, &role, &choices, &created, &seen)
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, ErrNoSession
	}
	if err != nil {
		return Session{}, fmt.Errorf("console sessions: %w", err)
	}
	se.Role, se.Created, se.LastSeen = auth.Role(role), time.UnixMicro(created), time.UnixMicro(seen)
	for _, c := range strings.Split(choices, ",") {
		if c != "" {
			se.Choices = append(se.Choices, auth.Role(c))
		}
	}
	now := s.now()
	if now.Sub(se.LastSeen) > s.Idle || now.Sub(se.Created) > s.Absolute {
		s.db.ExecContext(ctx, s.q(`DELETE FROM console_sessions WHERE token_hash = $1`), h)
		return Session{}, ErrNoSession
	}
	if now.Sub(se.LastSeen) > touchEvery {
		if _, err := s.db.ExecContext(ctx, s.q(`UPDATE console_sessions SET last_seen = $1 WHERE token_hash = $2`), now.UnixMicro(), h); err != nil {
			return Session{}, fmt.Errorf("console sessions: %w", err)
		}
		se.LastSeen = now
	}
	return se, nil
}

// Choose sets the role of a session that has none yet to one of its
// choices; any other role, or a session that has one, is ErrNoSession.
func (s *Sessions) Choose(ctx context.Context, token string, role auth.Role) error {
	se, err := s.Get(ctx, token)
	if err != nil {
		return err
	}
	if se.Role != "" || !slices.Contains(se.Choices, role) {
		return ErrNoSession
	}
	res, err := s.db.ExecContext(ctx, s.q(`UPDATE console_sessions SET role = $1, choices = '' WHERE token_hash = $2 AND role = ''`), string(role), hashToken(token))
	if err != nil {
		return fmt.Errorf("console sessions: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return ErrNoSession
	}
	return nil
}

// Delete ends the session of token (signing out); an unknown token is no error.
func (s *Sessions) Delete(ctx context.Context, token string) error {
	_, err := s.db.ExecContext(ctx, s.q(`DELETE FROM console_sessions WHERE token_hash = $1`), hashToken(token))
	return err
}

// Sweep deletes the sessions past their timeouts and says how many.
func (s *Sessions) Sweep(ctx context.Context) (int64, error) {
	now := s.now()
	res, err := s.db.ExecContext(ctx, s.q(`DELETE FROM console_sessions WHERE last_seen < $1 OR created_at < $2`),
		now.Add(-s.Idle).UnixMicro(), now.Add(-s.Absolute).UnixMicro())
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// count is how many sessions are stored, for tests.
func (s *Sessions) count(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM console_sessions`).Scan(&n)
	return n, err
}
