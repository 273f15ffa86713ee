package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"golang.org/x/mod/sumdb/note"
)

// ActionRestored is the action of the entry a server appends when it
// finds its database shorter than the checkpoint it last wrote outside it:
// the database was restored from an older backup (or cut short).
const ActionRestored = "audit:restored"

// Restore is a log found shorter than a checkpoint kept outside it.
type Restore struct {
	Source     string      // where the checkpoint is kept
	Checkpoint *Checkpoint // the checkpoint the log no longer reaches
	LogSize    int64       // the entries the log holds
}

func (r *Restore) String() string {
	return fmt.Sprintf("the log holds %d entries, the checkpoint in %s signed %d at %s (root %s): entries %d to %d were lost",
		r.LogSize, r.Source, r.Checkpoint.Size, r.Checkpoint.At.Format(time.RFC3339), r.Checkpoint.Hash, r.LogSize+1, r.Checkpoint.Size)
}

// CheckRestore compares the log with msg, a checkpoint kept outside the
// database (read before the log appended anything): when the checkpoint is
// larger than the log, the database was restored from an older backup, or
// cut short, and it returns what was lost; nil when the log reaches it.
func (l *Log) CheckRestore(ctx context.Context, source string, msg []byte, known note.Verifiers) (*Restore, error) {
	c, err := OpenCheckpoint(msg, known)
	if err != nil {
		return nil, &CheckpointError{Source: source, Reason: err.Error()}
	}
	// The log reaches the checkpoint when it holds entry c.Size: one row
	// read, not the log. Only a shorter log is counted.
	reached := c.Size <= 0
	if !reached {
		err := l.b.scanFrom(ctx, c.Size, func(e *Entry) error {
			reached = e.Seq >= c.Size
			return errStop
		})
		if err != nil && !errors.Is(err, errStop) {
			return nil, err
		}
	}
	if reached {
		return nil, nil
	}
	var n int64
	if err := l.b.scan(ctx, func(*Entry) error { n++; return nil }); err != nil {
		return nil, err
	}
	if c.Size <= n {
		return nil, nil
	}
	return &Restore{Source: source, Checkpoint: c, LogSize: n}, nil
}

// restoreOutput is what the restore's entry records as its output.
type restoreOutput struct {
	Checkpoint     string `json:"checkpoint"`     // where it was kept
	CheckpointSize int64  `json:"checkpointSize"` // the entries it signed
	CheckpointHash string `json:"checkpointHash"` // its root hash
	CheckpointAt   string `json:"checkpointAt"`   // when it was signed
	CheckpointNote string `json:"checkpointNote"` // the signed note itself
	LogSize        int64  `json:"logSize"`        // the entries the restored log held
	LostFrom       int64  `json:"lostFrom"`       // the first entry lost
	LostTo         int64  `json:"lostTo"`         // the last entry lost
}

// RecordRestore appends the entry that records r: the sizes, the
// checkpoint's root hash and note, and the entries lost.
func (l *Log) RecordRestore(ctx context.Context, actor string, r *Restore) (Entry, error) {
	out, err := json.Marshal(restoreOutput{Checkpoint: r.Source, CheckpointSize: r.Checkpoint.Size, CheckpointHash: r.Checkpoint.Hash.String(),
		CheckpointAt: r.Checkpoint.At.Format(time.RFC3339Nano), CheckpointNote: string(r.Checkpoint.Note),
		LogSize: r.LogSize, LostFrom: r.LogSize + 1, LostTo: r.Checkpoint.Size})
	if err != nil {
		return Entry{}, err
	}
	return l.Append(context.WithoutCancel(ctx), Record{ActorID: actor, ActorRole: "system", Action: ActionRestored, Input: []byte(`{}`), Output: out})
}
