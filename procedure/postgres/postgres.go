// Package postgres is a procedure.Store on PostgreSQL (pgx v5), for
// clinics that run several servers against one database. Appends are
// transactions under PostgreSQL's default durability (synchronous commit);
// a conditional update of the case row gives optimistic concurrency.
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
	"github.com/reocell/celltherapy/procedure/internal/workitem"
)

// Store is a procedure.Store in a PostgreSQL database. It is safe for
// concurrent use, also by several processes.
type Store struct {
	pool *pgxpool.Pool
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
	return &Store{pool: pool}, nil
}

// Close closes the connections.
func (s *Store) Close() { s.pool.Close() }

// Pool returns the connection pool, for tests and tools.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Append implements procedure.Store.
func (s *Store) Append(ctx context.Context, req procedure.AppendRequest) (procedure.AppendResult, error) {
	if err := req.Check(); err != nil {
		return procedure.AppendResult{}, err
	}
	res, err := s.append(ctx, req)
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" { // unique_violation: a concurrent append won
		if req.Key != "" && pe.TableName == "commands" {
			evs, rerr := s.Replay(ctx, req.Key)
			if rerr == nil && evs != nil {
				return procedure.AppendResult{Events: evs, Replayed: true}, nil
			}
		}
		return procedure.AppendResult{}, fmt.Errorf("%w: case %q changed at version %d: %v", procedure.ErrConflict, req.CaseID, req.ExpectedVersion, pe.Message)
	}
	return res, err
}

func (s *Store) append(ctx context.Context, req procedure.AppendRequest) (procedure.AppendResult, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return procedure.AppendResult{}, err
	}
	defer tx.Rollback(ctx)
	if req.Key != "" {
		evs, err := keyed(ctx, tx, req.Key)
		if err != nil || evs != nil {
			return procedure.AppendResult{Events: evs, Replayed: evs != nil}, err
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
		batch.Queue(`INSERT INTO commands (key, case_id, first_version, last_version) VALUES ($1, $2, $3, $4)`,
			req.Key, req.CaseID, req.ExpectedVersion+1, version)
	}
	if err := tx.SendBatch(ctx, batch).Close(); err != nil {
		return procedure.AppendResult{}, err
	}
	if req.Audit != nil {
		if err := appendAudit(ctx, tx, req); err != nil {
			return procedure.AppendResult{}, err
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return procedure.AppendResult{}, err
	}
	return procedure.AppendResult{Events: req.Events}, nil
}

// appendAudit writes the audit entries of req's events in its transaction.
// The table lock orders the audit log's writers (this store's appends, the
// server's own log, other servers), so the log has one end; it is taken
// last, so that it is held only for the inserts and the commit.
func appendAudit(ctx context.Context, tx pgx.Tx, req procedure.AppendRequest) error {
	if _, err := tx.Exec(ctx, `LOCK TABLE audit_entries IN EXCLUSIVE MODE`); err != nil {
		return fmt.Errorf("postgres: lock the audit log: %w", err)
	}
	var tail procedure.AuditTail
	err := tx.QueryRow(ctx, `SELECT seq, hash FROM audit_entries ORDER BY seq DESC LIMIT 1`).Scan(&tail.Seq, &tail.Hash)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("postgres: read the audit log's end: %w", err)
	}
	entries, _, err := procedure.ChainAudit(req.Audit, tail, req.Events)
	if err != nil {
		return err
	}
	batch := &pgx.Batch{}
	for _, a := range entries {
		batch.Queue(`INSERT INTO audit_entries
			(seq, at, actor_id, actor_role, action, subject, request_id, ruleset_digest, input, output, event_version, event_hash, prev_hash, hash)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
			a.Seq, a.At, a.ActorID, a.ActorRole, a.Action, a.Subject, a.RequestID, a.RulesetDigest,
			string(a.Input), string(a.Output), a.EventVersion, a.EventHash, a.PrevHash, a.Hash)
	}
	if err := tx.SendBatch(ctx, batch).Close(); err != nil {
		return fmt.Errorf("postgres: insert audit entries: %w", err)
	}
	return nil
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
