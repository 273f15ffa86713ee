package therapy_test

import (
	"context"
	"slices"
	"testing"
	"testing/fstest"
	"time"

	"github.com/reocell/celltherapy/eligibility"
	"github.com/reocell/celltherapy/rules"
	"github.com/reocell/celltherapy/therapy"
)

func ptr[T any](v T) *T { return &v }

func day(s string) *time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return &t
}

// known is a patient for whom both options are suitable and every fact is
// known but the preference.
func known() therapy.Facts {
	return therapy.Facts{
		AsOf:      day("2026-11-24"),
		OwnCells:  &therapy.OwnCells{Sufficient: ptr(true), GoodQuality: ptr(true)},
		StartBy:   day("2027-03-01"),
		Harvest:   &therapy.Harvest{BoneMarrowPossible: ptr(true), AdiposePossible: ptr(true)},
		Condition: &therapy.Condition{Category: ptr("neurological"), Site: ptr("spinal cord")},
		Patient:   &therapy.Patient{WeightKg: ptr(70.0)},
	}
}

func with(edit func(*therapy.Facts)) therapy.Facts {
	f := known()
	edit(&f)
	return f
}

func missingFacts(d *therapy.Decision) []string {
	out := []string{}
	for _, m := range d.Missing {
		out = append(out, m.Fact)
	}
	return out
}

func reasonRules(o therapy.Therapy) []string {
	out := []string{}
	for _, r := range o.Reasons {
		out = append(out, r.Rule)
	}
	return out
}

func suitable(b *bool) string {
	if b == nil {
		return "open"
	}
	if *b {
		return "yes"
	}
	return "no"
}

func TestSelect(t *testing.T) {
	tests := []struct {
		name        string
		facts       therapy.Facts
		choice      therapy.Choice
		aut, allo   string   // yes, no or open
		autReasons  []string // rules that ruled autologous out
		alloReasons []string
		missing     []string
	}{
		{"both suitable, no preference", known(), therapy.Either, "yes", "yes", nil, nil, nil},
		{"prefers autologous", with(func(f *therapy.Facts) { f.Preference = ptr("autologous") }),
			therapy.Autologous, "yes", "yes", nil, nil, nil},
		{"prefers allogeneic", with(func(f *therapy.Facts) { f.Preference = ptr("allogeneic") }),
			therapy.Allogeneic, "yes", "yes", nil, nil, nil},
		{"insufficient own cells", with(func(f *therapy.Facts) { f.OwnCells.Sufficient = ptr(false) }),
			therapy.Allogeneic, "no", "yes", []string{"own-cells-insufficient"}, nil, nil},
		{"insufficient own cells outweigh unknown quality and harvest",
			with(func(f *therapy.Facts) { f.OwnCells = &therapy.OwnCells{Sufficient: ptr(false)}; f.Harvest = nil }),
			therapy.Allogeneic, "no", "yes", []string{"own-cells-insufficient"}, nil, nil},
		{"poor quality", with(func(f *therapy.Facts) { f.OwnCells.GoodQuality = ptr(false) }),
			therapy.Allogeneic, "no", "yes", []string{"own-cells-poor-quality"}, nil, nil},
		{"nothing to collect", with(func(f *therapy.Facts) {
			f.Harvest = &therapy.Harvest{BoneMarrowPossible: ptr(false), AdiposePossible: ptr(false)}
		}), therapy.Allogeneic, "no", "yes", []string{"no-biomaterial"}, nil, nil},
		{"start by the first day a dose is ready", with(func(f *therapy.Facts) { f.StartBy = day("2026-12-22") }),
			therapy.Either, "yes", "yes", nil, nil, nil},
		{"start by the day before a dose is ready", with(func(f *therapy.Facts) { f.StartBy = day("2026-12-21") }),
			therapy.Allogeneic, "no", "yes", []string{"autologous-too-late"}, nil, nil},
		{"start by today leaves donor cells", with(func(f *therapy.Facts) { f.StartBy = day("2026-11-24") }),
			therapy.Allogeneic, "no", "yes", []string{"autologous-too-late"}, nil, nil},
		{"ruled-out autologous asks nothing about its harvest or quality", with(func(f *therapy.Facts) {
			f.OwnCells.Sufficient = ptr(false)
			f.Harvest = nil
			f.StartBy = nil
			f.Condition = nil
			f.Patient = nil
			f.OwnCells.GoodQuality = nil
		}), therapy.Allogeneic, "no", "yes", []string{"own-cells-insufficient"}, nil, []string{"condition.category"}},
		{"start by unknown", with(func(f *therapy.Facts) { f.StartBy = nil }),
			therapy.Undetermined, "open", "yes", nil, nil, []string{"startBy"}},
		{"too few own cells, start by unknown: donor cells never wait on it",
			with(func(f *therapy.Facts) { f.OwnCells.Sufficient = ptr(false); f.StartBy = nil }),
			therapy.Allogeneic, "no", "yes", []string{"own-cells-insufficient"}, nil, nil},
		{"own cells unknown", with(func(f *therapy.Facts) { f.OwnCells = nil }),
			therapy.Undetermined, "open", "yes", nil, nil, []string{"ownCells.sufficient", "ownCells.goodQuality"}},
		{"preference for donor cells decides while own cells are unknown",
			with(func(f *therapy.Facts) { f.OwnCells = nil; f.Preference = ptr("allogeneic") }),
			therapy.Allogeneic, "open", "yes", nil, nil, []string{"ownCells.sufficient", "ownCells.goodQuality"}},
		{"preference for own cells does not decide while they are unknown",
			with(func(f *therapy.Facts) { f.OwnCells = nil; f.Preference = ptr("autologous") }),
			therapy.Undetermined, "open", "yes", nil, nil, []string{"ownCells.sufficient", "ownCells.goodQuality"}},
		{"bone marrow impossible, adipose unknown", with(func(f *therapy.Facts) {
			f.Harvest = &therapy.Harvest{BoneMarrowPossible: ptr(false)}
		}), therapy.Undetermined, "open", "yes", nil, nil, []string{"harvest.adiposePossible"}},
		{"per-kg dose with unknown weight", with(func(f *therapy.Facts) { f.Patient = &therapy.Patient{} }),
			therapy.Either, "yes", "yes", nil, nil, []string{"patient.weightKg"}},
		{"nothing known", therapy.Facts{AsOf: day("2026-11-24")}, therapy.Undetermined, "open", "yes", nil, nil,
			[]string{"ownCells.sufficient", "ownCells.goodQuality", "startBy", "harvest.boneMarrowPossible",
				"harvest.adiposePossible", "condition.category"}},
	}
	s := therapy.NewDefaultSelector()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := s.Select(context.Background(), tt.facts)
			if err != nil {
				t.Fatal(err)
			}
			if d.Choice != tt.choice || d.Outcome != tt.choice {
				t.Errorf("choice %s, outcome %s; want %s", d.Choice, d.Outcome, tt.choice)
			}
			if got := suitable(d.Options.Autologous.Suitable); got != tt.aut {
				t.Errorf("autologous suitable: %s, want %s", got, tt.aut)
			}
			if got := suitable(d.Options.Allogeneic.Suitable); got != tt.allo {
				t.Errorf("allogeneic suitable: %s, want %s", got, tt.allo)
			}
			if got := reasonRules(d.Options.Autologous.Therapy); !slices.Equal(got, orEmpty(tt.autReasons)) {
				t.Errorf("autologous reasons %v, want %v", got, tt.autReasons)
			}
			if got := reasonRules(d.Options.Allogeneic); !slices.Equal(got, orEmpty(tt.alloReasons)) {
				t.Errorf("allogeneic reasons %v, want %v", got, tt.alloReasons)
			}
			if got := missingFacts(d); !slices.Equal(got, orEmpty(tt.missing)) {
				t.Errorf("missing %v, want %v", got, tt.missing)
			}
			for _, m := range d.Missing {
				if m.Question == "" || len(m.Rules) == 0 {
					t.Errorf("missing %s has no question or rules: %+v", m.Fact, m)
				}
			}
		})
	}
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func TestSelectPlan(t *testing.T) {
	s := therapy.NewDefaultSelector()
	ctx := context.Background()

	d, err := s.Select(ctx, known())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := d.Options.Autologous.EarliestStart.String(), "2026-12-22"; got != want {
		t.Errorf("autologous earliest start %s, want %s (asOf + cultureDays 28)", got, want)
	}
	if got, want := d.Options.Allogeneic.EarliestStart.String(), "2026-11-24"; got != want {
		t.Errorf("allogeneic earliest start %s, want %s", got, want)
	}
	if d.Options.Autologous.Source != therapy.BoneMarrow {
		t.Errorf("source %q, want bone-marrow (param preferredSource)", d.Options.Autologous.Source)
	}
	if want := []therapy.Route{therapy.Intrathecal, therapy.Intravenous}; !slices.Equal(d.Routes, want) {
		t.Errorf("routes %v, want %v", d.Routes, want)
	}
	if d.Site != "spinal cord" {
		t.Errorf("site %q", d.Site)
	}
	if d.Dose == nil || d.Dose.Rule != "dose-by-weight" || d.Dose.CellsPerKg == nil || *d.Dose.CellsPerKg != 1e6 ||
		d.Dose.Cells == nil || *d.Dose.Cells != 7e7 || d.Dose.Administrations != 1 || d.Dose.IntervalDays != nil {
		t.Errorf("dose %+v, want 1e6/kg x 70 kg = 7e7 cells, one administration, no interval", d.Dose)
	}

	// A per-kg dose is never guessed: without the weight the cells are
	// absent and the weight is asked for.
	d, err = s.Select(ctx, with(func(f *therapy.Facts) { f.Patient = nil }))
	if err != nil {
		t.Fatal(err)
	}
	if d.Dose == nil || d.Dose.Cells != nil || d.Dose.CellsPerKg == nil {
		t.Errorf("dose without weight %+v, want cellsPerKg and no cells", d.Dose)
	}
	if got := missingFacts(d); !slices.Equal(got, []string{"patient.weightKg"}) {
		t.Errorf("missing %v, want [patient.weightKg]", got)
	}

	// Only adipose tissue can be collected.
	d, err = s.Select(ctx, with(func(f *therapy.Facts) { f.Harvest.BoneMarrowPossible = ptr(false) }))
	if err != nil {
		t.Fatal(err)
	}
	if d.Options.Autologous.Source != therapy.Adipose {
		t.Errorf("source %q, want adipose", d.Options.Autologous.Source)
	}
}

func TestSelectDefaultsAsOfToToday(t *testing.T) {
	clock := func() time.Time { return time.Date(2026, 11, 24, 23, 30, 0, 0, time.FixedZone("UTC+2", 2*3600)) }
	s := therapy.NewDefaultSelector(rules.WithClock(clock))
	f := known()
	f.AsOf = nil
	d, err := s.Select(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	if d.AsOf.String() != "2026-11-24" {
		t.Errorf("asOf %s, want the clock's day 2026-11-24", d.AsOf)
	}
	if f.AsOf != nil {
		t.Error("Select changed the caller's facts")
	}
}

func TestSelectCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := therapy.NewDefaultSelector().Select(ctx, known()); err == nil {
		t.Error("Select with a cancelled context gave no error")
	}
}

func TestNewSelector(t *testing.T) {
	tests := []struct {
		name string
		rs   *rules.Ruleset
		ok   bool
	}{
		{"default rules", therapy.DefaultRules(), true},
		{"nil ruleset", nil, false},
		{"eligibility ruleset", eligibility.DefaultRules(), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := therapy.NewSelector(tt.rs)
			if (err == nil) != tt.ok {
				t.Errorf("NewSelector error %v, want ok %v", err, tt.ok)
			}
		})
	}
}

// TestRulesetParams checks that the kind's schema rejects, at load time and
// at a file position, a rule file without a usable cultureDays.
func TestRulesetParams(t *testing.T) {
	const head = "ruleset: t\nversion: \"1\"\ndecision: therapy\n"
	const rule = "rules:\n  - {id: r, title: R, when: startBy < asOf, then: {unsuitable: allogeneic}, message: {en: m}}\n"
	tests := []struct {
		name, params string
		ok           bool
	}{
		{"no params", "", false},
		{"no cultureDays", "params: {preferredSource: adipose}\n", false},
		{"cultureDays not whole", "params: {cultureDays: 2.5}\n", false},
		{"cultureDays negative", "params: {cultureDays: -1}\n", false},
		{"cultureDays a string", "params: {cultureDays: x}\n", false},
		{"unknown source", "params: {cultureDays: 21, preferredSource: blood}\n", false},
		{"cultureDays given", "params: {cultureDays: 21}\n", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set, err := (&rules.Loader{Kinds: []rules.Kind{therapy.Kind()}}).LoadFS(fstest.MapFS{"t.yaml": {Data: []byte(head + tt.params + rule)}})
			if !tt.ok {
				probs := rules.Problems(err)
				if len(probs) == 0 || probs[0].Code != rules.CodeSchema || probs[0].Pos.Line == 0 {
					t.Errorf("load gave %v, want a schema problem at a line", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if _, err := therapy.NewSelector(set.Ruleset("t")); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestRulesetThenSchema(t *testing.T) {
	src := "ruleset: t\nversion: \"1\"\ndecision: therapy\nparams: {cultureDays: 21}\nrules:\n" +
		"  - {id: r, title: R, when: startBy < asOf, then: {unsuitable: donor}, message: {en: m}}\n" +
		"  - {id: s, title: S, when: startBy < asOf, then: {routes: [intravenous, oral]}, message: {en: m}}\n"
	_, err := (&rules.Loader{Kinds: []rules.Kind{therapy.Kind()}}).LoadFS(fstest.MapFS{"t.yaml": {Data: []byte(src)}})
	probs := rules.Problems(err)
	if len(probs) < 2 {
		t.Fatalf("load gave %v, want a schema problem for each bad then:", err)
	}
	for _, p := range probs {
		if p.Code != rules.CodeSchema || p.Pos.Line < 6 {
			t.Errorf("problem %v: want a schema problem at a rule's line", p)
		}
	}
}
