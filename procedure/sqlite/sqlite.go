// Package sqlite is a procedure.Store on SQLite (modernc.org/sqlite, no
// cgo): the embedded default. The database runs in WAL mode with
// synchronous=FULL, so an acknowledged append survives a crash or a power
// loss; writes are immediate transactions. Concurrent appends are
// committed together (group commit): one fsync acknowledges many.
//
//	store, err := sqlite.Open(ctx, "cases.db")
//	defer store.Close()
//	cases := procedure.NewCases(store)
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"time"

	_ "modernc.org/sqlite" // the database/sql driver "sqlite"

	"github.com/reocell/celltherapy/procedure"
	"github.com/reocell/celltherapy/procedure/internal/eventcache"
	"github.com/reocell/celltherapy/procedure/internal/groupcommit"
)

// Store is a procedure.Store in one SQLite file. It is safe for concurrent
// use, also by several processes on one machine.
type Store struct {
	db     *sql.DB
	w      *groupcommit.Writer
	wr     *writer // the writer's connection; used by the commit loop alone
	cache  eventcache.Cache
	getVer *sql.Stmt // a case's version, for reads that use the cache

	stopWAL, walDone chan struct{} // the WAL checkpointer's
	closing          sync.Once
}

// readConns is how many idle connections the store keeps for reads:
// opening a SQLite connection reads the schema, which costs more than
// most reads.
const readConns = 16

// Open opens (creating it if needed) the SQLite database at path and
// applies the embedded migrations. A database with a newer schema than
// this code is refused (procedure.ErrSchema) and left untouched.
func Open(ctx context.Context, path string) (*Store, error) {
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", "FULL")
	q.Set("_busy_timeout", "10000")
	q.Set("_txlock", "immediate")
	q.Set("_foreign_keys", "1")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	db.SetMaxIdleConns(readConns)
	if err := check(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	if err := migrate(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	s := &Store{db: db}
	if s.getVer, err = db.PrepareContext(ctx, `SELECT version FROM cases WHERE case_id = ?`); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	if s.wr, err = openWriter(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	s.w = groupcommit.Start(s.commit, ErrClosed)
	s.stopWAL, s.walDone = make(chan struct{}), make(chan struct{})
	go s.checkpointWAL()
	return s, nil
}

// walEvery is how often the WAL is copied into the database file. The
// writer's connection does not do it (wal_autocheckpoint=0 on it): a
// checkpoint copies pages and syncs the database file, which on the
// commit path held up every command waiting on that batch.
const walEvery = 100 * time.Millisecond

// checkpointWAL runs SQLite's PASSIVE checkpoints beside the writer: they
// take no lock writers wait on, and each commit is durable in the WAL
// (synchronous=FULL) before it is acknowledged, whenever it is copied.
func (s *Store) checkpointWAL() {
	defer close(s.walDone)
	t := time.NewTicker(walEvery)
	defer t.Stop()
	for {
		select {
		case <-s.stopWAL:
			return
		case <-t.C:
			s.db.ExecContext(context.Background(), `PRAGMA wal_checkpoint(PASSIVE)`) // the next tick tries again
		}
	}
}

// check makes sure the connection settings took: they are the durability
// promise.
func check(ctx context.Context, db *sql.DB) error {
	var mode string
	var sync int
	if err := db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return fmt.Errorf("sqlite: open: %w", err)
	}
	if err := db.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&sync); err != nil {
		return fmt.Errorf("sqlite: open: %w", err)
	}
	if mode != "wal" || sync != 2 {
		return fmt.Errorf("sqlite: open: journal_mode %s, synchronous %d; want wal and 2 (FULL)", mode, sync)
	}
	return nil
}

// Close stops the writer and closes the database.
func (s *Store) Close() error {
	s.closing.Do(func() { close(s.stopWAL) })
	<-s.walDone
	s.w.Close()
	s.wr.close()
	s.getVer.Close()
	return s.db.Close()
}

// DB returns the database, for tests and tools that read it directly.
func (s *Store) DB() *sql.DB { return s.db }

// ErrClosed is returned by Append after Close.
var ErrClosed = errors.New("sqlite: store closed")

// Append implements procedure.Store. It returns once the events are
// durable (committed with synchronous=FULL).
func (s *Store) Append(ctx context.Context, req procedure.AppendRequest) (procedure.AppendResult, error) {
	if err := req.Check(); err != nil {
		return procedure.AppendResult{}, err
	}
	return s.w.Append(ctx, req)
}

// commit runs each job under its own savepoint, so that one refused append
// leaves the others, and commits them all with one sync. The audit
// entries of the jobs that carry a trail are chained in the same
// transaction, after the audit log's end as read under the write lock,
// and a trail that seals (procedure.AuditSealer) has the checkpoint of
// the tree the batch ends at stored in it too.
func (s *Store) commit(batch []*groupcommit.Job) {
	err := s.wr.commit(batch)
	if err != nil {
		s.wr.abort()
		groupcommit.Finish(batch, err)
		return
	}
	for _, j := range batch {
		if j.Err == nil && !j.Res.Replayed {
			s.cache.Appended(j.Req.CaseID, j.Req.ExpectedVersion, asStored(j.Req.Events))
		}
	}
	groupcommit.Finish(batch, nil)
}

// PutSummary implements procedure.SummaryWriter.
func (s *Store) PutSummary(ctx context.Context, sm procedure.Summary) (bool, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	var have int
	if err := tx.QueryRowContext(ctx, `SELECT version FROM cases WHERE case_id = ?`, sm.CaseID).Scan(&have); err != nil || have != sm.Version {
		if errors.Is(err, sql.ErrNoRows) {
			err = nil
		}
		return false, err
	}
	if err := putSummary(ctx, txExec{tx}, sm); err != nil {
		return false, err
	}
	return true, tx.Commit()
}

// asStored returns events as a read of the events table gives them back:
// their instants in UTC (stamp keeps them to the nanosecond).
func asStored(evs []procedure.Event) []procedure.Event {
	out := make([]procedure.Event, len(evs))
	for i, e := range evs {
		e.At, e.RecordedAt = e.At.UTC(), e.RecordedAt.UTC()
		out[i] = e
	}
	return out
}

// stamp writes an instant as the events table keeps it.
func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
