package sqlite_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/reocell/celltherapy/procedure"
	"github.com/reocell/celltherapy/procedure/sqlite"
	"github.com/reocell/celltherapy/procedure/storetest"
)

// benchFsync is the physical floor of a durable commit on this disk: a
// bare loop writing 512 bytes and calling fsync, in the kind of directory
// where the appending benchmarks keep their database.
func benchFsync(b *testing.B) {
	f, err := os.Create(filepath.Join(b.TempDir(), "fsync"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 512)
	start := time.Now()
	for b.Loop() {
		if _, err := f.Write(buf); err != nil {
			b.Fatal(err)
		}
		if err := f.Sync(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "fsyncs/s")
}

// BenchmarkAppend appends one event (with its case's summary) at a time,
// durably, from one writer and from eight writers on different cases,
// right after the bare fsync loop: with -count, the three take turns, so
// each comparison is made on the disk as it is at that moment (a shared
// disk's rate swings widely).
func BenchmarkAppend(b *testing.B) {
	b.Run("fsync-floor", benchFsync)
	for _, writers := range []int{1, 8} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			s, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "cases.db"))
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			benchAppends(b, s, writers)
		})
	}
}

// benchAppends runs b.N appends shared among writers, each on its own case.
func benchAppends(b *testing.B, s procedure.Store, writers int) {
	ctx := context.Background()
	for w := range writers {
		if _, err := s.Append(ctx, storetest.Request(fmt.Sprintf("w%d", w), 0, 1, "")); err != nil {
			b.Fatal(err)
		}
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for w := range writers {
		wg.Go(func() {
			id := fmt.Sprintf("w%d", w)
			for v := 1; next.Add(1) <= int64(b.N); v++ {
				if _, err := s.Append(ctx, storetest.Request(id, v, 1, "")); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "appends/s")
}

// BenchmarkWorklist10000 asks the worklist about 10,000 cases (target: at
// most 20 ms).
func BenchmarkWorklist10000(b *testing.B) {
	s, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "cases.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	reqs, err := storetest.Population(10000)
	if err != nil {
		b.Fatal(err)
	}
	if err := storetest.Load(context.Background(), s, reqs); err != nil {
		b.Fatal(err)
	}
	for _, q := range []struct {
		name string
		q    procedure.WorklistQuery
	}{
		{"all", procedure.WorklistQuery{AsOf: storetest.WorklistAsOf()}},
		{"doctor-first-100", procedure.WorklistQuery{AsOf: storetest.WorklistAsOf(), Role: procedure.Doctor, Limit: 100}},
	} {
		b.Run(q.name, func(b *testing.B) {
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				items, err := s.Worklist(context.Background(), q.q)
				if err != nil {
					b.Fatal(err)
				}
				n = len(items)
			}
			b.ReportMetric(float64(n), "items")
		})
	}
}
