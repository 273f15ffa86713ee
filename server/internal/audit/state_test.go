package audit

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// TestIncrementalVerify: a verification from the state of an earlier one
// hashes only the entries after its checkpoint into the tree and checks
// only the checkpoints from it on, and still catches an entry rewritten
// before the state's checkpoint with every later hash recomputed, and a
// state whose subtrees were edited.
func TestIncrementalVerify(t *testing.T) {
	signer, known := testKey(t)
	for _, s := range stores(t) {
		t.Run(s.name, func(t *testing.T) {
			ctx := context.Background()
			sealed(t, s, signer, "", 200)
			l := s.open(t, Options{})
			c, st, full, err := l.VerifyCheckpointsFrom(ctx, known, nil, nil)
			if err != nil || c.Size != 200 || full.Leaves != 200 {
				t.Fatalf("the first run: %v %v %+v", c, err, full)
			}
			l.Close()
			// Ten more entries, in batches, each checkpointed.
			l = s.open(t, Options{Signer: signer})
			for range 5 {
				appendN(t, l, 2)
				if _, err := l.Seal(ctx); err != nil {
					t.Fatal(err)
				}
			}
			l.Close()
			l = s.open(t, Options{})
			file := filepath.Join(t.TempDir(), "state")
			if err := WriteState(file, st); err != nil {
				t.Fatal(err)
			}
			st, err = ReadState(file)
			if err != nil {
				t.Fatal(err)
			}
			c, next, inc, err := l.VerifyCheckpointsFrom(ctx, known, nil, st)
			if err != nil || c.Size != 210 {
				t.Fatalf("from the state: %v %v", c, err)
			}
			_, _, again, err := l.VerifyCheckpointsFrom(ctx, known, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("from the first entry: %+v; from the state: %+v", again, inc)
			if inc.Leaves != 10 || again.Leaves != 210 || inc.Checkpoints > again.Checkpoints {
				t.Errorf("from the state %+v, from the first entry %+v: want 10 leaves hashed and no more checkpoints checked", inc, again)
			}
			// The state of the second run verifies the log as it is.
			if _, _, w, err := l.VerifyCheckpointsFrom(ctx, known, nil, next); err != nil || w.Leaves != 0 {
				t.Errorf("from the second run's state: %v %+v", err, w)
			}

			// A state whose subtree hashes were edited is refused.
			bad := *st
			bad.Subtrees = map[string]string{}
			for k, v := range st.Subtrees {
				bad.Subtrees[k] = v
			}
			for k := range bad.Subtrees {
				bad.Subtrees[k] = next.Subtrees[k] + "x"
				break
			}
			if _, _, _, err := l.VerifyCheckpointsFrom(ctx, known, nil, &bad); err == nil {
				t.Error("a state with an edited subtree verified")
			}

			// Entry 10, before the state's checkpoint, rewritten with every
			// later hash recomputed: the chain verifies, the state does not.
			var all []Entry
			l.Entries(ctx, func(e *Entry) error { all = append(all, *e); return nil })
			var q []string
			prev := all[8].Hash
			for i := 9; i < len(all); i++ {
				e := all[i]
				if e.Seq == 10 {
					e.Output = []byte(`{"outcome":"ineligible"}`)
				}
				e.PrevHash = prev
				e.Hash = ComputeHash(&e)
				prev = e.Hash
				q = append(q, fmt.Sprintf(`UPDATE audit_entries SET output = '%s', prev_hash = '%s', hash = '%s' WHERE seq = %d`, e.Output, e.PrevHash, e.Hash, e.Seq))
			}
			dropAndRun(t, s, strings.Join(q, "; "))
			if _, err := l.Verify(ctx, nil); err != nil {
				t.Fatalf("the chain alone no longer verifies, so this tamper shows nothing: %v", err)
			}
			for _, from := range []*State{st, next} {
				_, _, _, err = l.VerifyCheckpointsFrom(ctx, known, nil, from)
				var ce *CheckpointError
				if !errors.As(err, &ce) || !strings.Contains(ce.Reason, "were rewritten") {
					t.Errorf("a rewrite before the state's checkpoint: %v", err)
				}
			}
		})
	}
}

// TestIncrementalVerifyTruncated: a log cut shorter than the state's
// checkpoint is named so.
func TestIncrementalVerifyTruncated(t *testing.T) {
	signer, known := testKey(t)
	for _, s := range stores(t) {
		t.Run(s.name, func(t *testing.T) {
			ctx := context.Background()
			sealed(t, s, signer, "", 10)
			l := s.open(t, Options{})
			_, st, _, err := l.VerifyCheckpointsFrom(ctx, known, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			dropAndRun(t, s, `DELETE FROM audit_entries WHERE seq > 7`)
			_, _, _, err = l.VerifyCheckpointsFrom(ctx, known, nil, st)
			var ce *CheckpointError
			if !errors.As(err, &ce) || !strings.Contains(ce.Reason, "entry 10, the last verified") {
				t.Errorf("a log cut below the state's checkpoint: %v", err)
			}
		})
	}
}
