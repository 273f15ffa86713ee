package procedure_test

import (
	"testing"

	"github.com/reocell/celltherapy/procedure"
)

func TestCommandsAgreeWithTheTable(t *testing.T) {
	byType := map[procedure.CommandType]procedure.CommandInfo{}
	for _, c := range procedure.Commands() {
		byType[c.Type] = c
		if got := c.New().Head(); got == nil {
			t.Fatalf("%s: New gives no header", c.Type)
		}
	}
	if want := len(procedure.CommandTypes()); len(byType) != want {
		t.Errorf("%d commands, want %d, one per command type", len(byType), want)
	}
	cases := []struct {
		typ   procedure.CommandType
		role  procedure.Role
		stage procedure.Stage
		want  bool
	}{
		{procedure.CmdBookAppointment, procedure.Administrator, procedure.Booking, true},
		{procedure.CmdBookAppointment, procedure.Doctor, procedure.Booking, false},
		{procedure.CmdBookAppointment, procedure.Administrator, procedure.Consultation, false},
		{procedure.CmdWithdraw, procedure.Doctor, procedure.FollowUp, true},
		{procedure.CmdWithdraw, procedure.Doctor, procedure.Closed, false},
		{procedure.CmdScreen, procedure.Nurse, procedure.Administering, true},
		{procedure.CmdComplete, procedure.Auditor, procedure.FollowUp, false},
	}
	for _, c := range cases {
		if got := byType[c.typ].Allows(c.role, c.stage); got != c.want {
			t.Errorf("%s by %s in %s: %v, want %v", c.typ, c.role, c.stage, got, c.want)
		}
	}
}
