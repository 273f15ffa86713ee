package procedure_test

import (
	"context"
	"errors"
	"testing"

	"github.com/reocell/celltherapy/procedure"
	"github.com/reocell/celltherapy/procedure/storetest"
)

// countingStore counts the reads and appends the case API makes.
type countingStore struct {
	procedure.Store
	reads, appends int
}

func (c *countingStore) Events(ctx context.Context, caseID string) ([]procedure.Event, error) {
	c.reads++
	return c.Store.Events(ctx, caseID)
}

func (c *countingStore) Append(ctx context.Context, req procedure.AppendRequest) (procedure.AppendResult, error) {
	c.appends++
	return c.Store.Append(ctx, req)
}

// seeded returns a store holding case "c" through its whole course, and
// its version.
func seeded(t *testing.T) (*procedure.MemoryStore, int) {
	t.Helper()
	mem := procedure.NewMemoryStore()
	res, err := storetest.Drive(context.Background(), procedure.NewCases(mem, procedure.WithClock(storetest.Now)), "c", storetest.WholeCase("c", true))
	if err != nil {
		t.Fatal(err)
	}
	return mem, res.Case.Version
}

func giveAs(cases *procedure.Cases, js string, opts ...procedure.GiveOption) (*procedure.Result, error) {
	cmd, err := procedure.DecodeCommand([]byte(js))
	if err != nil {
		return nil, err
	}
	return cases.Give(context.Background(), "c", procedure.Actor{ID: "d", Role: procedure.Doctor}, cmd, opts...)
}

// TestExpectVersion: a stale expected version is a *VersionError decided
// on the one read of the case, before any rule runs (a command the rules
// would refuse is still a conflict), and nothing is appended; the
// version the case is at is given.
func TestExpectVersion(t *testing.T) {
	adverse := `{"type": "record-adverse-event", "at": "2026-12-04T10:00:00Z", "description": "d", "severity": "mild"}`
	wrongStage := `{"type": "record-consultation", "at": "2026-12-04T10:00:00Z", "item": "history", "text": "x"}`
	mem, v := seeded(t)
	for _, body := range []string{adverse, wrongStage} {
		store := &countingStore{Store: mem}
		cases := procedure.NewCases(store, procedure.WithClock(storetest.Now))
		_, err := giveAs(cases, body, procedure.ExpectVersion(v-1))
		var ve *procedure.VersionError
		if !errors.As(err, &ve) || !errors.Is(err, procedure.ErrConflict) || ve.Expected != v-1 || ve.Actual != v {
			t.Fatalf("%v, want a *VersionError expecting %d, at %d", err, v-1, v)
		}
		if store.reads != 1 || store.appends != 0 {
			t.Errorf("a stale version read the case %d times and appended %d times; want 1 and 0", store.reads, store.appends)
		}
	}
	cases := procedure.NewCases(mem, procedure.WithClock(storetest.Now))
	if _, err := giveAs(cases, wrongStage); !errors.Is(err, procedure.ErrRefused) {
		t.Fatalf("%v: the rules must refuse the command the stale version stopped first", err)
	}
	res, err := giveAs(cases, adverse, procedure.ExpectVersion(v))
	if err != nil || res.Case.Version != v+1 {
		t.Fatalf("at the expected version: %v", err)
	}
}

// TestExpectVersionLostRace: a command that expected a version and lost
// the race for it is a conflict, not tried again on a case whose version
// it never saw.
func TestExpectVersionLostRace(t *testing.T) {
	adverse := `{"type": "record-adverse-event", "at": "2026-12-04T10:00:00Z", "description": "d", "severity": "mild"}`
	mem, v := seeded(t)
	other := procedure.NewCases(mem, procedure.WithClock(storetest.Now))
	racing := &racingStore{MemoryStore: mem, other: other, command: adverse, races: 1}
	store := &countingStore{Store: racing}
	cases := procedure.NewCases(store, procedure.WithClock(storetest.Now), procedure.WithRetries(3))
	_, err := giveAs(cases, adverse, procedure.ExpectVersion(v))
	if !errors.Is(err, procedure.ErrConflict) {
		t.Fatalf("%v, want ErrConflict", err)
	}
	if store.appends != 1 {
		t.Errorf("%d appends, want 1: a lost race with an expected version is not retried", store.appends)
	}
	c, _ := other.Case(context.Background(), "c")
	if c.Version != v+1 {
		t.Errorf("the case is at version %d, want %d (the racer's event only)", c.Version, v+1)
	}
}

// trail makes one entry per event, or fails.
type trail struct{ fail error }

func (tr trail) Entries(tail procedure.AuditTail, events []procedure.Event) ([]procedure.AuditEntry, error) {
	if tr.fail != nil {
		return nil, tr.fail
	}
	var out []procedure.AuditEntry
	for _, e := range events {
		tail.Seq++
		a := procedure.AuditEntry{Seq: tail.Seq, PrevHash: tail.Hash, EventVersion: e.Version, EventHash: procedure.EventHash(e)}
		a.Hash = a.EventHash + "@" + a.PrevHash
		tail.Hash = a.Hash
		out = append(out, a)
	}
	return out, nil
}

// TestAuditTrailInTheAppend: the trail's entries are kept with the events,
// one per event, chained; a trail that fails appends nothing.
func TestAuditTrailInTheAppend(t *testing.T) {
	adverse := `{"type": "record-adverse-event", "at": "2026-12-04T10:00:00Z", "description": "d", "severity": "mild"}`
	mem, v := seeded(t)
	cases := procedure.NewCases(mem, procedure.WithClock(storetest.Now))
	if _, err := giveAs(cases, adverse, procedure.WithAuditTrail(trail{fail: errors.New("audit log full")})); err == nil {
		t.Fatal("a failed trail was not an error")
	}
	if c, _ := cases.Case(context.Background(), "c"); c.Version != v {
		t.Fatalf("a failed trail appended: version %d, want %d", c.Version, v)
	}
	for range 2 {
		if _, err := giveAs(cases, adverse, procedure.WithAuditTrail(trail{})); err != nil {
			t.Fatal(err)
		}
	}
	entries := mem.AuditEntries()
	events, _ := cases.History(context.Background(), "c")
	if len(entries) != 2 {
		t.Fatalf("%d entries, want 2", len(entries))
	}
	for i, a := range entries {
		ev := events[v+i]
		if a.Seq != int64(i+1) || a.EventVersion != ev.Version || a.EventHash != procedure.EventHash(ev) {
			t.Errorf("entry %d: %+v does not record event %s", i, a, ev.ID())
		}
	}
	if entries[1].PrevHash != entries[0].Hash {
		t.Error("the second entry does not follow the first")
	}
}

// TestEventHash: the hash covers what a store keeps of an event and
// ignores what it cannot keep (nanoseconds).
func TestEventHash(t *testing.T) {
	mem, _ := seeded(t)
	events, _ := mem.Events(context.Background(), "c")
	e := events[len(events)-1]
	h := procedure.EventHash(e)
	same := e
	same.RecordedAt = e.RecordedAt.Add(300) // nanoseconds
	if procedure.EventHash(same) != h {
		t.Error("nanoseconds no store keeps changed the hash")
	}
	changes := map[string]func(*procedure.Event){
		"data":    func(e *procedure.Event) { e.Data = []byte(`{"dose": 10}`) },
		"actor":   func(e *procedure.Event) { e.Actor.ID = "someone else" },
		"at":      func(e *procedure.Event) { e.At = e.At.Add(1000) },
		"version": func(e *procedure.Event) { e.Version++ },
		"decision": func(e *procedure.Event) {
			e.Decision = &procedure.DecisionRecord{Kind: "k", Digest: "sha256:x"}
		},
	}
	for name, change := range changes {
		c := e
		change(&c)
		if procedure.EventHash(c) == h {
			t.Errorf("a change of %s kept the hash", name)
		}
	}
}
