package app

// The start-up checks of the audit log (every stored event has its entry,
// the digests last in force, the approval notes already recorded) read
// only what came after the last start: a small record in the data
// directory keeps what that start checked.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"

	"github.com/reocell/celltherapy/server/internal/audit"
	"github.com/reocell/celltherapy/server/internal/rulebook"
)

// StartCheckFile is the record of the last start-up check, in the data
// directory.
const StartCheckFile = "audit-start-check.json"

// ActionRulesApproval is the audit action of an approval note the server
// read: the digest it approves, who signed it, whether it counted.
const ActionRulesApproval = "rules:approval"

// startRecord is what a start keeps for the next: the log and the case
// store as far as it checked them, the digests last recorded in force and
// the approval notes recorded.
type startRecord struct {
	Coverage  *audit.Coverage `json:"coverage"`
	Rules     string          `json:"rules,omitempty"`
	Approvals []string        `json:"approvals,omitempty"` // noteKey of each
}

// startCheck is the outcome of the start-up check.
type startCheck struct {
	Gaps      []audit.Gap     // stored events without an entry
	LastRules string          // the digests in force when the server last ran ("" for none)
	Approvals map[string]bool // the approval notes already recorded (noteKey)
	Full      bool            // the whole log was read
	Work      audit.CheckWork
}

// checkStart runs the start-up check: from the record in file (when
// there is one and full is false), else over the whole log and every
// event; a record the log no longer extends is said in the log and the
// check runs in full. The new record is written to file.
func checkStart(ctx context.Context, log *audit.Log, cases audit.CaseStore, file string, full bool, logger *slog.Logger) (*startCheck, error) {
	var prev *startRecord
	if !full {
		raw, err := os.ReadFile(file)
		switch {
		case errors.Is(err, os.ErrNotExist):
		case err != nil:
			logger.Warn("audit: the record of the last start-up check is not read; checking the whole log", "file", file, "error", err.Error())
		default:
			var r startRecord
			if err := json.Unmarshal(raw, &r); err != nil || r.Coverage == nil {
				logger.Warn("audit: the record of the last start-up check is not one; checking the whole log", "file", file)
			} else {
				prev = &r
			}
		}
	}
	res, rec, err := checkFrom(ctx, log, cases, prev)
	var stale *audit.StaleCoverageError
	if errors.As(err, &stale) {
		logger.Warn("audit: the log or the case store changed since the last start-up check; checking the whole log", "file", file, "reason", stale.Reason)
		res, rec, err = checkFrom(ctx, log, cases, nil)
	}
	if err != nil {
		return nil, err
	}
	logger.Info("audit: start-up check", "full", res.Full, "entries", res.Work.Entries, "events", res.Work.Events, "gaps", len(res.Gaps), "logSize", rec.Coverage.Size)
	if err := writeStartRecord(file, rec); err != nil {
		logger.Warn("audit: the record of the start-up check is not written; the next start checks the whole log", "file", file, "error", err.Error())
	}
	return res, nil
}

func checkFrom(ctx context.Context, log *audit.Log, cases audit.CaseStore, prev *startRecord) (*startCheck, *startRecord, error) {
	res := &startCheck{Approvals: map[string]bool{}, Full: prev == nil}
	var cov *audit.Coverage
	if prev != nil {
		cov, res.LastRules = prev.Coverage, prev.Rules
		for _, h := range prev.Approvals {
			res.Approvals[h] = true
		}
	}
	gaps, next, work, err := log.CheckGaps(ctx, cases, cov, func(e *audit.Entry) {
		switch e.Action {
		case ActionRulesLoad, ActionRulesReload:
			res.LastRules = e.RulesetDigest
		case ActionRulesApproval:
			var n rulebook.Note
			if json.Unmarshal(e.Output, &n) == nil && n.Hash != "" {
				res.Approvals[noteKey(n)] = true
			}
		}
	})
	if err != nil {
		return nil, nil, err
	}
	res.Gaps, res.Work = gaps, work
	rec := &startRecord{Coverage: next, Rules: res.LastRules}
	for h := range res.Approvals {
		rec.Approvals = append(rec.Approvals, h)
	}
	return res, rec, nil
}

// writeStartRecord writes r to file, whole or not at all.
func writeStartRecord(file string, r *startRecord) error {
	raw, err := json.Marshal(r)
	if err != nil {
		return err
	}
	tmp := file + ".tmp"
	if err := os.WriteFile(tmp, append(raw, '\n'), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, file)
}

// noteKey is what an approval note is recorded once by: its hash and
// whether it counted, so that a note that comes to count (its key added
// to the board keys) is recorded again, saying so.
func noteKey(n rulebook.Note) string { return fmt.Sprintf("%s %t", n.Hash, n.Counted) }

// approvalAudit records each approval note the server reads as an audit
// entry of its own, once per note (by its hash and whether it counted),
// whether it counted or not.
type approvalAudit struct {
	log  *audit.Log
	mu   sync.Mutex
	seen map[string]bool
}

// record appends an entry for each note not recorded yet.
func (a *approvalAudit) record(ctx context.Context, notes []rulebook.Note) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, n := range notes {
		if a.seen[noteKey(n)] {
			continue
		}
		out, err := json.Marshal(n)
		if err != nil {
			return err
		}
		if _, err := a.log.Append(context.WithoutCancel(ctx), audit.Record{ActorID: "celltherapy-server", ActorRole: "system",
			Action: ActionRulesApproval, RulesetDigest: n.Digest, Input: []byte(`{}`), Output: out}); err != nil {
			return fmt.Errorf("audit: record the approval note %s: %w", n.File, err)
		}
		a.seen[noteKey(n)] = true
	}
	return nil
}
