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
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"time"

	_ "modernc.org/sqlite" // the database/sql driver "sqlite"

	"github.com/reocell/celltherapy/procedure"
	"github.com/reocell/celltherapy/procedure/internal/groupcommit"
	"github.com/reocell/celltherapy/procedure/internal/workitem"
)

// Store is a procedure.Store in one SQLite file. It is safe for concurrent
// use, also by several processes on one machine.
type Store struct {
	db *sql.DB
	w  *groupcommit.Writer
}

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
	if err := check(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	if err := migrate(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	s := &Store{db: db}
	s.w = groupcommit.Start(s.commit, ErrClosed)
	return s, nil
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
	s.w.Close()
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
// transaction, after the audit log's end as read under the write lock.
func (s *Store) commit(batch []*groupcommit.Job) {
	tx, err := s.db.BeginTx(context.Background(), nil)
	if err != nil {
		groupcommit.Finish(batch, fmt.Errorf("sqlite: begin: %w", err))
		return
	}
	var tail *procedure.AuditTail // read once, when a job needs it
	for _, j := range batch {
		if err := j.Ctx.Err(); err != nil {
			j.Err = err
			continue
		}
		if j.Req.Audit != nil && tail == nil {
			if tail, err = auditTail(tx); err != nil {
				tx.Rollback()
				groupcommit.Finish(batch, err)
				return
			}
		}
		if _, err := tx.Exec("SAVEPOINT append"); err != nil {
			tx.Rollback()
			groupcommit.Finish(batch, err)
			return
		}
		var next procedure.AuditTail
		j.Res, next, j.Err = appendTx(j.Ctx, tx, j.Req, tail)
		release := "RELEASE append"
		if j.Err != nil {
			release = "ROLLBACK TO append; RELEASE append"
		} else if tail != nil {
			*tail = next
		}
		if _, err := tx.Exec(release); err != nil {
			tx.Rollback()
			groupcommit.Finish(batch, err)
			return
		}
	}
	if err := tx.Commit(); err != nil {
		groupcommit.Finish(batch, fmt.Errorf("sqlite: commit: %w", err))
		return
	}
	groupcommit.Finish(batch, nil)
}

// auditTail reads the audit log's last entry.
func auditTail(tx *sql.Tx) (*procedure.AuditTail, error) {
	var t procedure.AuditTail
	err := tx.QueryRow(`SELECT seq, hash FROM audit_entries ORDER BY seq DESC LIMIT 1`).Scan(&t.Seq, &t.Hash)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("sqlite: read the audit log's end: %w", err)
	}
	return &t, nil
}

// appendTx appends one request inside the batch's transaction, with its
// audit entries after tail when it carries a trail; it returns the new tail.
func appendTx(ctx context.Context, tx *sql.Tx, req procedure.AppendRequest, tail *procedure.AuditTail) (procedure.AppendResult, procedure.AuditTail, error) {
	var next procedure.AuditTail
	if tail != nil {
		next = *tail
	}
	if req.Key != "" {
		k, err := keyUse(ctx, tx, req.Key)
		if err != nil {
			return procedure.AppendResult{}, next, err
		}
		if k != nil {
			if err := req.KeyUse(k.caseID, k.digest); err != nil {
				return procedure.AppendResult{}, next, err
			}
			evs, err := events(ctx, tx, k.caseID, k.first, k.last)
			return procedure.AppendResult{Events: evs, Replayed: true}, next, err
		}
	}
	var have int
	err := tx.QueryRowContext(ctx, `SELECT version FROM cases WHERE case_id = ?`, req.CaseID).Scan(&have)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return procedure.AppendResult{}, next, err
	}
	if have != req.ExpectedVersion {
		return procedure.AppendResult{}, next, fmt.Errorf("%w: case %q is at version %d, not %d", procedure.ErrConflict, req.CaseID, have, req.ExpectedVersion)
	}
	for _, e := range req.Events {
		if err := insertEvent(ctx, tx, e); err != nil {
			return procedure.AppendResult{}, next, err
		}
	}
	if err := putSummary(ctx, tx, req.Summary); err != nil {
		return procedure.AppendResult{}, next, err
	}
	if req.Key != "" {
		last := req.ExpectedVersion + len(req.Events)
		var digest any
		if req.Digest != "" {
			digest = req.Digest
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO commands (key, case_id, first_version, last_version, digest) VALUES (?, ?, ?, ?, ?)`,
			req.Key, req.CaseID, req.ExpectedVersion+1, last, digest); err != nil {
			return procedure.AppendResult{}, next, err
		}
	}
	if req.Audit != nil {
		entries, after, err := procedure.ChainAudit(req.Audit, next, req.Events)
		if err != nil {
			return procedure.AppendResult{}, next, err
		}
		for _, a := range entries {
			if _, err := tx.ExecContext(ctx, `INSERT INTO audit_entries
				(seq, at, actor_id, actor_role, action, subject, request_id, ruleset_digest, input, output, event_version, event_hash, prev_hash, hash)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				a.Seq, a.At, a.ActorID, a.ActorRole, a.Action, a.Subject, a.RequestID, a.RulesetDigest,
				string(a.Input), string(a.Output), a.EventVersion, a.EventHash, a.PrevHash, a.Hash); err != nil {
				return procedure.AppendResult{}, next, fmt.Errorf("sqlite: insert audit entry %d: %w", a.Seq, err)
			}
		}
		next = after
	}
	return procedure.AppendResult{Events: req.Events}, next, nil
}

func insertEvent(ctx context.Context, tx *sql.Tx, e procedure.Event) error {
	var decision, key any
	if e.Decision != nil {
		b, err := json.Marshal(e.Decision)
		if err != nil {
			return err
		}
		decision = string(b)
	}
	if e.Key != "" {
		key = e.Key
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO events (case_id, version, type, schema, actor_id, actor_role, at, recorded_at, key, data, decision)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.CaseID, e.Version, string(e.Type), e.Schema, e.Actor.ID, string(e.Actor.Role),
		stamp(e.At), stamp(e.RecordedAt), key, string(e.Data), decision)
	return err
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
	if err := putSummary(ctx, tx, sm); err != nil {
		return false, err
	}
	return true, tx.Commit()
}

func putSummary(ctx context.Context, tx *sql.Tx, sm procedure.Summary) error {
	b, err := json.Marshal(sm)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO cases (case_id, version, stage, summary) VALUES (?, ?, ?, ?)
		ON CONFLICT (case_id) DO UPDATE SET version = excluded.version, stage = excluded.stage, summary = excluded.summary`,
		sm.CaseID, sm.Version, string(sm.Stage), string(b)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM dues WHERE case_id = ?`, sm.CaseID); err != nil {
		return err
	}
	for _, d := range sm.Due {
		item, err := workitem.Pack(sm, d)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO dues (case_id, what, who, from_at, by_at, ref, item) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			sm.CaseID, string(d.What), string(d.Who), d.From.UnixMicro(), d.By.UnixMicro(), d.Ref, item); err != nil {
			return err
		}
	}
	return nil
}

// stamp writes an instant as the events table keeps it.
func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
