package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/reocell/celltherapy/procedure"
)

func testWorklist(t *testing.T, h Harness) {
	ctx := context.Background()
	s := h.Open(t)
	board := Request("c3", 0, 3, "")
	board.Summary.Stage, board.Summary.Due[0].Who, board.Summary.Due[0].What = procedure.BoardReview, procedure.Board, procedure.DueBoardReview
	closed := Request("c4", 0, 1, "")
	closed.Summary.Stage, closed.Summary.Outcome, closed.Summary.Due = procedure.Closed, procedure.Withdrawn, []procedure.Due{}
	for _, r := range []procedure.AppendRequest{Request("c1", 0, 2, ""), Request("c2", 0, 1, ""), board, closed} {
		mustAppend(t, s, r)
	}
	later := Request("c1", 2, 2, "")
	later.Summary.Due = append(later.Summary.Due, procedure.Due{What: procedure.DueFlag, Who: procedure.Doctor, From: t0, By: t0.Add(time.Hour), Ref: "7"})
	mustAppend(t, s, later)
	summaries := []procedure.Summary{later.Summary, Request("c2", 0, 1, "").Summary, board.Summary, closed.Summary}

	queries := []procedure.WorklistQuery{
		{AsOf: t0}, {AsOf: t0.Add(90 * time.Second)}, {AsOf: t0.Add(5 * time.Minute)}, {AsOf: t0.Add(72 * time.Hour)},
		{AsOf: t0.Add(72 * time.Hour), Role: procedure.Board}, {AsOf: t0.Add(72 * time.Hour), Role: procedure.Lab},
		{AsOf: t0.Add(72 * time.Hour), Limit: 2},
	}
	for _, q := range queries {
		got, err := s.Worklist(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		want := procedure.Worklist(pointers(summaries), q)
		if diff := cmp.Diff(want, got, cmpopts.EquateEmpty(), cmpopts.EquateApproxTime(0)); diff != "" {
			t.Errorf("worklist as of %s role %q limit %d (-want +got):\n%s", q.AsOf, q.Role, q.Limit, diff)
		}
	}
	if got, _ := s.Worklist(ctx, procedure.WorklistQuery{AsOf: t0.Add(72 * time.Hour)}); len(got) != 4 || !got[0].Overdue {
		t.Errorf("worklist after three days: %+v; want 4 overdue items", got)
	}

	lists := []struct {
		q    procedure.CaseQuery
		want []string
	}{
		{procedure.CaseQuery{}, []string{"c1", "c2", "c3", "c4"}},
		{procedure.CaseQuery{Stage: procedure.BoardReview}, []string{"c3"}},
		{procedure.CaseQuery{After: "c1", Limit: 2}, []string{"c2", "c3"}},
	}
	for _, l := range lists {
		got, err := s.Cases(ctx, l.q)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, sm := range got {
			ids = append(ids, sm.CaseID)
		}
		if diff := cmp.Diff(l.want, ids); diff != "" {
			t.Errorf("cases %+v (-want +got):\n%s", l.q, diff)
		}
	}
	got, _ := s.Cases(ctx, procedure.CaseQuery{Stage: procedure.FollowUp, Limit: 1})
	if diff := cmp.Diff([]procedure.Summary{later.Summary}, got, cmpopts.EquateApproxTime(0)); diff != "" {
		t.Errorf("summary of c1 (-want +got):\n%s", diff)
	}
}

func testAppendOnly(t *testing.T, h Harness) {
	if h.Tamper == nil {
		t.Skip("this store has no database to reach behind its back: append-only holds by its API")
	}
	s := h.Open(t)
	mustAppend(t, s, Request("c1", 0, 3, ""))
	before := mustEvents(t, s, "c1")
	errs := h.Tamper(t, s, "c1")
	if len(errs) == 0 {
		t.Fatal("Tamper tried nothing")
	}
	for i, err := range errs {
		if err == nil {
			t.Errorf("tampering attempt %d was allowed", i)
		}
	}
	if diff := cmp.Diff(before, mustEvents(t, s, "c1")); diff != "" {
		t.Errorf("events changed (-before +after):\n%s", diff)
	}
}

func testWholeCase(t *testing.T, h Harness) {
	ctx := context.Background()
	s := h.Open(t)
	cases := procedure.NewCases(s, procedure.WithClock(Now))
	res, err := Drive(ctx, cases, "case-1", WholeCase("case-1", false))
	if err != nil {
		t.Fatal(err)
	}
	if res.Case.Stage != procedure.Closed || res.Case.Closure.Outcome != procedure.Completed {
		t.Fatalf("case ends in %s %+v, want closed as completed", res.Case.Stage, res.Case.Closure)
	}
	// The same command with its key again returns the first result and
	// appends nothing; the key with another command (another at) is refused.
	agree, _ := procedure.DecodeCommand([]byte(`{"type": "agree", "at": "2026-11-21T10:00:00Z", "key": "agree-case-1"}`))
	again, err := cases.Give(ctx, "case-1", procedure.Actor{ID: "d", Role: procedure.Doctor}, agree)
	if err != nil || !again.Replayed || again.Events[0].Type != procedure.ConsentGiven {
		t.Fatalf("agree again with its key: %+v, %v; want the first result replayed", again, err)
	}
	later, _ := procedure.DecodeCommand([]byte(`{"type": "agree", "at": "2027-06-03T10:00:00Z", "key": "agree-case-1"}`))
	if _, err := cases.Give(ctx, "case-1", procedure.Actor{ID: "d", Role: procedure.Doctor}, later); !errors.Is(err, procedure.ErrKeyReused) {
		t.Fatalf("the key with another command: %v, want ErrKeyReused", err)
	}
	events := mustEvents(t, s, "case-1")
	folded, err := procedure.Fold(events)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(res.Case, folded, cmp.AllowUnexported(procedure.Case{})); diff != "" {
		t.Errorf("the stored history folds to another case (-given +folded):\n%s", diff)
	}
	list, err := s.Cases(ctx, procedure.CaseQuery{})
	if err != nil || len(list) != 1 {
		t.Fatalf("cases: %v, %v", list, err)
	}
	if diff := cmp.Diff(procedure.Summarize(folded, procedure.DefaultParams()), list[0], cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("stored summary (-want +got):\n%s", diff)
	}
	plans, err := cases.Aftercare(ctx, "case-1")
	if err != nil || len(plans) != 2 || plans[1].AdministeredAt == nil || !plans[1].AdministeredAt.Equal(folded.Administrations[1].At) {
		t.Errorf("aftercare plans: %d, %v; want one per administration", len(plans), err)
	}
	if len(plans) == 2 && (len(plans[1].Findings) == 0 || len(plans[1].Findings[0].Evidence) == 0) {
		t.Errorf("aftercare plan read back without its findings and their evidence: %+v", plans[1].Findings)
	}
}

func testRetries(t *testing.T, h Harness) {
	ctx := context.Background()
	s := h.Open(t)
	cases := procedure.NewCases(s, procedure.WithClock(Now), procedure.WithRetries(20))
	if _, err := Drive(ctx, cases, "case-1", WholeCase("case-1", true)); err != nil {
		t.Fatal(err)
	}
	const writers = 8
	give := func(js string) []error {
		errs := make([]error, writers)
		var wg sync.WaitGroup
		for w := range writers {
			wg.Go(func() {
				cmd, err := procedure.DecodeCommand([]byte(js))
				if err != nil {
					errs[w] = err
					return
				}
				_, errs[w] = cases.Give(ctx, "case-1", procedure.Actor{ID: "d", Role: procedure.Doctor}, cmd)
			})
		}
		wg.Wait()
		return errs
	}
	// Every writer's adverse event is recorded: conflicts are retried.
	for i, err := range give(`{"type": "record-adverse-event", "at": "2026-12-05T10:00:00Z", "description": "bruise", "severity": "mild"}`) {
		if err != nil {
			t.Errorf("writer %d: %v", i, err)
		}
	}
	c, err := cases.Case(ctx, "case-1")
	if err != nil || len(c.AdverseEvents) != 1+writers {
		t.Fatalf("adverse events: %d, %v; want %d", len(c.AdverseEvents), err, 1+writers)
	}
	// The retry checks the guard again: once assessed and completed, the
	// case is closed, and the others are refused, not appended.
	if _, err := Drive(ctx, cases, "case-1", Contacts()); err != nil {
		t.Fatal(err)
	}
	give(`{"type": "assess-effectiveness", "at": "2027-06-02T10:00:00Z", "result": "improved"}`)
	won := 0
	for _, err := range give(`{"type": "complete", "at": "2027-06-02T10:05:00Z"}`) {
		var re *procedure.RefusedError
		switch {
		case err == nil:
			won++
		case errors.As(err, &re) && re.Rule == "command-stage":
		default:
			t.Errorf("complete: %v, want success or refused by command-stage", err)
		}
	}
	if won != 1 {
		t.Errorf("%d writers completed the case, want 1", won)
	}
}

func pointers(s []procedure.Summary) func(yield func(*procedure.Summary) bool) {
	return func(yield func(*procedure.Summary) bool) {
		for i := range s {
			if !yield(&s[i]) {
				return
			}
		}
	}
}

// testPatientText checks that a patient's text, which the clinic system
// chooses, comes back from lists and the worklist as it went in.
func testPatientText(t *testing.T, h Harness) {
	ctx := context.Background()
	s := h.Open(t)
	req := Request("c1", 0, 1, "")
	req.Summary.Patient = "Ann\x1fLee | \"Müller\", 1970\n"
	mustAppend(t, s, req)
	items, err := s.Worklist(ctx, procedure.WorklistQuery{AsOf: req.Summary.Due[0].By})
	if err != nil || len(items) != 1 || items[0].Patient != req.Summary.Patient {
		t.Errorf("worklist %+v, %v; want the patient %q", items, err, req.Summary.Patient)
	}
	list, err := s.Cases(ctx, procedure.CaseQuery{})
	if err != nil || len(list) != 1 || list[0].Patient != req.Summary.Patient {
		t.Errorf("cases %+v, %v", list, err)
	}
}

// testKeyNamesOneCommand: a key used with one command digest is refused
// for another, on the same case and on another, and appends nothing; the
// same digest replays; a key stored without a digest (before digests
// were) replays on its case.
func testKeyNamesOneCommand(t *testing.T, h Harness) {
	s := h.Open(t)
	ctx := context.Background()
	withDigest := func(r procedure.AppendRequest, d string) procedure.AppendRequest { r.Digest = d; return r }
	mustAppend(t, s, withDigest(Request("c1", 0, 1, "k-open"), "sha256:aa"))
	mustAppend(t, s, withDigest(Request("c1", 1, 1, "k-1"), "sha256:bb"))
	mustAppend(t, s, Request("c1", 2, 1, "k-old"))
	mustAppend(t, s, withDigest(Request("c2", 0, 1, ""), "sha256:cc"))
	for _, tc := range []struct {
		name string
		req  procedure.AppendRequest
	}{
		{"another command on the same case", withDigest(Request("c1", 3, 1, "k-1"), "sha256:dd")},
		{"another command on another case", withDigest(Request("c2", 1, 1, "k-1"), "sha256:dd")},
		{"the same digest on another case", withDigest(Request("c2", 1, 1, "k-1"), "sha256:bb")},
		{"an old key on another case", withDigest(Request("c2", 1, 1, "k-old"), "sha256:dd")},
	} {
		_, err := s.Append(ctx, tc.req)
		var re *procedure.KeyReusedError
		if !errors.As(err, &re) || !errors.Is(err, procedure.ErrKeyReused) || re.CaseID == "" {
			t.Errorf("%s: %v, want a KeyReusedError", tc.name, err)
		}
	}
	if n, m := len(mustEvents(t, s, "c1")), len(mustEvents(t, s, "c2")); n != 3 || m != 1 {
		t.Errorf("a reused key appended: c1 has %d events, c2 %d; want 3 and 1", n, m)
	}
	if res := mustAppend(t, s, withDigest(Request("c1", 3, 1, "k-1"), "sha256:bb")); !res.Replayed || res.Events[0].Version != 2 {
		t.Errorf("the same command again: %+v, want version 2 replayed", res)
	}
	if res := mustAppend(t, s, withDigest(Request("c1", 3, 1, "k-old"), "sha256:ee")); !res.Replayed || res.Events[0].Version != 3 {
		t.Errorf("an old key on its case: %+v, want version 3 replayed", res)
	}
	for key, want := range map[string][2]string{"k-1": {"c1", "sha256:bb"}, "k-old": {"c1", ""}} {
		caseID, digest, found, err := s.KeyDigest(ctx, key)
		if err != nil || !found || caseID != want[0] || digest != want[1] {
			t.Errorf("KeyDigest(%s) = %q %q %v %v, want %q %q", key, caseID, digest, found, err, want[0], want[1])
		}
	}
	if _, _, found, err := s.KeyDigest(ctx, "never"); found || err != nil {
		t.Errorf("KeyDigest of an unused key: %v %v", found, err)
	}
}

// testPutSummary: a store replaces a case's summary and its worklist
// entries when the case is still at the summary's version, and not
// otherwise.
func testPutSummary(t *testing.T, h Harness) {
	ctx := context.Background()
	s := h.Open(t)
	w, ok := s.(procedure.SummaryWriter)
	if !ok {
		t.Fatalf("%T is not a procedure.SummaryWriter", s)
	}
	req := Request("c1", 0, 2, "")
	mustAppend(t, s, req)
	sm := req.Summary
	sm.Due = []procedure.Due{{What: procedure.DueSevereAdverse, Who: procedure.Board, From: t0, By: t0, Ref: "event 2"}}
	if done, err := w.PutSummary(ctx, sm); !done || err != nil {
		t.Fatalf("PutSummary at the case's version: %v, %v", done, err)
	}
	items, err := s.Worklist(ctx, procedure.WorklistQuery{AsOf: t0.Add(time.Hour), Role: procedure.Board})
	if err != nil || len(items) != 1 || items[0].What != procedure.DueSevereAdverse {
		t.Errorf("the worklist after PutSummary: %+v, %v", items, err)
	}
	stale := sm
	stale.Version, stale.Due = 1, nil
	if done, err := w.PutSummary(ctx, stale); done || err != nil {
		t.Errorf("PutSummary at a stale version: %v, %v; want nothing done", done, err)
	}
	if done, err := w.PutSummary(ctx, procedure.Summary{CaseID: "nobody", Version: 1}); done || err != nil {
		t.Errorf("PutSummary of no case: %v, %v", done, err)
	}
	list, _ := s.Cases(ctx, procedure.CaseQuery{})
	if len(list) != 1 || len(list[0].Due) != 1 {
		t.Errorf("cases after the stale PutSummary: %+v", list)
	}
}
