package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/reocell/celltherapy/procedure"
)

// Trail is the audit trail of one case command: the case store writes one
// entry per event it appends, in the same transaction as the events
// (procedure.AuditTrail), so that no event is ever stored unaudited. Each
// entry says who gave the command, the command as received, the event as
// answered, the digest of any decision in it and the hash of the event as
// stored (procedure.EventHash), which Verify checks against the store.
type Trail struct {
	ActorID   string
	ActorRole string
	RequestID string
	Input     []byte           // the command as received
	Now       func() time.Time // default time.Now
	// Sealer, when set, signs the checkpoint the case store stores with
	// each commit batch the trail's entries are in (procedure.AuditSealer).
	Sealer *Sealer
}

var _ procedure.AuditSealer = (*Trail)(nil)

// Seal implements procedure.AuditSealer: with no Sealer it stores nothing.
func (t *Trail) Seal(ctx context.Context, tree procedure.AuditTree) error {
	if t.Sealer == nil {
		return nil
	}
	return t.Sealer.Seal(ctx, tree)
}

// CaseEventAction is the action of the entry of a case event of type t.
func CaseEventAction(t procedure.EventType) string { return "case-event:" + string(t) }

// Entries implements procedure.AuditTrail.
func (t *Trail) Entries(tail procedure.AuditTail, events []procedure.Event) ([]procedure.AuditEntry, error) {
	now := time.Now
	if t.Now != nil {
		now = t.Now
	}
	recs := make([]Record, len(events))
	for i, e := range events {
		out, err := json.Marshal(e)
		if err != nil {
			return nil, fmt.Errorf("audit: event %s: %w", e.ID(), err)
		}
		recs[i] = Record{ActorID: t.ActorID, ActorRole: t.ActorRole, Action: CaseEventAction(e.Type), Subject: e.CaseID,
			RequestID: t.RequestID, Input: t.Input, Output: out, EventVersion: e.Version, EventHash: procedure.EventHash(e)}
		if e.Decision != nil {
			recs[i].RulesetDigest = e.Decision.Digest
		}
	}
	at := now().UTC().Format(TimeFormat)
	out := make([]procedure.AuditEntry, len(events))
	prev := tail.Hash
	for i := range recs {
		e := Entry{Record: recs[i], Seq: tail.Seq + int64(i) + 1, At: at, PrevHash: prev}
		e.Hash = ComputeHash(&e)
		prev = e.Hash
		out[i] = procedure.AuditEntry{Seq: e.Seq, At: e.At, ActorID: e.ActorID, ActorRole: e.ActorRole, Action: e.Action,
			Subject: e.Subject, RequestID: e.RequestID, RulesetDigest: e.RulesetDigest, Input: e.Input, Output: e.Output,
			EventVersion: e.EventVersion, EventHash: e.EventHash, PrevHash: e.PrevHash, Hash: e.Hash}
	}
	return out, nil
}

// EventReader reads a case's events as the case store keeps them
// (procedure.Store's Events).
type EventReader interface {
	Events(ctx context.Context, caseID string) ([]procedure.Event, error)
}

// EventError names the first event that no longer matches the hash its
// audit entry holds, or that is gone from the case store.
type EventError struct {
	Seq     int64  // the audit entry
	CaseID  string // the event's case
	Version int    // the event's version
	Reason  string
}

func (e *EventError) Error() string {
	return fmt.Sprintf("audit: event %s/%d (audit entry %d): %s", e.CaseID, e.Version, e.Seq, e.Reason)
}

// eventChecker checks entries' events against the case store, keeping the
// events of the cases read last.
type eventChecker struct {
	ctx    context.Context
	events EventReader
	held   map[string][]procedure.Event
}

// heldCases is how many cases' events an eventChecker keeps at most.
const heldCases = 512

func (c *eventChecker) check(e *Entry) error {
	if e.EventHash == "" || c.events == nil {
		return nil
	}
	held, ok := c.held[e.Subject]
	if !ok {
		evs, err := c.events.Events(c.ctx, e.Subject)
		if err != nil && !errors.Is(err, procedure.ErrNotFound) {
			return fmt.Errorf("audit: read the events of case %q: %w", e.Subject, err)
		}
		if c.held == nil || len(c.held) >= heldCases {
			c.held = map[string][]procedure.Event{}
		}
		c.held[e.Subject], held = evs, evs
	}
	fail := func(reason string) error {
		return &EventError{Seq: e.Seq, CaseID: e.Subject, Version: e.EventVersion, Reason: reason}
	}
	if e.EventVersion < 1 || e.EventVersion > len(held) {
		return fail("the event is missing from the case store")
	}
	ev := held[e.EventVersion-1]
	if ev.Version != e.EventVersion {
		return fail(fmt.Sprintf("the case store holds version %d in its place", ev.Version))
	}
	if got := procedure.EventHash(ev); got != e.EventHash {
		return fail("the event as stored no longer matches the hash its audit entry holds: it was changed after it was recorded")
	}
	return nil
}
