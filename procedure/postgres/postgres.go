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
			if k, rerr := keyUse(ctx, s.pool, req.Key); rerr == nil && k != nil {
				if err := req.KeyUse(k.caseID, k.digest); err != nil {
					return procedure.AppendResult{}, err
				}
				if evs, rerr := events(ctx, s.pool, k.caseID, k.first, k.last); rerr == nil {
					return procedure.AppendResult{Events: evs, Replayed: true}, nil
				}
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
	if err := tx.Commit(ctx); err != nil {
		return procedure.AppendResult{}, err
	}
	return procedure.AppendResult{Events: req.Events}, nil
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
