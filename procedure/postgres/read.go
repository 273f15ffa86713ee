package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/reocell/celltherapy/procedure"
	"github.com/reocell/celltherapy/procedure/internal/eventcache"
	"github.com/reocell/celltherapy/procedure/internal/rowscan"
	"github.com/reocell/celltherapy/procedure/internal/workitem"
)

// querier is what reads need of a pool or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Events implements procedure.Store.
func (s *Store) Events(ctx context.Context, caseID string) ([]procedure.Event, error) {
	evs, err := events(ctx, s.pool, caseID, 1, 1<<30)
	if err == nil && len(evs) == 0 {
		err = fmt.Errorf("%w: case %q", procedure.ErrNotFound, caseID)
	}
	if err == nil {
		s.cache.Put(caseID, evs)
	}
	return evs, err
}

// CommandEvents implements procedure.CommandReader: the events of the
// cases read or written last are kept in memory, and a command's read of
// its case asks the database for the case's version alone when it has
// not grown (the events of another server's appends otherwise). Events
// stays a read of the events as stored now, for audit verify.
func (s *Store) CommandEvents(ctx context.Context, caseID string) ([]procedure.Event, error) {
	if !storable(caseID) {
		return s.Events(ctx, caseID)
	}
	return s.cache.Events(ctx, caseID, eventcache.Reads{
		Version: func(ctx context.Context, caseID string) (int, error) {
			var v int
			err := s.pool.QueryRow(ctx, `SELECT version FROM cases WHERE case_id = $1`, caseID).Scan(&v)
			if errors.Is(err, pgx.ErrNoRows) {
				err = nil
			}
			return v, err
		},
		From: func(ctx context.Context, caseID string, from int) ([]procedure.Event, error) {
			return events(ctx, s.pool, caseID, from, 1<<30)
		},
		All: s.Events,
	})
}

// Replay implements procedure.Store.
func (s *Store) Replay(ctx context.Context, key string) ([]procedure.Event, error) {
	k, err := keyUse(ctx, s.pool, key)
	if err != nil || k == nil {
		return nil, err
	}
	return events(ctx, s.pool, k.caseID, k.first, k.last)
}

// KeyDigest implements procedure.Store.
func (s *Store) KeyDigest(ctx context.Context, key string) (string, string, bool, error) {
	k, err := keyUse(ctx, s.pool, key)
	if err != nil || k == nil {
		return "", "", false, err
	}
	return k.caseID, k.digest, true, nil
}

// keyRow is what the commands table keeps of a key.
type keyRow struct {
	caseID, digest string
	first, last    int
}

// keyUse returns the row of key, or nil. A key PostgreSQL cannot hold as
// text (a NUL, invalid UTF-8) was never stored.
func keyUse(ctx context.Context, q querier, key string) (*keyRow, error) {
	if !storable(key) {
		return nil, nil
	}
	var k keyRow
	err := q.QueryRow(ctx, `SELECT case_id, first_version, last_version, COALESCE(digest, '') FROM commands WHERE key = $1`, key).
		Scan(&k.caseID, &k.first, &k.last, &k.digest)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &k, nil
}

// storable reports whether PostgreSQL can hold s as text.
func storable(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }

func events(ctx context.Context, q querier, caseID string, from, to int) ([]procedure.Event, error) {
	rows, err := q.Query(ctx, `SELECT case_id, version, type, schema, actor_id, actor_role, at, recorded_at, COALESCE(key, ''), data, decision
		FROM events WHERE case_id = $1 AND version BETWEEN $2 AND $3 ORDER BY version`, caseID, from, to)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []procedure.Event
	for rows.Next() {
		var (
			e               procedure.Event
			typ, role, data string
			decision        *string
		)
		if err := rows.Scan(&e.CaseID, &e.Version, &typ, &e.Schema, &e.Actor.ID, &role, &e.At, &e.RecordedAt, &e.Key, &data, &decision); err != nil {
			return nil, err
		}
		e.Type, e.Actor.Role, e.Data = procedure.EventType(typ), procedure.Role(role), json.RawMessage(data)
		e.At, e.RecordedAt = e.At.UTC(), e.RecordedAt.UTC()
		if decision != nil {
			e.Decision = new(procedure.DecisionRecord)
			if err := json.Unmarshal([]byte(*decision), e.Decision); err != nil {
				return nil, fmt.Errorf("postgres: event %s: decision: %w", e.ID(), err)
			}
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Cases implements procedure.Store.
func (s *Store) Cases(ctx context.Context, q procedure.CaseQuery) ([]procedure.Summary, error) {
	var limit *int
	if q.Limit > 0 {
		limit = &q.Limit
	}
	rows, err := s.pool.Query(ctx, `SELECT summary FROM cases WHERE ($1 = '' OR stage = $1) AND case_id COLLATE "C" > $2 ORDER BY case_id COLLATE "C" LIMIT $3`,
		string(q.Stage), q.After, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return rowscan.Texts(rows, summaryOf)
}

// Worklist implements procedure.Store. It reads one packed column per
// item: a worklist may hold thousands of items.
func (s *Store) Worklist(ctx context.Context, q procedure.WorklistQuery) ([]procedure.WorkItem, error) {
	var limit *int
	if q.Limit > 0 {
		limit = &q.Limit
	}
	rows, err := s.pool.Query(ctx, `SELECT item FROM dues
		WHERE from_at <= $1 AND ($2 = '' OR who = $2) ORDER BY by_at, case_id COLLATE "C", what COLLATE "C", ref COLLATE "C" LIMIT $3`,
		q.AsOf, string(q.Role), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return rowscan.Texts(rows, func(item string) (procedure.WorkItem, error) {
		w, err := workitem.Unpack(item)
		w.Overdue = err == nil && w.By.Before(q.AsOf)
		return w, err
	})
}

// summaryOf reads a case's summary as stored.
func summaryOf(b string) (procedure.Summary, error) {
	var sm procedure.Summary
	err := json.Unmarshal([]byte(b), &sm)
	return sm, err
}
