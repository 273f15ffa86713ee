package recommendations_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/reocell/celltherapy/recommendations"
	"github.com/reocell/celltherapy/rules"
)

// administered is the moment of administration in most tests.
var administered = time.Date(2026, 11, 24, 9, 30, 0, 0, time.FixedZone("", 3600))

func plan(t *testing.T, facts string) *recommendations.Plan {
	t.Helper()
	f, err := recommendations.DecodeFacts([]byte(facts))
	if err != nil {
		t.Fatalf("DecodeFacts(%s): %v", facts, err)
	}
	p, err := recommendations.NewDefaultPlanner().Plan(context.Background(), f)
	if err != nil {
		t.Fatalf("Plan: %v", err)
	}
	return p
}

func ids(items []recommendations.Item) []string {
	out := []string{}
	for _, it := range items {
		out = append(out, it.ID)
	}
	return out
}

var allSix = []string{"avoid-overexertion", "avoid-temperature-extremes", "keep-site-dry",
	"no-alcohol-or-toxic-substances", "no-heat-compress", "no-topicals"}

// TestWindowBoundaries checks each guideline one second before its end, at
// its end (gone) and at its start (in force).
func TestWindowBoundaries(t *testing.T) {
	p := plan(t, `{"administeredAt":"2026-11-24T09:30:00+01:00"}`)
	if p.Outcome != recommendations.Planned {
		t.Fatalf("outcome %s, want planned; missing %v", p.Outcome, p.Missing)
	}
	windows := map[string]time.Duration{ // 0: no end
		"keep-site-dry":                  24 * time.Hour,
		"no-heat-compress":               24 * time.Hour,
		"no-topicals":                    0,
		"avoid-temperature-extremes":     7 * 24 * time.Hour,
		"no-alcohol-or-toxic-substances": 0,
		"avoid-overexertion":             0,
	}
	if got := ids(p.Items); !slices.Equal(got, allSix) {
		t.Fatalf("items %v, want %v", got, allSix)
	}
	for _, it := range p.Items {
		t.Run(it.ID, func(t *testing.T) {
			want := windows[it.ID]
			if !it.From.Equal(administered) {
				t.Errorf("from %s, want %s", it.From, administered)
			}
			if it.Origin != recommendations.FromRule || it.Rule != it.ID || it.Text == "" {
				t.Errorf("origin %q rule %q text %q, want a rule-made item with text", it.Origin, it.Rule, it.Text)
			}
			if !it.InForceAt(administered) || it.InForceAt(administered.Add(-time.Second)) {
				t.Errorf("in force at its start %v, a second before %v; want true, false",
					it.InForceAt(administered), it.InForceAt(administered.Add(-time.Second)))
			}
			if want == 0 {
				if it.Until != nil {
					t.Fatalf("until %s, want none (open-ended)", it.Until)
				}
				if !it.InForceAt(administered.AddDate(5, 0, 0)) {
					t.Error("open-ended item not in force five years on")
				}
				return
			}
			if it.Until == nil || !it.Until.Equal(administered.Add(want)) {
				t.Fatalf("until %v, want %s", it.Until, administered.Add(want))
			}
			end := *it.Until
			if !it.InForceAt(end.Add(-time.Second)) {
				t.Error("not in force one second before its end")
			}
			if it.InForceAt(end) {
				t.Error("still in force at its end")
			}
		})
	}
}

func TestInForce(t *testing.T) {
	p := plan(t, `{"administeredAt":"2026-11-24T09:30:00+01:00"}`)
	for _, tc := range []struct {
		name string
		at   time.Time
		want []string
	}{
		{"before the administration", administered.Add(-time.Nanosecond), nil},
		{"at the administration", administered, allSix},
		{"a second before 24 hours", administered.Add(24*time.Hour - time.Second), allSix},
		{"at 24 hours", administered.Add(24 * time.Hour),
			[]string{"avoid-overexertion", "avoid-temperature-extremes", "no-alcohol-or-toxic-substances", "no-topicals"}},
		{"a second before a week", administered.Add(7*24*time.Hour - time.Second),
			[]string{"avoid-overexertion", "avoid-temperature-extremes", "no-alcohol-or-toxic-substances", "no-topicals"}},
		{"at a week", administered.Add(7 * 24 * time.Hour),
			[]string{"avoid-overexertion", "no-alcohol-or-toxic-substances", "no-topicals"}},
		{"at a week, asked in UTC", administered.Add(7 * 24 * time.Hour).UTC(),
			[]string{"avoid-overexertion", "no-alcohol-or-toxic-substances", "no-topicals"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ids(p.InForce(tc.at))
			if tc.want == nil {
				tc.want = []string{}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("InForce(%s) = %v, want %v", tc.at, got, tc.want)
			}
		})
	}
}

// TestTimeZones checks that one moment written with different offsets gives
// the same instants (and so the same items in force).
func TestTimeZones(t *testing.T) {
	base := plan(t, `{"administeredAt":"2026-11-24T08:30:00Z"}`)
	for _, at := range []string{"2026-11-24T09:30:00+01:00", "2026-11-24T03:30:00-05:00", "2026-11-24T18:00:00+09:30"} {
		p := plan(t, `{"administeredAt":"`+at+`"}`)
		if len(p.Items) != len(base.Items) {
			t.Fatalf("%s: %d items, want %d", at, len(p.Items), len(base.Items))
		}
		for i, it := range p.Items {
			b := base.Items[i]
			if it.ID != b.ID || !it.From.Equal(b.From) || (it.Until == nil) != (b.Until == nil) ||
				(it.Until != nil && !it.Until.Equal(*b.Until)) {
				t.Errorf("%s: item %s [%v, %v), want %s [%v, %v)", at, it.ID, it.From, it.Until, b.ID, b.From, b.Until)
			}
		}
		if !p.SideEffectsUntil.Equal(*base.SideEffectsUntil) {
			t.Errorf("%s: side effects until %s, want %s", at, p.SideEffectsUntil, base.SideEffectsUntil)
		}
	}
	// Contact days are calendar days where the patient was treated: late on
	// the 24th in New York is the 25th in UTC.
	ny := plan(t, `{"administeredAt":"2026-11-24T22:00:00-05:00"}`)
	if got := ny.Schedule[0].Day.String(); got != "2026-11-25" {
		t.Errorf("first contact on %s, want 2026-11-25 (the day after the 24th in New York)", got)
	}
}

func TestUnknownAdministration(t *testing.T) {
	p := plan(t, `{"route":"intravenous"}`)
	if p.Outcome != recommendations.Undetermined || p.AdministeredAt != nil {
		t.Fatalf("outcome %s administeredAt %v, want undetermined and none", p.Outcome, p.AdministeredAt)
	}
	clock := func() time.Time { return time.Date(2026, 11, 24, 15, 0, 0, 0, time.UTC) }
	q, err := recommendations.NewDefaultPlanner(rules.WithClock(clock)).Plan(context.Background(), recommendations.Facts{})
	if err != nil || q.AsOf.String() != "2026-11-24" {
		t.Errorf("asOf %v (%v), want the clock's day 2026-11-24 while administeredAt is unknown", q.AsOf, err)
	}
	if len(p.Missing) != 1 || p.Missing[0].Fact != "administeredAt" || p.Missing[0].Question == "" {
		t.Fatalf("missing %+v, want administeredAt with its question", p.Missing)
	}
	if len(p.Items) != 0 || len(p.Schedule) != 0 {
		t.Errorf("items %v schedule %v, want none", p.Items, p.Schedule)
	}
	if err := p.Add(recommendations.Individual{ID: "x", Text: "x"}); err == nil {
		t.Error("Add on a plan without administeredAt: no error")
	}
}

func TestSchedule(t *testing.T) {
	p := plan(t, `{"administeredAt":"2026-11-24T09:30:00+01:00"}`)
	last := p.Schedule[len(p.Schedule)-1]
	if six := rules.DateOf(administered).AddDate(0, 6, 0); last.Day.Before(six) {
		t.Errorf("schedule ends on %s, before six months (%s)", last.Day, six.Format(time.DateOnly))
	}
	var assess []string
	for i, c := range p.Schedule {
		if i > 0 && c.Day.Before(p.Schedule[i-1].Day.Time) {
			t.Errorf("contact %s on %s comes before %s", c.ID, c.Day, p.Schedule[i-1].Day)
		}
		if c.AssessesEffectiveness {
			assess = append(assess, c.ID)
		}
	}
	if !slices.Equal(assess, []string{"month-6-visit"}) {
		t.Errorf("contacts that assess effectiveness %v, want [month-6-visit]", assess)
	}
}

func TestIndividualRecommendations(t *testing.T) {
	p := plan(t, `{"administeredAt":"2026-11-24T09:30:00+01:00"}`)
	err := p.Add(
		recommendations.Individual{ID: "knee-brace", Text: "Wear the knee brace when walking.", For: 14 * 24 * time.Hour},
		recommendations.Individual{ID: "physiotherapy", Title: "Physiotherapy", Text: "Start physiotherapy.", After: 48 * time.Hour},
	)
	if err != nil {
		t.Fatal(err)
	}
	want := append(slices.Clone(allSix[:3]), "knee-brace")
	want = append(want, allSix[3:]...)
	want = append(want, "physiotherapy")
	if got := ids(p.Items); !slices.Equal(got, want) {
		t.Fatalf("items %v, want %v (ordered by from, then id)", got, want)
	}
	for _, it := range p.Items {
		switch it.ID {
		case "knee-brace":
			if it.Origin != recommendations.FromDoctor || it.Rule != "" || it.Title != it.Text ||
				it.Until == nil || !it.Until.Equal(administered.Add(14*24*time.Hour)) {
				t.Errorf("knee-brace = %+v", it)
			}
		case "physiotherapy":
			if it.Origin != recommendations.FromDoctor || !it.From.Equal(administered.Add(48*time.Hour)) || it.Until != nil {
				t.Errorf("physiotherapy = %+v", it)
			}
		}
	}
	for _, tc := range []struct {
		name string
		rec  recommendations.Individual
	}{
		{"no id", recommendations.Individual{Text: "x"}},
		{"a rule's id", recommendations.Individual{ID: "keep-site-dry", Text: "x"}},
		{"an id already added", recommendations.Individual{ID: "knee-brace", Text: "x"}},
		{"no text", recommendations.Individual{ID: "y"}},
		{"negative window", recommendations.Individual{ID: "y", Text: "x", For: -time.Hour}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(p.Items)
			if err := p.Add(recommendations.Individual{ID: "fine", Text: "fine"}, tc.rec); err == nil {
				t.Error("no error")
			}
			if len(p.Items) != before {
				t.Error("a failed Add changed the plan")
			}
		})
	}
}

func TestDecodeFactsRejectsBadInput(t *testing.T) {
	for _, tc := range []struct{ name, json, path string }{
		{"unknown fact", `{"administeredAt":"2026-11-24T09:30:00Z","rout":"local"}`, "$.rout"},
		{"route outside the list", `{"route":"oral"}`, "$.route"},
		{"instant without offset", `{"administeredAt":"2026-11-24T09:30:00"}`, "$.administeredAt"},
		{"date instead of instant", `{"administeredAt":"2026-11-24"}`, "$.administeredAt"},
		{"wrong type", `{"site":3}`, "$.site"},
		{"not an object", `[]`, "$"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := recommendations.DecodeFacts([]byte(tc.json))
			var fe rules.FieldErrors
			if !errors.As(err, &fe) {
				t.Fatalf("error %v, want rules.FieldErrors", err)
			}
			if fe[0].Path != tc.path {
				t.Errorf("path %s, want %s", fe[0].Path, tc.path)
			}
		})
	}
}

func TestNewPlannerNeedsAftercareRules(t *testing.T) {
	if _, err := recommendations.NewPlanner(recommendations.DefaultTriageRules()); err == nil {
		t.Error("NewPlanner(triage rules): no error")
	}
	if _, err := recommendations.NewTriager(recommendations.DefaultAftercareRules()); err == nil {
		t.Error("NewTriager(aftercare rules): no error")
	}
}

// TestSideEffectWindowsAgree keeps the leaflet's advice and triage in step.
func TestSideEffectWindowsAgree(t *testing.T) {
	a, _ := recommendations.DefaultAftercareRules().Params()["sideEffectWindowHours"]
	b, _ := recommendations.DefaultTriageRules().Params()["sideEffectWindowHours"]
	if a != b || a != 72 {
		t.Errorf("sideEffectWindowHours: aftercare %v, triage %v; want both 72", a, b)
	}
}
