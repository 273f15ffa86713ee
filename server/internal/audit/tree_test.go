package audit

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

func testKey(t testing.TB) (note.Signer, note.Verifiers) {
	t.Helper()
	skey, vkey, err := note.GenerateKey(rand.Reader, KeyName)
	if err != nil {
		t.Fatal(err)
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	v, err := Verifiers(vkey)
	if err != nil {
		t.Fatal(err)
	}
	return s, v
}

// sealed opens a log with an audit key, appends n entries (sealing after
// each half) and closes it, so that everything is checkpointed.
func sealed(t *testing.T, s store, signer note.Signer, file string, n int) {
	t.Helper()
	l := s.open(t, Options{Signer: signer, CheckpointFile: file})
	appendN(t, l, n/2)
	if _, err := l.Seal(context.Background()); err != nil {
		t.Fatal(err)
	}
	appendN(t, l, n-n/2)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestCheckpointsCatchWhatTheChainMisses: with the triggers dropped,
// deleting the last entries, rewriting one and recomputing every later
// hash, and appending a forged entry each give a chain that verifies; the
// signed checkpoints (in the database and the copy outside it) name each.
// A checkpoint signed by another key is refused.
func TestCheckpointsCatchWhatTheChainMisses(t *testing.T) {
	signer, known := testKey(t)
	other, _ := testKey(t)
	tampers := []struct {
		name   string
		tamper func(t *testing.T, s store, l *Log)
		reason string
	}{
		{"last entry deleted", func(t *testing.T, s store, l *Log) { dropAndRun(t, s, `DELETE FROM audit_entries WHERE seq = 20`) }, "entries 20 to 20 were lost"},
		{"last 5 deleted", func(t *testing.T, s store, l *Log) { dropAndRun(t, s, `DELETE FROM audit_entries WHERE seq > 15`) }, "entries 16 to 20 were lost"},
		{"rewritten, hashes recomputed", func(t *testing.T, s store, l *Log) {
			var all []Entry
			l.Entries(context.Background(), func(e *Entry) error { all = append(all, *e); return nil })
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
		}, "were rewritten"},
		{"forged append", func(t *testing.T, s store, l *Log) {
			var last Entry
			l.Entries(context.Background(), func(e *Entry) error { last = *e; return nil })
			f := Entry{Record: Record{ActorID: "dr-x", ActorRole: "doctor", Action: "decision:eligibility", Input: []byte(`{}`), Output: []byte(`{}`)},
				Seq: last.Seq + 1, At: last.At, PrevHash: last.Hash}
			f.Hash = ComputeHash(&f)
			dropAndRun(t, s, fmt.Sprintf(`INSERT INTO audit_entries (seq, at, actor_id, actor_role, action, subject, request_id, ruleset_digest, input, output, prev_hash, hash)
				VALUES (%d, '%s', 'dr-x', 'doctor', 'decision:eligibility', '', '', '', '{}', '{}', '%s', '%s')`, f.Seq, f.At, f.PrevHash, f.Hash))
		}, "entries 21 to 21 are covered by no signed checkpoint"},
	}
	for _, tc := range tampers {
		for _, s := range stores(t) {
			t.Run(tc.name+"/"+s.name, func(t *testing.T) {
				ctx := context.Background()
				file := filepath.Join(t.TempDir(), CheckpointFile)
				sealed(t, s, signer, file, 20)
				l := s.open(t, Options{})
				outside, err := os.ReadFile(file)
				if err != nil {
					t.Fatalf("no checkpoint outside the database: %v", err)
				}
				if c, err := l.VerifyCheckpoints(ctx, known, map[string][]byte{file: outside}); err != nil || c.Size != 20 {
					t.Fatalf("before tampering: %v %v", c, err)
				}
				tc.tamper(t, s, l)
				if _, err := l.Verify(ctx, nil); err != nil {
					t.Fatalf("the chain alone no longer verifies, so this tamper shows nothing: %v", err)
				}
				_, err = l.VerifyCheckpoints(ctx, known, map[string][]byte{file: outside})
				var ce *CheckpointError
				if !errors.As(err, &ce) || !strings.Contains(ce.Reason, tc.reason) {
					t.Fatalf("VerifyCheckpoints: %v, want %q", err, tc.reason)
				}
			})
		}
	}
	for _, s := range stores(t) {
		t.Run("another key/"+s.name, func(t *testing.T) {
			ctx := context.Background()
			sealed(t, s, signer, "", 4)
			l := s.open(t, Options{})
			last, err := l.Latest(ctx)
			if err != nil || last == nil {
				t.Fatal(last, err)
			}
			c, err := OpenCheckpoint(last, known)
			if err != nil {
				t.Fatal(err)
			}
			forged, err := note.Sign(&note.Note{Text: checkpointText(c.Size, c.Hash, c.At)}, other)
			if err != nil {
				t.Fatal(err)
			}
			_, err = l.VerifyCheckpoints(ctx, known, map[string][]byte{"witness.txt": forged})
			var ce *CheckpointError
			if !errors.As(err, &ce) || ce.Source != "witness.txt" || !strings.Contains(ce.Reason, "none of the audit keys") {
				t.Fatalf("a checkpoint signed by another key: %v", err)
			}
		})
	}
}

func dropAndRun(t *testing.T, s store, q string) {
	t.Helper()
	drop := `DROP TRIGGER audit_entries_no_update; DROP TRIGGER audit_entries_no_delete; `
	if s.name == "postgres" {
		drop = `DROP TRIGGER audit_entries_no_change ON audit_entries; `
	}
	if err := s.exec(t, drop+q); err != nil {
		t.Fatal(err)
	}
}

// TestInclusionProof: every entry's proof checks against the signed
// checkpoint with the public key alone; a proof for another entry's hash,
// a proof with a hash changed, and a checkpoint signed by another key do
// not.
func TestInclusionProof(t *testing.T) {
	signer, known := testKey(t)
	_, otherKnown := testKey(t)
	for _, s := range stores(t) {
		t.Run(s.name, func(t *testing.T) {
			ctx := context.Background()
			sealed(t, s, signer, "", 13)
			l := s.open(t, Options{})
			for seq := int64(1); seq <= 13; seq++ {
				c, proof, hash, err := l.Prove(ctx, seq, known)
				if err != nil {
					t.Fatal(err)
				}
				parsed, err := ParseProof(FormatProof(proof))
				if err != nil {
					t.Fatal(err)
				}
				if err := CheckInclusion(c.Note, known, seq, hash, parsed); err != nil {
					t.Errorf("entry %d: %v", seq, err)
				}
				if err := CheckInclusion(c.Note, known, seq, "sha256:forged", parsed); err == nil {
					t.Errorf("entry %d: a forged entry hash checked", seq)
				}
				if len(parsed) > 0 {
					bad := append(parsed[:0:0], parsed...)
					bad[0][0] ^= 1
					if err := CheckInclusion(c.Note, known, seq, hash, bad); err == nil {
						t.Errorf("entry %d: a forged proof checked", seq)
					}
				}
				if err := CheckInclusion(c.Note, otherKnown, seq, hash, parsed); err == nil {
					t.Errorf("entry %d: checked against another key", seq)
				}
			}
		})
	}
}

// TestConsistencyProof: each stored checkpoint is proved a prefix of each
// later one, checked with the public key alone; a forged proof, or a
// later checkpoint over rewritten entries, does not check.
func TestConsistencyProof(t *testing.T) {
	signer, known := testKey(t)
	for _, s := range stores(t) {
		t.Run(s.name, func(t *testing.T) {
			ctx := context.Background()
			l := s.open(t, Options{Signer: signer, CheckpointEvery: time.Hour})
			var notes [][]byte
			for _, n := range []int{3, 4, 9} {
				appendN(t, l, n)
				if _, err := l.Seal(ctx); err != nil { // the sealer may have been first
					t.Fatal(err)
				}
				msg, err := l.Latest(ctx)
				if err != nil || msg == nil {
					t.Fatal(msg, err)
				}
				notes = append(notes, msg)
			}
			for i := range notes {
				for j := i; j < len(notes); j++ {
					o, _ := OpenCheckpoint(notes[i], known)
					n, _ := OpenCheckpoint(notes[j], known)
					p, err := l.ProveConsistency(ctx, o.Size, n.Size)
					if err != nil {
						t.Fatal(err)
					}
					if err := CheckConsistency(notes[i], notes[j], known, p); err != nil {
						t.Errorf("%d -> %d: %v", o.Size, n.Size, err)
					}
					if len(p) > 0 {
						bad := append(p[:0:0], p...)
						bad[len(bad)-1][3] ^= 1
						if CheckConsistency(notes[i], notes[j], known, bad) == nil {
							t.Errorf("%d -> %d: a forged proof checked", o.Size, n.Size)
						}
					}
				}
			}
			// A later checkpoint signed over a rewritten entry 2 (as the key's
			// holder could) is not consistent with the one before it.
			o, _ := OpenCheckpoint(notes[0], known)
			n, _ := OpenCheckpoint(notes[2], known)
			var tree memTree
			var i int64
			l.Entries(ctx, func(e *Entry) error {
				h := e.Hash
				if e.Seq == 2 {
					h = "sha256:rewritten"
				}
				tree.add(i, []byte(h))
				i++
				return nil
			})
			root, _ := tlog.TreeHash(n.Size, &tree)
			forged, _ := note.Sign(&note.Note{Text: checkpointText(n.Size, root, n.At)}, signer)
			p, _ := tlog.ProveTree(n.Size, o.Size, &tree)
			if CheckConsistency(notes[0], forged, known, p) == nil {
				t.Error("a checkpoint over a rewritten entry was consistent with the one before")
			}
		})
	}
}
