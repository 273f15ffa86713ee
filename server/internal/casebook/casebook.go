// Package casebook is the reference server's one adapter onto the procedure
// package: every call into procedure and its stores is here. It opens the
// case store (SQLite beside the audit log, or PostgreSQL), gives commands
// as the verified caller, with the version it expects and the audit trail
// the store writes with the events. Its errors are procedure's own typed
// errors (and its codes), which the HTTP layer maps to statuses in its one
// table.
//
//	book, err := casebook.Open(ctx, casebook.Options{SQLiteFile: "data/celltherapy.db"})
//	out, err := book.Give(ctx, "case-1", procedure.Actor{ID: "dr-7", Role: procedure.Doctor}, body, casebook.Expect{}, trail)
package casebook

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/reocell/celltherapy/procedure"
	"github.com/reocell/celltherapy/procedure/postgres"
	"github.com/reocell/celltherapy/procedure/sqlite"
	"github.com/reocell/celltherapy/server/internal/rulebook"
)

// Options say where the cases are kept and what to tell about appends.
type Options struct {
	SQLiteFile string // the SQLite database file (used when Postgres is "")
	Postgres   string // a PostgreSQL DSN
	// ObserveAppend is told how long each command that appended took,
	// from its read of the case to its durable commit.
	ObserveAppend func(time.Duration)
	// Now is the clock that stamps when events are recorded (default time.Now).
	Now func() time.Time
	// Location is the clinic's time zone (default UTC): its calendar day is
	// the day of a decision and "the same day" of the procedure.
	Location *time.Location
}

// Book is the case API of the server, over one store. It is safe for
// concurrent use.
type Book struct {
	cases   *procedure.Cases
	store   procedure.Store
	opts    []procedure.Option
	observe func(time.Duration)
	ping    func(ctx context.Context) error
	close   func() error
}

// Open opens the case store (applying its migrations), recomputes the
// summaries of open cases whose worklist entries this code computes
// differently, and returns the book.
func Open(ctx context.Context, opts Options) (*Book, error) {
	var (
		store procedure.Store
		b     = &Book{}
	)
	switch {
	case opts.Postgres != "":
		s, err := postgres.Open(ctx, opts.Postgres)
		if err != nil {
			return nil, fmt.Errorf("case store: %w", err)
		}
		store, b.ping, b.close = s, s.Pool().Ping, func() error { s.Close(); return nil }
	case opts.SQLiteFile != "":
		s, err := sqlite.Open(ctx, opts.SQLiteFile)
		if err != nil {
			return nil, fmt.Errorf("case store: %w", err)
		}
		store, b.ping, b.close = s, s.DB().PingContext, s.Close
	default:
		return nil, errors.New("case store: neither a SQLite file nor a PostgreSQL DSN given")
	}
	b = b.over(store, opts)
	// Cases stored before a change to the worklist get their dues
	// recomputed, so that they show their findings too.
	if _, err := procedure.NewCases(store, b.opts...).Resummarize(ctx); err != nil {
		b.close()
		return nil, fmt.Errorf("case store: recomputing the worklist: %w", err)
	}
	return b, nil
}

// NewMemory returns a book over a store in memory, for tests of code that
// needs a book but not a database.
func NewMemory(opts Options) *Book {
	b := &Book{ping: func(context.Context) error { return nil }, close: func() error { return nil }}
	return b.over(procedure.NewMemoryStore(), opts)
}

func (b *Book) over(store procedure.Store, opts Options) *Book {
	if opts.Now != nil {
		b.opts = append(b.opts, procedure.WithClock(opts.Now))
	}
	if opts.Location != nil {
		p := procedure.DefaultParams()
		p.Location = opts.Location
		b.opts = append(b.opts, procedure.WithParams(p))
	}
	b.store, b.observe = store, opts.ObserveAppend
	b.cases = procedure.NewCases(b.store, b.opts...)
	return b
}

// Using returns the book deciding with the rules in force (m, from
// rulebook.Book.Makers) instead of the embedded default rules, over the
// same store: the procedure's guards screen, select, plan and triage with
// them, and the events keep their digests. A nil maker keeps its default.
func (b *Book) Using(m rulebook.Makers) *Book {
	c := *b
	c.cases = procedure.NewCases(b.store, append(slices.Clip(b.opts), procedure.WithDeciders(m))...)
	return &c
}

// Ping checks that the store answers.
func (b *Book) Ping(ctx context.Context) error { return b.ping(ctx) }

// Close closes the store.
func (b *Book) Close() error { return b.close() }

// Events returns a case's events as the store keeps them, for checking
// the audit log against them; an unknown case is procedure.ErrNotFound.
func (b *Book) Events(ctx context.Context, caseID string) ([]procedure.Event, error) {
	return b.store.Events(ctx, caseID)
}

// EachCase calls fn for every stored case with its version (its number
// of events), in id order.
func (b *Book) EachCase(ctx context.Context, fn func(caseID string, version int) error) error {
	after := ""
	for {
		page, err := b.store.Cases(ctx, procedure.CaseQuery{After: after, Limit: 500})
		if err != nil {
			return err
		}
		for _, sm := range page {
			if err := fn(sm.CaseID, sm.Version); err != nil {
				return err
			}
		}
		if len(page) < 500 {
			return nil
		}
		after = page[len(page)-1].CaseID
	}
}

// EachEvent calls fn for every stored event, case by case in id order,
// each case's events in version order.
func (b *Book) EachEvent(ctx context.Context, fn func(procedure.Event) error) error {
	after := ""
	for {
		page, err := b.store.Cases(ctx, procedure.CaseQuery{After: after, Limit: 500})
		if err != nil {
			return err
		}
		for _, sm := range page {
			evs, err := b.store.Events(ctx, sm.CaseID)
			if err != nil {
				return err
			}
			for _, e := range evs {
				if err := fn(e); err != nil {
					return err
				}
			}
		}
		if len(page) < 500 {
			return nil
		}
		after = page[len(page)-1].CaseID
	}
}
