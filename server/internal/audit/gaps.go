package audit

import (
	"context"
	"encoding/json"
	"fmt"
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

// covered returns the events that have an entry: by their event version
// (entries since the event hash), or, for older entries, by the event
// their output records.
func (l *Log) covered(ctx context.Context) (map[string]bool, error) {
	seen := map[string]bool{}
	err := l.b.scan(ctx, func(e *Entry) error {
		action, _ := strings.CutPrefix(e.Action, "reconstructed:")
		if !strings.HasPrefix(action, "case-event:") {
			return nil
		}
		v := e.EventVersion
		if v == 0 {
			var ev struct {
				Version int `json:"version"`
			}
			if json.Unmarshal(e.Output, &ev) != nil {
				return nil
			}
			v = ev.Version
		}
		seen[fmt.Sprintf("%s/%d", e.Subject, v)] = true
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
