package procedure_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/reocell/celltherapy/procedure"
)

// step is one command of a test and the stage the case must be in after it.
type step struct {
	role  procedure.Role
	cmd   string
	stage procedure.Stage
}

func run(t *testing.T, cases *procedure.Cases, steps []step) *procedure.Case {
	t.Helper()
	var c *procedure.Case
	for i, s := range steps {
		res, err := give(cases, s.role, s.cmd)
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if c = res.Case; c.Stage != s.stage {
			t.Fatalf("step %d: stage %s, want %s", i, c.Stage, s.stage)
		}
	}
	return c
}

const ownCells = `{"type": "select-therapy", "at": "%s", "facts": {"ownCells": {"sufficient": true, "goodQuality": true},
	"startBy": "2027-06-01", "preference": "autologous", "harvest": {"boneMarrowPossible": true, "adiposePossible": true},
	"condition": {"category": "orthopedic", "site": "left knee"}, "patient": {"weightKg": 78}}}`

func TestClosings(t *testing.T) {
	D, A, B := procedure.Doctor, procedure.Administrator, procedure.Board
	tests := []struct {
		name  string
		at    int
		steps []step
		want  procedure.Outcome
	}{
		{"cancelled before the consultation", inBooking, []step{{A, `{"type": "cancel-case", "at": "2026-11-02T10:00:00Z", "reason": "booked twice"}`, procedure.Closed}}, procedure.Cancelled},
		{"withdrawn in diagnostics", inDiagnostics, []step{{A, `{"type": "withdraw", "at": "2026-11-06T10:00:00Z", "reason": "moved away"}`, procedure.Closed}}, procedure.Withdrawn},
		{"refused", inConsent, []step{{D, `{"type": "refuse", "at": "2026-11-21T10:00:00Z", "reason": "cost"}`, procedure.Closed}}, procedure.Refused},
		{"refused, then a revised plan agreed", inConsent, []step{
			{D, `{"type": "refuse", "at": "2026-11-21T10:00:00Z", "reason": "two procedures are too many", "revise": true}`, procedure.BoardReview},
			{B, `{"type": "propose-plan", "at": "2026-11-24T09:30:00Z", "therapy": "allogeneic", "route": "intra-articular", "site": "left knee", "cells": 1e8, "procedures": 1, "quorum": ["a", "b", "c"]}`, procedure.Consent},
			{D, `{"type": "agree", "at": "2026-11-25T10:00:00Z"}`, procedure.Preparation},
		}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := run(t, caseAt(t, tc.at), tc.steps)
			if tc.want == "" {
				return
			}
			if c.Closure == nil || c.Closure.Outcome != tc.want {
				t.Errorf("closure %+v, want %s", c.Closure, tc.want)
			}
		})
	}
}

// TestOwnCellsCollectedAgain follows an autologous plan whose culture fails
// and whose board collects again: the culture's release is due on the
// therapy decision's culture days, then overdue.
func TestOwnCellsCollectedAgain(t *testing.T) {
	D, B, L := procedure.Doctor, procedure.Board, procedure.Lab
	cases := caseAt(t, boardScreened)
	plan := `{"type": "propose-plan", "at": "%s", "therapy": "autologous", "route": "intra-articular", "site": "left knee", "cells": 5e7, "procedures": 1, "quorum": ["a", "b", "c"]}`
	c := run(t, cases, []step{
		{B, sprintf(ownCells, "2026-11-20T09:20:00Z"), procedure.BoardReview},
		{B, sprintf(plan, "2026-11-20T09:30:00Z"), procedure.Consent},
		{D, `{"type": "agree", "at": "2026-11-21T10:00:00Z"}`, procedure.Preparation},
		{D, `{"type": "collect-biomaterial", "at": "2026-11-23T10:00:00Z", "source": "adipose"}`, procedure.Preparation},
		{L, `{"type": "start-culture", "at": "2026-11-23T12:00:00Z"}`, procedure.Preparation},
	})
	release := time.Date(2026, 12, 21, 12, 0, 0, 0, time.UTC) // 28 culture days, from the therapy rules
	if c.Product.ExpectedRelease == nil || !c.Product.ExpectedRelease.Equal(release) {
		t.Fatalf("expected release %v, want %v", c.Product.ExpectedRelease, release)
	}
	items, _ := cases.Worklist(context.Background(), procedure.WorklistQuery{AsOf: release.Add(48 * time.Hour), Role: procedure.Lab})
	if len(items) != 1 || items[0].What != procedure.DueRelease || !items[0].Overdue {
		t.Errorf("two days after the expected release the lab's worklist is %+v, want the culture overdue", items)
	}
	c = run(t, cases, []step{
		{L, `{"type": "fail-culture", "at": "2026-12-10T12:00:00Z", "reason": "contaminated"}`, procedure.BoardReview},
		{B, sprintf(ownCells, "2026-12-14T09:20:00Z"), procedure.BoardReview},
		{B, sprintf(plan, "2026-12-14T09:30:00Z"), procedure.Consent},
		{D, `{"type": "agree", "at": "2026-12-14T10:00:00Z"}`, procedure.Preparation},
		{D, `{"type": "collect-biomaterial", "at": "2026-12-15T10:00:00Z", "source": "bone-marrow"}`, procedure.Preparation},
	})
	if c.Product.Source != "bone-marrow" || c.Product.CultureFailures != 1 {
		t.Errorf("after collecting again: %+v", c.Product)
	}
}

func TestReferredBackToTheBoard(t *testing.T) {
	c := run(t, caseAt(t, administered), []step{
		{procedure.Doctor, `{"type": "refer-to-board", "at": "2026-11-27T10:00:00Z", "reason": "knee effusion: reconsider the route"}`, procedure.BoardReview},
	})
	if len(c.Administrations) != 1 {
		t.Errorf("administrations %d, want 1", len(c.Administrations))
	}
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }
