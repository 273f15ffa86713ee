package procedure_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/reocell/celltherapy/procedure"
	"github.com/reocell/celltherapy/procedure/storetest"
)

// Effectiveness is assessed in the effect window, from EffectFromMonths
// after the last procedure, and the schedule's assessing visit is not
// earlier than that day.
func TestAssessmentInTheEffectWindow(t *testing.T) {
	cases := caseAt(t, inFollowUp) // the last procedure is on 2026-12-02
	_, err := give(cases, procedure.Doctor, `{"type": "assess-effectiveness", "at": "2026-12-03T10:00:00Z", "result": "improved"}`)
	checkRefusal(t, err, "assess-in-effect-window", "", nil)
	_, err = give(cases, procedure.Doctor, `{"type": "assess-effectiveness", "at": "2027-03-01T23:00:00Z", "result": "improved"}`)
	checkRefusal(t, err, "assess-in-effect-window", "", nil)
	if !strings.Contains(err.Error(), "2027-03-02") {
		t.Errorf("the refusal %q does not say from when", err)
	}
	c, err := cases.Case(context.Background(), "c")
	if err != nil {
		t.Fatal(err)
	}
	p := procedure.DefaultParams()
	assessing := 0
	for _, k := range c.Contacts {
		if !k.AssessesEffectiveness {
			continue
		}
		assessing++
		a := c.Administrations[k.ID[1]-'1']
		from := a.At.UTC().AddDate(0, p.EffectFromMonths, 0).Format(time.DateOnly)
		if k.Day < from {
			t.Errorf("contact %s assesses effectiveness on %s, before the effect window opens on %s", k.ID, k.Day, from)
		}
	}
	if assessing != len(c.Administrations) {
		t.Errorf("%d assessing contacts for %d procedures", assessing, len(c.Administrations))
	}
	if _, err := give(cases, procedure.Doctor, `{"type": "assess-effectiveness", "at": "2027-03-02T10:00:00Z", "result": "improved"}`); err != nil {
		t.Errorf("on the window's first day: %v", err)
	}
}

// A case completes only when every contact before the assessment is
// recorded or recorded missed with a reason.
func TestCompleteNeedsEveryContact(t *testing.T) {
	ctx := context.Background()
	cases := caseAt(t, inFollowUp)
	contacts := storetest.Contacts()
	if _, err := storetest.Drive(ctx, cases, "c", contacts[1:]); err != nil {
		t.Fatal(err)
	}
	if _, err := give(cases, procedure.Doctor, `{"type": "assess-effectiveness", "at": "2027-06-02T10:00:00Z", "result": "improved"}`); err != nil {
		t.Fatal(err)
	}
	_, err := give(cases, procedure.Doctor, `{"type": "complete", "at": "2027-06-02T10:05:00Z"}`)
	checkRefusal(t, err, "complete-needs-contacts", "", nil)
	if !strings.Contains(err.Error(), "a1-day-3-call") {
		t.Errorf("the refusal %q does not name the contact", err)
	}
	_, err = give(cases, procedure.Nurse, `{"type": "record-missed-contact", "at": "2027-06-02T10:06:00Z", "contact": "a1-day-3-call"}`)
	checkRefusal(t, err, "", "$.reason", nil)
	_, err = give(cases, procedure.Nurse, `{"type": "record-missed-contact", "at": "2027-06-02T10:06:00Z", "contact": "a1-week-1-visit", "reason": "r"}`)
	checkRefusal(t, err, "contact-scheduled", "", nil)
	if _, err := give(cases, procedure.Nurse, `{"type": "record-missed-contact", "at": "2027-06-02T10:06:00Z", "contact": "a1-day-3-call", "reason": "no answer"}`); err != nil {
		t.Fatal(err)
	}
	res, err := give(cases, procedure.Doctor, `{"type": "complete", "at": "2027-06-02T10:07:00Z"}`)
	if err != nil || res.Case.Stage != procedure.Closed {
		t.Fatalf("complete with every contact accounted for: %v", err)
	}
}

// worklist returns the items as of asOf for role.
func worklist(t *testing.T, cases *procedure.Cases, asOf string, role procedure.Role) []procedure.WorkItem {
	t.Helper()
	at, err := time.Parse(time.RFC3339, asOf)
	if err != nil {
		t.Fatal(err)
	}
	items, err := cases.Worklist(context.Background(), procedure.WorklistQuery{AsOf: at, Role: role})
	if err != nil {
		t.Fatal(err)
	}
	return items
}

func hasItem(items []procedure.WorkItem, what procedure.DueKind, ref string) bool {
	for _, it := range items {
		if it.What == what && strings.Contains(it.Ref, ref) {
			return true
		}
	}
	return false
}

// A contraindication found by a same-day re-screening is on the board's
// and the doctor's worklists with its rule, and holds the administration
// until the case is referred to the board, whatever a later screening says.
func TestAContraindicationFoundHoldsTheCase(t *testing.T) {
	cases := caseAt(t, inAdmin)
	hiv := strings.Replace(eligibleAsOf(""), `"hiv": false`, `"hiv": true`, 1)
	if _, err := give(cases, procedure.Nurse, `{"type": "screen", "at": "2026-11-25T08:30:00Z", "facts": `+hiv+`}`); err != nil {
		t.Fatal(err)
	}
	for _, role := range []procedure.Role{procedure.Board, procedure.Doctor} {
		if items := worklist(t, cases, "2026-11-25T09:00:00Z", role); !hasItem(items, procedure.DueContraindication, "immunodeficiency") {
			t.Errorf("the %s's worklist lacks the finding: %+v", role, items)
		}
	}
	if _, err := give(cases, procedure.Nurse, `{"type": "screen", "at": "2026-11-25T09:00:00Z", "facts": `+eligibleAsOf("")+`}`); err != nil {
		t.Fatal(err)
	}
	_, err := give(cases, procedure.Doctor, administer("2026-11-25T09:30:00Z", "D-118"))
	checkRefusal(t, err, "administration-finding-referred", "", nil)
	res, err := give(cases, procedure.Doctor, `{"type": "refer-to-board", "at": "2026-11-25T09:40:00Z", "reason": "HIV test positive on re-screening"}`)
	if err != nil || res.Case.Stage != procedure.BoardReview {
		t.Fatalf("referring: %v", err)
	}
	if items := worklist(t, cases, "2026-11-25T10:00:00Z", procedure.Board); hasItem(items, procedure.DueContraindication, "") {
		t.Errorf("the finding stays on the worklist after the referral: %+v", items)
	}
}

// A severe adverse event is on the board's and the doctor's worklists,
// holds completion, and is referred to the board in follow-up.
func TestASevereAdverseEventGoesToTheBoard(t *testing.T) {
	cases := caseAt(t, inFollowUp)
	_, err := give(cases, procedure.Doctor, `{"type": "refer-to-board", "at": "2026-12-04T10:00:00Z", "reason": "r"}`)
	checkRefusal(t, err, "refer-finding-in-follow-up", "", nil)
	if _, err := give(cases, procedure.Doctor, `{"type": "record-adverse-event", "at": "2026-12-04T10:00:00Z", "description": "anaphylaxis", "severity": "severe"}`); err != nil {
		t.Fatal(err)
	}
	for _, role := range []procedure.Role{procedure.Board, procedure.Doctor} {
		if items := worklist(t, cases, "2026-12-04T11:00:00Z", role); !hasItem(items, procedure.DueSevereAdverse, "") {
			t.Errorf("the %s's worklist lacks the severe adverse event: %+v", role, items)
		}
	}
	if _, err := storetest.Drive(context.Background(), cases, "c", storetest.Contacts()); err != nil {
		t.Fatal(err)
	}
	if _, err := give(cases, procedure.Doctor, `{"type": "assess-effectiveness", "at": "2027-06-02T10:00:00Z", "result": "unchanged"}`); err != nil {
		t.Fatal(err)
	}
	_, err = give(cases, procedure.Doctor, `{"type": "complete", "at": "2027-06-02T10:05:00Z"}`)
	checkRefusal(t, err, "complete-needs-findings-referred", "", nil)
	res, err := give(cases, procedure.Doctor, `{"type": "refer-to-board", "at": "2027-06-02T10:06:00Z", "reason": "anaphylaxis after the second procedure"}`)
	if err != nil || res.Case.Stage != procedure.FollowUp {
		t.Fatalf("referring in follow-up: %v", err)
	}
	if _, err := give(cases, procedure.Doctor, `{"type": "complete", "at": "2027-06-02T10:07:00Z"}`); err != nil {
		t.Errorf("complete once referred: %v", err)
	}
}

// Each flag reaches a worklist: a failed culture (the board), a missed
// contact (the doctor, until a later contact), a product about to expire
// (the lab and the doctor), a contact-clinic triage (the doctor).
func TestFlagsReachTheWorklist(t *testing.T) {
	D, B, L := procedure.Doctor, procedure.Board, procedure.Lab
	t.Run("culture failed", func(t *testing.T) {
		cases := caseAt(t, boardScreened)
		run(t, cases, []step{
			{B, fmt.Sprintf(ownCells, "2026-11-20T09:20:00Z"), procedure.BoardReview},
			{B, `{"type": "propose-plan", "at": "2026-11-20T09:30:00Z", "therapy": "autologous", "route": "intra-articular", "site": "left knee", "cells": 5e7, "procedures": 1, "quorum": ["a", "b", "c"]}`, procedure.Consent},
			{D, `{"type": "agree", "at": "2026-11-21T10:00:00Z"}`, procedure.Preparation},
			{D, `{"type": "collect-biomaterial", "at": "2026-11-23T10:00:00Z", "source": "bone-marrow"}`, procedure.Preparation},
			{L, `{"type": "start-culture", "at": "2026-11-23T12:00:00Z"}`, procedure.Preparation},
			{L, `{"type": "fail-culture", "at": "2026-12-10T12:00:00Z", "reason": "no growth"}`, procedure.BoardReview},
		})
		if items := worklist(t, cases, "2026-12-10T13:00:00Z", B); !hasItem(items, procedure.DueCultureFailed, "") {
			t.Errorf("the board's worklist: %+v", items)
		}
	})
	t.Run("missed contact", func(t *testing.T) {
		cases := caseAt(t, administered)
		if _, err := give(cases, D, `{"type": "record-missed-contact", "at": "2026-11-26T18:00:00Z", "contact": "a1-day-1-call", "reason": "no answer"}`); err != nil {
			t.Fatal(err)
		}
		if items := worklist(t, cases, "2026-11-26T19:00:00Z", D); !hasItem(items, procedure.DueMissedContact, "a1-day-1-call") {
			t.Errorf("the doctor's worklist: %+v", items)
		}
		if _, err := give(cases, D, `{"type": "record-contact", "at": "2026-11-28T10:00:00Z", "contact": "a1-day-3-call"}`); err != nil {
			t.Fatal(err)
		}
		if items := worklist(t, cases, "2026-11-28T11:00:00Z", D); hasItem(items, procedure.DueMissedContact, "") {
			t.Errorf("a later contact leaves the missed one on the worklist: %+v", items)
		}
	})
	t.Run("product expiring", func(t *testing.T) {
		cases := caseAt(t, allocated)
		if _, err := give(cases, L, `{"type": "release-product", "at": "2026-11-23T10:00:00Z", "lot": "D-118", "cells": 1e8, "checksPassed": true, "expires": "2026-11-26T10:00:00Z"}`); err != nil {
			t.Fatal(err)
		}
		for _, role := range []procedure.Role{L, D} {
			if items := worklist(t, cases, "2026-11-23T11:00:00Z", role); !hasItem(items, procedure.DueProductExpiring, "D-118") {
				t.Errorf("the %s's worklist: %+v", role, items)
			}
		}
	})
	t.Run("contact-clinic triage", func(t *testing.T) {
		cases := caseAt(t, flagged)
		if items := worklist(t, cases, "2026-11-29T13:00:00Z", D); !hasItem(items, procedure.DueFlag, "") {
			t.Errorf("the doctor's worklist: %+v", items)
		}
	})
}

// Resummarize gives a case stored before a worklist flag existed the
// summary this code computes: here a stored summary without its finding.
func TestResummarizeStoredCases(t *testing.T) {
	ctx := context.Background()
	store := procedure.NewMemoryStore()
	cases := procedure.NewCases(store, procedure.WithClock(storetest.Now))
	if _, err := storetest.Drive(ctx, cases, "c", storetest.WholeCase("c", true)[:inAdmin]); err != nil {
		t.Fatal(err)
	}
	if _, err := give(cases, procedure.Nurse, `{"type": "screen", "at": "2026-11-25T08:30:00Z", "facts": `+strings.Replace(eligibleAsOf(""), `"hiv": false`, `"hiv": true`, 1)+`}`); err != nil {
		t.Fatal(err)
	}
	// Store the summary as the code before findings wrote it.
	old, _ := cases.List(ctx, procedure.CaseQuery{})
	var kept []procedure.Due
	for _, d := range old[0].Due {
		if d.What != procedure.DueContraindication {
			kept = append(kept, d)
		}
	}
	old[0].Due = kept
	if ok, err := store.PutSummary(ctx, old[0]); !ok || err != nil {
		t.Fatal(ok, err)
	}
	if items := worklist(t, cases, "2026-11-25T09:00:00Z", procedure.Board); hasItem(items, procedure.DueContraindication, "") {
		t.Fatal("the old summary already has the finding")
	}
	n, err := cases.Resummarize(ctx)
	if err != nil || n != 1 {
		t.Fatalf("Resummarize: %d, %v; want 1 replaced", n, err)
	}
	if items := worklist(t, cases, "2026-11-25T09:00:00Z", procedure.Board); !hasItem(items, procedure.DueContraindication, "immunodeficiency") {
		t.Errorf("after Resummarize the board's worklist: %+v", items)
	}
	if n, err := cases.Resummarize(ctx); err != nil || n != 0 {
		t.Errorf("a second Resummarize replaced %d (%v), want 0", n, err)
	}
}
