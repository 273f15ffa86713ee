package postgres_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/reocell/celltherapy/procedure"
	"github.com/reocell/celltherapy/procedure/storetest"
)

// BenchmarkAppend appends one event (with its case's summary) at a time
// from one writer and from eight writers on different cases, and reports
// appends per second and the 99th percentile of an append's latency.
func BenchmarkAppend(b *testing.B) {
	for _, writers := range []int{1, 8} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			s := open(b, freshSchema(b))
			ctx := context.Background()
			for w := range writers {
				if _, err := s.Append(ctx, storetest.Request(fmt.Sprintf("w%d", w), 0, 1, "")); err != nil {
					b.Fatal(err)
				}
			}
			lat := make([][]time.Duration, writers)
			var next atomic.Int64
			var wg sync.WaitGroup
			b.ResetTimer()
			start := time.Now()
			for w := range writers {
				wg.Go(func() {
					id := fmt.Sprintf("w%d", w)
					for v := 1; next.Add(1) <= int64(b.N); v++ {
						t := time.Now()
						if _, err := s.Append(ctx, storetest.Request(id, v, 1, "")); err != nil {
							b.Error(err)
							return
						}
						lat[w] = append(lat[w], time.Since(t))
					}
				})
			}
			wg.Wait()
			elapsed := time.Since(start)
			all := slices.Concat(lat...)
			slices.Sort(all)
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "appends/s")
			if len(all) > 0 {
				b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
			}
		})
	}
}

// BenchmarkWorklist10000 asks the worklist about 10,000 cases.
func BenchmarkWorklist10000(b *testing.B) {
	s := open(b, freshSchema(b))
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
