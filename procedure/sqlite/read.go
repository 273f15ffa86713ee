package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/reocell/celltherapy/procedure"
	"github.com/reocell/celltherapy/procedure/internal/eventcache"
	"github.com/reocell/celltherapy/procedure/internal/rowscan"
	"github.com/reocell/celltherapy/procedure/internal/workitem"
)

// querier is what reads need of a *sql.DB or a *sql.Tx.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

const eventColumns = `case_id, version, type, schema, actor_id, actor_role, at, recorded_at, COALESCE(key, ''), data, decision`

// Events implements procedure.Store: the events as stored now, read from
// the database (what audit verify re-hashes).
func (s *Store) Events(ctx context.Context, caseID string) ([]procedure.Event, error) {
	evs, err := events(ctx, s.db, caseID, 1, 1<<62)
	if err == nil && len(evs) == 0 {
		err = fmt.Errorf("%w: case %q", procedure.ErrNotFound, caseID)
	}
	if err == nil {
		s.cache.Put(caseID, evs)
	}
	return evs, err
}

// CommandEvents implements procedure.CommandReader. The events of the
// cases written or read last are kept in memory: a case whose stored
// version is the one kept is answered from memory, and one that has grown
// (another process appended) reads only its new events. Every command
// reads its case's events before it decides, and reading them all again
// from the database was most of its cost.
func (s *Store) CommandEvents(ctx context.Context, caseID string) ([]procedure.Event, error) {
	return s.cache.Events(ctx, caseID, eventcache.Reads{
		Version: func(ctx context.Context, caseID string) (int, error) {
			var v int
			err := s.getVer.QueryRowContext(ctx, caseID).Scan(&v)
			if errors.Is(err, sql.ErrNoRows) {
				err = nil
			}
			return v, err
		},
		From: func(ctx context.Context, caseID string, from int) ([]procedure.Event, error) {
			return events(ctx, s.db, caseID, from, 1<<62)
		},
		All: s.Events,
	})
}

// Replay implements procedure.Store.
func (s *Store) Replay(ctx context.Context, key string) ([]procedure.Event, error) {
	k, err := keyUse(ctx, s.db, key)
	if err != nil || k == nil {
		return nil, err
	}
	return events(ctx, s.db, k.caseID, k.first, k.last)
}

// KeyDigest implements procedure.Store.
func (s *Store) KeyDigest(ctx context.Context, key string) (string, string, bool, error) {
	k, err := keyUse(ctx, s.db, key)
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

// keyUse returns the row of key, or nil.
func keyUse(ctx context.Context, q querier, key string) (*keyRow, error) {
	var k keyRow
	err := q.QueryRowContext(ctx, `SELECT case_id, first_version, last_version, COALESCE(digest, '') FROM commands WHERE key = ?`, key).
		Scan(&k.caseID, &k.first, &k.last, &k.digest)
	if err == sql.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &k, nil
}

func events(ctx context.Context, q querier, caseID string, from, to int) ([]procedure.Event, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+eventColumns+` FROM events WHERE case_id = ? AND version BETWEEN ? AND ? ORDER BY version`, caseID, from, to)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []procedure.Event
	for rows.Next() {
		var (
			e                      procedure.Event
			typ, role, at, rec, dt string
			decision               sql.NullString
		)
		if err := rows.Scan(&e.CaseID, &e.Version, &typ, &e.Schema, &e.Actor.ID, &role, &at, &rec, &e.Key, &dt, &decision); err != nil {
			return nil, err
		}
		e.Type, e.Actor.Role, e.Data = procedure.EventType(typ), procedure.Role(role), json.RawMessage(dt)
		if e.At, err = time.Parse(time.RFC3339Nano, at); err != nil {
			return nil, err
		}
		if e.RecordedAt, err = time.Parse(time.RFC3339Nano, rec); err != nil {
			return nil, err
		}
		if decision.Valid {
			e.Decision = new(procedure.DecisionRecord)
			if err := json.Unmarshal([]byte(decision.String), e.Decision); err != nil {
				return nil, fmt.Errorf("sqlite: event %s: decision: %w", e.ID(), err)
			}
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Cases implements procedure.Store.
func (s *Store) Cases(ctx context.Context, q procedure.CaseQuery) ([]procedure.Summary, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = -1
	}
	rows, err := s.db.QueryContext(ctx, `SELECT summary FROM cases WHERE (? = '' OR stage = ?) AND case_id > ? ORDER BY case_id LIMIT ?`,
		string(q.Stage), string(q.Stage), q.After, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return rowscan.Texts(rows, summaryOf)
}

// Worklist implements procedure.Store. It reads one packed column per
// item: a worklist may hold thousands of items, and with modernc.org/sqlite
// each column read costs time and an allocation.
func (s *Store) Worklist(ctx context.Context, q procedure.WorklistQuery) ([]procedure.WorkItem, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = -1
	}
	rows, err := s.db.QueryContext(ctx, `SELECT item FROM dues
		WHERE from_at <= ? AND (? = '' OR who = ?) ORDER BY by_at, case_id, what, ref LIMIT ?`,
		q.AsOf.UnixMicro(), string(q.Role), string(q.Role), limit)
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
