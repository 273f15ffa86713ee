package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/reocell/celltherapy/procedure"
)

// Population returns the appends that open n cases whose summaries are
// those of real cases in every stage of WholeCase, their dues spread over
// a year from 2026-11-02, for worklist benchmarks. Each case holds one
// event (its opening); only the summaries matter to the worklist.
func Population(n int) ([]procedure.AppendRequest, error) {
	shapes, err := summaryShapes()
	if err != nil {
		return nil, err
	}
	out := make([]procedure.AppendRequest, n)
	for i := range out {
		id := fmt.Sprintf("pop-%06d", i)
		shift := time.Duration(i%365) * 24 * time.Hour
		sm := shapes[i%len(shapes)]
		sm.CaseID, sm.Patient, sm.Version, sm.LastAt = id, "patient-"+id, 1, sm.LastAt.Add(shift)
		sm.Due = append([]procedure.Due(nil), sm.Due...)
		for j := range sm.Due {
			sm.Due[j].From, sm.Due[j].By = sm.Due[j].From.Add(shift), sm.Due[j].By.Add(shift)
		}
		open := procedure.Event{CaseID: id, Version: 1, Type: procedure.CaseOpened, Schema: 1,
			Actor: procedure.Actor{ID: "admin-1", Role: procedure.Administrator}, At: t0, RecordedAt: t0,
			Data: json.RawMessage(`{"patient":"patient-` + id + `"}`)}
		out[i] = procedure.AppendRequest{CaseID: id, Events: []procedure.Event{open}, Summary: sm}
	}
	return out, nil
}

// summaryShapes returns the summary of WholeCase after each of its steps.
func summaryShapes() ([]procedure.Summary, error) {
	ctx := context.Background()
	cases := procedure.NewCases(procedure.NewMemoryStore(), procedure.WithClock(Now))
	var out []procedure.Summary
	for i, step := range WholeCase("shape", false) {
		if _, err := Drive(ctx, cases, "shape", []Step{step}); err != nil {
			return nil, fmt.Errorf("step %d: %w", i, err)
		}
		c, err := cases.Case(ctx, "shape")
		if err != nil {
			return nil, err
		}
		out = append(out, procedure.Summarize(c, procedure.DefaultParams()))
	}
	return out, nil
}

// Load appends the requests with 32 concurrent writers.
func Load(ctx context.Context, s procedure.Store, reqs []procedure.AppendRequest) error {
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	next := make(chan procedure.AppendRequest)
	for range 32 {
		wg.Go(func() {
			for r := range next {
				if _, err := s.Append(ctx, r); err != nil {
					select {
					case errs <- err:
					default:
					}
				}
			}
		})
	}
	for _, r := range reqs {
		next <- r
	}
	close(next)
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
		return nil
	}
}

// WorklistAsOf is the instant the worklist benchmarks ask about: about
// half a year into the population's dues.
func WorklistAsOf() time.Time { return time.Date(2027, 5, 1, 12, 0, 0, 0, time.UTC) }
