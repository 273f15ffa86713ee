package eligibility_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/reocell/celltherapy/eligibility"
	"github.com/reocell/celltherapy/rules"
)

func day(s string) *time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return &t
}

// allClear is a patient with every fact known and no contraindication.
func allClear() eligibility.Facts {
	return eligibility.Facts{
		AsOf:                day("2026-11-24"),
		Oncology:            &eligibility.Oncology{Active: new(false), EverTreated: new(false)},
		Pregnant:            new(false),
		Breastfeeding:       new(false),
		HIV:                 new(false),
		Immunodeficiency:    new(false),
		MentalStateUnstable: new(false),
		AcuteInflammation:   new(false),
		ChronicExacerbation: new(false),
		ClottingDisorder:    new(false),
	}
}

func TestScreenOutcomes(t *testing.T) {
	s := eligibility.NewDefaultScreener()
	unknownPregnancy := allClear()
	unknownPregnancy.Pregnant = nil
	pregnant := allClear()
	pregnant.Pregnant = new(true)
	pregnant.HIV = nil
	tests := []struct {
		name    string
		facts   eligibility.Facts
		outcome eligibility.Outcome
		fired   []string
		missing []string
	}{
		{"eligible", allClear(), eligibility.Eligible, nil, nil},
		{"undetermined", unknownPregnancy, eligibility.Undetermined, nil, []string{"pregnant"}},
		{"ineligible despite unknowns", pregnant, eligibility.Ineligible, []string{"pregnancy-or-breastfeeding"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := s.Screen(context.Background(), tt.facts)
			if err != nil {
				t.Fatal(err)
			}
			var fired, missing []string
			for _, f := range d.Findings {
				fired = append(fired, f.Rule)
			}
			for _, m := range d.Missing {
				missing = append(missing, m.Fact)
				if m.Question == "" || len(m.Rules) == 0 {
					t.Errorf("missing %s has no question or rules: %+v", m.Fact, m)
				}
			}
			if d.Outcome != tt.outcome || !reflect.DeepEqual(fired, tt.fired) || !reflect.DeepEqual(missing, tt.missing) {
				t.Errorf("got %s fired %v missing %v", d.Outcome, fired, missing)
			}
		})
	}
}

func TestScreenIsDeterministic(t *testing.T) {
	s := eligibility.NewDefaultScreener()
	f := allClear()
	f.Oncology = &eligibility.Oncology{Active: new(false), EverTreated: new(true), LastTreatmentEnd: day("2023-05-01")}
	f.HIV = nil
	first, _ := s.Screen(context.Background(), f)
	a, _ := json.Marshal(first)
	for range 20 {
		d, _ := s.Screen(context.Background(), f)
		b, _ := json.Marshal(d)
		if string(a) != string(b) {
			t.Fatalf("decisions differ:\n%s\n%s", a, b)
		}
	}
	if first.Ruleset.Digest != eligibility.DefaultRules().Digest() || !strings.HasPrefix(first.Ruleset.Digest, "sha256:") {
		t.Errorf("ruleset ref %+v", first.Ruleset)
	}
}

func TestScreenAsOfDefaultsToTheClockDay(t *testing.T) {
	clock := func() time.Time { return time.Date(2027, 3, 1, 23, 30, 0, 0, time.FixedZone("x", -5*3600)) }
	s := eligibility.NewDefaultScreener(rules.WithClock(clock))
	f := allClear()
	f.AsOf = nil
	f.Oncology = &eligibility.Oncology{Active: new(false), EverTreated: new(true), LastTreatmentEnd: day("2022-03-01")}
	d, err := s.Screen(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	if d.AsOf.String() != "2027-03-01" || d.Outcome != eligibility.Ineligible {
		t.Errorf("asOf %s outcome %s", d.AsOf, d.Outcome)
	}
	if got := d.Findings[0].RescreenFrom.String(); got != "2027-03-02" {
		t.Errorf("rescreenFrom %s", got)
	}
}

func TestActiveCancerHasNoRescreenDay(t *testing.T) {
	f := allClear()
	f.Oncology = &eligibility.Oncology{Active: new(true), EverTreated: new(true), LastTreatmentEnd: day("2020-01-01")}
	d, _ := eligibility.NewDefaultScreener().Screen(context.Background(), f)
	if d.Findings[0].RescreenFrom != nil || d.Findings[0].Duration != eligibility.Temporary {
		t.Errorf("finding %+v", d.Findings[0])
	}
}

func TestDecodeFacts(t *testing.T) {
	f, err := eligibility.DecodeFacts([]byte(`{"asOf": "2026-11-24", "oncology": {"lastTreatmentEnd": "2020-02-29"}, "hiv": null}`))
	if err != nil {
		t.Fatal(err)
	}
	if f.HIV != nil || f.Oncology.LastTreatmentEnd.Format(time.DateOnly) != "2020-02-29" {
		t.Errorf("decoded %+v", f)
	}
	out, _ := json.Marshal(f)
	if string(out) != `{"asOf":"2026-11-24","oncology":{"lastTreatmentEnd":"2020-02-29"}}` {
		t.Errorf("encoded %s", out)
	}
	for _, bad := range []struct{ in, path string }{
		{`{"pregant": true}`, "$.pregant"},
		{`{"hiv": "no"}`, "$.hiv"},
		{`{"oncology": {"lastTreatmentEnd": "2021-02-29"}}`, "$.oncology.lastTreatmentEnd"},
		{`{"asOf": "24.11.2026"}`, "$.asOf"},
	} {
		var got eligibility.Facts
		err := json.Unmarshal([]byte(bad.in), &got)
		var fe rules.FieldErrors
		if !errors.As(err, &fe) || fe[0].Path != bad.path {
			t.Errorf("%s: got %v, want an error at %s", bad.in, err, bad.path)
		}
	}
}

func TestNewScreenerNeedsAnEligibilityRuleset(t *testing.T) {
	if _, err := eligibility.NewScreener(nil); err == nil {
		t.Error("nil ruleset accepted")
	}
}
