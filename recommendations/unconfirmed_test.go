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
	data, err := fs.ReadFile(recommendations.DefaultFS(), "aftercare.yaml")
	if err != nil {
		t.Fatal(err)
	}
	src := strings.Replace(string(data), "  - value: params.monitoring\n", "  - value: params.monitoring\n    confirmed: true\n", 1)
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
