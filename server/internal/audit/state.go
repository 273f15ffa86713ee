package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// State is what a verifier keeps of the last checkpoint it verified, so
// that the next run checks the tree only from there: the checkpoint, the
// hash of its last entry (the hash chain ties every earlier entry to it)
// and the hashes of the tree's complete subtrees at its size, from which
// the tree of any larger size is computed from the new entries alone.
type State struct {
	Checkpoint string            `json:"checkpoint"` // the signed note
	EntryHash  string            `json:"entryHash"`  // the Hash of the checkpoint's last entry
	Subtrees   map[string]string `json:"subtrees"`   // stored hash index (tlog.StoredHashIndex) to hash
}

// Work counts what a verification of the checkpoints did: the entries
// hashed into the tree and the checkpoints whose signature was checked.
type Work struct {
	Leaves      int64
	Checkpoints int
}

// ReadState reads a state file WriteState wrote; nil when there is none.
func ReadState(file string) (*State, error) {
	raw, err := os.ReadFile(file)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var st State
	if err := json.Unmarshal(raw, &st); err != nil {
		return nil, fmt.Errorf("%s: not an audit verify state: %v", file, err)
	}
	return &st, nil
}

// WriteState writes st to file, whole or not at all.
func WriteState(file string, st *State) error {
	raw, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	tmp := file + ".tmp"
	if err := os.WriteFile(tmp, append(raw, '\n'), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, file)
}

// subtreeIndexes are the stored hash indexes of the complete subtrees a
// tree of size n is made of, largest first: what tlog.TreeHash reads.
func subtreeIndexes(n int64) []int64 {
	var out []int64
	var start int64
	for level := 62; level >= 0; level-- {
		if n&(1<<level) != 0 {
			out = append(out, tlog.StoredHashIndex(level, start>>level))
			start += 1 << level
		}
	}
	return out
}

// partTree is a tree whose first leaves are known only by their complete
// subtrees' hashes (prefix), its later stored hashes kept from index off.
type partTree struct {
	prefix map[int64]tlog.Hash
	off    int64
	hashes []tlog.Hash
}

func (p *partTree) ReadHashes(idx []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(idx))
	for i, x := range idx {
		if x >= p.off && x < p.off+int64(len(p.hashes)) {
			out[i] = p.hashes[x-p.off]
		} else if h, ok := p.prefix[x]; ok {
			out[i] = h
		} else {
			return nil, fmt.Errorf("audit: tree hash %d not stored", x)
		}
	}
	return out, nil
}

// noteSize reads a checkpoint's size without checking its signature.
func noteSize(msg []byte) int64 {
	lines := strings.SplitN(string(msg), "\n", 3)
	if len(lines) < 3 {
		return -1
	}
	n, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		return -1
	}
	return n
}

// VerifyCheckpoints checks the log against every checkpoint stored with it
// and every one given (outside copies, a witness's), each signed by one of
// known: each must be signed by a known key; a checkpoint larger than the
// log says entries were lost (truncation, or a database restored from a
// backup); one whose root the log's first Size entries do not give says
// they were rewritten, hashes recomputed or not; entries after the largest
// checkpoint are covered by no signature (appended without the server, or
// in its last moments before a crash). It returns the largest checkpoint.
func (l *Log) VerifyCheckpoints(ctx context.Context, known note.Verifiers, outside map[string][]byte) (*Checkpoint, error) {
	c, _, _, err := l.VerifyCheckpointsFrom(ctx, known, outside, nil)
	return c, err
}

// VerifyCheckpointsFrom is VerifyCheckpoints from the state of an earlier
// run (nil: from the first entry): the tree is computed from the state's
// subtrees and the entries after its checkpoint, the stored checkpoints
// smaller than it are not checked again, and the latest checkpoint must
// extend the state's by a consistency proof. Entries before the state's
// checkpoint are tied to it by the hash of its last entry, which commits to
// every earlier one through the chain (the caller walks the chain, Verify);
// only the entries from it on are read, so a restore recorded before it is
// not named.
// A checkpoint given outside smaller than the state's makes it check from
// the first entry. It returns the largest checkpoint, the state to keep for
// the next run (nil when there is no checkpoint) and the work done.
func (l *Log) VerifyCheckpointsFrom(ctx context.Context, known note.Verifiers, outside map[string][]byte, st *State) (*Checkpoint, *State, Work, error) {
	var work Work
	var base *Checkpoint
	tree := &partTree{prefix: map[int64]tlog.Hash{}}
	if st != nil {
		c, err := OpenCheckpoint([]byte(st.Checkpoint), known)
		if err != nil {
			return nil, nil, work, &CheckpointError{Source: "state", Reason: err.Error()}
		}
		work.Checkpoints++
		for k, v := range st.Subtrees {
			idx, err1 := strconv.ParseInt(k, 10, 64)
			h, err2 := tlog.ParseHash(v)
			if err1 != nil || err2 != nil {
				return nil, nil, work, &CheckpointError{Source: "state", Size: c.Size, Reason: "malformed subtree hash " + k}
			}
			tree.prefix[idx] = h
		}
		if h, err := tlog.TreeHash(c.Size, tree); err != nil || h != c.Hash {
			return nil, nil, work, &CheckpointError{Source: "state", Size: c.Size, Reason: "its subtrees do not give its checkpoint's root"}
		}
		base = c
		for _, m := range outside {
			if noteSize(m) < c.Size {
				base, tree = nil, &partTree{prefix: map[int64]tlog.Hash{}}
				break
			}
		}
	}
	var from int64 // the entries the tree starts after
	if base != nil {
		from = base.Size
	}
	tree.off = tlog.StoredHashIndex(0, from)
	var after []string // the hashes of the entries after from
	restores := map[string]restoreSeen{}
	n := max(from-1, 0)
	if err := l.b.scanFrom(ctx, max(from, 1), func(e *Entry) error {
		if e.Seq != n+1 {
			return &CheckpointError{Source: "database", Size: from, Reason: fmt.Sprintf("entry %d follows entry %d: entries are missing", e.Seq, n)}
		}
		if e.Action == ActionRestored {
			var out restoreOutput
			if json.Unmarshal(e.Output, &out) == nil {
				restores[fmt.Sprint(out.CheckpointSize, out.CheckpointHash)] = restoreSeen{e.Seq, out.LogSize}
			}
		}
		if n < from {
			n++
			if e.Hash != st.EntryHash {
				return &CheckpointError{Source: "state", Size: from, Reason: fmt.Sprintf(
					"entry %d's hash is not the one verified at %s: entries 1 to %d were rewritten since (their hashes recomputed)", from, base.At.Format(time.RFC3339), from)}
			}
			return nil
		}
		hs, err := tlog.StoredHashes(n, leafData(e), tree)
		if err != nil {
			return err
		}
		tree.hashes = append(tree.hashes, hs...)
		after = append(after, e.Hash)
		work.Leaves++
		n++
		return nil
	}); err != nil {
		return nil, nil, work, err
	}
	if n < from {
		return nil, nil, work, &CheckpointError{Source: "state", Size: from, Reason: fmt.Sprintf(
			"entry %d, the last verified at %s, is gone: entries were lost (truncated, or the database restored from an older backup)",
			from, base.At.Format(time.RFC3339))}
	}
	// A checkpoint the log no longer matches, whose loss a server recorded
	// at start (a database restored from an older backup), says so.
	restored := func(c *Checkpoint) string {
		r, ok := restores[fmt.Sprint(c.Size, c.Hash.String())]
		if !ok {
			return ""
		}
		return fmt.Sprintf("the database was restored from a backup of %d entries, and the log now holds %d: entries %d to %d were lost, signed at %s (entry %d records the restore)",
			r.logSize, n, r.logSize+1, c.Size, c.At.Format(time.RFC3339), r.seq)
	}
	stored, err := l.b.checkpoints(ctx)
	if err != nil {
		return nil, nil, work, err
	}
	type source struct {
		name string
		msg  []byte
	}
	var all []source
	for _, m := range stored {
		if noteSize(m) >= from { // the smaller were checked by an earlier run
			all = append(all, source{"database", m})
		}
	}
	for name, m := range outside {
		all = append(all, source{name, m})
	}
	type opened struct {
		name string
		c    *Checkpoint
	}
	var cs []opened
	for _, s := range all {
		c, err := OpenCheckpoint(s.msg, known)
		work.Checkpoints++
		if err != nil {
			return nil, nil, work, &CheckpointError{Source: s.name, Reason: err.Error()}
		}
		cs = append(cs, opened{s.name, c})
	}
	// The largest first: it names the most that was lost.
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].c.Size > cs[j].c.Size })
	largest := base
	for _, o := range cs {
		s, c := o, o.c
		if why := restored(c); why != "" {
			return nil, nil, work, &CheckpointError{Source: s.name, Size: c.Size, Reason: why}
		}
		if c.Size > n {
			return nil, nil, work, &CheckpointError{Source: s.name, Size: c.Size, Reason: fmt.Sprintf(
				"the log holds %d entries, %d fewer than signed at %s: entries %d to %d were lost (truncated, or the database restored from an older backup)",
				n, c.Size-n, c.At.Format(time.RFC3339), n+1, c.Size)}
		}
		h, err := tlog.TreeHash(c.Size, tree)
		if err != nil {
			return nil, nil, work, err
		}
		if h != c.Hash {
			return nil, nil, work, &CheckpointError{Source: s.name, Size: c.Size, Reason: fmt.Sprintf(
				"entries 1 to %d do not give the root signed at %s: entries were rewritten (their hashes recomputed)", c.Size, c.At.Format(time.RFC3339))}
		}
		if largest == nil || c.Size > largest.Size {
			largest = c
		}
	}
	var have int64
	if largest != nil {
		have = largest.Size
	}
	if n > have {
		return largest, nil, work, &CheckpointError{Source: "database", Size: have, Reason: fmt.Sprintf(
			"entries %d to %d are covered by no signed checkpoint: appended without the server's key (forged), or just before a crash", have+1, n)}
	}
	if largest == nil {
		return nil, nil, work, nil
	}
	if base != nil && largest.Size > base.Size {
		// What a witness holding the state's checkpoint checks: the latest
		// extends it.
		proof, err := tlog.ProveTree(largest.Size, base.Size, tree)
		if err == nil {
			err = tlog.CheckTree(proof, largest.Size, largest.Hash, base.Size, base.Hash)
		}
		if err != nil {
			return nil, nil, work, &CheckpointError{Source: "database", Size: largest.Size, Reason: fmt.Sprintf(
				"it does not extend the checkpoint of size %d verified before: %v", base.Size, err)}
		}
	}
	next := &State{Checkpoint: string(largest.Note), Subtrees: map[string]string{}}
	if largest.Size > from {
		next.EntryHash = after[largest.Size-from-1]
	} else {
		next.EntryHash = st.EntryHash
	}
	for _, idx := range subtreeIndexes(largest.Size) {
		hs, err := tree.ReadHashes([]int64{idx})
		if err != nil {
			return nil, nil, work, err
		}
		next.Subtrees[strconv.FormatInt(idx, 10)] = hs[0].String()
	}
	return largest, next, work, nil
}
