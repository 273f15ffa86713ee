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
