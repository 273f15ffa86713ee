package rules

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// textParams are params with a text for people in them, as a schedule has.
type textParams struct {
	Days  int    `json:"days"`
	Items []item `json:"items"`
}

type item struct {
	Purpose Text `json:"purpose"`
}

type labelThen struct {
	Label string `json:"label"`
}

func loadText(t *testing.T, src string) (*Ruleset, error) {
	t.Helper()
	kind := MustKind(Spec[diffFacts, labelThen, textParams, any]{Name: "diff", Decide: noDecision})
	set, err := (&Loader{Kinds: []Kind{kind}}).Load(File{Name: "d.yaml", Data: []byte(src)})
	if err != nil {
		return nil, err
	}
	return set.Ruleset("d"), nil
}

const unconfirmedRules = `ruleset: d
version: "1"
decision: diff
params:
  days: 3
  items: [{purpose: {en: check}}]
unconfirmed:
  - {value: params.days, source: a paper, note: ask the lab}
  - {value: rules.late.then.label, source: our reading}
  - {value: params.items, source: our proposal, confirmed: true}
rules:
  - {id: late, title: T, when: 'addDays(g.day, params.days) < asOf', then: {label: soon}, message: {en: m}}
  - {id: flag, title: T, when: 'a', then: {label: x}, message: {en: m}}
`

func TestUnconfirmedValues(t *testing.T) {
	rs, err := loadText(t, unconfirmedRules)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, u := range rs.Unconfirmed() {
		got = append(got, u.Value+" ("+u.Source+")")
	}
	if want := []string{"params.days (a paper)", "rules.late.then.label (our reading)"}; !slices.Equal(got, want) {
		t.Errorf("Unconfirmed() = %v, want %v (a confirmed entry is left out)", got, want)
	}
	if u := rs.Unconfirmed()[0]; u.Note != "ask the lab" || u.Pos.Line != 8 {
		t.Errorf("first entry %+v", u)
	}
	if !rs.isUnconfirmed("params.days") || rs.isUnconfirmed("params.items") {
		t.Error("IsUnconfirmed")
	}
	old := time2("2026-01-01")
	asOf := time2("2026-11-24")
	for _, tt := range []struct {
		name     string
		facts    diffFacts
		goParams []string
		want     []string
	}{
		{"a fired rule: its condition's params and its then:", diffFacts{AsOf: &asOf, G: &diffGroup{Day: &old}}, nil, []string{"params.days", "rules.late.then.label"}},
		{"a clear rule: its condition's params", diffFacts{AsOf: &asOf, G: &diffGroup{Day: &asOf}}, nil, []string{"params.days"}},
		{"an undetermined rule shapes nothing", diffFacts{AsOf: &asOf}, nil, nil},
		{"params the Go code read", diffFacts{AsOf: &asOf}, []string{"days"}, []string{"params.days"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := Evaluate(t.Context(), rs, &tt.facts)
			if err != nil {
				t.Fatal(err)
			}
			if got := rs.unconfirmedIn(tt.goParams, []*result{&ev.Results[0], &ev.Results[1]}); !slices.Equal(got, tt.want) {
				t.Errorf("UnconfirmedIn = %v, want %v", got, tt.want)
			}
			if got := rs.unconfirmedAll(tt.goParams, ev.Results); len(ev.Results) == 2 && !slices.Equal(got, tt.want) {
				t.Errorf("Evaluation.Unconfirmed = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestUnconfirmedEntriesNameValuesThatExist(t *testing.T) {
	for _, tt := range []struct{ entry, want string }{
		{"{value: params.dayz, source: s}", "d.yaml:7:23: params.dayz names no param of the ruleset; did you mean days?"},
		{"{value: rules.lat.then.label, source: s}", "d.yaml:7:23: rules.lat.then.label names no rule of the ruleset: no rule lat; did you mean late?"},
		{"{value: rules.late.then.colour, source: s}", "d.yaml:7:23: rules.late.then.colour names nothing: rule late has no then.colour"},
		{"{value: params.days, source: s}, {value: params.days, source: t}", "d.yaml:7:56: params.days is already listed at line 7; list each value once"},
		{"{value: days, source: s}", "d.yaml:7:23: days names no value: write params.NAME or rules.ID.then.KEY"},
		{"{value: params.days}", `d.yaml:7:15: missing required key "source"`},
	} {
		t.Run(tt.entry, func(t *testing.T) {
			src := strings.Replace(unconfirmedRules, "unconfirmed:\n", "unconfirmed: ["+tt.entry+"]\nx:\n", 1)
			src = src[:strings.Index(src, "x:\n")] + src[strings.Index(src, "rules:\n"):]
			_, err := loadText(t, src)
			problems := Problems(err)
			if len(problems) == 0 || !strings.HasPrefix(problems[0].Error(), tt.want) {
				t.Fatalf("got %v, want %s", err, tt.want)
			}
		})
	}
}

func TestDeclaredLocalesAreGivenEverywhere(t *testing.T) {
	full := `ruleset: d
version: "1"
decision: diff
locales: [en, ru]
params:
  days: 3
  items: [{purpose: {en: check, ru: 'проверка'}}]
questions:
  a: {en: 'A?', ru: 'А?'}
rules:
  - {id: r, title: {en: Title, ru: Заголовок}, when: a, message: {en: m, ru: м}}
`
	rs, err := loadText(t, full)
	if err != nil {
		t.Fatal(err)
	}
	if rs.Rule("r").TitleIn("ru") != "Заголовок" || rs.Rule("r").TitleIn("en") != "Title" || rs.Rule("r").TitleIn("de") != "Title" {
		t.Error("a title by locale")
	}
	if !slices.Equal(rs.Locales(), []string{"en", "ru"}) {
		t.Errorf("Locales() = %v", rs.Locales())
	}
	for _, tt := range []struct{ name, from, to, at string }{
		{"message", "m, ru: м}", "m}", "d.yaml:11:66"},
		{"title", "Title, ru: Заголовок}", "Title}", "d.yaml:11:20"},
		{"question", "'A?', ru: 'А?'}", "'A?'}", "d.yaml:9:6"},
		{"text in params", "check, ru: 'проверка'}", "check}", "d.yaml:7:21"},
		{"locales without en", "[en, ru]", "[ru]", "d.yaml:4:10"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadText(t, strings.Replace(full, tt.from, tt.to, 1))
			problems := Problems(err)
			if len(problems) != 1 || problems[0].Pos.String() != tt.at {
				t.Fatalf("got %v, want one problem at %s", err, tt.at)
			}
		})
	}
	if _, err := loadText(t, strings.Replace(strings.Replace(full, "locales: [en, ru]\n", "", 1), ", ru: м}", "}", 1)); err != nil {
		t.Errorf("a ruleset that declares no locales needs only en: %v", err)
	}
}

func time2(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

// TestUnconfirmedEntryOfABrokenRule: an entry naming the then: of a rule
// whose condition does not compile adds no problem of its own.
func TestUnconfirmedEntryOfABrokenRule(t *testing.T) {
	src := strings.Replace(unconfirmedRules, "when: 'addDays(g.day, params.days) < asOf'", "when: 'nosuchfact'", 1)
	_, err := loadText(t, src)
	problems := Problems(err)
	if len(problems) != 1 || problems[0].Code != CodeUnknownFact {
		t.Errorf("got %v, want only the unknown fact", err)
	}
}
