package procedure_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/reocell/celltherapy/procedure"
	"github.com/reocell/celltherapy/procedure/storetest"
)

// The positions in storetest.WholeCase after which a case is in a stage.
const (
	inBooking      = 1  // opened
	inConsultation = 2  // appointment booked
	inDiagnostics  = 7  // five items recorded
	inBoard        = 8  // measure resulted
	boardScreened  = 9  // eligible screening
	inConsent      = 11 // plan proposed
	inPreparation  = 12 // agreed
	allocated      = 13 // lot allocated
	inAdmin        = 14 // released
	undecided      = 15 // re-screened with facts missing: undetermined
	rescreened     = 16 // re-screened eligible the next day
	administered   = 17 // first administration
	flagged        = 19 // a fever reported on day four: contact-clinic
	inFollowUp     = 22 // second administration
)

// caseAt returns the case API with a case driven through the first n steps
// of storetest.WholeCase.
func caseAt(t *testing.T, n int) *procedure.Cases {
	t.Helper()
	cases := procedure.NewCases(procedure.NewMemoryStore(), procedure.WithClock(storetest.Now))
	if _, err := storetest.Drive(context.Background(), cases, "c", storetest.WholeCase("c", true)[:n]); err != nil {
		t.Fatal(err)
	}
	return cases
}

// give decodes and gives one command; a decoding error is returned as is.
func give(cases *procedure.Cases, role procedure.Role, js string) (*procedure.Result, error) {
	cmd, err := procedure.DecodeCommand([]byte(js))
	if err != nil {
		return nil, err
	}
	return cases.Give(context.Background(), "c", procedure.Actor{ID: "someone", Role: role}, cmd)
}

func TestRefusals(t *testing.T) {
	D, B, L, N, A := procedure.Doctor, procedure.Board, procedure.Lab, procedure.Nurse, procedure.Administrator
	plan := func(therapy, route string, quorum string) string {
		return `{"type": "propose-plan", "at": "2026-11-20T09:30:00Z", "therapy": "` + therapy + `", "route": "` + route +
			`", "site": "left knee", "cells": 5e7, "procedures": 1, "quorum": [` + quorum + `]}`
	}
	three := `"a", "b", "c"`
	tests := []struct {
		name  string
		at    int
		role  procedure.Role
		cmd   string
		rule  string // a RefusedError's rule, or
		field string // an InvalidError's field, or
		is    error  // another error
	}{
		{"booking is the administrator's", inBooking, D, `{"type": "book-appointment", "at": "2026-11-02T09:05:00Z", "reason": "r", "specialist": "s", "slot": "2026-11-05T10:00:00Z"}`, "", "", procedure.ErrForbidden},
		{"a slot before the booking", inBooking, A, `{"type": "book-appointment", "at": "2026-11-02T09:05:00Z", "reason": "r", "specialist": "s", "slot": "2026-11-01T10:00:00Z"}`, "slot-in-future", "", nil},
		{"a booking without a reason", inBooking, A, `{"type": "book-appointment", "at": "2026-11-02T09:05:00Z", "specialist": "s", "slot": "2026-11-05T10:00:00Z"}`, "", "$.reason", nil},
		{"cancel after the consultation began", inConsultation + 1, A, `{"type": "cancel-case", "at": "2026-11-06T09:00:00Z", "reason": "r"}`, "cancel-before-consultation", "", nil},
		{"an unknown consultation item", inConsultation, D, `{"type": "record-consultation", "at": "2026-11-05T10:10:00Z", "item": "gossip", "text": "t"}`, "", "$.item", nil},
		{"a measure listed twice", inConsultation, D, `{"type": "record-consultation", "at": "2026-11-05T10:10:00Z", "item": "diagnostic-plan", "text": "t",
			"measures": [{"id": "m", "kind": "laboratory", "name": "n"}, {"id": "m", "kind": "laboratory", "name": "n"}]}`, "", "$.measures[1].id", nil},
		{"a measure of an unknown kind", inConsultation, D, `{"type": "record-consultation", "at": "2026-11-05T10:10:00Z", "item": "diagnostic-plan", "text": "t",
			"measures": [{"id": "m", "kind": "astrology", "name": "n"}]}`, "", "$.measures[0].kind", nil},
		{"the nurse records no consultation", inConsultation, N, `{"type": "record-consultation", "at": "2026-11-05T10:10:00Z", "item": "history", "text": "t"}`, "", "", procedure.ErrForbidden},
		{"a result for an unplanned measure", inDiagnostics, D, `{"type": "record-measure-result", "at": "2026-11-12T08:00:00Z", "measure": "ct", "result": "r"}`, "measure-planned", "", nil},
		{"a plan without a screening", inBoard, B, plan("allogeneic", "intra-articular", three), "board-screening-eligible", "", nil},
		{"a plan without a therapy decision", boardScreened, B, plan("allogeneic", "intra-articular", three), "board-therapy-suitable", "", nil},
		{"a plan of unsuitable own cells", inConsent - 1, B, plan("autologous", "intra-articular", three), "board-therapy-suitable", "", nil},
		{"a plan without a quorum", inConsent - 1, B, plan("allogeneic", "intra-articular", `"a", "b"`), "board-quorum", "", nil},
		{"a plan by a route the decision does not give", inConsent - 1, B, plan("allogeneic", "intrathecal", three), "board-route-from-therapy", "", nil},
		{"a plan by a route that does not exist", inConsent - 1, B, plan("allogeneic", "by-mail", three), "", "$.route", nil},
		{"the doctor does not propose the plan", inConsent - 1, D, plan("allogeneic", "intra-articular", three), "", "", procedure.ErrForbidden},
		{"a decline with no contraindication", inConsent - 1, B, `{"type": "decline", "at": "2026-11-20T09:30:00Z", "quorum": [` + three + `]}`, "decline-on-contraindication", "", nil},
		{"agreement before the plan", inConsent - 1, D, `{"type": "agree", "at": "2026-11-20T09:30:00Z"}`, "command-stage", "", nil},
		{"collecting for donor cells", inPreparation, D, `{"type": "collect-biomaterial", "at": "2026-11-22T10:00:00Z", "source": "adipose"}`, "collect-autologous-only", "", nil},
		{"releasing another lot", allocated, L, `{"type": "release-product", "at": "2026-11-23T10:00:00Z", "lot": "X-1", "cells": 1e8, "checksPassed": true}`, "release-needs-lot", "", nil},
		{"releasing with failed checks", allocated, L, `{"type": "release-product", "at": "2026-11-23T10:00:00Z", "lot": "D-118", "cells": 1e8, "checksPassed": false}`, "", "$.checksPassed", nil},
		{"administering without a re-screening", inAdmin, D, administer("2026-11-24T09:30:00Z", "D-118"), "administration-same-day-screening", "", nil},
		{"administering on an undetermined re-screening", undecided, D, administer("2026-11-24T09:30:00Z", "D-118"), "administration-same-day-screening", "", nil},
		{"administering on yesterday's screening", rescreened, D, administer("2026-11-26T09:30:00Z", "D-118"), "administration-same-day-screening", "", nil},
		{"administering another lot", rescreened, D, administer("2026-11-25T09:30:00Z", "X-1"), "administration-lot-released", "", nil},
		{"the lab does not administer", rescreened, L, administer("2026-11-25T09:30:00Z", "D-118"), "", "", procedure.ErrForbidden},
		{"an unscheduled contact", administered, D, `{"type": "record-contact", "at": "2026-11-26T11:00:00Z", "contact": "a1-day-9-call"}`, "contact-scheduled", "", nil},
		{"reviewing a report that is not flagged", administered, D, `{"type": "review-side-effect", "at": "2026-11-26T11:00:00Z", "report": 3, "note": "n"}`, "review-flagged-report", "", nil},
		{"a symptom off the list", administered, N, `{"type": "report-side-effect", "at": "2026-11-26T11:00:00Z", "symptom": {"name": "hiccups", "ongoing": true}}`, "", "$.symptom.name", nil},
		{"completing before the assessment", inFollowUp, D, `{"type": "complete", "at": "2026-12-04T10:00:00Z"}`, "complete-needs-effectiveness", "", nil},
		{"dated before the latest event", inFollowUp, D, `{"type": "record-adverse-event", "at": "2026-11-01T10:00:00Z", "description": "d", "severity": "mild"}`, "event-time-order", "", nil},
		{"dated in the future", inFollowUp, D, `{"type": "record-adverse-event", "at": "2030-01-01T10:00:00Z", "description": "d", "severity": "mild"}`, "event-time-future", "", nil},
		{"the auditor only reads", inFollowUp, procedure.Auditor, `{"type": "record-adverse-event", "at": "2026-12-04T10:00:00Z", "description": "d", "severity": "mild"}`, "", "", procedure.ErrForbidden},
		{"the nurse does not screen for the board", inBoard, N, `{"type": "screen", "at": "2026-11-20T09:10:00Z", "facts": {}}`, "", "", procedure.ErrForbidden},
		{"an unknown role", inFollowUp, "janitor", `{"type": "record-adverse-event", "at": "2026-12-04T10:00:00Z", "description": "d", "severity": "mild"}`, "", "actor.role", nil},
		{"facts that are not facts", inBoard, B, `{"type": "screen", "at": "2026-11-20T09:10:00Z", "facts": {"oncology": {"lastTreatmentEnd": "2023-02-30"}}}`, "", "$.facts.oncology.lastTreatmentEnd", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cases := caseAt(t, tc.at)
			before, err := cases.History(context.Background(), "c")
			if err != nil {
				t.Fatal(err)
			}
			_, err = give(cases, tc.role, tc.cmd)
			checkRefusal(t, err, tc.rule, tc.field, tc.is)
			after, _ := cases.History(context.Background(), "c")
			if len(after) != len(before) {
				t.Errorf("a refused command appended %d events", len(after)-len(before))
			}
		})
	}
}

func administer(at, lot string) string {
	return `{"type": "administer", "at": "` + at + `", "route": "intra-articular", "site": "left knee", "cells": 5e7, "lot": "` + lot + `"}`
}

func checkRefusal(t *testing.T, err error, rule, field string, is error) {
	t.Helper()
	var (
		re *procedure.RefusedError
		ie *procedure.InvalidError
	)
	switch {
	case rule != "":
		if !errors.As(err, &re) || re.Rule != rule || !errors.Is(err, procedure.ErrRefused) {
			t.Fatalf("got %v, want refused by rule %s", err, rule)
		}
		if re.Stage == "" || re.Command == "" || re.Reason == "" {
			t.Errorf("the refusal does not say where and why: %+v", re)
		}
	case field != "":
		if !errors.As(err, &ie) || !errors.Is(err, procedure.ErrInvalid) {
			t.Fatalf("got %v, want invalid field %s", err, field)
		}
		for _, p := range ie.Problems {
			if p.Path == field {
				return
			}
		}
		t.Errorf("problems %+v do not name %s", ie.Problems, field)
	default:
		if !errors.Is(err, is) {
			t.Fatalf("got %v, want %v", err, is)
		}
	}
}

func TestScreeningThatIsNotEligibleStopsTheBoard(t *testing.T) {
	for name, facts := range map[string]string{
		"undetermined": `{"pregnant": false}`,
		"ineligible":   `{"hiv": true}`,
	} {
		t.Run(name, func(t *testing.T) {
			cases := caseAt(t, inBoard)
			if _, err := give(cases, procedure.Board, `{"type": "screen", "at": "2026-11-20T09:10:00Z", "facts": `+facts+`}`); err != nil {
				t.Fatal(err)
			}
			if _, err := give(cases, procedure.Board, `{"type": "select-therapy", "at": "2026-11-20T09:20:00Z", "facts": {"ownCells": {"sufficient": false},
				"startBy": "2027-01-15", "condition": {"category": "orthopedic", "site": "left knee"}, "patient": {"weightKg": 78}}}`); err != nil {
				t.Fatal(err)
			}
			_, err := give(cases, procedure.Board, `{"type": "propose-plan", "at": "2026-11-20T09:30:00Z", "therapy": "allogeneic", "route": "intra-articular",
				"site": "left knee", "cells": 5e7, "procedures": 1, "quorum": ["a", "b", "c"]}`)
			checkRefusal(t, err, "board-screening-eligible", "", nil)
			if !strings.Contains(err.Error(), name) {
				t.Errorf("the refusal %q does not say the screening is %s", err, name)
			}
		})
	}
}

func TestCaseErrors(t *testing.T) {
	cases := caseAt(t, inBooking)
	ctx := context.Background()
	if _, err := cases.Case(ctx, "nope"); !errors.Is(err, procedure.ErrNotFound) {
		t.Errorf("reading an unknown case: %v", err)
	}
	cmd, _ := procedure.DecodeCommand([]byte(`{"type": "withdraw", "at": "2026-11-03T09:00:00Z"}`))
	if _, err := cases.Give(ctx, "nope", procedure.Actor{ID: "a", Role: procedure.Doctor}, cmd); !errors.Is(err, procedure.ErrNotFound) {
		t.Errorf("a command to an unknown case: %v", err)
	}
	open, _ := procedure.DecodeCommand([]byte(`{"type": "open-case", "at": "2026-11-03T09:00:00Z", "caseId": "c", "patient": "p"}`))
	if _, err := cases.Open(ctx, procedure.Actor{ID: "a", Role: procedure.Administrator}, open.(*procedure.OpenCase)); !errors.Is(err, procedure.ErrConflict) {
		t.Errorf("opening a case twice: %v", err)
	}
}
