package audit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/note"
)

// backend is where entries are kept: SQLite or PostgreSQL.
type backend interface {
	// appendBatch chains recs after the last stored entry and commits them
	// in one transaction, holding the lock that orders writers. With bs
	// (a signer's), the same transaction extends the Merkle tree and
	// stores the checkpoint signed over it (bs.seal): a batch whose
	// checkpoint cannot be signed commits nothing.
	appendBatch(ctx context.Context, now time.Time, recs []Record, bs *batchSeal) ([]Entry, error)
	// scan calls fn for every entry in Seq order.
	scan(ctx context.Context, fn func(*Entry) error) error
	// scanFrom calls fn for every entry from seq on, in Seq order.
	scanFrom(ctx context.Context, seq int64, fn func(*Entry) error) error
	ping(ctx context.Context) error
	close() error
	// seal extends the Merkle tree by the entries not yet in it and
	// stores a checkpoint signed by signer; nil when nothing was new.
	seal(ctx context.Context, signer note.Signer, now time.Time) ([]byte, error)
	// checkpoints returns the signed checkpoints stored, by size.
	checkpoints(ctx context.Context) ([][]byte, error)
	// latestCheckpoint returns the largest checkpoint stored, nil when none.
	latestCheckpoint(ctx context.Context) ([]byte, error)
}

// Options tune a Log. The zero value is ready to use.
type Options struct {
	// MaxBatch is the most records one commit takes (default 256).
	MaxBatch int
	// Now is the clock (default time.Now).
	Now func() time.Time
	// ObserveBatch, when set, is told the size of every committed batch.
	ObserveBatch func(n int)
	// Signer, when set, signs checkpoints of the log's Merkle tree: one
	// stored in the transaction of each of the log's commit batches (the
	// case store stores one with each of its own), and every
	// CheckpointEvery and at Close for entries that are in none.
	Signer note.Signer
	// CheckpointEvery bounds how long an entry waits for a checkpoint
	// (default 1s).
	CheckpointEvery time.Duration
	// CheckpointFile, when set, is where the latest checkpoint is copied
	// outside the database, with no fsync: it may lag by CheckpointEvery.
	CheckpointFile string
	// OnSealError, when set, is told of a checkpoint that failed.
	OnSealError func(error)
}

// Log is an audit log with group commit. It is safe for concurrent use.
type Log struct {
	b       backend
	opts    Options
	queue   chan *appendReq
	stop    chan struct{}
	stopped chan struct{}
	once    sync.Once
	sealed  chan struct{}
	copyMu  sync.Mutex
	copied  []byte      // the checkpoint last written to CheckpointFile
	kept    *keptHashes // what the last batch's seal left, for the commit loop
}

type appendReq struct {
	ctx  context.Context
	rec  Record
	done chan appendResult
}

type appendResult struct {
	entry Entry
	err   error
}

func newLog(b backend, opts Options) *Log {
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 256
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	l := &Log{
		b:       b,
		opts:    opts,
		queue:   make(chan *appendReq, 4*opts.MaxBatch),
		stop:    make(chan struct{}),
		stopped: make(chan struct{}),
	}
	go l.commitLoop()
	l.sealed = make(chan struct{})
	if opts.Signer != nil {
		if l.opts.CheckpointEvery <= 0 {
			l.opts.CheckpointEvery = time.Second
		}
		go l.sealLoop()
	} else {
		close(l.sealed)
	}
	return l
}

// sealLoop signs a checkpoint every CheckpointEvery, for entries no
// batch's checkpoint covers, and copies the latest one outside, until the
// commit loop has stopped; then once more.
func (l *Log) sealLoop() {
	defer close(l.sealed)
	t := time.NewTicker(l.opts.CheckpointEvery)
	defer t.Stop()
	for {
		select {
		case <-t.C:
		case <-l.stopped:
			l.Seal(context.Background())
			return
		}
		l.Seal(context.Background())
	}
}

// Seal extends the Merkle tree by the entries not yet in it, stores a
// checkpoint signed by Options.Signer and copies it to
// Options.CheckpointFile. It returns the checkpoint, or nil when nothing
// was new.
func (l *Log) Seal(ctx context.Context) ([]byte, error) {
	if l.opts.Signer == nil {
		return nil, errors.New("audit: no audit key to sign checkpoints with")
	}
	msg, err := l.b.seal(ctx, l.opts.Signer, l.opts.Now())
	if err == nil && l.opts.CheckpointFile != "" {
		err = l.copyLatest(ctx)
	}
	if err != nil && l.opts.OnSealError != nil {
		l.opts.OnSealError(err)
	}
	return msg, err
}

// copyLatest writes the latest stored checkpoint to CheckpointFile when
// it is not the one written last: the case store stores checkpoints of
// its own batches, which the copy outside follows within CheckpointEvery.
func (l *Log) copyLatest(ctx context.Context) error {
	l.copyMu.Lock()
	defer l.copyMu.Unlock()
	msg, err := l.b.latestCheckpoint(ctx)
	if err != nil || msg == nil || bytes.Equal(msg, l.copied) {
		return err
	}
	if err := writeCheckpointFile(l.opts.CheckpointFile, msg); err != nil {
		return err
	}
	l.copied = msg
	return nil
}

// Latest returns the latest stored checkpoint, or nil when none.
func (l *Log) Latest(ctx context.Context) ([]byte, error) {
	return l.b.latestCheckpoint(ctx)
}

// Append records rec and returns its entry once it is committed (durable).
// Records appended concurrently share one commit.
func (l *Log) Append(ctx context.Context, rec Record) (Entry, error) {
	req := &appendReq{ctx: ctx, rec: rec, done: make(chan appendResult, 1)}
	select {
	case l.queue <- req:
	case <-l.stop:
		return Entry{}, ErrClosed
	case <-ctx.Done():
		return Entry{}, ctx.Err()
	}
	select {
	case r := <-req.done:
		return r.entry, r.err
	case <-l.stopped:
		// The loop may have answered just before it stopped.
		select {
		case r := <-req.done:
			return r.entry, r.err
		default:
			return Entry{}, ErrClosed
		}
	}
}

// commitLoop takes one waiting record, then every other record already
// waiting (up to MaxBatch), and commits them together. While it commits,
// new records queue up for the next commit.
func (l *Log) commitLoop() {
	defer close(l.stopped)
	batch := make([]*appendReq, 0, l.opts.MaxBatch)
	for {
		batch = batch[:0]
		select {
		case req := <-l.queue:
			batch = append(batch, req)
		case <-l.stop:
			l.drain()
			return
		}
	fill:
		for len(batch) < l.opts.MaxBatch {
			select {
			case req := <-l.queue:
				batch = append(batch, req)
			default:
				break fill
			}
		}
		l.commit(batch)
	}
}

// drain commits what was queued before Close.
func (l *Log) drain() {
	for {
		var batch []*appendReq
	fill:
		for len(batch) < l.opts.MaxBatch {
			select {
			case req := <-l.queue:
				batch = append(batch, req)
			default:
				break fill
			}
		}
		if len(batch) == 0 {
			return
		}
		l.commit(batch)
	}
}

func (l *Log) commit(batch []*appendReq) {
	live := batch[:0:0]
	recs := make([]Record, 0, len(batch))
	for _, req := range batch {
		// A record once queued is committed, whether or not its caller
		// still waits: what it records has been done.
		live = append(live, req)
		recs = append(recs, req.rec)
	}
	if len(recs) == 0 {
		return
	}
	var bs *batchSeal
	if l.opts.Signer != nil {
		bs = &batchSeal{signer: l.opts.Signer, kept: l.kept}
		l.kept = nil // until the commit
	}
	// The commit serves several callers: none of them may cancel it.
	entries, err := l.b.appendBatch(context.Background(), l.opts.Now(), recs, bs)
	if err == nil && bs != nil {
		l.kept = bs.next()
	}
	if err == nil && l.opts.ObserveBatch != nil {
		l.opts.ObserveBatch(len(recs))
	}
	if se := (*SealError)(nil); errors.As(err, &se) && l.opts.OnSealError != nil {
		l.opts.OnSealError(err)
	}
	for i, req := range live {
		if err != nil {
			req.done <- appendResult{err: err}
			continue
		}
		req.done <- appendResult{entry: entries[i]}
	}
}

// Verify walks the whole chain and returns how many entries match; the
// error is a *ChainError naming the first entry that does not. With
// events (the case store), each entry of a case event is also checked
// against the event as stored now: an event changed or gone is an
// *EventError naming it.
func (l *Log) Verify(ctx context.Context, events EventReader) (int64, error) {
	return verify(ctx, l.b, events)
}

func verify(ctx context.Context, b backend, events EventReader) (int64, error) {
	var v verifier
	c := eventChecker{ctx: ctx, events: events}
	err := b.scan(ctx, func(e *Entry) error {
		if err := v.next(e); err != nil {
			return err
		}
		return c.check(e)
	})
	return v.seq, err
}

// Entries calls fn for every entry in order; fn's error stops the walk.
func (l *Log) Entries(ctx context.Context, fn func(*Entry) error) error {
	return l.b.scan(ctx, fn)
}

// EntriesFrom calls fn for every entry from seq on, in order; fn's error
// stops the walk. A reader that remembers the last Seq it saw reads only
// what was appended since.
func (l *Log) EntriesFrom(ctx context.Context, seq int64, fn func(*Entry) error) error {
	return l.b.scanFrom(ctx, max(seq, 1), fn)
}

// Ping reports whether the database answers.
func (l *Log) Ping(ctx context.Context) error { return l.b.ping(ctx) }

// Close commits what is queued, stops the log and closes the database.
// Closing twice returns ErrClosed.
func (l *Log) Close() error {
	err := ErrClosed
	l.once.Do(func() {
		close(l.stop)
		<-l.stopped
		<-l.sealed
		err = l.b.close()
	})
	return err
}

// entryColumns are the columns scanEntries reads, in order.
const entryColumns = `seq, at, actor_id, actor_role, action, subject, request_id,
		ruleset_digest, input, output, prev_hash, hash, event_version, event_hash`

// rows is what *sql.Rows and pgx.Rows both offer.
type rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// scanEntries calls fn for each entry of rows, which select the columns
// entryColumns, in that order.
func scanEntries(rs rows, fn func(*Entry) error) error {
	for rs.Next() {
		var e Entry
		var in, out string
		if err := rs.Scan(&e.Seq, &e.At, &e.ActorID, &e.ActorRole, &e.Action, &e.Subject, &e.RequestID,
			&e.RulesetDigest, &in, &out, &e.PrevHash, &e.Hash, &e.EventVersion, &e.EventHash); err != nil {
			return fmt.Errorf("audit: read entries: %w", err)
		}
		e.Input, e.Output = []byte(in), []byte(out)
		if err := fn(&e); err != nil {
			return err
		}
	}
	return rs.Err()
}
