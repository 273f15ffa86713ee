package storetest

import (
	"context"
	"fmt"
	"time"

	"github.com/reocell/celltherapy/procedure"
)

// Step is one command of a scripted case: who gives it and its JSON.
type Step struct {
	Role    procedure.Role
	Command string
}

// Now is the clock of the scripted cases: after every command they give.
func Now() time.Time { return time.Date(2027, 12, 31, 0, 0, 0, 0, time.UTC) }

const eligible = `{"oncology": {"active": false, "everTreated": false}, "pregnant": false, "breastfeeding": false,
	"hiv": false, "immunodeficiency": false, "mentalStateUnstable": false, "acuteInflammation": false,
	"chronicExacerbation": false, "clottingDisorder": false}`

// WholeCase returns the commands that take a case from opening to
// completion: donor cells, two procedures a week apart, the first delayed a
// day by an acute inflammation found at the same-day re-screening, a
// flagged side effect reviewed, follow-up and assessment. Its last step
// leaves it in follow-up when followUpOnly, for tests that continue it.
func WholeCase(caseID string, followUpOnly bool) []Step {
	A, D, B, L, N := procedure.Administrator, procedure.Doctor, procedure.Board, procedure.Lab, procedure.Nurse
	steps := []Step{
		{A, `{"type": "open-case", "at": "2026-11-02T09:00:00Z", "caseId": "` + caseID + `", "patient": "patient-` + caseID + `"}`},
		{A, `{"type": "book-appointment", "at": "2026-11-02T09:05:00Z", "reason": "left knee pain", "specialist": "orthopedist-2", "slot": "2026-11-05T10:00:00Z"}`},
		{D, `{"type": "record-consultation", "at": "2026-11-05T10:10:00Z", "item": "history", "text": "knee pain for 3 years"}`},
		{D, `{"type": "record-consultation", "at": "2026-11-05T10:20:00Z", "item": "records-review", "text": "x-ray 2025 reviewed"}`},
		{D, `{"type": "record-consultation", "at": "2026-11-05T10:30:00Z", "item": "examination", "text": "effusion, limited flexion"}`},
		{D, `{"type": "record-consultation", "at": "2026-11-05T10:40:00Z", "item": "preliminary-diagnosis", "text": "osteoarthritis, left knee"}`},
		{D, `{"type": "record-consultation", "at": "2026-11-05T10:50:00Z", "item": "diagnostic-plan", "text": "MRI",
			"measures": [{"id": "mri", "kind": "instrumental", "name": "MRI of the left knee"}]}`},
		{D, `{"type": "record-measure-result", "at": "2026-11-12T08:00:00Z", "measure": "mri", "result": "cartilage wear, grade 2"}`},
		{B, `{"type": "screen", "at": "2026-11-20T09:10:00Z", "facts": ` + eligible + `}`},
		{B, `{"type": "select-therapy", "at": "2026-11-20T09:20:00Z", "facts": {"ownCells": {"sufficient": false}, "startBy": "2027-01-15",
			"condition": {"category": "orthopedic", "site": "left knee"}, "patient": {"weightKg": 78}}}`},
		{B, `{"type": "propose-plan", "at": "2026-11-20T09:30:00Z", "therapy": "allogeneic", "route": "intra-articular", "site": "left knee",
			"cells": 50000000, "procedures": 2, "intervalDays": 7, "quorum": ["dr-a", "dr-b", "dr-c"]}`},
		{D, `{"type": "agree", "at": "2026-11-21T10:00:00Z", "key": "agree-` + caseID + `"}`},
		{L, `{"type": "allocate-lot", "at": "2026-11-22T10:00:00Z", "lot": "D-118"}`},
		{L, `{"type": "release-product", "at": "2026-11-23T10:00:00Z", "lot": "D-118", "cells": 100000000, "checksPassed": true}`},
		{N, `{"type": "screen", "at": "2026-11-24T08:30:00Z", "facts": ` + undetermined + `}`},
		{N, `{"type": "screen", "at": "2026-11-25T08:30:00Z", "facts": ` + eligible + `}`},
		{D, `{"type": "administer", "at": "2026-11-25T09:30:00Z", "route": "intra-articular", "site": "left knee", "cells": 50000000, "lot": "D-118"}`},
		{D, `{"type": "record-contact", "at": "2026-11-26T11:00:00Z", "contact": "a1-day-1-call", "note": "feels well"}`},
		{N, `{"type": "report-side-effect", "at": "2026-11-29T12:00:00Z", "symptom": {"name": "fever", "onset": "2026-11-25T20:00:00Z", "ongoing": true}}`},
		{D, `{"type": "review-side-effect", "at": "2026-11-29T13:00:00Z", "report": 26, "note": "seen; CRP normal"}`},
		{N, `{"type": "screen", "at": "2026-12-02T08:30:00Z", "facts": ` + eligible + `}`},
		{D, `{"type": "administer", "at": "2026-12-02T09:30:00Z", "route": "intra-articular", "site": "left knee", "cells": 50000000, "lot": "D-118"}`},
		{D, `{"type": "record-adverse-event", "at": "2026-12-03T10:00:00Z", "description": "swelling of the knee for two days", "severity": "mild"}`},
	}
	if followUpOnly {
		return steps
	}
	steps = append(steps, Contacts()...)
	return append(steps,
		Step{D, `{"type": "assess-effectiveness", "at": "2027-06-02T10:00:00Z", "result": "improved", "note": "walks without pain"}`},
		Step{D, `{"type": "complete", "at": "2027-06-02T10:05:00Z"}`},
	)
}

// Contacts are the monitoring contacts of the whole case after its
// follow-up steps, from 2026-12-06: every one before the assessment of
// 2027-06-02 recorded, one recorded missed with its reason.
func Contacts() []Step {
	D, N := procedure.Doctor, procedure.Nurse
	return []Step{
		{N, `{"type": "record-contact", "at": "2026-12-06T11:00:00Z", "contact": "a1-day-3-call", "note": "recorded late: called on day 3, well"}`},
		{N, `{"type": "record-missed-contact", "at": "2026-12-06T11:05:00Z", "contact": "a2-day-3-call", "reason": "no answer; the week-1 visit covers it"}`},
		{D, `{"type": "record-contact", "at": "2026-12-06T11:10:00Z", "contact": "a1-week-1-visit", "note": "recorded late"}`},
		{D, `{"type": "record-contact", "at": "2026-12-06T11:15:00Z", "contact": "a2-day-1-call", "note": "recorded late"}`},
		{D, `{"type": "record-contact", "at": "2026-12-09T10:00:00Z", "contact": "a2-week-1-visit"}`},
		{D, `{"type": "record-contact", "at": "2026-12-28T10:00:00Z", "contact": "a1-month-1-visit"}`},
		{D, `{"type": "record-contact", "at": "2027-01-04T10:00:00Z", "contact": "a2-month-1-visit"}`},
		{D, `{"type": "record-contact", "at": "2027-02-25T10:00:00Z", "contact": "a1-month-3-visit"}`},
		{D, `{"type": "record-contact", "at": "2027-03-02T10:00:00Z", "contact": "a2-month-3-visit"}`},
		{D, `{"type": "record-contact", "at": "2027-05-25T10:00:00Z", "contact": "a1-month-6-visit"}`},
	}
}

// undetermined are the facts of a re-screening that cannot decide: the
// answers about inflammation and exacerbation are not in yet. (A
// contraindication found would hold the case for the board.)
const undetermined = `{"oncology": {"active": false, "everTreated": false}, "pregnant": false, "breastfeeding": false,
	"hiv": false, "immunodeficiency": false, "mentalStateUnstable": false, "clottingDisorder": false}`

// Drive gives the steps to a case in order and returns the last result.
func Drive(ctx context.Context, cases *procedure.Cases, caseID string, steps []Step) (*procedure.Result, error) {
	var res *procedure.Result
	for i, s := range steps {
		cmd, err := procedure.DecodeCommand([]byte(s.Command))
		if err != nil {
			return nil, fmt.Errorf("step %d: %w", i, err)
		}
		res, err = cases.Give(ctx, caseID, procedure.Actor{ID: string(s.Role) + "-1", Role: s.Role}, cmd)
		if err != nil {
			return nil, fmt.Errorf("step %d (%s): %w", i, cmd.Head().Type, err)
		}
	}
	return res, nil
}
