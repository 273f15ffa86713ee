package eligibility_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/reocell/celltherapy/eligibility"
	"github.com/reocell/celltherapy/rules"
)

// TestContradictoryOncologyIsBadInput: never treated for cancer, yet a last
// treatment end, is rejected naming the JSON path, whether the facts come
// as JSON or are built in Go; it never yields a decision.
func TestContradictoryOncologyIsBadInput(t *testing.T) {
	built := allClear()
	built.Oncology = &eligibility.Oncology{Active: new(false), EverTreated: new(false), LastTreatmentEnd: day("2025-06-01")}
	fromJSON, err := eligibility.DecodeFacts([]byte(`{"asOf": "2026-11-24", "oncology": {"active": false, "everTreated": false, "lastTreatmentEnd": "2025-06-01"},
		"pregnant": false, "breastfeeding": false, "hiv": false, "immunodeficiency": false, "mentalStateUnstable": false,
		"acuteInflammation": false, "chronicExacerbation": false, "clottingDisorder": false}`))
	if err != nil {
		t.Fatal(err)
	}
	for name, facts := range map[string]eligibility.Facts{"built in Go": built, "from JSON": fromJSON} {
		t.Run(name, func(t *testing.T) {
			d, err := eligibility.NewDefaultScreener().Screen(context.Background(), facts)
			var fe rules.FieldErrors
			if !errors.As(err, &fe) || len(fe) != 1 || fe[0].Path != "$.oncology.lastTreatmentEnd" {
				t.Fatalf("got %v, %v; want a FactErrors at $.oncology.lastTreatmentEnd", d, err)
			}
		})
	}
	t.Run("through the kind, as the CLI decides", func(t *testing.T) {
		_, err := eligibility.Kind().DecideJSON(context.Background(), eligibility.DefaultRules(),
			[]byte(`{"oncology": {"everTreated": false, "lastTreatmentEnd": "2025-06-01"}}`))
		var fe rules.FieldErrors
		if !errors.As(err, &fe) || fe[0].Path != "$.oncology.lastTreatmentEnd" {
			t.Fatalf("got %v", err)
		}
	})
}

// TestConsistentOncologyIsAccepted: facts that only look odd are screened.
// An active cancer never treated is possible (found, not yet treated).
func TestConsistentOncologyIsAccepted(t *testing.T) {
	for _, tt := range []struct {
		name     string
		oncology eligibility.Oncology
		want     eligibility.Outcome
	}{
		{"active, never treated", eligibility.Oncology{Active: new(true), EverTreated: new(false)}, eligibility.Ineligible},
		{"a last end with everTreated unknown", eligibility.Oncology{Active: new(false), LastTreatmentEnd: day("2025-06-01")}, eligibility.Undetermined},
		{"never treated, no end", eligibility.Oncology{Active: new(false), EverTreated: new(false)}, eligibility.Eligible},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := allClear()
			f.Oncology = &tt.oncology
			d, err := eligibility.NewDefaultScreener().Screen(context.Background(), f)
			if err != nil || d.Outcome != tt.want {
				t.Fatalf("got %v, %v; want %s", d, err, tt.want)
			}
		})
	}
}

// TestRescreenDayIsTheFirstEligibleDay screens, for every treatment end over
// seven years (leap days and month ends included), on the day before the
// rescreen day (still ineligible) and on the rescreen day (no longer).
func TestRescreenDayIsTheFirstEligibleDay(t *testing.T) {
	s := eligibility.NewDefaultScreener()
	for end := time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC); end.Year() < 2026; end = end.AddDate(0, 0, 1) {
		f := allClear()
		f.Oncology = &eligibility.Oncology{Active: new(false), EverTreated: new(true), LastTreatmentEnd: &end}
		f.AsOf = &end
		d, err := s.Screen(context.Background(), f)
		if err != nil || d.Outcome != eligibility.Ineligible || d.Findings[0].RescreenFrom == nil {
			t.Fatalf("end %s: %v %v", end.Format(time.DateOnly), d, err)
		}
		from := d.Findings[0].RescreenFrom.Time
		before := from.AddDate(0, 0, -1)
		f.AsOf = &before
		if d, _ := s.Screen(context.Background(), f); d.Outcome != eligibility.Ineligible {
			t.Errorf("end %s: on %s, the day before rescreenFrom, outcome %s", end.Format(time.DateOnly), before.Format(time.DateOnly), d.Outcome)
		}
		f.AsOf = &from
		if d, _ := s.Screen(context.Background(), f); d.Outcome != eligibility.Eligible {
			t.Errorf("end %s: on rescreenFrom %s, outcome %s", end.Format(time.DateOnly), from.Format(time.DateOnly), d.Outcome)
		}
		if from.Sub(end) < 5*365*24*time.Hour {
			t.Errorf("end %s: rescreenFrom %s is less than five years later", end.Format(time.DateOnly), from.Format(time.DateOnly))
		}
	}
}

// TestOncologyMessageSaysWhatTheRuleDoes: the rule is inclusive and covers
// treatment still going on; the message must not say "less than 5 years".
func TestOncologyMessageSaysWhatTheRuleDoes(t *testing.T) {
	msg := eligibility.DefaultRules().Rule("oncology").Message("en")
	for _, want := range []string{"still going on", "5 years ago or less", "including"} {
		if !strings.Contains(msg, want) {
			t.Errorf("the oncology message %q does not say %q", msg, want)
		}
	}
	if strings.Contains(msg, "less than 5 years") {
		t.Errorf("the oncology message %q says the window is exclusive", msg)
	}
}

// TestScreenNamesUnconfirmedDurations: a contraindication's permanent or
// temporary label is our reading, named in the decision until the board
// confirms it.
func TestScreenNamesUnconfirmedDurations(t *testing.T) {
	f := allClear()
	f.HIV = new(true)
	f.Pregnant = new(true)
	d, err := eligibility.NewDefaultScreener().Screen(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"rules.pregnancy-or-breastfeeding.then.duration", "rules.immunodeficiency.then.duration"}
	if !slices.Equal(d.Unconfirmed, want) {
		t.Errorf("unconfirmed %v, want %v", d.Unconfirmed, want)
	}
	if d, _ := eligibility.NewDefaultScreener().Screen(context.Background(), allClear()); len(d.Unconfirmed) != 0 {
		t.Errorf("an eligible screening rests on no unconfirmed value, got %v", d.Unconfirmed)
	}
}

// TestScreenInRussian: messages, titles and questions in the locale asked for.
func TestScreenInRussian(t *testing.T) {
	f := allClear()
	f.Pregnant = new(true)
	d, _ := eligibility.NewDefaultScreener(rules.WithLocale("ru")).Screen(context.Background(), f)
	if c := d.Findings[0]; !strings.Contains(c.Message, "беременности") || c.Title != "Беременность или грудное вскармливание" {
		t.Errorf("finding in ru: %+v", c)
	}
	f.Pregnant = nil
	d, _ = eligibility.NewDefaultScreener(rules.WithLocale("ru")).Screen(context.Background(), f)
	if q := d.Missing[0].Question; q != "Беременна ли пациентка?" {
		t.Errorf("question in ru: %q", q)
	}
}
