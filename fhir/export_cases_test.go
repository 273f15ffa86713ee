package fhir_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/reocell/celltherapy/procedure"
)

// The cases the export tests use, each a script of commands given through
// procedure.Cases on a memory store, as a clinic's system gives them.

const (
	eligibleFacts = `{"oncology": {"active": false, "everTreated": false}, "pregnant": false, "breastfeeding": false,
		"hiv": false, "immunodeficiency": false, "mentalStateUnstable": false, "acuteInflammation": false,
		"chronicExacerbation": false, "clottingDisorder": false}`
	ownCellsFacts = `{"ownCells": {"sufficient": true, "goodQuality": true}, "startBy": "2027-06-01", "preference": "autologous",
		"harvest": {"boneMarrowPossible": true, "adiposePossible": true},
		"condition": {"category": "orthopedic", "site": "left knee"}, "patient": {"weightKg": 78}}`
	donorFacts = `{"ownCells": {"sufficient": true, "goodQuality": false}, "startBy": "2027-01-15",
		"harvest": {"boneMarrowPossible": true, "adiposePossible": true},
		"condition": {"category": "orthopedic", "site": "left knee"}, "patient": {"weightKg": 78}}`
)

type step struct {
	role procedure.Role
	cmd  string
}

var (
	booked = []step{
		{procedure.Administrator, `{"type": "open-case", "at": "2026-11-02T09:00:00Z", "caseId": "CASE", "patient": "patient-17"}`},
		{procedure.Administrator, `{"type": "book-appointment", "at": "2026-11-02T09:05:00Z", "reason": "left knee pain",
			"specialist": "orthopedist-2", "slot": "2026-11-05T10:00:00Z"}`},
	}
	cancelled = append(clone(booked),
		step{procedure.Administrator, `{"type": "cancel-case", "at": "2026-11-03T09:00:00Z", "reason": "the patient asked to cancel"}`},
	)
	consulted = append(clone(booked),
		step{procedure.Doctor, `{"type": "record-consultation", "at": "2026-11-05T10:30:00Z", "item": "history", "text": "recorded"}`},
		step{procedure.Doctor, `{"type": "record-consultation", "at": "2026-11-05T10:31:00Z", "item": "records-review", "text": "recorded"}`},
		step{procedure.Doctor, `{"type": "record-consultation", "at": "2026-11-05T10:32:00Z", "item": "examination", "text": "recorded"}`},
		step{procedure.Doctor, `{"type": "record-consultation", "at": "2026-11-05T10:33:00Z", "item": "preliminary-diagnosis", "text": "recorded"}`},
		step{procedure.Doctor, `{"type": "record-consultation", "at": "2026-11-05T10:40:00Z", "item": "diagnostic-plan", "text": "imaging",
			"measures": [{"id": "mri", "kind": "instrumental", "name": "MRI of the left knee"}]}`},
		step{procedure.Doctor, `{"type": "record-measure-result", "at": "2026-11-12T08:00:00Z", "measure": "mri", "result": "cartilage wear, grade 2"}`},
	)
	noMeasures = append(clone(booked),
		step{procedure.Doctor, `{"type": "record-consultation", "at": "2026-11-05T10:30:00Z", "item": "history", "text": "recorded"}`},
		step{procedure.Doctor, `{"type": "record-consultation", "at": "2026-11-05T10:31:00Z", "item": "records-review", "text": "recorded"}`},
		step{procedure.Doctor, `{"type": "record-consultation", "at": "2026-11-05T10:32:00Z", "item": "examination", "text": "recorded"}`},
		step{procedure.Doctor, `{"type": "record-consultation", "at": "2026-11-05T10:33:00Z", "item": "preliminary-diagnosis", "text": "recorded"}`},
		step{procedure.Doctor, `{"type": "record-consultation", "at": "2026-11-05T10:40:00Z", "item": "diagnostic-plan", "text": "none needed"}`},
	)
	declined = append(clone(consulted),
		step{procedure.Board, `{"type": "screen", "at": "2026-11-20T09:10:00Z",
			"facts": {"oncology": {"active": false, "everTreated": true, "lastTreatmentEnd": "2023-06-30"}}}`},
		step{procedure.Board, `{"type": "decline", "at": "2026-11-20T09:30:00Z", "quorum": ["dr-a", "dr-b", "dr-c"]}`},
	)
	proposed = append(clone(consulted),
		step{procedure.Board, `{"type": "screen", "at": "2026-11-20T09:10:00Z", "facts": ` + eligibleFacts + `}`},
		step{procedure.Board, `{"type": "select-therapy", "at": "2026-11-20T09:20:00Z", "facts": ` + ownCellsFacts + `}`},
		step{procedure.Board, `{"type": "propose-plan", "at": "2026-11-20T09:30:00Z", "therapy": "autologous", "route": "intra-articular",
			"site": "left knee", "cells": 50000000, "procedures": 2, "intervalDays": 30, "quorum": ["dr-a", "dr-b", "dr-c"]}`},
	)
	refused = append(clone(proposed),
		step{procedure.Doctor, `{"type": "refuse", "at": "2026-11-21T10:00:00Z", "reason": "wants to think it over"}`},
	)
	preparing = append(clone(proposed),
		step{procedure.Doctor, `{"type": "agree", "at": "2026-11-21T10:00:00Z"}`},
		step{procedure.Doctor, `{"type": "collect-biomaterial", "at": "2026-11-23T10:00:00Z", "source": "bone-marrow"}`},
		step{procedure.Lab, `{"type": "start-culture", "at": "2026-11-23T12:00:00Z"}`},
	)
	cultureFailed = append(clone(preparing),
		step{procedure.Lab, `{"type": "fail-culture", "at": "2026-12-10T12:00:00Z", "reason": "no growth after passage 2"}`},
	)
	revising = append(clone(proposed),
		step{procedure.Doctor, `{"type": "refuse", "at": "2026-11-21T10:00:00Z", "reason": "wants one procedure", "revise": true}`},
	)
	withdrawn = append(clone(preparing),
		step{procedure.Doctor, `{"type": "withdraw", "at": "2026-11-30T12:00:00Z", "reason": "moved abroad"}`},
	)
	administering = append(clone(preparing),
		step{procedure.Lab, `{"type": "release-product", "at": "2026-12-20T10:00:00Z", "lot": "A-2026-031", "cells": 100000000, "checksPassed": true}`},
		step{procedure.Nurse, `{"type": "screen", "at": "2026-12-21T08:30:00Z", "facts": ` + eligibleFacts + `}`},
		step{procedure.Doctor, `{"type": "administer", "at": "2026-12-21T09:30:00Z", "route": "intra-articular", "site": "left knee",
			"cells": 50000000, "lot": "A-2026-031"}`},
	)
	completed = append(append(clone(administering),
		step{procedure.Nurse, `{"type": "screen", "at": "2027-01-20T08:30:00Z", "facts": ` + eligibleFacts + `}`},
		step{procedure.Doctor, `{"type": "administer", "at": "2027-01-20T09:30:00Z", "route": "intra-articular", "site": "left knee",
			"cells": 50000000, "lot": "A-2026-031"}`}),
		append(contactsRecorded("2027-07-20T09:00:00Z", "a1-day-1-call", "a1-day-3-call", "a1-week-1-visit", "a1-month-1-visit", "a1-month-3-visit", "a1-month-6-visit",
			"a2-day-1-call", "a2-day-3-call", "a2-week-1-visit", "a2-month-1-visit", "a2-month-3-visit"),
			step{procedure.Doctor, `{"type": "assess-effectiveness", "at": "2027-07-20T10:00:00Z", "result": "improved", "note": "walks without pain"}`},
			step{procedure.Doctor, `{"type": "complete", "at": "2027-07-20T10:05:00Z"}`})...,
	)
	donor = append(clone(consulted),
		step{procedure.Board, `{"type": "screen", "at": "2026-11-20T09:10:00Z", "facts": ` + eligibleFacts + `}`},
		step{procedure.Board, `{"type": "select-therapy", "at": "2026-11-20T09:20:00Z", "facts": ` + donorFacts + `}`},
		step{procedure.Board, `{"type": "propose-plan", "at": "2026-11-20T09:30:00Z", "therapy": "allogeneic", "route": "local", "site": "left knee",
			"cells": 100000000, "procedures": 1, "quorum": ["dr-a", "dr-b", "dr-c"]}`},
		step{procedure.Doctor, `{"type": "agree", "at": "2026-11-21T10:00:00Z"}`},
		step{procedure.Lab, `{"type": "allocate-lot", "at": "2026-11-22T10:00:00Z", "lot": "D-2026-118"}`},
		step{procedure.Lab, `{"type": "release-product", "at": "2026-11-23T10:00:00Z", "lot": "D-2026-118", "cells": 100000000, "checksPassed": true}`},
	)
)

func clone(s []step) []step { return append([]step(nil), s...) }

// contactsRecorded records each monitoring contact at the instant at, as
// a case needs before it completes.
func contactsRecorded(at string, ids ...string) []step {
	var out []step
	for _, id := range ids {
		out = append(out, step{procedure.Doctor, `{"type": "record-contact", "at": "` + at + `", "contact": "` + id + `"}`})
	}
	return out
}

// history gives the steps to a new case and returns its history; a step
// refused or failing fails the test.
func history(t testing.TB, caseID string, steps []step) []procedure.Event {
	t.Helper()
	h, err := giveAll(caseID, steps)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// giveAll gives the steps to a new case on a memory store and returns its
// history.
func giveAll(caseID string, steps []step) ([]procedure.Event, error) {
	ctx := context.Background()
	now := func() time.Time { return time.Date(2027, 12, 31, 0, 0, 0, 0, time.UTC) }
	cases := procedure.NewCases(procedure.NewMemoryStore(), procedure.WithClock(now))
	for i, s := range steps {
		cmd, err := procedure.DecodeCommand([]byte(replaceCase(s.cmd, caseID)))
		if err != nil {
			return nil, fmt.Errorf("step %d: %w", i, err)
		}
		if _, err := cases.Give(ctx, caseID, procedure.Actor{ID: string(s.role) + "-1", Role: s.role}, cmd); err != nil {
			return nil, fmt.Errorf("step %d (%s): %w", i, cmd.Head().Type, err)
		}
	}
	return cases.History(ctx, caseID)
}

func replaceCase(cmd, caseID string) string {
	return strings.Replace(cmd, `"caseId": "CASE"`, `"caseId": "`+caseID+`"`, 1)
}
