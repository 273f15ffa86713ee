package groupcommit

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/reocell/celltherapy/procedure"
)

// TestEachCallerGetsItsOwnResult: while one batch commits, the appends
// that arrive wait for the next; each caller gets its own job's result, or
// the error of its batch's transaction.
func TestEachCallerGetsItsOwnResult(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	var mu sync.Mutex
	var sizes []int
	failBatch := errors.New("the transaction failed")
	w := Start(func(batch []*Job) {
		mu.Lock()
		sizes = append(sizes, len(batch))
		n := len(sizes)
		mu.Unlock()
		if n == 1 {
			close(started)
			<-release // hold the first batch while the others queue
		}
		var err error
		for _, j := range batch {
			j.Res = procedure.AppendResult{Events: make([]procedure.Event, j.Req.ExpectedVersion)}
			if j.Req.CaseID == "fail" {
				err = failBatch
			}
		}
		Finish(batch, err)
	}, errors.New("closed"))
	defer w.Close()

	first := make(chan error)
	go func() {
		_, err := w.Append(context.Background(), procedure.AppendRequest{CaseID: "a"})
		first <- err
	}()
	<-started
	var wg sync.WaitGroup
	results := make([]int, 5)
	for i := range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := w.Append(context.Background(), procedure.AppendRequest{CaseID: "b", ExpectedVersion: i})
			if err != nil {
				t.Error(err)
			}
			results[i] = len(res.Events)
		}()
	}
	close(release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	for i, n := range results {
		if n != i {
			t.Errorf("append %d got the result of another (%d events)", i, n)
		}
	}
	mu.Lock()
	total := 0
	for _, n := range sizes {
		total += n
	}
	if total != 6 || sizes[0] != 1 {
		t.Errorf("batches %v, want the first alone and five more after it", sizes)
	}
	mu.Unlock()

	if _, err := w.Append(context.Background(), procedure.AppendRequest{CaseID: "fail"}); !errors.Is(err, failBatch) {
		t.Errorf("a failed batch: %v", err)
	}
}

// TestAfterCloseAndCancelledCallers: an append after Close is the closed
// error, and a caller whose context has ended before it is queued gets its
// error and nothing reaches the commit.
func TestAfterCloseAndCancelledCallers(t *testing.T) {
	closed := errors.New("closed")
	committed := 0
	w := Start(func(batch []*Job) { committed += len(batch); Finish(batch, nil) }, closed)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := w.Append(ctx, procedure.AppendRequest{CaseID: "x"}); !errors.Is(err, context.Canceled) {
		// The select may pick the writer's receive if it is ready; either
		// the caller's error or a committed append is allowed, never both.
		if err != nil {
			t.Fatalf("cancelled caller: %v", err)
		}
	}
	w.Close()
	if _, err := w.Append(context.Background(), procedure.AppendRequest{CaseID: "y"}); !errors.Is(err, closed) {
		t.Fatalf("after Close: %v, want the closed error", err)
	}
	if committed > 1 {
		t.Fatalf("%d appends committed, want at most the cancelled one", committed)
	}
}
