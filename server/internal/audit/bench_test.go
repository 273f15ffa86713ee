package audit

import (
	"context"
	"sync/atomic"
	"testing"
)

// BenchmarkAppend measures durable appends from 32 concurrent callers,
// with group commit (the default) and with one commit per entry
// (MaxBatch 1), the baseline group commit is there to beat.
func BenchmarkAppend(b *testing.B) {
	for _, bc := range []struct {
		name     string
		maxBatch int
	}{{"group-commit", 0}, {"commit-per-entry", 1}} {
		b.Run(bc.name, func(b *testing.B) {
			var commits, entries atomic.Int64
			l, err := OpenSQLite(context.Background(), b.TempDir()+"/audit.db", Options{MaxBatch: bc.maxBatch, ObserveBatch: func(n int) {
				commits.Add(1)
				entries.Add(int64(n))
			}})
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
