// Package casebook is the reference server's one adapter onto the procedure
// package: every call into procedure and its stores is here. It opens the
// case store (SQLite beside the audit log, or PostgreSQL), gives commands
// as the verified caller, and turns procedure's typed errors into Error,
// whose Code the HTTP layer maps to a status in its one table.
//
//	book, err := casebook.Open(ctx, casebook.Options{SQLiteFile: "data/celltherapy.db"})
//	out, err := book.Give(ctx, "case-1", casebook.Actor{ID: "dr-7", Role: "doctor"}, body, casebook.Expect{})
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
	// ObserveAppend is told how long each durable append took.
	ObserveAppend func(time.Duration)
	// Now is the clock that stamps when events are recorded (default time.Now).
	Now func() time.Time
}

// Book is the case API of the server, over one store. It is safe for
// concurrent use.
type Book struct {
	cases *procedure.Cases
	store procedure.Store
	opts  []procedure.Option
	ping  func(ctx context.Context) error
	close func() error
}

// Open opens the case store (applying its migrations) and returns the book.
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
	return b.over(store, opts), nil
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
	b.store = &guardedStore{Store: store, observe: opts.ObserveAppend}
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

// guardedStore checks the caller's expected version (from the context):
// on reading the case, so that a stale If-Match is a conflict before any
// rule is checked, and on every append, where the store makes it atomic.
// It also reports how long each append took.
type guardedStore struct {
	procedure.Store
	observe func(time.Duration)
}

type expectKey struct{}

// expected is the version a request expects; replaying is set once the
// command's key is found used, when the version no longer matters.
type expected struct {
	version   int
	replaying bool
}

func expectation(ctx context.Context) *expected {
	x, _ := ctx.Value(expectKey{}).(*expected)
	if x == nil || x.replaying {
		return nil
	}
	return x
}

// Replay implements procedure.Store.
func (g *guardedStore) Replay(ctx context.Context, key string) ([]procedure.Event, error) {
	evs, err := g.Store.Replay(ctx, key)
	if x, _ := ctx.Value(expectKey{}).(*expected); x != nil && len(evs) > 0 {
		x.replaying = true
	}
	return evs, err
}

// Events implements procedure.Store.
func (g *guardedStore) Events(ctx context.Context, caseID string) ([]procedure.Event, error) {
	evs, err := g.Store.Events(ctx, caseID)
	if x := expectation(ctx); err == nil && x != nil && len(evs) != x.version {
		return nil, &versionConflict{want: x.version, have: len(evs)}
	}
	return evs, err
}

// Append implements procedure.Store.
func (g *guardedStore) Append(ctx context.Context, req procedure.AppendRequest) (procedure.AppendResult, error) {
	if x := expectation(ctx); x != nil && req.ExpectedVersion != x.version {
		return procedure.AppendResult{}, &versionConflict{want: x.version, have: req.ExpectedVersion}
	}
	start := time.Now()
	res, err := g.Store.Append(ctx, req)
	if err == nil && g.observe != nil {
		g.observe(time.Since(start))
	}
	return res, err
}

// versionConflict is a stale expected version; it matches
// procedure.ErrConflict.
type versionConflict struct{ want, have int }

func (e *versionConflict) Error() string {
	return fmt.Sprintf("the case is at version %d, not the expected version %d", e.have, e.want)
}

func (e *versionConflict) Is(target error) bool { return target == procedure.ErrConflict }
