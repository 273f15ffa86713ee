package procedure

import (
	"context"
	"fmt"
)

// Store keeps cases' events, append-only, and a summary of each case for
// lists and the worklist. Implementations: NewMemoryStore, and the
// packages procedure/sqlite and procedure/postgres; procedure/storetest is
// the suite every Store passes. All methods are safe for concurrent use.
type Store interface {
	// Append appends req.Events to the case in one transaction, with the
	// case's new summary, when the case is at req.ExpectedVersion (0: a new
	// case). A stale version is ErrConflict and appends nothing. A key
	// already used returns the events first appended with it, Replayed,
	// whatever the version, when it was used for the same case and a
	// command of the same digest (or one stored without a digest); for
	// another command it is a *KeyReusedError and appends nothing.
	Append(ctx context.Context, req AppendRequest) (AppendResult, error)
	// Events returns a case's events in version order, or ErrNotFound.
	Events(ctx context.Context, caseID string) ([]Event, error)
	// Replay returns the events appended with an idempotency key, or none.
	Replay(ctx context.Context, key string) ([]Event, error)
	// KeyDigest returns the case and the command digest an idempotency key
	// was used with (digest "" for a key stored before digests were), and
	// found false when the key is unused.
	KeyDigest(ctx context.Context, key string) (caseID, digest string, found bool, err error)
	// Cases lists the summaries of cases.
	Cases(ctx context.Context, q CaseQuery) ([]Summary, error)
	// Worklist returns what is due as of an instant, ordered as SortWork.
	Worklist(ctx context.Context, q WorklistQuery) ([]WorkItem, error)
}

// CommandReader is a Store that can answer the events a command decides
// on faster than Events: from memory, what it stored or read before,
// once it has checked that the case has not grown since (events are never
// changed once stored). Cases reads a case so before each command; Events
// stays the events as stored now, for what checks them (audit verify).
type CommandReader interface {
	CommandEvents(ctx context.Context, caseID string) ([]Event, error)
}

// SummaryWriter is a Store that can replace the summary of a case whose
// summary this code computes differently from the one stored (a case
// stored before a new worklist flag): PutSummary writes s only when the
// case is still at s.Version, and reports whether it did.
type SummaryWriter interface {
	PutSummary(ctx context.Context, s Summary) (bool, error)
}

// AppendRequest is one command's events for one case.
type AppendRequest struct {
	CaseID          string
	ExpectedVersion int
	Key             string
	// Digest is the digest of the command (CommandDigest), kept with Key so
	// that the key names that command alone.
	Digest  string
	Events  []Event
	Summary Summary
	// Audit, when set, gives the audit log's entries for Events, which the
	// store writes in the same transaction as the events (see AuditTrail).
	// Nil: the append is not audited by the store.
	Audit AuditTrail
}

// AuditTrail makes the audit entries of one append, for a store that keeps
// an audit log beside the events (the reference server's, in the same
// database): inside the append's transaction, holding the lock that orders
// the log's writers, the store reads the log's last entry (Tail), asks the
// trail for the entries of the events it is about to commit, and inserts
// them into the table audit_entries, whose columns AuditEntry names. So an
// event is never stored without its entry, nor an entry without its event.
// A replayed append asks for nothing. The trail is called at most once per
// attempt, and only with events that commit unless the transaction fails.
type AuditTrail interface {
	Entries(tail AuditTail, events []Event) ([]AuditEntry, error)
}

// AuditTail is the last entry of the audit log: its number (0: none) and
// hash ("" : none).
type AuditTail struct {
	Seq  int64
	Hash string
}

// AuditEntry is one row of the audit log as a store writes it. Seq must
// follow the tail (Seq 1 more than the entry before); the store inserts
// the fields as they are, and the new tail is the last entry's (Seq, Hash).
type AuditEntry struct {
	Seq           int64
	At            string
	ActorID       string
	ActorRole     string
	Action        string
	Subject       string
	RequestID     string
	RulesetDigest string
	Input         []byte
	Output        []byte
	EventVersion  int    // the version of the event the entry records (0: none)
	EventHash     string // EventHash of that event as stored
	PrevHash      string
	Hash          string
}

// AuditSealer is an AuditTrail that also signs a checkpoint of the audit
// log at the end of every commit batch that wrote audit entries: after the
// batch's last entry, inside the batch's transaction, the store calls Seal
// once with the log's Merkle tree as it keeps it, so that every committed
// batch is stored with the checkpoint of the tree size it ends at (and a
// batch whose checkpoint fails is not committed). A store seals with the
// sealer of the batch's last audited append.
type AuditSealer interface {
	AuditTrail
	Seal(ctx context.Context, tree AuditTree) error
}

// AuditTree is the audit log's Merkle tree inside a store's transaction:
// its stored hashes (the table audit_tree, by index, as
// golang.org/x/mod/sumdb/tlog numbers them) and its signed checkpoints
// (audit_checkpoints, by size), beside the entries.
type AuditTree interface {
	// Size is the tree's size: the largest checkpoint's, 0 when none.
	Size(ctx context.Context) (int64, error)
	// EntryHashes returns the seq and Hash of every entry after seq, in
	// order, those of the batch included.
	EntryHashes(ctx context.Context, after int64) (seqs []int64, hashes []string, err error)
	// ReadHashes returns the stored hashes of the indexes given.
	ReadHashes(ctx context.Context, idx []int64) ([][32]byte, error)
	// PutHashes stores hashes at indexes first, first+1, ...
	PutHashes(ctx context.Context, first int64, hashes [][32]byte) error
	// PutCheckpoint stores a signed checkpoint of the tree at size.
	PutCheckpoint(ctx context.Context, size int64, at string, note []byte) error
}

// auditFollows checks that entries follow tail, and returns the new tail.
func auditFollows(tail AuditTail, entries []AuditEntry) (AuditTail, error) {
	for _, e := range entries {
		if e.Seq != tail.Seq+1 || e.PrevHash != tail.Hash {
			return tail, fmt.Errorf("procedure: audit entry %d does not follow entry %d", e.Seq, tail.Seq)
		}
		tail = AuditTail{Seq: e.Seq, Hash: e.Hash}
	}
	return tail, nil
}

// ChainAudit asks trail for the audit entries of events after tail and
// checks that they follow it; it returns the entries and the new tail. A
// store calls it inside the append's transaction.
func ChainAudit(trail AuditTrail, tail AuditTail, events []Event) ([]AuditEntry, AuditTail, error) {
	entries, err := trail.Entries(tail, events)
	if err != nil {
		return nil, tail, err
	}
	next, err := auditFollows(tail, entries)
	return entries, next, err
}

// AppendResult is what an append stored: the events, and whether they were
// appended before under the same key (nothing new was appended).
type AppendResult struct {
	Events   []Event
	Replayed bool
}

// KeyUse checks a request's key against what it was stored with: nil when
// the stored use is the same command on the same case (a replay), a
// *KeyReusedError otherwise. A stored digest "" (a key kept before digests
// were) matches any command on its case.
func (r AppendRequest) KeyUse(caseID, digest string) error {
	if caseID == r.CaseID && (digest == "" || r.Digest == "" || digest == r.Digest) {
		return nil
	}
	return &KeyReusedError{Key: r.Key, CaseID: caseID}
}

// Check reports a request that no store may accept: no events, events of
// another case, versions that do not follow ExpectedVersion, or a key that
// differs from the request's.
func (r AppendRequest) Check() error {
	if r.CaseID == "" || len(r.Events) == 0 || r.ExpectedVersion < 0 {
		return fmt.Errorf("procedure: append to case %q needs events and a version >= 0", r.CaseID)
	}
	for i, e := range r.Events {
		if e.CaseID != r.CaseID || e.Version != r.ExpectedVersion+1+i || e.Key != r.Key {
			return fmt.Errorf("procedure: append to case %q at version %d: event %d is %s with key %q", r.CaseID, r.ExpectedVersion, i, e.ID(), e.Key)
		}
	}
	if r.Summary.CaseID != r.CaseID || r.Summary.Version != r.ExpectedVersion+len(r.Events) {
		return fmt.Errorf("procedure: append to case %q: the summary is of %s version %d", r.CaseID, r.Summary.CaseID, r.Summary.Version)
	}
	return nil
}
