package audit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/reocell/celltherapy/procedure"
)

// recordingTrail is a sealing trail that keeps the number of the last
// entry it made (the attempt that committed is the last one asked).
type recordingTrail struct {
	*Trail
	last int64
}

func (r *recordingTrail) Entries(tail procedure.AuditTail, events []procedure.Event) ([]procedure.AuditEntry, error) {
	out, err := r.Trail.Entries(tail, events)
	if err == nil && len(out) > 0 {
		r.last = out[len(out)-1].Seq
	}
	return out, err
}

// TestEveryCaseBatchStoresItsCheckpoint: commands from 8 clients, on a log
// that signs nothing itself (no ticker, no seal after its own batches):
// when a command is answered, a stored checkpoint signed with the audit
// key already covers its last entry, each stored checkpoint ends where a
// command's entries end (a batch's end), and the log verifies against
// them all.
func TestEveryCaseBatchStoresItsCheckpoint(t *testing.T) {
	signer, known := testKey(t)
	for _, s := range stores(t) {
		t.Run(s.name, func(t *testing.T) {
			ctx := context.Background()
			l := s.open(t, Options{})
			store := s.cases(t)
			cases := procedure.NewCases(store, procedure.WithClock(func() time.Time { return t0.Add(time.Hour) }))
			sealer := &Sealer{Signer: signer}
			var mu sync.Mutex
			ends := map[int64]bool{} // the last entry of each command
			var commands atomic.Int64
			give := func(caseID string, cmd procedure.Command) error {
				tr := &recordingTrail{Trail: &Trail{ActorID: admin.ID, ActorRole: string(admin.Role), RequestID: caseID, Input: []byte(`{}`), Sealer: sealer}}
				if _, err := cases.Give(ctx, caseID, admin, cmd, procedure.WithAuditTrail(tr)); err != nil {
					return err
				}
				latest, err := l.Latest(ctx)
				if err != nil {
					return err
				}
				if latest == nil {
					return fmt.Errorf("%s: answered with no checkpoint stored", caseID)
				}
				c, err := OpenCheckpoint(latest, known)
				if err != nil {
					return fmt.Errorf("%s: the stored checkpoint: %v", caseID, err)
				}
				if c.Size < tr.last {
					return fmt.Errorf("%s: answered with its entry %d past the latest checkpoint (size %d)", caseID, tr.last, c.Size)
				}
				mu.Lock()
				ends[tr.last] = true
				mu.Unlock()
				commands.Add(1)
				return nil
			}
			var wg sync.WaitGroup
			errs := make(chan error, 8)
			for c := range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for k := range 6 {
						id := fmt.Sprintf("b-%d-%d", c, k)
						if err := give(id, openCmd(id)); err != nil {
							errs <- err
							return
						}
						if err := give(id, bookCmd()); err != nil {
							errs <- err
							return
						}
					}
				}()
			}
			n := verifiedToTheEnd(t, l, store, known, &wg, errs)
			stored, err := l.b.checkpoints(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, msg := range stored {
				c, err := OpenCheckpoint(msg, known)
				if err != nil {
					t.Fatalf("stored checkpoint: %v", err)
				}
				if !ends[c.Size] {
					t.Errorf("a checkpoint of size %d, which is no command's end", c.Size)
				}
			}
			if len(stored) < 2 || int64(len(stored)) > commands.Load() {
				t.Errorf("%d checkpoints for %d commands, want one per commit batch", len(stored), commands.Load())
			}
			t.Logf("%d commands, %d entries, %d checkpoints (commit batches)", commands.Load(), n, len(stored))
		})
	}
}

// TestCheckpointFileFollowsCaseBatches: when only the case store signs
// checkpoints (the log has appended nothing of its own), the copy outside
// the database still follows the latest stored, within CheckpointEvery.
func TestCheckpointFileFollowsCaseBatches(t *testing.T) {
	signer, known := testKey(t)
	s := sqliteStore(t)
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), CheckpointFile)
	l := s.open(t, Options{Signer: signer, CheckpointEvery: 20 * time.Millisecond, CheckpointFile: file})
	cases := procedure.NewCases(s.cases(t), procedure.WithClock(func() time.Time { return t0.Add(time.Hour) }))
	sealer := &Sealer{Signer: signer}
	for k := range 3 {
		id := fmt.Sprintf("f-%d", k)
		tr := &Trail{ActorID: admin.ID, ActorRole: string(admin.Role), RequestID: id, Input: []byte(`{}`), Sealer: sealer}
		if _, err := cases.Give(ctx, id, admin, openCmd(id), procedure.WithAuditTrail(tr)); err != nil {
			t.Fatal(err)
		}
	}
	latest, err := l.Latest(ctx)
	if err != nil || latest == nil {
		t.Fatalf("latest checkpoint: %v", err)
	}
	c, err := OpenCheckpoint(latest, known)
	if err != nil || c.Size != 3 {
		t.Fatalf("latest checkpoint %+v (%v), want size 3", c, err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		got, _ := os.ReadFile(file)
		if bytes.Equal(got, latest) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the checkpoint file holds %q, not the latest stored checkpoint %q", got, latest)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// failingSigner is an audit key that cannot sign.
type failingSigner struct{}

func (failingSigner) Name() string                    { return KeyName }
func (failingSigner) KeyHash() uint32                 { return 1 }
func (failingSigner) Sign(msg []byte) ([]byte, error) { return nil, errors.New("the key is gone") }

// TestBatchWithoutItsCheckpointNotCommitted: a batch whose checkpoint
// cannot be signed commits nothing, events included, and the next batch
// commits on a clean transaction.
func TestBatchWithoutItsCheckpointNotCommitted(t *testing.T) {
	signer, _ := testKey(t)
	for _, s := range stores(t) {
		t.Run(s.name, func(t *testing.T) {
			ctx := context.Background()
			l := s.open(t, Options{})
			store := s.cases(t)
			cases := procedure.NewCases(store, procedure.WithClock(func() time.Time { return t0.Add(time.Hour) }))
			give := func(id string, key note.Signer) error {
				tr := &Trail{ActorID: admin.ID, ActorRole: string(admin.Role), RequestID: id, Input: []byte(`{}`), Sealer: &Sealer{Signer: key}}
				_, err := cases.Give(ctx, id, admin, openCmd(id), procedure.WithAuditTrail(tr))
				return err
			}
			if err := give("n-1", failingSigner{}); err == nil {
				t.Fatal("a command whose batch could not sign its checkpoint was answered")
			}
			if _, err := store.Events(ctx, "n-1"); !errors.Is(err, procedure.ErrNotFound) {
				t.Fatalf("its events were stored: %v", err)
			}
			if err := give("n-2", signer); err != nil {
				t.Fatalf("the next command: %v", err)
			}
			if n, err := l.Verify(ctx, store); err != nil || n != 1 {
				t.Fatalf("verify: %d entries, %v; want 1", n, err)
			}
		})
	}
}

// switchSigner signs with key, or fails while broken is set.
type switchSigner struct {
	note.Signer
	broken atomic.Bool
}

func (s *switchSigner) Sign(msg []byte) ([]byte, error) {
	if s.broken.Load() {
		return nil, errors.New("the key is gone")
	}
	return s.Signer.Sign(msg)
}

// TestEveryLogBatchStoresItsCheckpoint: the log's own batches (decisions,
// CDS screenings) store their checkpoint in their transaction. With the
// ticker out of the way, a stored checkpoint covers each record when its
// Append returns, from 8 writers; every checkpoint ends at a batch's end;
// a batch that cannot sign commits nothing and says why, and the next
// commits clean.
func TestEveryLogBatchStoresItsCheckpoint(t *testing.T) {
	key, known := testKey(t)
	for _, s := range stores(t) {
		t.Run(s.name, func(t *testing.T) {
			ctx := context.Background()
			signer := &switchSigner{Signer: key}
			var sealErrs atomic.Int64
			var batches atomic.Int64
			l := s.open(t, Options{Signer: signer, CheckpointEvery: time.Hour,
				ObserveBatch: func(int) { batches.Add(1) },
				OnSealError:  func(error) { sealErrs.Add(1) }})
			var wg sync.WaitGroup
			errs := make(chan error, 8)
			for w := range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range 25 {
						e, err := l.Append(ctx, record(w*100+i))
						if err != nil {
							errs <- err
							return
						}
						latest, err := l.Latest(ctx)
						if err != nil || latest == nil {
							errs <- fmt.Errorf("entry %d answered with no checkpoint stored (%v)", e.Seq, err)
							return
						}
						c, err := OpenCheckpoint(latest, known)
						if err != nil {
							errs <- err
							return
						}
						if c.Size < e.Seq {
							errs <- fmt.Errorf("entry %d answered past the latest checkpoint (size %d)", e.Seq, c.Size)
							return
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			cps, err := l.b.checkpoints(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if int64(len(cps)) != batches.Load() {
				t.Fatalf("%d checkpoints stored for %d batches", len(cps), batches.Load())
			}

			signer.broken.Store(true)
			if _, err := l.Append(ctx, record(999)); !errors.As(err, new(*SealError)) {
				t.Fatalf("a batch that could not sign: %v; want a *SealError", err)
			}
			if sealErrs.Load() != 1 {
				t.Fatalf("OnSealError told %d times; want 1", sealErrs.Load())
			}
			signer.broken.Store(false)
			e, err := l.Append(ctx, record(1000))
			if err != nil {
				t.Fatalf("the next batch: %v", err)
			}
			if e.Seq != 201 {
				t.Fatalf("the next entry is %d; want 201 (the refused one left nothing)", e.Seq)
			}
			if n, err := l.Verify(ctx, nil); err != nil || n != 201 {
				t.Fatalf("verify: %d entries, %v", n, err)
			}
			if _, err := l.VerifyCheckpoints(ctx, known, nil); err != nil {
				t.Fatalf("checkpoints: %v", err)
			}
		})
	}
}

// TestLogAndCaseBatchesExtendOneTree: the log's batches and the case
// store's, in one database, take turns at extending the tree (so what the
// log's last seal left is out of date each time) and from 4 clients at
// once; every checkpoint stored verifies against the tree of the entries.
func TestLogAndCaseBatchesExtendOneTree(t *testing.T) {
	signer, known := testKey(t)
	for _, s := range stores(t) {
		t.Run(s.name, func(t *testing.T) {
			ctx := context.Background()
			l := s.open(t, Options{Signer: signer, CheckpointEvery: time.Hour})
			store := s.cases(t)
			cases := procedure.NewCases(store, procedure.WithClock(func() time.Time { return t0.Add(time.Hour) }))
			sealer := &Sealer{Signer: signer}
			turn := func(c, k int) error {
				if _, err := l.Append(ctx, record(c*100+k)); err != nil {
					return err
				}
				id := fmt.Sprintf("t-%d-%d", c, k)
				tr := &Trail{ActorID: admin.ID, ActorRole: string(admin.Role), RequestID: id, Input: []byte(`{}`), Sealer: sealer}
				_, err := cases.Give(ctx, id, admin, openCmd(id), procedure.WithAuditTrail(tr))
				return err
			}
			for k := range 5 { // one at a time: every log batch follows a case batch
				if err := turn(0, k); err != nil {
					t.Fatal(err)
				}
			}
			var wg sync.WaitGroup
			errs := make(chan error, 4)
			for c := 1; c <= 4; c++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for k := range 10 {
						if err := turn(c, k); err != nil {
							errs <- err
							return
						}
					}
				}()
			}
			verifiedToTheEnd(t, l, store, known, &wg, errs)
		})
	}
}

// verifiedToTheEnd waits for the clients of wg, fails on the first error
// they sent, and checks that the log and its events verify and that the
// latest checkpoint covers every entry; it returns the log's size.
func verifiedToTheEnd(t *testing.T, l *Log, store procedure.Store, known note.Verifiers, wg *sync.WaitGroup, errs chan error) int64 {
	t.Helper()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	ctx := context.Background()
	n, err := l.Verify(ctx, store)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	latest, err := l.VerifyCheckpoints(ctx, known, nil)
	if err != nil {
		t.Fatalf("verify the checkpoints: %v", err)
	}
	if latest == nil || latest.Size != n {
		t.Fatalf("latest checkpoint %+v, want one of size %d (every entry)", latest, n)
	}
	return n
}
