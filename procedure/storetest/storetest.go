// Package storetest is the conformance suite every procedure.Store passes:
// appends and reads, optimistic concurrency, idempotency keys, summaries
// and the worklist, append-only enforcement and whole cases driven through
// the case API.
//
//	func TestStore(t *testing.T) {
//		storetest.Run(t, storetest.Harness{Open: func(t *testing.T) procedure.Store { ... }})
//	}
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/reocell/celltherapy/procedure"
)

// Harness is how the suite reaches one Store implementation.
type Harness struct {
	// Open returns a new, empty store, closed by the test's cleanup.
	Open func(t *testing.T) procedure.Store
	// Tamper, when set, tries to change and to remove the stored events of
	// a case behind the store's back (SQL UPDATE and DELETE); it returns
	// the error of each attempt. The suite expects every attempt refused.
	Tamper func(t *testing.T, s procedure.Store, caseID string) []error
}

// Run runs the suite.
func Run(t *testing.T, h Harness) {
	tests := []struct {
		name string
		run  func(t *testing.T, h Harness)
	}{
		{"append and read", testAppendRead},
		{"unknown case", testNotFound},
		{"stale version conflicts", testStale},
		{"open twice conflicts", testOpenTwice},
		{"idempotency key", testIdempotency},
		{"a key names one command", testKeyNamesOneCommand},
		{"a summary replaced", testPutSummary},
		{"malformed append", testMalformed},
		{"one winner per version", testRace},
		{"summaries and worklist", testWorklist},
		{"any patient text", testPatientText},
		{"append only", testAppendOnly},
		{"whole case through the case API", testWholeCase},
		{"case API retries conflicts", testRetries},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, h) })
	}
}

// T0 is the instant the suite's histories begin.
var t0 = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

// Events returns n events of a case from version from, with key key: the
// first (version 1) opens the case, the rest record adverse events.
func Events(caseID string, from, n int, key string) []procedure.Event {
	out := make([]procedure.Event, n)
	for i := range out {
		v := from + i
		e := procedure.Event{
			CaseID: caseID, Version: v, Type: procedure.AdverseEventRecorded, Schema: 1,
			Actor: procedure.Actor{ID: "doctor-1", Role: procedure.Doctor},
			At:    t0.Add(time.Duration(v) * time.Minute), RecordedAt: t0.Add(time.Duration(v)*time.Minute + 1500*time.Microsecond),
			Key:  key,
			Data: json.RawMessage(fmt.Sprintf(`{"description":"event %d","severity":"mild"}`, v)),
		}
		if v == 1 {
			e.Type, e.Actor, e.Data = procedure.CaseOpened, procedure.Actor{ID: "admin-1", Role: procedure.Administrator}, json.RawMessage(`{"patient":"p-`+caseID+`"}`)
		}
		if v%3 == 0 {
			e.Type = procedure.ScreeningRecorded
			e.Data = json.RawMessage(`{"purpose":"board","outcome":"eligible","asOf":"2026-11-02","findings":[],"permanent":false}`)
			e.Decision = &procedure.DecisionRecord{Kind: "eligibility", Digest: "sha256:00", Facts: json.RawMessage(`{"pregnant":false}`), Decision: json.RawMessage(`{"outcome":"eligible"}`)}
		}
		out[i] = e
	}
	return out
}

// Request returns the append of n events at version expected, with a
// summary whose one due runs from the last event's instant for a day.
func Request(caseID string, expected, n int, key string) procedure.AppendRequest {
	evs := Events(caseID, expected+1, n, key)
	last := evs[len(evs)-1]
	return procedure.AppendRequest{
		CaseID: caseID, ExpectedVersion: expected, Key: key, Events: evs,
		Summary: procedure.Summary{
			CaseID: caseID, Patient: "p-" + caseID, Version: last.Version, Stage: procedure.FollowUp, LastAt: last.At,
			Due: []procedure.Due{{What: procedure.DueContact, Who: procedure.Doctor, From: last.At, By: last.At.Add(24 * time.Hour), Ref: fmt.Sprintf("v%d", last.Version)}},
		},
	}
}

func mustAppend(t *testing.T, s procedure.Store, req procedure.AppendRequest) procedure.AppendResult {
	t.Helper()
	res, err := s.Append(context.Background(), req)
	if err != nil {
		t.Fatalf("append %s at %d: %v", req.CaseID, req.ExpectedVersion, err)
	}
	return res
}

func mustEvents(t *testing.T, s procedure.Store, caseID string) []procedure.Event {
	t.Helper()
	evs, err := s.Events(context.Background(), caseID)
	if err != nil {
		t.Fatalf("events of %s: %v", caseID, err)
	}
	return evs
}

func testAppendRead(t *testing.T, h Harness) {
	s := h.Open(t)
	first := mustAppend(t, s, Request("c1", 0, 2, "k1"))
	second := mustAppend(t, s, Request("c1", 2, 3, ""))
	want := append(Events("c1", 1, 2, "k1"), Events("c1", 3, 3, "")...)
	if diff := cmp.Diff(want, append(first.Events, second.Events...)); diff != "" {
		t.Errorf("append results (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, mustEvents(t, s, "c1")); diff != "" {
		t.Errorf("stored events (-want +got):\n%s", diff)
	}
}

func testNotFound(t *testing.T, h Harness) {
	s := h.Open(t)
	mustAppend(t, s, Request("c1", 0, 1, ""))
	if _, err := s.Events(context.Background(), "nope"); !errors.Is(err, procedure.ErrNotFound) {
		t.Errorf("events of an unknown case: %v, want ErrNotFound", err)
	}
	if evs, err := s.Replay(context.Background(), "never-used"); err != nil || len(evs) != 0 {
		t.Errorf("replay of an unknown key: %v, %v; want nothing", evs, err)
	}
}

func testStale(t *testing.T, h Harness) {
	s := h.Open(t)
	mustAppend(t, s, Request("c1", 0, 2, ""))
	for _, expected := range []int{0, 1, 3} {
		_, err := s.Append(context.Background(), Request("c1", expected, 1, ""))
		if !errors.Is(err, procedure.ErrConflict) {
			t.Errorf("append at stale version %d: %v, want ErrConflict", expected, err)
		}
	}
	if n := len(mustEvents(t, s, "c1")); n != 2 {
		t.Errorf("after refused appends the case has %d events, want 2", n)
	}
}

func testOpenTwice(t *testing.T, h Harness) {
	s := h.Open(t)
	mustAppend(t, s, Request("c1", 0, 1, ""))
	if _, err := s.Append(context.Background(), Request("c1", 0, 1, "")); !errors.Is(err, procedure.ErrConflict) {
		t.Errorf("opening an existing case: %v, want ErrConflict", err)
	}
}

func testIdempotency(t *testing.T, h Harness) {
	s := h.Open(t)
	first := mustAppend(t, s, Request("c1", 0, 2, "open-c1"))
	mustAppend(t, s, Request("c1", 2, 1, "other"))
	// The same key again, at a version now stale: the first result, nothing new.
	again := mustAppend(t, s, Request("c1", 0, 2, "open-c1"))
	if !again.Replayed || first.Replayed {
		t.Errorf("replayed: first %v, again %v; want false, true", first.Replayed, again.Replayed)
	}
	if diff := cmp.Diff(first.Events, again.Events); diff != "" {
		t.Errorf("the same key twice (-first +again):\n%s", diff)
	}
	if n := len(mustEvents(t, s, "c1")); n != 3 {
		t.Errorf("case has %d events, want 3", n)
	}
	replay, err := s.Replay(context.Background(), "open-c1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(first.Events, replay); diff != "" {
		t.Errorf("Replay (-first +replay):\n%s", diff)
	}
}

func testMalformed(t *testing.T, h Harness) {
	s := h.Open(t)
	mustAppend(t, s, Request("c1", 0, 1, ""))
	gap := Request("c1", 1, 2, "")
	gap.Events[1].Version = 4
	otherCase := Request("c1", 1, 1, "")
	otherCase.Events[0].CaseID = "c2"
	for name, req := range map[string]procedure.AppendRequest{
		"versions with a gap": gap, "event of another case": otherCase, "no events": {CaseID: "c1", ExpectedVersion: 1},
	} {
		if _, err := s.Append(context.Background(), req); err == nil {
			t.Errorf("%s: appended", name)
		}
	}
	if n := len(mustEvents(t, s, "c1")); n != 1 {
		t.Errorf("case has %d events, want 1", n)
	}
}

func testRace(t *testing.T, h Harness) {
	s := h.Open(t)
	mustAppend(t, s, Request("c1", 0, 1, ""))
	const writers, rounds = 8, 5
	for round := range rounds {
		version := 1 + round
		var wg sync.WaitGroup
		errs := make([]error, writers)
		for w := range writers {
			wg.Go(func() {
				_, errs[w] = s.Append(context.Background(), Request("c1", version, 1, ""))
			})
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, procedure.ErrConflict):
				t.Errorf("round %d: %v, want nil or ErrConflict", round, err)
			}
		}
		if won != 1 {
			t.Fatalf("round %d: %d writers won version %d, want exactly 1", round, won, version+1)
		}
	}
	evs := mustEvents(t, s, "c1")
	for i, e := range evs {
		if e.Version != i+1 {
			t.Fatalf("event %d has version %d", i, e.Version)
		}
	}
	if len(evs) != 1+rounds {
		t.Errorf("%d events, want %d", len(evs), 1+rounds)
	}
}
