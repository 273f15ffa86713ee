package procedure_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/reocell/celltherapy/procedure"
	"github.com/reocell/celltherapy/procedure/storetest"
)

// history1000 returns a case of 1,000 events: the whole case to follow-up,
// then follow-up work (adverse events, triaged reports and their reviews).
func history1000(b *testing.B) []procedure.Event {
	b.Helper()
	ctx := context.Background()
	cases := procedure.NewCases(procedure.NewMemoryStore(), procedure.WithClock(storetest.Now))
	res, err := storetest.Drive(ctx, cases, "c", storetest.WholeCase("c", true))
	if err != nil {
		b.Fatal(err)
	}
	for v := res.Case.Version; v < 1000; {
		js := fmt.Sprintf(`{"type": "record-adverse-event", "at": "2026-12-05T10:00:00Z", "description": "note %d", "severity": "mild"}`, v)
		if v%2 == 0 {
			js = `{"type": "report-side-effect", "at": "2026-12-05T10:00:00Z", "symptom": {"name": "headache", "onset": "2026-12-02T20:00:00Z", "ongoing": true}}`
		}
		r, err := give(cases, procedure.Doctor, js)
		if err != nil {
			b.Fatal(err)
		}
		v = r.Case.Version
	}
	evs, err := cases.History(ctx, "c")
	if err != nil {
		b.Fatal(err)
	}
	return evs[:1000]
}

// BenchmarkFold1000 folds a case of 1,000 events (target: at most 2 ms),
// beside the baseline of decoding the same payloads with encoding/json
// into generic values.
func BenchmarkFold1000(b *testing.B) {
	evs := history1000(b)
	b.Run("fold", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := procedure.Fold(evs); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("json-baseline", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, e := range evs {
				var v map[string]any
				if err := json.Unmarshal(e.Data, &v); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}

// BenchmarkWorklist10000 asks the memory store's worklist about 10,000
// cases (target: at most 20 ms).
func BenchmarkWorklist10000(b *testing.B) {
	reqs, err := storetest.Population(10000)
	if err != nil {
		b.Fatal(err)
	}
	s := procedure.NewMemoryStore()
	if err := storetest.Load(context.Background(), s, reqs); err != nil {
		b.Fatal(err)
	}
	benchWorklist(b, s)
}

func benchWorklist(b *testing.B, s procedure.Store) {
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

// BenchmarkDecodeCommand measures the strict decoder (duplicate keys at
// any depth, paths of bad instants, validation) against its baseline, a
// plain json.Unmarshal of the same command into its struct.
func BenchmarkDecodeCommand(b *testing.B) {
	cmd := []byte(`{"type": "record-consultation", "at": "2026-11-05T10:50:00Z", "item": "diagnostic-plan", "text": "MRI and blood",
		"measures": [{"id": "mri", "kind": "instrumental", "name": "MRI of the left knee"}, {"id": "cbc", "kind": "laboratory", "name": "complete blood count"}]}`)
	b.Run("baseline-unmarshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var c procedure.RecordConsultation
			if err := json.Unmarshal(cmd, &c); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("CheckJSON", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := procedure.CheckJSON(cmd); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("DecodeCommand", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := procedure.DecodeCommand(cmd); err != nil {
				b.Fatal(err)
			}
		}
	})
}
