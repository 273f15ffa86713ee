package fhir

import "github.com/reocell/celltherapy/procedure"

// The FHIR R4 status of each exported resource, from where the case is.
// Each function returns a code of the resource's required R4 value set.

// appointmentStatus: booked until the consultation starts, then fulfilled;
// cancelled when the case closes before it starts (AppointmentStatus).
func appointmentStatus(c *procedure.Case) string {
	switch {
	case len(c.Consultation) > 0:
		return "fulfilled"
	case c.Stage == procedure.Closed:
		return "cancelled"
	case c.Stage == procedure.Booking || c.Stage == procedure.Consultation:
		return "booked"
	}
	return "fulfilled"
}

// planStatus is the status of the CarePlan and of the ServiceRequest
// (RequestStatus): a draft until the patient agrees, active from the
// agreement, on hold while the board revises it (after a refusal asking
// for a revision, a failed culture or a referral back), revoked when the
// case closes otherwise than completed, completed when every procedure
// planned is done.
func planStatus(c *procedure.Case) string {
	switch c.Stage {
	case procedure.Consent:
		return "draft"
	case procedure.BoardReview:
		return "on-hold"
	case procedure.Preparation, procedure.Administering:
		return "active"
	case procedure.FollowUp:
		return "completed"
	case procedure.Closed:
		if c.Closure != nil && c.Closure.Outcome == procedure.Completed {
			return "completed"
		}
		return "revoked"
	}
	return "draft"
}

// consentStatus (ConsentState): proposed until the patient answers, active
// on an agreement, rejected on a refusal, inactive once the patient
// withdraws.
func consentStatus(s *story) string {
	withdrawn := s.c.Closure != nil && s.c.Closure.Outcome == procedure.Withdrawn
	switch {
	case withdrawn:
		return "inactive"
	case s.consentAt.IsZero():
		return "proposed"
	case s.consentGiven:
		return "active"
	}
	return "rejected"
}

// productStatus (ProductStatus): a released lot of the plan in force is
// available while the case is in administration; a lot in culture, a
// failed culture, a lot of an earlier plan or one all given is not.
func productStatus(s *story, l lot) string {
	current := l.version > s.planVersion && !l.failed
	if current && l.released && s.c.Stage == procedure.Administering {
		return "available"
	}
	return "unavailable"
}

// taskStatus (TaskStatus) of the Task of one stage, and why when the case
// closed in it: a stage the case has left is completed, the stage it is in
// is in progress, a stage it has not reached is requested while the case
// is open. Once the case is closed: the stage it closed in is completed
// when the case completed, or when the stage's decision was taken (a
// board's decline, a patient's refusal), and cancelled otherwise; a stage
// never reached, or skipped (diagnostics with nothing to measure), is
// cancelled.
func taskStatus(s *story, st procedure.Stage) (status, reason string) {
	v, ok := s.visits[st]
	closed := s.c.Stage == procedure.Closed
	switch {
	case ok && !v.hasLeft:
		return "in-progress", ""
	case ok && closed && s.closedIn == st:
		return closingStatus(s.c.Closure)
	case ok:
		return "completed", ""
	case reachedAfter(s, st):
		return "cancelled", "skipped: the case went on without this stage"
	case closed:
		return "cancelled", "not reached: the case closed before it"
	}
	return "requested", ""
}

// closingStatus is the status of the Task of the stage a case closed in.
func closingStatus(cl *procedure.Closure) (status, reason string) {
	if cl == nil {
		return "cancelled", ""
	}
	why := "closed: " + string(cl.Outcome)
	if cl.Reason != "" {
		why += ": " + cl.Reason
	}
	switch cl.Outcome {
	case procedure.Completed, procedure.Declined, procedure.Refused:
		return "completed", why
	}
	return "cancelled", why
}

// reachedAfter reports whether the case has been in a stage after st in
// the stage table: st was skipped.
func reachedAfter(s *story, st procedure.Stage) bool {
	after := false
	for _, row := range procedure.StageTable() {
		if after {
			if _, ok := s.visits[row.Stage]; ok && row.Stage != procedure.Closed {
				return true
			}
		}
		after = after || row.Stage == st
	}
	return false
}
