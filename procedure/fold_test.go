package procedure_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/reocell/celltherapy/procedure"
	"github.com/reocell/celltherapy/procedure/storetest"
)

func wholeHistory(t testing.TB) []procedure.Event {
	t.Helper()
	cases := procedure.NewCases(procedure.NewMemoryStore(), procedure.WithClock(storetest.Now))
	if _, err := storetest.Drive(context.Background(), cases, "c", storetest.WholeCase("c", false)); err != nil {
		t.Fatal(err)
	}
	evs, err := cases.History(context.Background(), "c")
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// TestStoredHistoryFolds folds a history stored by an earlier version of
// this code: events are versioned, so the history must still fold to the
// same case after the code changes. Regenerate the fixture only on purpose
// (-update), with an upcaster for every payload whose shape changed.
func TestStoredHistoryFolds(t *testing.T) {
	historyPath := filepath.Join("testdata", "history-v1.json")
	casePath := filepath.Join("testdata", "history-v1.case.json")
	if *update {
		writeJSON(t, historyPath, wholeHistory(t))
		c, err := procedure.Fold(wholeHistory(t))
		if err != nil {
			t.Fatal(err)
		}
		writeJSON(t, casePath, c)
	}
	var history []procedure.Event
	readJSON(t, historyPath, &history)
	c, err := procedure.Fold(history)
	if err != nil {
		t.Fatalf("the stored history no longer folds: %v", err)
	}
	got, _ := json.MarshalIndent(c, "", "  ")
	want, err := os.ReadFile(casePath)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), string(got)+"\n"); diff != "" {
		t.Errorf("the stored history folds to another case (-fixture +now):\n%s", diff)
	}
}

func writeJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}

func TestFoldIsPure(t *testing.T) {
	evs := wholeHistory(t)
	a, errA := procedure.Fold(evs)
	b, errB := procedure.Fold(evs)
	if errA != nil || errB != nil {
		t.Fatal(errA, errB)
	}
	if diff := cmp.Diff(a, b, cmp.AllowUnexported(procedure.Case{})); diff != "" {
		t.Errorf("the same events folded twice differ:\n%s", diff)
	}
	// Folding does not change the events.
	again, _ := json.Marshal(evs)
	if orig, _ := json.Marshal(wholeHistory(t)); string(orig) != string(again) {
		t.Error("folding changed the events")
	}
}

func TestFoldRefusesWhatItCannotRead(t *testing.T) {
	mutate := map[string]func([]procedure.Event) []procedure.Event{
		"an unknown event type": func(e []procedure.Event) []procedure.Event { e[3].Type = "case-teleported"; return e },
		"a newer schema":        func(e []procedure.Event) []procedure.Event { e[3].Schema = 2; return e },
		"a version gap":         func(e []procedure.Event) []procedure.Event { return append(e[:3], e[4:]...) },
		"another case's event":  func(e []procedure.Event) []procedure.Event { e[3].CaseID = "other"; return e },
		"a stage change the table does not have": func(e []procedure.Event) []procedure.Event {
			e[2].Data = json.RawMessage(`{"from": "booking", "to": "follow-up"}`)
			return e
		},
	}
	for name, f := range mutate {
		t.Run(name, func(t *testing.T) {
			if _, err := procedure.Fold(f(wholeHistory(t))); err == nil {
				t.Error("folded")
			}
		})
	}
	evs := wholeHistory(t)
	evs[3].Schema = 9
	if _, err := procedure.Fold(evs); !errors.Is(err, procedure.ErrSchema) {
		t.Errorf("a newer schema: %v, want ErrSchema", err)
	}
	if _, err := procedure.Fold(nil); !errors.Is(err, procedure.ErrNotFound) {
		t.Errorf("no events: %v, want ErrNotFound", err)
	}
}

// TestDecisionsAreKept checks that a decision's event keeps the decision,
// its facts and its ruleset digest.
func TestDecisionsAreKept(t *testing.T) {
	kinds := map[procedure.EventType]string{
		procedure.ScreeningRecorded: "eligibility", procedure.TherapySelected: "therapy",
		procedure.AftercarePlanned: "aftercare", procedure.SideEffectTriaged: "triage",
	}
	seen := map[procedure.EventType]bool{}
	for _, e := range wholeHistory(t) {
		kind, ok := kinds[e.Type]
		if !ok {
			continue
		}
		seen[e.Type] = true
		d := e.Decision
		if d == nil || d.Kind != kind || len(d.Digest) < 10 || len(d.Facts) < 3 {
			t.Fatalf("event %s keeps %+v", e.ID(), d)
		}
		var decision struct {
			Decision string `json:"decision"`
			Ruleset  struct{ Digest string }
		}
		if err := json.Unmarshal(d.Decision, &decision); err != nil || decision.Decision != kind || decision.Ruleset.Digest != d.Digest {
			t.Errorf("event %s: decision %s (%v)", e.ID(), d.Decision, err)
		}
	}
	if len(seen) != len(kinds) {
		t.Errorf("the whole case recorded decisions of %v only", seen)
	}
}
