package procedure_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/reocell/celltherapy/procedure"
)

// clinic gives JSON commands to one case and prints what each did.
type clinic struct {
	cases  *procedure.Cases
	caseID string
	quiet  bool
}

func newClinic(caseID string) *clinic {
	now := func() time.Time { return time.Date(2027, 12, 31, 0, 0, 0, 0, time.UTC) }
	return &clinic{cases: procedure.NewCases(procedure.NewMemoryStore(), procedure.WithClock(now)), caseID: caseID}
}

func (c *clinic) give(role procedure.Role, command string) {
	cmd, err := procedure.DecodeCommand([]byte(command))
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := c.cases.Give(context.Background(), c.caseID, procedure.Actor{ID: string(role) + "-1", Role: role}, cmd)
	var refused *procedure.RefusedError
	switch {
	case errors.As(err, &refused):
		fmt.Printf("%-22s refused by %s\n", cmd.Head().Type, refused.Rule)
		return
	case err != nil:
		fmt.Println(err)
		return
	}
	if c.quiet {
		return
	}
	var types []string
	for _, e := range res.Events {
		types = append(types, string(e.Type))
	}
	fmt.Printf("%-22s -> %-15s %s\n", cmd.Head().Type, res.Case.Stage, strings.Join(types, ", "))
}

const (
	eligibleFacts = `{"oncology": {"active": false, "everTreated": false}, "pregnant": false, "breastfeeding": false,
		"hiv": false, "immunodeficiency": false, "mentalStateUnstable": false, "acuteInflammation": false,
		"chronicExacerbation": false, "clottingDisorder": false}`
	therapyFacts = `{"ownCells": {"sufficient": true, "goodQuality": false}, "startBy": "2027-01-15",
		"harvest": {"boneMarrowPossible": true, "adiposePossible": true},
		"condition": {"category": "orthopedic", "site": "left knee"}, "patient": {"weightKg": 78}}`
)

// consult takes a case from opening to the board, printing only refusals
// and errors unless verbose.
func (c *clinic) consult(verbose bool) {
	c.quiet = !verbose
	defer func() { c.quiet = false }()
	c.give(procedure.Administrator, `{"type": "open-case", "at": "2026-11-02T09:00:00Z", "caseId": "`+c.caseID+`", "patient": "patient-17"}`)
	c.give(procedure.Administrator, `{"type": "book-appointment", "at": "2026-11-02T09:05:00Z", "reason": "left knee pain",
		"specialist": "orthopedist-2", "slot": "2026-11-05T10:00:00Z"}`)
	for _, item := range []string{"history", "records-review", "examination", "preliminary-diagnosis"} {
		c.give(procedure.Doctor, `{"type": "record-consultation", "at": "2026-11-05T10:30:00Z", "item": "`+item+`", "text": "recorded"}`)
	}
	c.give(procedure.Doctor, `{"type": "record-consultation", "at": "2026-11-05T10:40:00Z", "item": "diagnostic-plan", "text": "imaging and blood",
		"measures": [{"id": "mri", "kind": "instrumental", "name": "MRI of the left knee"}, {"id": "cbc", "kind": "laboratory", "name": "complete blood count"}]}`)
	c.give(procedure.Doctor, `{"type": "record-measure-result", "at": "2026-11-12T08:00:00Z", "measure": "mri", "result": "cartilage wear, grade 2"}`)
	c.give(procedure.Doctor, `{"type": "cancel-measure", "at": "2026-11-12T08:10:00Z", "measure": "cbc", "reason": "done last week elsewhere; results reviewed"}`)
}

// Example takes one case from booking to completion: donor cells, one
// procedure, the same-day re-screening, aftercare and follow-up.
func Example() {
	c := newClinic("case-1")
	c.consult(true)
	c.give(procedure.Board, `{"type": "propose-plan", "at": "2026-11-20T09:00:00Z", "therapy": "allogeneic", "route": "intra-articular",
		"site": "left knee", "cells": 50000000, "procedures": 1, "quorum": ["dr-a", "dr-b", "dr-c"]}`)
	c.give(procedure.Board, `{"type": "screen", "at": "2026-11-20T09:10:00Z", "facts": `+eligibleFacts+`}`)
	c.give(procedure.Board, `{"type": "select-therapy", "at": "2026-11-20T09:20:00Z", "facts": `+therapyFacts+`}`)
	c.give(procedure.Board, `{"type": "propose-plan", "at": "2026-11-20T09:30:00Z", "therapy": "allogeneic", "route": "intra-articular",
		"site": "left knee", "cells": 50000000, "procedures": 1, "quorum": ["dr-a", "dr-b", "dr-c"]}`)
	c.give(procedure.Doctor, `{"type": "agree", "at": "2026-11-21T10:00:00Z"}`)
	c.give(procedure.Lab, `{"type": "allocate-lot", "at": "2026-11-22T10:00:00Z", "lot": "D-2026-118"}`)
	c.give(procedure.Lab, `{"type": "release-product", "at": "2026-11-23T10:00:00Z", "lot": "D-2026-118", "cells": 50000000, "checksPassed": true}`)
	c.give(procedure.Nurse, `{"type": "screen", "at": "2026-11-24T08:30:00Z", "facts": `+eligibleFacts+`}`)
	c.give(procedure.Doctor, `{"type": "administer", "at": "2026-11-24T09:30:00Z", "route": "intra-articular", "site": "left knee",
		"cells": 50000000, "lot": "D-2026-118"}`)
	c.give(procedure.Doctor, `{"type": "record-contact", "at": "2026-11-25T11:00:00Z", "contact": "a1-day-1-call", "note": "feels well"}`)
	c.give(procedure.Nurse, `{"type": "report-side-effect", "at": "2026-11-25T12:00:00Z",
		"symptom": {"name": "headache", "onset": "2026-11-24T20:00:00Z", "ongoing": true}}`)
	c.give(procedure.Doctor, `{"type": "assess-effectiveness", "at": "2026-12-24T10:00:00Z", "result": "improved"}`)
	c.give(procedure.Nurse, `{"type": "record-contact", "at": "2026-11-27T11:00:00Z", "contact": "a1-day-3-call", "note": "no more headache"}`)
	c.give(procedure.Doctor, `{"type": "record-contact", "at": "2026-12-01T10:00:00Z", "contact": "a1-week-1-visit"}`)
	c.give(procedure.Doctor, `{"type": "record-missed-contact", "at": "2026-12-28T10:00:00Z", "contact": "a1-month-1-visit", "reason": "patient abroad; called instead, feels well"}`)
	c.give(procedure.Doctor, `{"type": "record-contact", "at": "2027-02-24T10:00:00Z", "contact": "a1-month-3-visit"}`)
	c.give(procedure.Doctor, `{"type": "complete", "at": "2027-05-24T10:00:00Z"}`)
	c.give(procedure.Doctor, `{"type": "assess-effectiveness", "at": "2027-05-24T10:00:00Z", "result": "improved", "note": "walks without pain"}`)
	c.give(procedure.Doctor, `{"type": "complete", "at": "2027-05-24T10:05:00Z"}`)
	// Output:
	// open-case              -> booking         case-opened
	// book-appointment       -> consultation    appointment-booked, stage-changed
	// record-consultation    -> consultation    consultation-item-recorded
	// record-consultation    -> consultation    consultation-item-recorded
	// record-consultation    -> consultation    consultation-item-recorded
	// record-consultation    -> consultation    consultation-item-recorded
	// record-consultation    -> diagnostics     consultation-item-recorded, stage-changed
	// record-measure-result  -> diagnostics     measure-resulted
	// cancel-measure         -> board-review    measure-cancelled, stage-changed
	// propose-plan           refused by board-screening-eligible
	// screen                 -> board-review    screening-recorded
	// select-therapy         -> board-review    therapy-selected
	// propose-plan           -> consent         plan-proposed, stage-changed
	// agree                  -> preparation     consent-given, stage-changed
	// allocate-lot           -> preparation     lot-allocated
	// release-product        -> administration  product-released, stage-changed
	// screen                 -> administration  screening-recorded
	// administer             -> follow-up       administered, aftercare-planned, stage-changed
	// record-contact         -> follow-up       contact-recorded
	// report-side-effect     -> follow-up       side-effect-triaged
	// assess-effectiveness   refused by assess-in-effect-window
	// record-contact         -> follow-up       contact-recorded
	// record-contact         -> follow-up       contact-recorded
	// record-missed-contact  -> follow-up       contact-missed
	// record-contact         -> follow-up       contact-recorded
	// complete               refused by complete-needs-effectiveness
	// assess-effectiveness   -> follow-up       effectiveness-assessed
	// complete               -> closed          case-closed
}

// Example_declined shows a board that declines on a contraindication: the
// closed case keeps the finding and the day screening may be repeated.
func Example_declined() {
	c := newClinic("case-2")
	c.consult(false)
	c.give(procedure.Board, `{"type": "screen", "at": "2026-11-20T09:10:00Z",
		"facts": {"oncology": {"active": false, "everTreated": true, "lastTreatmentEnd": "2023-06-30"}}}`)
	c.give(procedure.Board, `{"type": "decline", "at": "2026-11-20T09:30:00Z", "quorum": ["dr-a", "dr-b", "dr-c"]}`)
	kase, _ := c.cases.Case(context.Background(), "case-2")
	fmt.Printf("%s: %v, screen again from %s\n", kase.Closure.Outcome, kase.Closure.Findings, kase.Closure.RescreenFrom)
	// Output:
	// screen                 -> board-review    screening-recorded
	// decline                -> closed          case-closed
	// declined: [oncology], screen again from 2028-07-01
}

// Example_cultureFailed shows a culture that failed: the case goes back to
// the board, which needs a new therapy decision and switches to donor cells.
func Example_cultureFailed() {
	c := newClinic("case-3")
	c.consult(false)
	c.give(procedure.Board, `{"type": "screen", "at": "2026-11-20T09:10:00Z", "facts": `+eligibleFacts+`}`)
	c.give(procedure.Board, `{"type": "select-therapy", "at": "2026-11-20T09:20:00Z", "facts": {"ownCells": {"sufficient": true, "goodQuality": true},
		"startBy": "2027-06-01", "preference": "autologous", "harvest": {"boneMarrowPossible": true, "adiposePossible": true},
		"condition": {"category": "orthopedic", "site": "left knee"}, "patient": {"weightKg": 78}}}`)
	c.give(procedure.Board, `{"type": "propose-plan", "at": "2026-11-20T09:30:00Z", "therapy": "autologous", "route": "intra-articular",
		"site": "left knee", "cells": 50000000, "procedures": 1, "quorum": ["dr-a", "dr-b", "dr-c"]}`)
	c.give(procedure.Doctor, `{"type": "agree", "at": "2026-11-21T10:00:00Z"}`)
	c.give(procedure.Doctor, `{"type": "collect-biomaterial", "at": "2026-11-23T10:00:00Z", "source": "bone-marrow"}`)
	c.give(procedure.Lab, `{"type": "start-culture", "at": "2026-11-23T12:00:00Z"}`)
	c.give(procedure.Lab, `{"type": "fail-culture", "at": "2026-12-10T12:00:00Z", "reason": "no growth after passage 2"}`)
	c.give(procedure.Board, `{"type": "propose-plan", "at": "2026-12-14T09:30:00Z", "therapy": "autologous", "route": "intra-articular",
		"site": "left knee", "cells": 50000000, "procedures": 1, "quorum": ["dr-a", "dr-b", "dr-c"]}`)
	c.give(procedure.Board, `{"type": "select-therapy", "at": "2026-12-14T09:40:00Z", "facts": `+therapyFacts+`}`)
	c.give(procedure.Board, `{"type": "propose-plan", "at": "2026-12-14T09:50:00Z", "therapy": "allogeneic", "route": "intra-articular",
		"site": "left knee", "cells": 50000000, "procedures": 1, "quorum": ["dr-a", "dr-b", "dr-c"]}`)
	// Output:
	// screen                 -> board-review    screening-recorded
	// select-therapy         -> board-review    therapy-selected
	// propose-plan           -> consent         plan-proposed, stage-changed
	// agree                  -> preparation     consent-given, stage-changed
	// collect-biomaterial    -> preparation     biomaterial-collected
	// start-culture          -> preparation     culture-started
	// fail-culture           -> board-review    culture-failed, stage-changed
	// propose-plan           refused by board-therapy-after-failure
	// select-therapy         -> board-review    therapy-selected
	// propose-plan           -> consent         plan-proposed, stage-changed
}
