package workitem_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/reocell/celltherapy/procedure"
	"github.com/reocell/celltherapy/procedure/internal/workitem"
)

func TestRoundTrip(t *testing.T) {
	at := time.Date(2026, 11, 2, 9, 0, 0, 123000, time.UTC)
	sm := procedure.Summary{CaseID: "c-1", Patient: "Ann\x1fLee, 1970", Stage: procedure.FollowUp}
	d := procedure.Due{What: procedure.DueContact, Who: procedure.Doctor, From: at, By: at.Add(48 * time.Hour), Ref: "a1-day-1-call"}
	item, err := workitem.Pack(sm, d)
	if err != nil {
		t.Fatal(err)
	}
	got, err := workitem.Unpack(item)
	if err != nil {
		t.Fatal(err)
	}
	want := procedure.WorkItem{CaseID: "c-1", Patient: sm.Patient, Stage: procedure.FollowUp, Due: d}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	if _, err := workitem.Pack(procedure.Summary{CaseID: "c\x1f1"}, d); err == nil {
		t.Error("a case id with a unit separator packed")
	}
	for _, bad := range []string{"", "a\x1fb", "c\x1ffollow-up\x1fcontact\x1fdoctor\x1fx\x1f1\x1fref\x1fp"} {
		if _, err := workitem.Unpack(bad); err == nil {
			t.Errorf("Unpack(%q) did not fail", bad)
		}
	}
}
