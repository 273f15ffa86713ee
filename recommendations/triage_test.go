package recommendations_test

import (
	"context"
	"errors"
	"testing"

	"github.com/reocell/celltherapy/recommendations"
	"github.com/reocell/celltherapy/rules"
	"github.com/reocell/celltherapy/rules/rulestest"
)

func triage(t *testing.T, facts string) (*recommendations.TriageDecision, error) {
	t.Helper()
	f, err := recommendations.DecodeTriageFacts([]byte(facts))
	if err != nil {
		t.Fatalf("DecodeTriageFacts(%s): %v", facts, err)
	}
	return recommendations.NewDefaultTriager().Triage(context.Background(), f)
}

// TestTriage covers every branch; administration is 2026-11-24T09:30+01:00,
// so the 72-hour window ends at 2026-11-27T09:30+01:00 (08:30Z).
func TestTriage(t *testing.T) {
	const at = `"administeredAt":"2026-11-24T09:30:00+01:00"`
	for _, tc := range []struct {
		name, facts string
		want        recommendations.Action
		rule        string   // the first finding, if any
		missing     []string // for undetermined
	}{
		{"fever within the window", `{` + at + `,"symptom":{"name":"fever","onset":"2026-11-24T20:00:00+01:00","ongoing":true},"now":"2026-11-25T09:00:00+01:00"}`,
			recommendations.Expected, "expected-side-effect", nil},
		{"ongoing at exactly 72 hours", `{` + at + `,"symptom":{"name":"fever","onset":"2026-11-24T20:00:00+01:00","ongoing":true},"now":"2026-11-27T09:30:00+01:00"}`,
			recommendations.Expected, "expected-side-effect", nil},
		{"ongoing one second beyond 72 hours", `{` + at + `,"symptom":{"name":"fever","onset":"2026-11-24T20:00:00+01:00","ongoing":true},"now":"2026-11-27T09:30:01+01:00"}`,
			recommendations.ContactClinic, "lasting-beyond-window", nil},
		{"one second beyond, now in UTC", `{` + at + `,"symptom":{"name":"headache","onset":"2026-11-24T20:00:00+01:00","ongoing":true},"now":"2026-11-27T08:30:01Z"}`,
			recommendations.ContactClinic, "lasting-beyond-window", nil},
		{"exactly 72 hours, now in UTC", `{` + at + `,"symptom":{"name":"headache","onset":"2026-11-24T20:00:00+01:00","ongoing":true},"now":"2026-11-27T08:30:00Z"}`,
			recommendations.Expected, "expected-side-effect", nil},
		{"over, asked long after, end unknown", `{` + at + `,"symptom":{"name":"nausea","onset":"2026-11-24T20:00:00+01:00","ongoing":false},"now":"2027-01-01T00:00:00Z"}`,
			recommendations.Open, "", []string{"symptom.endedAt"}},
		{"over within the window, asked long after", `{` + at + `,"symptom":{"name":"nausea","onset":"2026-11-24T20:00:00+01:00","ongoing":false,"endedAt":"2026-11-25T08:00:00+01:00"},"now":"2027-01-01T00:00:00Z"}`,
			recommendations.Expected, "expected-side-effect", nil},
		{"a four-day headache that has just ended", `{` + at + `,"symptom":{"name":"headache","onset":"2026-11-24T10:00:00+01:00","ongoing":false,"endedAt":"2026-11-28T09:00:00+01:00"},"now":"2026-11-28T09:30:00+01:00"}`,
			recommendations.ContactClinic, "lasting-beyond-window", nil},
		{"began at exactly 72 hours", `{` + at + `,"symptom":{"name":"nausea","onset":"2026-11-27T09:30:00+01:00","ongoing":false,"endedAt":"2026-11-27T09:30:00+01:00"}}`,
			recommendations.Expected, "expected-side-effect", nil},
		{"began a second after 72 hours", `{` + at + `,"symptom":{"name":"nausea","onset":"2026-11-27T09:30:01+01:00","ongoing":false}}`,
			recommendations.ContactClinic, "late-onset", nil},
		{"injection-site redness right after", `{` + at + `,"symptom":{"name":"injection-site-redness","onset":"2026-11-24T09:45:00+01:00","ongoing":true},"now":"2026-11-24T12:00:00+01:00"}`,
			recommendations.Expected, "expected-site-reaction", nil},
		{"injection-site pain beginning two days after", `{` + at + `,"symptom":{"name":"injection-site-pain","onset":"2026-11-26T09:30:00+01:00","ongoing":true},"now":"2026-11-26T12:00:00+01:00"}`,
			recommendations.ContactClinic, "late-site-reaction", nil},
		{"began before the procedure", `{` + at + `,"symptom":{"name":"fever","onset":"2026-11-24T09:29:59+01:00","ongoing":true},"now":"2026-11-24T12:00:00+01:00"}`,
			recommendations.ContactClinic, "began-before-procedure", nil},
		{"another symptom", `{` + at + `,"symptom":{"name":"other","onset":"2026-11-24T10:00:00+01:00","ongoing":true},"now":"2026-11-24T11:00:00+01:00"}`,
			recommendations.ContactClinic, "other-symptom", nil},
		{"another symptom, all else unknown", `{"symptom":{"name":"other"}}`,
			recommendations.ContactClinic, "other-symptom", nil},
		{"nothing known", `{}`,
			recommendations.Open, "", []string{"administeredAt", "symptom.name", "symptom.onset", "symptom.ongoing", "symptom.endedAt", "now"}},
		{"still present, time of triage unknown", `{` + at + `,"symptom":{"name":"fever","onset":"2026-11-24T20:00:00+01:00","ongoing":true}}`,
			recommendations.Open, "", []string{"now"}},
		{"name unknown within the window", `{` + at + `,"symptom":{"onset":"2026-11-24T20:00:00+01:00","ongoing":false}}`,
			recommendations.Open, "", []string{"symptom.name", "symptom.endedAt", "now"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := triage(t, tc.facts)
			if err != nil {
				t.Fatal(err)
			}
			if d.Outcome != tc.want {
				t.Fatalf("outcome %s, want %s (findings %+v, missing %+v)", d.Outcome, tc.want, d.Findings, d.Missing)
			}
			if tc.want == recommendations.Open {
				if d.Action != "" || d.Reason != "" {
					t.Errorf("action %q reason %q on an undetermined triage", d.Action, d.Reason)
				}
				var got []string
				for _, m := range d.Missing {
					got = append(got, m.Fact)
					if m.Question == "" {
						t.Errorf("no question for %s", m.Fact)
					}
				}
				if !equal(got, tc.missing) {
					t.Errorf("missing %v, want %v", got, tc.missing)
				}
				return
			}
			if d.Action != tc.want || d.Reason == "" || len(d.Findings) == 0 || d.Findings[0].Rule != tc.rule {
				t.Errorf("action %s reason %q findings %+v, want %s from %s", d.Action, d.Reason, d.Findings, tc.want, tc.rule)
			}
		})
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestTriageRejectsImpossibleTimeline(t *testing.T) {
	for _, tc := range []struct{ name, facts, path string }{
		{"ended while still present", `{"symptom":{"name":"fever","ongoing":true,"endedAt":"2026-11-25T10:00:00Z"}}`, "$.symptom.endedAt"},
		{"ended before it began", `{"symptom":{"name":"fever","onset":"2026-11-25T10:00:00Z","endedAt":"2026-11-25T09:00:00Z"}}`, "$.symptom.endedAt"},
		{"ended after now", `{"symptom":{"name":"fever","endedAt":"2026-11-25T10:00:00Z"},"now":"2026-11-25T09:00:00Z"}`, "$.symptom.endedAt"},
		{"onset after now", `{"symptom":{"name":"fever","onset":"2026-11-25T10:00:00Z"},"now":"2026-11-25T09:00:00Z"}`, "$.symptom.onset"},
		{"now before administration", `{"administeredAt":"2026-11-24T09:30:00Z","now":"2026-11-24T09:00:00Z"}`, "$.now"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := triage(t, tc.facts)
			var fe rules.FieldErrors
			if !errors.As(err, &fe) || fe[0].Path != tc.path {
				t.Errorf("error %v, want rules.FieldErrors at %s", err, tc.path)
			}
		})
	}
}

func TestDecodeTriageFactsRejectsBadInput(t *testing.T) {
	for _, tc := range []struct{ name, json, path string }{
		{"unknown symptom", `{"symptom":{"name":"rash"}}`, "$.symptom.name"},
		{"unknown field", `{"symptom":{"severity":3}}`, "$.symptom.severity"},
		{"ongoing as a string", `{"symptom":{"ongoing":"yes"}}`, "$.symptom.ongoing"},
		{"bad instant", `{"now":"tomorrow"}`, "$.now"},
		{"name given twice", `{"symptom":{"name":"fever","name":"other"}}`, "$.symptom.name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := recommendations.DecodeTriageFacts([]byte(tc.json))
			var fe rules.FieldErrors
			if !errors.As(err, &fe) || fe[0].Path != tc.path {
				t.Errorf("error %v, want rules.FieldErrors at %s", err, tc.path)
			}
		})
	}
}

// TestTriageCoverage checks that the rule tests see every triage rule fired,
// clear and undetermined.
func TestTriageCoverage(t *testing.T) {
	rep := rulestest.RunTests(context.Background(), recommendations.DefaultTriageRules())
	for _, c := range rep.Coverage {
		if !c.Complete() {
			t.Errorf("rule %+v: not seen fired, clear and undetermined", c)
		}
	}
}
