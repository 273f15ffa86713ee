package rules

import (
	"fmt"
	"testing"
	"time"
)

func TestAddDateClampsMonthEnds(t *testing.T) {
	day := func(s string) time.Time {
		t.Helper()
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	for _, tt := range []struct {
		name                string
		from                string
		years, months, days int
		want                string
	}{
		{"31 January plus a month is the end of February", "2026-01-31", 0, 1, 0, "2026-02-28"},
		{"in a leap year the 29th", "2028-01-31", 0, 1, 0, "2028-02-29"},
		{"31 March plus a month is 30 April", "2026-03-31", 0, 1, 0, "2026-04-30"},
		{"31 August plus six months", "2026-08-31", 0, 6, 0, "2027-02-28"},
		{"31 December plus two months", "2026-12-31", 0, 2, 0, "2027-02-28"},
		{"31 March minus a month", "2026-03-31", 0, -1, 0, "2026-02-28"},
		{"29 February plus a year", "2028-02-29", 1, 0, 0, "2029-02-28"},
		{"29 February minus five years", "2025-02-28", -5, 0, 0, "2020-02-28"},
		{"29 February plus four years stays", "2024-02-29", 4, 0, 0, "2028-02-29"},
		{"an ordinary day is moved as is", "2026-11-24", 0, 3, 0, "2027-02-24"},
		{"days are added after the clamp", "2026-01-31", 0, 1, 1, "2026-03-01"},
		{"days alone roll over", "2026-02-28", 0, 0, 1, "2026-03-01"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := AddDate(day(tt.from), tt.years, tt.months, tt.days); !got.Equal(day(tt.want)) {
				t.Errorf("AddDate(%s, %d, %d, %d) = %s, want %s", tt.from, tt.years, tt.months, tt.days, got.Format(time.DateOnly), tt.want)
			}
		})
	}
	at := time.Date(2026, 1, 31, 14, 30, 5, 7, time.FixedZone("x", 3*3600))
	if got := AddDate(at, 0, 1, 0); !got.Equal(time.Date(2026, 2, 28, 14, 30, 5, 7, at.Location())) || got.Location() != at.Location() {
		t.Errorf("an instant keeps its clock time and zone: %v", got)
	}
}

// TestCalendarFunctionsClamp holds addYears and addMonths to AddDate in
// rule conditions, on both the Go fast path and expr's.
func TestCalendarFunctionsClamp(t *testing.T) {
	kind := MustKind(Spec[diffFacts, struct{}, map[string]any, any]{Name: "diff", Decide: noDecision})
	src := "ruleset: d\nversion: \"1\"\ndecision: diff\nrules:\n" +
		"  - {id: month, title: T, when: 'addMonths(g.day, 1) == asOf', message: {en: m}}\n" +
		"  - {id: year, title: T, when: 'addYears(g.day, 1) == asOf', message: {en: m}}\n" +
		"  - {id: back, title: T, when: 'addMonths(asOf, -1) == g.day', message: {en: m}}\n"
	for _, tt := range []struct {
		day, asOf string
		fired     []string
	}{
		{"2026-01-31", "2026-02-28", []string{"month"}},
		{"2028-01-31", "2028-02-29", []string{"month"}},
		{"2028-02-29", "2029-02-28", []string{"year"}},
		{"2026-03-30", "2026-04-30", []string{"month", "back"}},
		{"2026-03-31", "2026-04-30", []string{"month"}},
	} {
		for _, exprOnly := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s to %s exprOnly=%v", tt.day, tt.asOf, exprOnly), func(t *testing.T) {
				set, err := (&Loader{Kinds: []Kind{kind}, exprOnly: exprOnly}).Load(File{Name: "d.yaml", Data: []byte(src)})
				if err != nil {
					t.Fatal(err)
				}
				day, _ := time.Parse(time.DateOnly, tt.day)
				asOf, _ := time.Parse(time.DateOnly, tt.asOf)
				ev, err := Evaluate(t.Context(), set.Ruleset("d"), &diffFacts{AsOf: &asOf, G: &diffGroup{Day: &day}})
				if err != nil {
					t.Fatal(err)
				}
				var fired []string
				for _, r := range firedOf(ev) {
					fired = append(fired, r.Rule.ID())
				}
				if fmt.Sprint(fired) != fmt.Sprint(tt.fired) {
					t.Errorf("fired %v, want %v", fired, tt.fired)
				}
			})
		}
	}
}

// TestAddDateAgreesWithTheCalendar holds AddDate's arithmetic to the one
// time.Date does, with month ends clamped, over every day of a leap-year
// span, in UTC and in a zone with daylight saving time.
func TestAddDateAgreesWithTheCalendar(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		berlin = time.FixedZone("CET", 3600)
	}
	moves := [][3]int{{5, 0, 0}, {-5, 0, 0}, {0, 1, 0}, {0, -1, 0}, {0, 13, 0}, {0, -25, 0}, {1, 1, 1}, {0, 0, 30}, {0, 0, -400}, {-5, 0, 1}, {2, -3, 15}}
	for _, loc := range []*time.Location{time.UTC, berlin} {
		for day := time.Date(2019, 12, 25, 9, 30, 0, 0, loc); day.Year() < 2025; day = day.AddDate(0, 0, 1) {
			for _, mv := range moves {
				got := AddDate(day, mv[0], mv[1], mv[2])
				y, m, d := day.Date()
				first := time.Date(y+mv[0], m+time.Month(mv[1]), 1, 0, 0, 0, 0, time.UTC)
				last := time.Date(first.Year(), first.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day()
				want := time.Date(first.Year(), first.Month(), min(d, last)+mv[2], 9, 30, 0, 0, loc)
				if !got.Equal(want) || got.Location() != loc {
					t.Fatalf("AddDate(%s, %v) = %s, want %s", day, mv, got, want)
				}
			}
		}
	}
}
