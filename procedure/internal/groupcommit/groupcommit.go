// Package groupcommit is the writer both case stores share: appends from
// many callers wait in one queue, and one goroutine hands those waiting at
// the moment to the store's commit together, to be written in one
// transaction (group commit), so that one sync acknowledges many.
package groupcommit

import (
	"context"
	"sync"

	"github.com/reocell/celltherapy/procedure"
)

// MaxBatch is the most appends committed in one transaction.
const MaxBatch = 64

// Job is one append waiting for the writer. The store's commit sets Res or
// Err of each job of its batch, then calls Finish.
type Job struct {
	Ctx  context.Context
	Req  procedure.AppendRequest
	Res  procedure.AppendResult
	Err  error
	done chan struct{}
}

// Writer queues appends and commits them in batches.
type Writer struct {
	jobs    chan *Job
	stop    chan struct{}
	done    sync.WaitGroup
	closing sync.Once
	closed  error
}

// Start starts the writer: commit is called with each batch, one at a
// time, and must Finish it. closed is the error of an append after Close.
func Start(commit func(batch []*Job), closed error) *Writer {
	w := &Writer{jobs: make(chan *Job), stop: make(chan struct{}), closed: closed}
	w.done.Add(1)
	go w.run(commit)
	return w
}

// Append queues req and waits for its batch to commit. A caller whose ctx
// ends before the request is queued gets ctx's error and nothing is
// written; once queued, the append is committed (or refused) whatever
// the caller does, and the caller waits for the outcome.
func (w *Writer) Append(ctx context.Context, req procedure.AppendRequest) (procedure.AppendResult, error) {
	j := &Job{Ctx: ctx, Req: req, done: make(chan struct{})}
	select {
	case w.jobs <- j:
	case <-w.stop:
		return procedure.AppendResult{}, w.closed
	case <-ctx.Done():
		return procedure.AppendResult{}, ctx.Err()
	}
	<-j.done
	return j.Res, j.Err
}

// Close stops the writer once the batch being committed is done.
func (w *Writer) Close() {
	w.closing.Do(func() { close(w.stop) })
	w.done.Wait()
}

func (w *Writer) run(commit func([]*Job)) {
	defer w.done.Done()
	for {
		var batch []*Job
		select {
		case j := <-w.jobs:
			batch = append(batch, j)
		case <-w.stop:
			return
		}
	gather:
		for len(batch) < MaxBatch {
			select {
			case j := <-w.jobs:
				batch = append(batch, j)
			default:
				break gather
			}
		}
		commit(batch)
	}
}

// Finish answers the callers of a batch: err, when not nil (the batch's
// transaction failed), replaces the result of every job that has no error
// of its own.
func Finish(batch []*Job, err error) {
	for _, j := range batch {
		if err != nil && j.Err == nil {
			j.Err, j.Res = err, procedure.AppendResult{}
		}
		close(j.done)
	}
}
