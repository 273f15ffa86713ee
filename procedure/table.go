package procedure

import (
	"fmt"
	"reflect"
)

// commandSpec is one row of the command table: who may give the command,
// in which stages, and what it does.
type commandSpec struct {
	Type   CommandType
	Title  string
	Roles  []Role
	Stages []Stage // nil: any stage but closed
	new    func() Command
	handle func(t *turn, cmd Command) error
}

// row builds a commandSpec for the command type *T.
func row[T any, PT interface {
	*T
	Command
}](typ CommandType, title string, roles []Role, stages []Stage, handle func(*turn, PT) error) commandSpec {
	return commandSpec{
		Type: typ, Title: title, Roles: roles, Stages: stages,
		new:    func() Command { return PT(new(T)) },
		handle: func(t *turn, cmd Command) error { return handle(t, cmd.(PT)) },
	}
}

var (
	commandSpecs = buildCommandTable()
	commandTypes = buildCommandTypes()
)

func buildCommandTypes() map[reflect.Type]CommandType {
	m := map[reflect.Type]CommandType{}
	for _, c := range commandList() {
		m[reflect.TypeOf(c.new())] = c.Type
	}
	return m
}

// typed checks that a command built in Go is one of this package's
// command structs, and gives its header the type of its struct when left
// empty; a header that names another command is invalid.
func typed(cmd Command) error {
	want, ok := commandTypes[reflect.TypeOf(cmd)]
	if !ok || reflect.ValueOf(cmd).IsNil() {
		return (problems{{Path: "$", Message: fmt.Sprintf("%T is not a command of this package", cmd)}}).err()
	}
	h := cmd.Head()
	if h.Type == "" {
		h.Type = want
	}
	if h.Type != want {
		return (problems{{Path: "$.type", Message: fmt.Sprintf("%q does not match the command %T (%s)", h.Type, cmd, want)}}).err()
	}
	return nil
}

// commandTable returns the commands by type. The table is never changed.
func commandTable() map[CommandType]commandSpec { return commandSpecs }

// commandList returns the command table in the order of the procedure.
func commandList() []commandSpec {
	var (
		admin, doc, board, lab = []Role{Administrator}, []Role{Doctor}, []Role{Board}, []Role{Lab}
		docNurse               = []Role{Doctor, Nurse}
		after                  = []Stage{Administering, FollowUp}
	)
	return []commandSpec{
		row(CmdOpenCase, "open a case for a patient", admin, []Stage{}, handleOpen),
		row(CmdBookAppointment, "book the initial consultation: reason, specialist, slot", admin, []Stage{Booking}, handleBook),
		row(CmdCancelCase, "cancel the case before the consultation", admin, []Stage{Booking, Consultation}, handleCancel),
		row(CmdRecordConsultation, "record an item of the initial consultation", doc, []Stage{Consultation}, handleConsultation),
		row(CmdRecordMeasure, "record the result of a planned measure", doc, []Stage{Diagnostics}, handleMeasureResult),
		row(CmdCancelMeasure, "cancel a planned measure, with the reason", doc, []Stage{Diagnostics}, handleMeasureCancel),
		row(CmdScreen, "screen for contraindications (for the board, or the same-day re-screening)", []Role{Board, Doctor, Nurse}, []Stage{BoardReview, Administering}, handleScreen),
		row(CmdSelectTherapy, "record the therapy decision", []Role{Board, Doctor}, []Stage{BoardReview}, handleSelectTherapy),
		row(CmdProposePlan, "propose the individual plan, with the quorum", board, []Stage{BoardReview}, handleProposePlan),
		row(CmdDecline, "decline therapy on a contraindication", board, []Stage{BoardReview}, handleDecline),
		row(CmdAgree, "record the patient's agreement", doc, []Stage{Consent}, handleAgree),
		row(CmdRefuse, "record the patient's refusal (closed, or back to the board)", doc, []Stage{Consent}, handleRefuse),
		row(CmdCollectBiomaterial, "record the biomaterial collected (autologous)", []Role{Doctor, Lab}, []Stage{Preparation}, handleCollect),
		row(CmdStartCulture, "start growing the dose (autologous)", lab, []Stage{Preparation}, handleStartCulture),
		row(CmdFailCulture, "record a failed culture (back to the board)", lab, []Stage{Preparation}, handleFailCulture),
		row(CmdAllocateLot, "allocate a donor lot (allogeneic)", lab, []Stage{Preparation}, handleAllocateLot),
		row(CmdReleaseProduct, "release the product: lot, cells, checks passed", lab, []Stage{Preparation}, handleRelease),
		row(CmdAdminister, "record an administration; its aftercare plan follows", docNurse, []Stage{Administering}, handleAdminister),
		row(CmdReferToBoard, "send the case back to the board to change the plan (administration), or refer a finding to it (follow-up)", []Role{Board, Doctor}, after, handleReferToBoard),
		row(CmdRecordContact, "record a monitoring contact of the schedule", docNurse, after, handleContact),
		row(CmdRecordMissedContact, "record that a monitoring contact did not take place, and why", docNurse, after, handleMissedContact),
		row(CmdReportSideEffect, "triage a side-effect report", docNurse, after, handleReport),
		row(CmdReviewSideEffect, "review a flagged side-effect report", doc, after, handleReview),
		row(CmdRecordAdverseEvent, "record an adverse event", docNurse, after, handleAdverse),
		row(CmdAssessEffectiveness, "assess the effectiveness of the treatment", doc, []Stage{FollowUp}, handleAssess),
		row(CmdComplete, "close the case as completed", doc, []Stage{FollowUp}, handleComplete),
		row(CmdWithdraw, "record that the patient withdrew", []Role{Administrator, Doctor}, nil, handleWithdraw),
	}
}

func buildCommandTable() map[CommandType]commandSpec {
	m := map[CommandType]commandSpec{}
	for _, c := range commandList() {
		m[c.Type] = c
	}
	return m
}

// allows reports whether the command may be given in stage s.
func (cs commandSpec) allows(s Stage) bool {
	if cs.Stages == nil {
		return s != Closed
	}
	for _, st := range cs.Stages {
		if st == s {
			return true
		}
	}
	return false
}

// permits reports whether role r may give the command.
func (cs commandSpec) permits(r Role) bool {
	for _, x := range cs.Roles {
		if x == r {
			return true
		}
	}
	return false
}

// CommandTypes returns every command type, in the order of the procedure.
func CommandTypes() []CommandType {
	list := commandList()
	out := make([]CommandType, len(list))
	for i, c := range list {
		out[i] = c.Type
	}
	return out
}

// NewCommand returns a new, empty command of type typ (a pointer to its
// struct, such as *Administer), for a transport that describes or builds
// commands; false for an unknown type.
func NewCommand(typ CommandType) (Command, bool) {
	c, ok := commandTable()[typ]
	if !ok {
		return nil, false
	}
	return c.new(), true
}
