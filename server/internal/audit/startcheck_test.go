package audit

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/reocell/celltherapy/procedure"
)

// storeCases reads a procedure.Store as the start-up check does.
type storeCases struct{ procedure.Store }

func (s storeCases) EachCase(ctx context.Context, fn func(string, int) error) error {
	after := ""
	for {
		page, err := s.Cases(ctx, procedure.CaseQuery{After: after, Limit: 500})
		if err != nil {
			return err
		}
		for _, sm := range page {
			if err := fn(sm.CaseID, sm.Version); err != nil {
				return err
			}
		}
		if len(page) < 500 {
			return nil
		}
		after = page[len(page)-1].CaseID
	}
}

func (s storeCases) EachEvent(ctx context.Context, fn func(procedure.Event) error) error {
	return s.EachCase(ctx, func(id string, _ int) error {
		evs, err := s.Events(ctx, id)
		if err != nil {
			return err
		}
		for _, e := range evs {
			if err := fn(e); err != nil {
				return err
			}
		}
		return nil
	})
}

func gapList(gaps []Gap) string {
	var out []string
	for _, g := range gaps {
		out = append(out, fmt.Sprintf("%s/%d", g.CaseID, g.Version))
	}
	return strings.Join(out, " ")
}

// TestCheckGapsFromTheLastCheck: a check from the coverage of the one
// before reads only the entries and events after it, yet finds a gap in
// the new part and keeps the gaps found before until they are repaired; a
// coverage the log no longer extends (the entry it ended at rewritten, or
// gone) is refused, so the caller checks in full.
func TestCheckGapsFromTheLastCheck(t *testing.T) {
	for _, s := range stores(t) {
		t.Run(s.name, func(t *testing.T) {
			ctx := context.Background()
			l := s.open(t, Options{})
			store := storeCases{s.cases(t)}
			cases := procedure.NewCases(store.Store, procedure.WithClock(func() time.Time { return t0.Add(time.Hour) }))
			for i := range 3 {
				if err := givePair(ctx, cases, fmt.Sprintf("a-%d", i)); err != nil {
					t.Fatal(err)
				}
			}
			// An event stored without its entry, as an earlier version left it.
			if _, err := cases.Give(ctx, "a-9", admin, openCmd("a-9")); err != nil {
				t.Fatal(err)
			}
			appendN(t, l, 20)
			gaps, cov, full, err := l.CheckGaps(ctx, store, nil, nil)
			if err != nil || gapList(gaps) != "a-9/1" {
				t.Fatalf("the full check: %v %v", gaps, err)
			}
			// After it: a case audited as today, decisions, and a new gap.
			if err := givePair(ctx, cases, "b-1"); err != nil {
				t.Fatal(err)
			}
			appendN(t, l, 5)
			if _, err := cases.Give(ctx, "b-2", admin, openCmd("b-2")); err != nil {
				t.Fatal(err)
			}
			var seen int64
			gaps, cov2, work, err := l.CheckGaps(ctx, store, cov, func(*Entry) { seen++ })
			if err != nil || gapList(gaps) != "a-9/1 b-2/1" {
				t.Fatalf("the check from the last: %v %v", gaps, err)
			}
			bEvents, _ := store.Events(ctx, "b-1")
			if want := int64(len(bEvents) + 5); work.Entries != want || seen != want || work.Events != int64(len(bEvents)+1) || work.Entries >= full.Entries {
				t.Errorf("read %+v (the full check %+v), want %d entries and %d events", work, full, want, len(bEvents)+1)
			}
			// The repair covers both; the next check from the last finds none.
			if _, err := l.Repair(ctx, store, "it-1"); err != nil {
				t.Fatal(err)
			}
			if gaps, _, _, err := l.CheckGaps(ctx, store, cov2, nil); err != nil || len(gaps) != 0 {
				t.Fatalf("after the repair: %v %v", gaps, err)
			}
			var stale *StaleCoverageError
			bad := *cov2
			bad.Hash = "sha256:00"
			if _, _, _, err := l.CheckGaps(ctx, store, &bad, nil); !errors.As(err, &stale) || !strings.Contains(err.Error(), fmt.Sprintf("entry %d", cov2.Size)) {
				t.Errorf("a coverage whose last entry is not the log's: %v", err)
			}
			bad = *cov2
			bad.Size += 1000
			if _, _, _, err := l.CheckGaps(ctx, store, &bad, nil); !errors.As(err, &stale) || !strings.Contains(err.Error(), "is gone") {
				t.Errorf("a coverage beyond the log: %v", err)
			}
			bad = *cov2
			bad.Cases = map[string]int{"a-1": 99}
			if _, _, _, err := l.CheckGaps(ctx, store, &bad, nil); !errors.As(err, &stale) || !strings.Contains(err.Error(), "case a-1") {
				t.Errorf("a coverage of more events than stored: %v", err)
			}
		})
	}
}

// hiding is a case store listed as it was before the case hidden was
// stored: another server committed it while the check listed the cases.
type hiding struct {
	storeCases
	hidden string
}

func (h hiding) EachCase(ctx context.Context, fn func(string, int) error) error {
	return h.storeCases.EachCase(ctx, func(id string, v int) error {
		if id == h.hidden {
			return nil
		}
		return fn(id, v)
	})
}

// TestCheckGapsEntriesAheadOfTheirEvents: an entry read by a check whose
// event the check did not list (committed between the listing and the
// reading of the log) covers the event when the next check reads it: no
// false gap.
func TestCheckGapsEntriesAheadOfTheirEvents(t *testing.T) {
	for _, s := range stores(t) {
		t.Run(s.name, func(t *testing.T) {
			ctx := context.Background()
			l := s.open(t, Options{})
			store := storeCases{s.cases(t)}
			cases := procedure.NewCases(store.Store, procedure.WithClock(func() time.Time { return t0.Add(time.Hour) }))
			for _, id := range []string{"a-1", "a-2"} {
				if err := givePair(ctx, cases, id); err != nil {
					t.Fatal(err)
				}
			}
			gaps, cov, _, err := l.CheckGaps(ctx, hiding{store, "a-2"}, nil, nil)
			if err != nil || len(gaps) != 0 || len(cov.Ahead) == 0 {
				t.Fatalf("the check that did not list a-2: %v %v, ahead %v", gaps, err, cov.Ahead)
			}
			gaps, cov, work, err := l.CheckGaps(ctx, store, cov, nil)
			if err != nil || len(gaps) != 0 || work.Entries != 0 || work.Events == 0 || len(cov.Ahead) != 0 {
				t.Fatalf("the next check: gaps %v, %v, read %+v, ahead %v", gaps, err, work, cov.Ahead)
			}
		})
	}
}
