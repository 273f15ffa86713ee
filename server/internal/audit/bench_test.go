package audit

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
)

// BenchmarkAppend measures durable appends from 32 concurrent callers,
// with group commit (the default) and with one commit per entry
// (MaxBatch 1), the baseline group commit is there to beat; "signed" is
// group commit with the checkpoint each batch stores, as the server runs.
func BenchmarkAppend(b *testing.B) {
	for _, bc := range []struct {
		name     string
		maxBatch int
		signed   bool
	}{{"group-commit", 0, false}, {"commit-per-entry", 1, false}, {"signed", 0, true}} {
		b.Run(bc.name, func(b *testing.B) {
			var commits, entries atomic.Int64
			opts := Options{MaxBatch: bc.maxBatch, ObserveBatch: func(n int) {
				commits.Add(1)
				entries.Add(int64(n))
			}}
			if bc.signed {
				opts.Signer, _ = testKey(b)
			}
			l, err := OpenSQLite(context.Background(), b.TempDir()+"/audit.db", opts)
			if err != nil {
				b.Fatal(err)
			}
			defer l.Close()
			rec := record(1)
			b.ReportAllocs()
			b.SetParallelism(16)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := l.Append(context.Background(), rec); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(entries.Load())/float64(max(commits.Load(), 1)), "entries/commit")
		})
	}
}

// BenchmarkVerifyCheckpoints checks the tree of a log of 20,000 entries,
// checkpointed every 100, with 100 entries after the last run's state:
// from the first entry (the baseline) and from the state.
func BenchmarkVerifyCheckpoints(b *testing.B) {
	ctx := context.Background()
	signer, known := testKey(b)
	l, err := OpenSQLite(ctx, b.TempDir()+"/audit.db", Options{Signer: signer})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	var wg sync.WaitGroup
	batch := func() {
		for i := range 100 {
			wg.Go(func() {
				if _, err := l.Append(ctx, record(i)); err != nil {
					b.Error(err)
				}
			})
		}
		wg.Wait()
		if _, err := l.Seal(ctx); err != nil {
			b.Fatal(err)
		}
	}
	for range 199 {
		batch()
	}
	_, st, _, err := l.VerifyCheckpointsFrom(ctx, known, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	batch()
	for _, bc := range []struct {
		name  string
		state *State
	}{{"from-first-entry", nil}, {"from-state", st}} {
		b.Run(bc.name, func(b *testing.B) {
			var w Work
			b.ReportAllocs()
			for b.Loop() {
				if _, _, w, err = l.VerifyCheckpointsFrom(ctx, known, nil, bc.state); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(w.Leaves), "leaves")
			b.ReportMetric(float64(w.Checkpoints), "checkpoints")
		})
	}
}
