package procedure_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/reocell/celltherapy/procedure"
	"github.com/reocell/celltherapy/procedure/storetest"
)

// A decision's facts are of the day the command happened, in the clinic's
// time zone: an asOf that says another day is bad input, however it would
// change the decision.
func TestDecisionsAreOfTheCommandsDay(t *testing.T) {
	for name, cmd := range map[string]string{
		"a board screening two years ahead": `{"type": "screen", "at": "2026-11-20T09:10:00Z", "facts": {"asOf": "2028-11-20", "hiv": false}}`,
		"a therapy decision of yesterday": `{"type": "select-therapy", "at": "2026-11-20T09:10:00Z", "facts": {"asOf": "2026-11-19", "ownCells": {"sufficient": false},
			"startBy": "2027-01-15", "condition": {"category": "orthopedic", "site": "left knee"}, "patient": {"weightKg": 78}}}`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := give(caseAt(t, inBoard), procedure.Board, cmd)
			checkRefusal(t, err, "", "$.facts.asOf", nil)
			if !strings.Contains(err.Error(), "2026-11-20") {
				t.Errorf("the error %q does not say the command's day", err)
			}
		})
	}
	// The re-screening of three days before, with asOf set to the day of
	// administration, is refused; so the administration finds none.
	cases := caseAt(t, inAdmin)
	_, err := give(cases, procedure.Nurse, `{"type": "screen", "at": "2026-11-24T08:30:00Z", "facts": {"asOf": "2026-11-27", "oncology": {"active": false, "everTreated": false},
		"pregnant": false, "breastfeeding": false, "hiv": false, "immunodeficiency": false, "mentalStateUnstable": false, "acuteInflammation": false,
		"chronicExacerbation": false, "clottingDisorder": false}}`)
	checkRefusal(t, err, "", "$.facts.asOf", nil)
	_, err = give(cases, procedure.Doctor, administer("2026-11-27T09:30:00Z", "D-118"))
	checkRefusal(t, err, "administration-same-day-screening", "", nil)
}

// The clinic's day is the day in its time zone: east of UTC an instant late
// in the UTC evening is already the next day, west of UTC an instant early
// in the UTC morning is still the day before.
func TestTheClinicsDayInItsTimeZone(t *testing.T) {
	tests := []struct {
		zone             *time.Location
		screen, admin    string // instants, UTC
		day, dayInUTC    string
		sameDayInUTCOnly string // an administration on the same UTC day but the next local day
	}{
		{time.FixedZone("UTC+9", 9*3600), "2026-11-24T16:00:00Z", "2026-11-25T02:00:00Z", "2026-11-25", "2026-11-24", "2026-11-25T16:00:00Z"},
		{time.FixedZone("UTC-8", -8*3600), "2026-11-25T06:00:00Z", "2026-11-25T07:59:00Z", "2026-11-24", "2026-11-25", "2026-11-25T08:00:00Z"},
	}
	for _, tc := range tests {
		t.Run(tc.zone.String(), func(t *testing.T) {
			p := procedure.DefaultParams()
			p.Location = tc.zone
			drive := func(t *testing.T) *procedure.Cases {
				cases := procedure.NewCases(procedure.NewMemoryStore(), procedure.WithClock(storetest.Now), procedure.WithParams(p))
				if _, err := storetest.Drive(context.Background(), cases, "c", storetest.WholeCase("c", true)[:inAdmin]); err != nil {
					t.Fatal(err)
				}
				return cases
			}
			cases := drive(t)
			// The UTC day is not the clinic's day.
			_, err := give(cases, procedure.Nurse, `{"type": "screen", "at": "`+tc.screen+`", "facts": {"asOf": "`+tc.dayInUTC+`"}}`)
			checkRefusal(t, err, "", "$.facts.asOf", nil)
			res, err := give(cases, procedure.Nurse, `{"type": "screen", "at": "`+tc.screen+`", "facts": `+eligibleAsOf(tc.day)+`}`)
			if err != nil {
				t.Fatal(err)
			}
			if res.Case.Screening.AsOf != tc.day {
				t.Fatalf("screened as of %s, want %s", res.Case.Screening.AsOf, tc.day)
			}
			// An administration a day later in UTC but the same day in the
			// clinic passes.
			if _, err := give(cases, procedure.Doctor, administer(tc.admin, "D-118")); err != nil {
				t.Fatalf("administering on the clinic's same day: %v", err)
			}
			// On another copy of the case: the same UTC day, the next day in
			// the clinic, is refused.
			cases = drive(t)
			if _, err := give(cases, procedure.Nurse, `{"type": "screen", "at": "`+tc.screen+`", "facts": `+eligibleAsOf("")+`}`); err != nil {
				t.Fatal(err)
			}
			_, err = give(cases, procedure.Doctor, administer(tc.sameDayInUTCOnly, "D-118"))
			checkRefusal(t, err, "administration-same-day-screening", "", nil)
		})
	}
}

// eligibleAsOf are facts of an eligible screening, as of day ("" leaves
// asOf out).
func eligibleAsOf(day string) string {
	asOf := ""
	if day != "" {
		asOf = `"asOf": "` + day + `", `
	}
	return `{` + asOf + `"oncology": {"active": false, "everTreated": false}, "pregnant": false, "breastfeeding": false,
		"hiv": false, "immunodeficiency": false, "mentalStateUnstable": false, "acuteInflammation": false,
		"chronicExacerbation": false, "clottingDisorder": false}`
}

// A refusal names the stage, also of a case not yet open.
func TestARefusalNamesTheStage(t *testing.T) {
	cases := procedure.NewCases(procedure.NewMemoryStore(), procedure.WithClock(storetest.Now))
	_, err := give(cases, procedure.Administrator, `{"type": "open-case", "at": "2030-01-01T09:00:00Z", "caseId": "c", "patient": "p"}`)
	var re *procedure.RefusedError
	if !errors.As(err, &re) || re.Rule != "event-time-future" || re.Stage != "" {
		t.Fatalf("got %v, want refused by event-time-future before any stage", err)
	}
	if msg := err.Error(); strings.Contains(msg, "stage  ") || !strings.Contains(msg, "before the case is open") {
		t.Errorf("the refusal %q does not say where the case is", msg)
	}
}
