// Package postgres is a procedure.Store on PostgreSQL (pgx v5), for
// clinics that run several servers against one database. Appends are
// transactions under PostgreSQL's default durability (synchronous commit),
// concurrent appends committed together (group commit); a conditional
// update of the case row gives optimistic concurrency.
//
//	store, err := postgres.Open(ctx, "postgres://user@host/db")
//	defer store.Close()
//	cases := procedure.NewCases(store)
package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/reocell/celltherapy/procedure"
	"github.com/reocell/celltherapy/procedure/internal/eventcache"
	"github.com/reocell/celltherapy/procedure/internal/groupcommit"
	"github.com/reocell/celltherapy/procedure/internal/workitem"
)

// Store is a procedure.Store in a PostgreSQL database. It is safe for
// concurrent use, also by several processes.
type Store struct {
	pool *pgxpool.Pool
	w    *groupcommit.Writer
	// cache keeps the events of the cases read last, as read: an event as
	// appended is not kept, since PostgreSQL keeps its instants to the
	// microsecond and a command must decide on the event as stored.
	cache eventcache.Cache
}

// Open connects to the database at dsn (a URL or keyword/value string
// pgx accepts; settings such as search_path pass through) and applies the
// embedded migrations. A database with a newer schema than this code is
// refused (procedure.ErrSchema) and left untouched.
func Open(ctx context.Context, dsn string) (*Store, error) {
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if err := migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	s := &Store{pool: pool}
	s.w = groupcommit.Start(s.commit, ErrClosed)
	return s, nil
}

// Close stops the writer and closes the connections.
func (s *Store) Close() {
	s.w.Close()
	s.pool.Close()
}

// Pool returns the connection pool, for tests and tools.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// ErrClosed is returned by Append after Close.
var ErrClosed = errors.New("postgres: store closed")

// Append implements procedure.Store. Concurrent appends are committed
// together, in one transaction (group commit): one commit acknowledges
// many, and the audit log's lock is taken once for all of them.
func (s *Store) Append(ctx context.Context, req procedure.AppendRequest) (procedure.AppendResult, error) {
	if err := req.Check(); err != nil {
		return procedure.AppendResult{}, err
	}
	return s.w.Append(ctx, req)
}

// commit runs each job under its own savepoint, so that one refused append
// leaves the others, then writes the audit entries of every job that
// appended (under the audit log's lock, taken last so that it is held only
// for those inserts and the commit), and commits.
func (s *Store) commit(batch []*groupcommit.Job) {
	ctx := context.Background() // the commit serves several callers: none may cancel it
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		groupcommit.Finish(batch, fmt.Errorf("postgres: begin: %w", err))
		return
	}
	defer tx.Rollback(ctx)
	var audited []*groupcommit.Job
	for _, j := range batch {
		if err := j.Ctx.Err(); err != nil {
			j.Err = err
			continue
		}
		if _, err := tx.Exec(ctx, "SAVEPOINT append"); err != nil {
			groupcommit.Finish(batch, err)
			return
		}
		j.Res, j.Err = appendTx(ctx, tx, j.Req)
		if j.Err != nil {
			if _, err := tx.Exec(ctx, "ROLLBACK TO SAVEPOINT append"); err != nil {
				groupcommit.Finish(batch, err)
				return
			}
			j.Res, j.Err = lost(ctx, tx, j.Req, j.Err)
		} else if !j.Res.Replayed && j.Req.Audit != nil {
			audited = append(audited, j)
		}
		if _, err := tx.Exec(ctx, "RELEASE SAVEPOINT append"); err != nil {
			groupcommit.Finish(batch, err)
			return
		}
	}
	if len(audited) > 0 {
		if err := appendAudit(ctx, tx, audited); err != nil {
			groupcommit.Finish(batch, err)
			return
		}
		if sl, ok := audited[len(audited)-1].Req.Audit.(procedure.AuditSealer); ok {
			if err := sealAudit(ctx, tx, sl); err != nil {
				groupcommit.Finish(batch, err)
				return
			}
		}
	}
	if err := tx.Commit(ctx); err != nil {
		groupcommit.Finish(batch, fmt.Errorf("postgres: commit: %w", err))
		return
	}
	groupcommit.Finish(batch, nil)
}

// lost turns the error of an append that lost a race with another writer
// into what the caller is owed: the events of a key another append used
// first (Replayed), or ErrConflict.
func lost(ctx context.Context, tx pgx.Tx, req procedure.AppendRequest, err error) (procedure.AppendResult, error) {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return procedure.AppendResult{}, err
	}
	switch pe.Code {
	case "23505": // unique_violation: a concurrent append won
		if req.Key != "" && pe.TableName == "commands" {
			if k, rerr := keyUse(ctx, tx, req.Key); rerr == nil && k != nil {
				if err := req.KeyUse(k.caseID, k.digest); err != nil {
					return procedure.AppendResult{}, err
				}
				if evs, rerr := events(ctx, tx, k.caseID, k.first, k.last); rerr == nil {
					return procedure.AppendResult{Events: evs, Replayed: true}, nil
				}
			}
		}
	case "40P01": // deadlock_detected: another server's batch holds the case
	default:
		return procedure.AppendResult{}, err
	}
	return procedure.AppendResult{}, fmt.Errorf("%w: case %q changed at version %d: %v", procedure.ErrConflict, req.CaseID, req.ExpectedVersion, pe.Message)
}

func appendTx(ctx context.Context, tx pgx.Tx, req procedure.AppendRequest) (procedure.AppendResult, error) {
	if req.Key != "" {
		k, err := keyUse(ctx, tx, req.Key)
		if err != nil {
			return procedure.AppendResult{}, err
		}
		if k != nil {
			if err := req.KeyUse(k.caseID, k.digest); err != nil {
				return procedure.AppendResult{}, err
			}
			evs, err := events(ctx, tx, k.caseID, k.first, k.last)
			return procedure.AppendResult{Events: evs, Replayed: true}, err
		}
	}
	summary, err := json.Marshal(req.Summary)
	if err != nil {
		return procedure.AppendResult{}, err
	}
	version := req.ExpectedVersion + len(req.Events)
	var tag pgconn.CommandTag
	if req.ExpectedVersion == 0 {
		tag, err = tx.Exec(ctx, `INSERT INTO cases (case_id, version, stage, summary) VALUES ($1, $2, $3, $4) ON CONFLICT (case_id) DO NOTHING`,
			req.CaseID, version, string(req.Summary.Stage), string(summary))
	} else {
		tag, err = tx.Exec(ctx, `UPDATE cases SET version = $2, stage = $3, summary = $4 WHERE case_id = $1 AND version = $5`,
			req.CaseID, version, string(req.Summary.Stage), string(summary), req.ExpectedVersion)
	}
	if err != nil {
		return procedure.AppendResult{}, err
	}
	if tag.RowsAffected() != 1 {
		return procedure.AppendResult{}, fmt.Errorf("%w: case %q is not at version %d", procedure.ErrConflict, req.CaseID, req.ExpectedVersion)
	}
	batch := &pgx.Batch{}
	for _, e := range req.Events {
		if err := queueEvent(batch, e); err != nil {
			return procedure.AppendResult{}, err
		}
	}
	if err := queueDues(batch, req.Summary); err != nil {
		return procedure.AppendResult{}, err
	}
	if req.Key != "" {
		var digest *string
		if req.Digest != "" {
			digest = &req.Digest
		}
		batch.Queue(`INSERT INTO commands (key, case_id, first_version, last_version, digest) VALUES ($1, $2, $3, $4, $5)`,
			req.Key, req.CaseID, req.ExpectedVersion+1, version, digest)
	}
	if err := tx.SendBatch(ctx, batch).Close(); err != nil {
		return procedure.AppendResult{}, err
	}
	return procedure.AppendResult{Events: req.Events}, nil
}

// appendAudit writes the audit entries of the jobs' events, chained in
// order after the log's end. The table lock orders the audit log's
// writers (this store's batches, the server's own log, other servers), so
// the log has one end. A trail that fails fails the whole batch: no event
// is committed without its entry.
func appendAudit(ctx context.Context, tx pgx.Tx, jobs []*groupcommit.Job) error {
	if _, err := tx.Exec(ctx, `LOCK TABLE audit_entries IN EXCLUSIVE MODE`); err != nil {
		return fmt.Errorf("postgres: lock the audit log: %w", err)
	}
	var tail procedure.AuditTail
	err := tx.QueryRow(ctx, `SELECT seq, hash FROM audit_entries ORDER BY seq DESC LIMIT 1`).Scan(&tail.Seq, &tail.Hash)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("postgres: read the audit log's end: %w", err)
	}
	var rows [][]any
	for _, j := range jobs {
		var entries []procedure.AuditEntry
		entries, tail, err = procedure.ChainAudit(j.Req.Audit, tail, j.Req.Events)
		if err != nil {
			return err
		}
		for _, a := range entries {
			rows = append(rows, []any{a.Seq, a.At, a.ActorID, a.ActorRole, a.Action, a.Subject, a.RequestID, a.RulesetDigest,
				string(a.Input), string(a.Output), int64(a.EventVersion), a.EventHash, a.PrevHash, a.Hash})
		}
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"audit_entries"}, []string{"seq", "at", "actor_id", "actor_role", "action",
		"subject", "request_id", "ruleset_digest", "input", "output", "event_version", "event_hash", "prev_hash", "hash"},
		pgx.CopyFromRows(rows)); err != nil {
		return fmt.Errorf("postgres: insert audit entries: %w", err)
	}
	return nil
}

// sealAudit has the sealer store the signed checkpoint of the tree the
// batch ends at, in the batch's transaction. The checkpoints' table lock
// orders the sealers (this store's batches, the server's own log, other
// servers), after the audit log's lock, which every sealer that also
// appends takes first.
func sealAudit(ctx context.Context, tx pgx.Tx, sl procedure.AuditSealer) error {
	if _, err := tx.Exec(ctx, `LOCK TABLE audit_checkpoints IN EXCLUSIVE MODE`); err != nil {
		return fmt.Errorf("postgres: lock the audit checkpoints: %w", err)
	}
	if err := sl.Seal(ctx, tree{tx}); err != nil {
		return fmt.Errorf("postgres: sign the audit checkpoint: %w", err)
	}
	return nil
}

// tree is the audit log's Merkle tree in a batch's transaction
// (procedure.AuditTree).
type tree struct{ tx pgx.Tx }

func (t tree) Size(ctx context.Context) (int64, error) {
	var n int64
	err := t.tx.QueryRow(ctx, `SELECT COALESCE(MAX(size), 0) FROM audit_checkpoints`).Scan(&n)
	return n, err
}

func (t tree) EntryHashes(ctx context.Context, after int64) ([]int64, []string, error) {
	rows, err := t.tx.Query(ctx, `SELECT seq, hash FROM audit_entries WHERE seq > $1 ORDER BY seq`, after)
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

func (t tree) ReadHashes(ctx context.Context, idx []int64) ([][32]byte, error) {
	rows, err := t.tx.Query(ctx, `SELECT idx, hash FROM audit_tree WHERE idx = ANY($1)`, idx)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	got := make(map[int64][32]byte, len(idx))
	for rows.Next() {
		var x int64
		var b []byte
		if err := rows.Scan(&x, &b); err != nil {
			return nil, err
		}
		var h [32]byte
		copy(h[:], b)
		got[x] = h
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([][32]byte, len(idx))
	for i, x := range idx {
		h, ok := got[x]
		if !ok {
			return nil, fmt.Errorf("postgres: audit tree hash %d not stored", x)
		}
		out[i] = h
	}
	return out, nil
}

func (t tree) PutHashes(ctx context.Context, first int64, hashes [][32]byte) error {
	rows := make([][]any, len(hashes))
	for i := range hashes {
		rows[i] = []any{first + int64(i), hashes[i][:]}
	}
	_, err := t.tx.CopyFrom(ctx, pgx.Identifier{"audit_tree"}, []string{"idx", "hash"}, pgx.CopyFromRows(rows))
	return err
}

func (t tree) PutCheckpoint(ctx context.Context, size int64, at string, note []byte) error {
	_, err := t.tx.Exec(ctx, `INSERT INTO audit_checkpoints (size, at, note) VALUES ($1, $2, $3)`, size, at, string(note))
	return err
}

func queueEvent(b *pgx.Batch, e procedure.Event) error {
	var decision, key *string
	if e.Decision != nil {
		j, err := json.Marshal(e.Decision)
		if err != nil {
			return err
		}
		d := string(j)
		decision = &d
	}
	if e.Key != "" {
		key = &e.Key
	}
	b.Queue(`INSERT INTO events (case_id, version, type, schema, actor_id, actor_role, at, recorded_at, key, data, decision)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		e.CaseID, e.Version, string(e.Type), e.Schema, e.Actor.ID, string(e.Actor.Role), e.At, e.RecordedAt, key, string(e.Data), decision)
	return nil
}

// PutSummary implements procedure.SummaryWriter.
func (s *Store) PutSummary(ctx context.Context, sm procedure.Summary) (bool, error) {
	summary, err := json.Marshal(sm)
	if err != nil {
		return false, err
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return false, err
	}
	defer tx.Rollback(ctx)
	tag, err := tx.Exec(ctx, `UPDATE cases SET stage = $3, summary = $4 WHERE case_id = $1 AND version = $2`,
		sm.CaseID, sm.Version, string(sm.Stage), string(summary))
	if err != nil || tag.RowsAffected() != 1 {
		return false, err
	}
	batch := &pgx.Batch{}
	if err := queueDues(batch, sm); err != nil {
		return false, err
	}
	if err := tx.SendBatch(ctx, batch).Close(); err != nil {
		return false, err
	}
	return true, tx.Commit(ctx)
}

func queueDues(b *pgx.Batch, sm procedure.Summary) error {
	b.Queue(`DELETE FROM dues WHERE case_id = $1`, sm.CaseID)
	for _, d := range sm.Due {
		item, err := workitem.Pack(sm, d)
		if err != nil {
			return err
		}
		b.Queue(`INSERT INTO dues (case_id, what, who, from_at, by_at, ref, item) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			sm.CaseID, string(d.What), string(d.Who), d.From, d.By, d.Ref, item)
	}
	return nil
}
