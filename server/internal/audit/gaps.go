package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/reocell/celltherapy/procedure"
)

// CaseEvents walks every stored event of every case (the case store).
type CaseEvents interface {
	EachEvent(ctx context.Context, fn func(procedure.Event) error) error
}

// Gap is a stored case event that has no audit entry: left by a version
// of the server that committed events and their entries apart.
type Gap struct {
	CaseID  string
	Version int
	Type    procedure.EventType
}

func (g Gap) String() string { return fmt.Sprintf("%s/%d (%s)", g.CaseID, g.Version, g.Type) }

// ReconstructedAction is the action of an entry Repair appends for an
// event that had none: "reconstructed:" and the event's usual action.
func ReconstructedAction(t procedure.EventType) string { return "reconstructed:" + CaseEventAction(t) }

// coveredEvent returns the event (CASE/VERSION) an entry records, by its
// event version (entries since the event hash) or, for older entries, by
// the event its output records; ok false for an entry of no case event.
func coveredEvent(e *Entry) (string, bool) {
	action, _ := strings.CutPrefix(e.Action, "reconstructed:")
	if !strings.HasPrefix(action, "case-event:") {
		return "", false
	}
	v := e.EventVersion
	if v == 0 {
		var ev struct {
			Version int `json:"version"`
		}
		if json.Unmarshal(e.Output, &ev) != nil {
			return "", false
		}
		v = ev.Version
	}
	return fmt.Sprintf("%s/%d", e.Subject, v), true
}

// covered returns the events that have an entry.
func (l *Log) covered(ctx context.Context) (map[string]bool, error) {
	seen := map[string]bool{}
	err := l.b.scan(ctx, func(e *Entry) error {
		if id, ok := coveredEvent(e); ok {
			seen[id] = true
		}
		return nil
	})
	return seen, err
}

// Gaps returns the stored events that have no audit entry, in the case
// store's order.
func (l *Log) Gaps(ctx context.Context, events CaseEvents) ([]Gap, error) {
	seen, err := l.covered(ctx)
	if err != nil {
		return nil, err
	}
	var gaps []Gap
	err = events.EachEvent(ctx, func(e procedure.Event) error {
		if !seen[e.ID()] {
			gaps = append(gaps, Gap{CaseID: e.CaseID, Version: e.Version, Type: e.Type})
		}
		return nil
	})
	return gaps, err
}

// Repair appends an entry for every stored event that has none, marked
// reconstructed (ReconstructedAction), by actor (who runs the repair),
// with the event as stored and its hash; nothing stored is changed. It
// returns the gaps it filled. A second run finds none.
func (l *Log) Repair(ctx context.Context, events CaseEvents, actor string) ([]Gap, error) {
	seen, err := l.covered(ctx)
	if err != nil {
		return nil, err
	}
	var filled []Gap
	err = events.EachEvent(ctx, func(e procedure.Event) error {
		if seen[e.ID()] {
			return nil
		}
		out, err := json.Marshal(e)
		if err != nil {
			return err
		}
		in, _ := json.Marshal(map[string]string{"reconstructed": "the event was stored without an audit entry; this entry was appended after the fact by celltherapy audit repair"})
		if _, err := l.Append(ctx, Record{ActorID: actor, ActorRole: "audit-repair", Action: ReconstructedAction(e.Type),
			Subject: e.CaseID, Input: in, Output: out, EventVersion: e.Version, EventHash: procedure.EventHash(e)}); err != nil {
			return err
		}
		filled = append(filled, Gap{CaseID: e.CaseID, Version: e.Version, Type: e.Type})
		return nil
	})
	return filled, err
}

// CaseStore is the case store as the start-up check reads it: every case
// with its version, and a case's events.
type CaseStore interface {
	EachCase(ctx context.Context, fn func(caseID string, version int) error) error
	Events(ctx context.Context, caseID string) ([]procedure.Event, error)
}

// Coverage is what a start-up check keeps of the log and the case store
// it checked, so that the next start checks only what came after: the
// entries read (their number and the hash of the last, which the chain
// ties every earlier one to), each case's events read, and the events
// found without an entry that still have none.
type Coverage struct {
	Size  int64          `json:"size"`
	Hash  string         `json:"hash"`
	Cases map[string]int `json:"cases"`
	// Ahead are events (CASE/VERSION) whose entry was read before the event
	// was listed (another server appended them during the check).
	Ahead []string `json:"ahead,omitempty"`
	Gaps  []Gap    `json:"gaps,omitempty"`
}

// StaleCoverageError is a coverage the log or the case store no longer
// extends (entries or events gone, or the entry it ends at rewritten):
// the check must start from the first entry.
type StaleCoverageError struct{ Reason string }

func (e *StaleCoverageError) Error() string {
	return "audit: the start-up check's record no longer matches: " + e.Reason
}

// CheckWork is what a start-up check read.
type CheckWork struct {
	Entries int64 // entries read
	Events  int64 // events read
}

// errStop ends a scan early.
var errStop = errors.New("stop")

// CheckGaps returns the stored events that have no audit entry, like
// Gaps, reading only what came after prev, the coverage of an earlier
// check (nil: every entry and every event): the entries after prev.Size
// and, of each case, the events after those prev read. The gaps prev
// found are kept until an entry covers them (celltherapy audit repair).
// see, when set, is called for every entry read. It returns the gaps, the
// coverage to keep for the next check and what it read; a prev the log or
// the case store no longer extends is a *StaleCoverageError.
func (l *Log) CheckGaps(ctx context.Context, cases CaseStore, prev *Coverage, see func(*Entry)) ([]Gap, *Coverage, CheckWork, error) {
	var work CheckWork
	if prev == nil {
		prev = &Coverage{}
	}
	// The cases first, then the entries: the entry of every event listed
	// is committed with it, so it is among the entries read after.
	versions := map[string]int{}
	if err := cases.EachCase(ctx, func(id string, version int) error {
		versions[id] = version
		return nil
	}); err != nil {
		return nil, nil, work, err
	}
	for id, v := range prev.Cases {
		if versions[id] < v {
			return nil, nil, work, &StaleCoverageError{fmt.Sprintf("case %s held %d events at the last check and holds %d now", id, v, versions[id])}
		}
	}
	next := &Coverage{Size: prev.Size, Hash: prev.Hash, Cases: versions}
	covered := map[string]bool{}
	for _, id := range prev.Ahead {
		covered[id] = true
	}
	from := max(prev.Size, 1)
	found := prev.Size == 0
	err := l.b.scanFrom(ctx, from, func(e *Entry) error {
		if !found {
			if e.Seq != prev.Size || e.Hash != prev.Hash {
				return &StaleCoverageError{fmt.Sprintf("entry %d is not the one the last check ended at", prev.Size)}
			}
			found = true
			return nil
		}
		work.Entries++
		if see != nil {
			see(e)
		}
		if id, ok := coveredEvent(e); ok {
			covered[id] = true
		}
		next.Size, next.Hash = e.Seq, e.Hash
		return nil
	})
	if err == nil && !found {
		err = &StaleCoverageError{fmt.Sprintf("entry %d, where the last check ended, is gone", prev.Size)}
	}
	if err != nil {
		return nil, nil, work, err
	}
	var gaps []Gap
	for _, g := range prev.Gaps {
		if !covered[fmt.Sprintf("%s/%d", g.CaseID, g.Version)] {
			gaps = append(gaps, g)
		}
	}
	ids := make([]string, 0, len(versions))
	for id, v := range versions {
		if v > prev.Cases[id] {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	for _, id := range ids {
		evs, err := cases.Events(ctx, id)
		if err != nil {
			return nil, nil, work, err
		}
		for _, e := range evs {
			if e.Version <= prev.Cases[id] || e.Version > versions[id] {
				continue
			}
			work.Events++
			if !covered[e.ID()] {
				gaps = append(gaps, Gap{CaseID: e.CaseID, Version: e.Version, Type: e.Type})
			}
		}
	}
	for id := range covered {
		i := strings.LastIndexByte(id, '/')
		if n, err := strconv.Atoi(id[i+1:]); i > 0 && err == nil && n > versions[id[:i]] {
			next.Ahead = append(next.Ahead, id)
		}
	}
	sort.Strings(next.Ahead)
	next.Gaps = gaps
	return gaps, next, work, nil
}
