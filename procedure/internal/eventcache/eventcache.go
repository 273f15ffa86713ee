// Package eventcache keeps the events of the cases a store read or wrote
// last, for the reads of commands (procedure.CommandReader): events are
// never changed once stored, so a case whose stored version is the one
// kept needs no read of its events, and one that has grown needs only its
// new ones. The zero Cache is ready to use and safe for concurrent use.
package eventcache

import (
	"context"
	"slices"
	"sync"

	"github.com/reocell/celltherapy/procedure"
)

// heldCases is how many cases' events a Cache keeps at most.
const heldCases = 512

// Cache holds the events of the cases read or written last, each a
// whole prefix of its case (versions 1 to len).
type Cache struct {
	mu sync.Mutex
	m  map[string][]procedure.Event
}

// Get returns a copy of the events held of a case, or nil.
func (c *Cache) Get(caseID string) []procedure.Event {
	c.mu.Lock()
	defer c.mu.Unlock()
	evs := c.m[caseID]
	if evs == nil {
		return nil
	}
	return slices.Clone(evs)
}

// Put keeps evs as the events of a case, when they are a whole prefix of
// it; a case is let go, any, when the cache is full.
func (c *Cache) Put(caseID string, evs []procedure.Event) {
	if len(evs) == 0 || evs[0].Version != 1 || evs[len(evs)-1].Version != len(evs) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string][]procedure.Event{}
	}
	if _, ok := c.m[caseID]; !ok && len(c.m) >= heldCases {
		for k := range c.m { // one case out, any
			delete(c.m, k)
			break
		}
	}
	c.m[caseID] = slices.Clip(slices.Clone(evs))
}

// Appended adds events committed at version from+1 on to a case held at
// version from (from 0: a new case).
func (c *Cache) Appended(caseID string, from int, evs []procedure.Event) {
	if from == 0 {
		c.Put(caseID, evs)
		return
	}
	c.mu.Lock()
	held, ok := c.m[caseID]
	c.mu.Unlock()
	if ok && len(held) == from {
		c.Put(caseID, append(slices.Clip(held), evs...))
	}
}

// Drop lets a case's events go.
func (c *Cache) Drop(caseID string) {
	c.mu.Lock()
	delete(c.m, caseID)
	c.mu.Unlock()
}

// Reads are what Events needs of a store: the stored version of a case
// (0 when there is none), its events from a version on, and all of them as
// stored now (procedure.Store's Events, ErrNotFound for none).
type Reads struct {
	Version func(ctx context.Context, caseID string) (int, error)
	From    func(ctx context.Context, caseID string, from int) ([]procedure.Event, error)
	All     func(ctx context.Context, caseID string) ([]procedure.Event, error)
}

// Events returns a case's events for a command: from memory when the
// stored version is the one kept, reading only the new events when the
// case has grown, and reading all of them (and keeping them) otherwise.
func (c *Cache) Events(ctx context.Context, caseID string, r Reads) ([]procedure.Event, error) {
	if held := c.Get(caseID); held != nil {
		v, err := r.Version(ctx, caseID)
		switch {
		case err != nil:
			return nil, err
		case v == len(held):
			return held, nil
		case v > len(held):
			more, err := r.From(ctx, caseID, len(held)+1)
			if err != nil {
				return nil, err
			}
			evs := append(held, more...)
			c.Put(caseID, evs)
			return evs, nil
		}
		// Fewer events than kept: the database is not the one they were
		// read from (restored from a backup); read it as it is.
		c.Drop(caseID)
	}
	evs, err := r.All(ctx, caseID)
	if err == nil {
		c.Put(caseID, evs)
	}
	return evs, err
}
