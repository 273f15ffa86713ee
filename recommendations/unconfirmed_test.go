package recommendations_test

import (
	"bytes"
	"context"
	"io/fs"
	"slices"
	"strings"
	"testing"

	"github.com/reocell/celltherapy/recommendations"
	"github.com/reocell/celltherapy/rules"
)

// confirmedPlanner loads the default aftercare rules with the monitoring
// schedule confirmed, as a clinic does in its own copy.
func confirmedPlanner(t *testing.T) *recommendations.Planner {
	t.Helper()
	return editedPlanner(t, "  - value: params.monitoring\n", "  - value: params.monitoring\n    confirmed: true\n")
}

// editedPlanner loads the default aftercare rules with old replaced by new.
func editedPlanner(t *testing.T, old, new string) *recommendations.Planner {
	t.Helper()
	data, err := fs.ReadFile(recommendations.DefaultFS(), "aftercare.yaml")
	if err != nil {
		t.Fatal(err)
	}
	src := strings.Replace(string(data), old, new, 1)
	set, err := (&rules.Loader{Kinds: []rules.Kind{recommendations.AftercareKind()}}).Load(rules.File{Name: "aftercare.yaml", Data: []byte(src)})
	if err != nil {
		t.Fatal(err)
	}
	p, err := recommendations.NewPlanner(set.Ruleset(recommendations.DefaultAftercareRuleset))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestUnconfirmedScheduleIsNeverShownAsSettled: with the default rules the
// plan names params.monitoring, each contact is marked, and the leaflet and
// calendar say the doctor will confirm the dates; once a clinic confirms the
// schedule, none of that remains.
func TestUnconfirmedScheduleIsNeverShownAsSettled(t *testing.T) {
	facts, err := recommendations.DecodeFacts([]byte(`{"administeredAt":"2026-11-24T09:30:00+01:00"}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name        string
		planner     *recommendations.Planner
		unconfirmed bool
	}{
		{"default rules", recommendations.NewDefaultPlanner(), true},
		{"schedule confirmed", confirmedPlanner(t), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			plan, err := tt.planner.Plan(context.Background(), facts)
			if err != nil {
				t.Fatal(err)
			}
			if got := slices.Contains(plan.Unconfirmed, "params.monitoring"); got != tt.unconfirmed {
				t.Errorf("plan.Unconfirmed %v", plan.Unconfirmed)
			}
			for _, c := range plan.Schedule {
				if c.Unconfirmed != tt.unconfirmed {
					t.Errorf("contact %s unconfirmed %v", c.ID, c.Unconfirmed)
				}
			}
			for locale, says := range map[string][]string{
				"en": {"your doctor will confirm", "to be confirmed"},
				"ru": {"врач согласует", "дату подтвердит врач"},
			} {
				var leaflet, cal bytes.Buffer
				if err := recommendations.WriteLeaflet(&leaflet, plan, rules.WithLocale(locale)); err != nil {
					t.Fatal(err)
				}
				if err := recommendations.WriteICS(&cal, plan, rules.WithLocale(locale)); err != nil {
					t.Fatal(err)
				}
				for _, s := range says {
					// The calendar folds long lines; unfold before looking.
					unfolded := strings.ReplaceAll(cal.String(), "\r\n ", "")
					if strings.Contains(leaflet.String(), s) != tt.unconfirmed || strings.Contains(unfolded, s) != tt.unconfirmed {
						t.Errorf("%s: leaflet or calendar says %q: %v, want %v", locale, s, !tt.unconfirmed, tt.unconfirmed)
					}
				}
			}
		})
	}
}

// TestScheduleClampsMonthEnds: a visit a month after 31 January is on the
// last day of February, 29th in a leap year; six months after 31 August is
// 28 February; a year of months after 29 February is 28 February.
func TestScheduleClampsMonthEnds(t *testing.T) {
	for _, tt := range []struct {
		at      string
		visit   string
		wantDay string
	}{
		{"2026-01-31T10:00:00+03:00", "month-1-visit", "2026-02-28"},
		{"2028-01-31T10:00:00+03:00", "month-1-visit", "2028-02-29"},
		{"2026-08-31T10:00:00+03:00", "month-6-visit", "2027-02-28"},
		{"2026-11-30T10:00:00+03:00", "month-3-visit", "2027-02-28"},
		{"2028-02-29T10:00:00+03:00", "month-6-visit", "2028-08-29"},
		{"2026-03-31T23:30:00+03:00", "month-1-visit", "2026-04-30"},
	} {
		t.Run(tt.at+" "+tt.visit, func(t *testing.T) {
			p := plan(t, `{"administeredAt":"`+tt.at+`"}`)
			i := slices.IndexFunc(p.Schedule, func(c recommendations.Contact) bool { return c.ID == tt.visit })
			if i < 0 || p.Schedule[i].Day.String() != tt.wantDay {
				t.Errorf("%s: %+v, want %s", tt.visit, p.Schedule, tt.wantDay)
			}
		})
	}
}

// TestLeafletAndCalendarInRussian: golden files of the Russian texts.
func TestLeafletAndCalendarInRussian(t *testing.T) {
	facts, err := recommendations.DecodeFacts([]byte(`{"administeredAt":"2026-11-24T09:30:00+03:00","route":"intra-articular","site":"левое колено"}`))
	if err != nil {
		t.Fatal(err)
	}
	plan, err := recommendations.NewDefaultPlanner(rules.WithLocale("ru")).Plan(context.Background(), facts)
	if err != nil {
		t.Fatal(err)
	}
	var leaflet, cal bytes.Buffer
	if err := recommendations.WriteLeaflet(&leaflet, plan, rules.WithLocale("ru")); err != nil {
		t.Fatal(err)
	}
	if err := recommendations.WriteICS(&cal, plan, rules.WithLocale("ru")); err != nil {
		t.Fatal(err)
	}
	golden(t, "leaflet.ru.txt", leaflet.Bytes())
	golden(t, "plan.ru.ics", cal.Bytes())
}

// TestUnconfirmedWindowsAreNeverShownAsSettled: in a clinic's own rules, an
// item whose window is unconfirmed, and an unconfirmed side-effect window,
// are shown for the doctor to confirm.
func TestUnconfirmedWindowsAreNeverShownAsSettled(t *testing.T) {
	p := editedPlanner(t, "unconfirmed:\n", `unconfirmed:
  - {value: rules.keep-site-dry.then.until, source: a clinic's guess}
  - {value: params.sideEffectWindowHours, source: a clinic's guess}
`)
	facts, _ := recommendations.DecodeFacts([]byte(`{"administeredAt":"2026-11-24T09:30:00+01:00"}`))
	plan, err := p.Plan(context.Background(), facts)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range plan.Items {
		if it.Unconfirmed != (it.ID == "keep-site-dry") {
			t.Errorf("item %s unconfirmed %v", it.ID, it.Unconfirmed)
		}
	}
	want := []string{"rules.keep-site-dry.then.until", "params.sideEffectWindowHours", "params.monitoring"}
	if !slices.Equal(plan.Unconfirmed, want) {
		t.Errorf("plan.Unconfirmed %v, want %v", plan.Unconfirmed, want)
	}
	var leaflet, cal bytes.Buffer
	if err := recommendations.WriteLeaflet(&leaflet, plan); err != nil {
		t.Fatal(err)
	}
	if err := recommendations.WriteICS(&cal, plan); err != nil {
		t.Fatal(err)
	}
	text := strings.Join(strings.Fields(leaflet.String()), " ")
	for _, s := range []string{"Wed 25 Nov 2026, 09:30. (Your doctor will confirm this period with you.)", "Your doctor will confirm this time with you."} {
		if !strings.Contains(text, s) {
			t.Errorf("the leaflet does not say %q:\n%s", s, leaflet.String())
		}
	}
	if !strings.Contains(strings.ReplaceAll(cal.String(), "\r\n ", ""), "Your doctor will confirm this period with you.") {
		t.Errorf("the calendar does not say the doctor will confirm the period")
	}
}
