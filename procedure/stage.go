package procedure

import "strings"

// Stage is where a case is in the clinic's procedure.
type Stage string

// The stages, in the order of clinic procedure, 01 to 05 and after.
const (
	Booking       Stage = "booking"
	Consultation  Stage = "consultation"
	Diagnostics   Stage = "diagnostics"
	BoardReview   Stage = "board-review"
	Consent       Stage = "consent"
	Preparation   Stage = "preparation"
	Administering Stage = "administration"
	FollowUp      Stage = "follow-up"
	Closed        Stage = "closed"
)

// Role is what an actor is in the clinic; a role decides which commands an
// actor may give.
type Role string

// The roles. An auditor reads and never writes.
const (
	Administrator Role = "administrator"
	Doctor        Role = "doctor"
	Board         Role = "board"
	Lab           Role = "lab"
	Nurse         Role = "nurse"
	Auditor       Role = "auditor"
)

// Roles returns every role, in a fixed order.
func Roles() []Role { return []Role{Administrator, Doctor, Board, Lab, Nurse, Auditor} }

// Valid reports whether r is one of Roles.
func (r Role) Valid() bool {
	switch r {
	case Administrator, Doctor, Board, Lab, Nurse, Auditor:
		return true
	}
	return false
}

func joinRoles(rs []Role) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, ", ")
}

// Exit is one way out of a stage: the stage it leads to and what makes it
// happen.
type Exit struct {
	To   Stage
	When string
}

// StageSpec is one row of the stage table: who acts in the stage, what must
// hold to leave it and where it leads, and the clinic's text it comes from.
type StageSpec struct {
	Stage  Stage
	Title  string
	Actors []Role
	Leaves string
	Source string
	Exits  []Exit
}

// StageTable returns the procedure's stages, in order. It is the one
// description of the procedure: the fold refuses a stage change that is not
// one of its exits, and docs/procedure.md is rendered from it.
func StageTable() []StageSpec {
	withdrawn := Exit{Closed, "the patient withdraws (closed: withdrawn)"}
	return []StageSpec{
		{Booking, "Booking the appointment", []Role{Administrator},
			"the reason for the visit, the specialist and the slot are recorded (appointment booked)",
			"clinic procedure, 01",
			[]Exit{{Consultation, "appointment booked"}, {Closed, "cancelled by the administrator (closed: cancelled)"}, withdrawn}},
		{Consultation, "Initial consultation", []Role{Doctor, Administrator},
			"all five items are recorded: history taken, records reviewed, physical and instrumental examination, preliminary diagnosis, plan of additional diagnostics",
			"clinic procedure, 02",
			[]Exit{{Diagnostics, "all five items recorded, the plan has measures"}, {BoardReview, "all five items recorded, the plan has no measures"},
				{Closed, "cancelled by the administrator before any item is recorded (closed: cancelled)"}, withdrawn}},
		{Diagnostics, "Additional diagnostics", []Role{Doctor},
			"every planned measure has a result or is cancelled with a reason",
			"clinic procedure, 02",
			[]Exit{{BoardReview, "every measure resulted or cancelled"}, withdrawn}},
		{BoardReview, "Medical board review", []Role{Board, Doctor},
			"an eligible screening (never undetermined) and a therapy decision whose option for the plan's type is suitable are recorded, and the board proposes an individual plan (type, route, dose, number of procedures) with its quorum; or the board declines on a contraindication, keeping the finding and the re-screen date",
			"clinic procedure, 03 and 04",
			[]Exit{{Consent, "plan proposed"}, {Closed, "declined on a contraindication (closed: declined)"}, withdrawn}},
		{Consent, "The patient's agreement", []Role{Doctor},
			"the patient agrees to the plan (recorded by the doctor), or refuses",
			"clinic procedure, 03",
			[]Exit{{Preparation, "the patient agrees"}, {BoardReview, "the patient refuses and asks for a revised plan"},
				{Closed, "the patient refuses (closed: refused)"}, withdrawn}},
		{Preparation, "Preparing the cells", []Role{Lab, Doctor},
			"autologous: biomaterial collected, culture started, product released (lot, cell count, release checks passed), or the culture failed; allogeneic: a donor lot allocated and released",
			"clinic procedure, 04",
			[]Exit{{Administering, "product released"}, {BoardReview, "culture failed: the board may switch to donor cells or collect again"}, withdrawn}},
		{Administering, "Administration of the cell product", []Role{Doctor, Nurse, Board},
			"each procedure: a same-day screening that is eligible, then the administration (instant, route, site, dose, lot), followed by its aftercare plan; until the planned number is done or the board changes the plan",
			"clinic procedure, 03 and 05",
			[]Exit{{FollowUp, "the planned number of procedures done"}, {BoardReview, "referred back to the board to change the plan"}, withdrawn}},
		{FollowUp, "Follow-up", []Role{Doctor, Nurse},
			"monitoring contacts recorded, side-effect reports triaged (contact-clinic flags the doctor) and reviewed, adverse events recorded, effectiveness assessed (the effect develops within 3-6 months); then completed",
			"clinic procedure, 05 and FAQ",
			[]Exit{{Closed, "completed"}, withdrawn}},
		{Closed, "Closed", nil,
			"never: completed, declined, refused, withdrawn or cancelled",
			"",
			nil},
	}
}

// stageRow returns the row of the stage table for s.
func stageRow(s Stage) (StageSpec, bool) {
	for _, row := range StageTable() {
		if row.Stage == s {
			return row, true
		}
	}
	return StageSpec{}, false
}

// canMove reports whether the stage table has an exit from one stage to another.
func canMove(from, to Stage) bool {
	row, ok := stageRow(from)
	if !ok {
		return false
	}
	for _, e := range row.Exits {
		if e.To == to {
			return true
		}
	}
	return false
}
