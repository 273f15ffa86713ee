package procedure_test

import (
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/reocell/celltherapy/eligibility"
	"github.com/reocell/celltherapy/procedure"
	"github.com/reocell/celltherapy/procedure/storetest"
	"github.com/reocell/celltherapy/rules"
)

// TestInjectedRules checks that the guards consult the screener the caller
// gives, and record its ruleset's digest: a clinic whose own rules shorten
// the oncology window to two years lets a patient treated three years ago
// through the board.
func TestInjectedRules(t *testing.T) {
	src, err := fs.ReadFile(eligibility.DefaultFS(), "contraindications.yaml")
	if err != nil {
		t.Fatal(err)
	}
	own := strings.Replace(string(src), "oncologyWindowYears: 5", "oncologyWindowYears: 2", 1)
	set, err := (&rules.Loader{Kinds: []rules.Kind{eligibility.Kind()}}).LoadFS(fstest.MapFS{"contraindications.yaml": {Data: []byte(own)}})
	if err != nil {
		t.Fatal(err)
	}
	screener, err := eligibility.NewScreener(set.Rulesets()[0])
	if err != nil {
		t.Fatal(err)
	}
	facts := `{"oncology": {"active": false, "everTreated": true, "lastTreatmentEnd": "2023-06-30"}, "pregnant": false, "breastfeeding": false,
		"hiv": false, "immunodeficiency": false, "mentalStateUnstable": false, "acuteInflammation": false, "chronicExacerbation": false, "clottingDisorder": false}`
	for name, tc := range map[string]struct {
		deciders procedure.Deciders
		outcome  string
		digest   string
	}{
		"default rules":  {procedure.Deciders{}, "ineligible", eligibility.DefaultRules().Digest()},
		"clinic's rules": {procedure.Deciders{Screener: screener}, "eligible", screener.Ruleset().Digest()},
	} {
		t.Run(name, func(t *testing.T) {
			cases := procedure.NewCases(procedure.NewMemoryStore(), procedure.WithClock(storetest.Now), procedure.WithDeciders(tc.deciders))
			if _, err := storetest.Drive(t.Context(), cases, "c", storetest.WholeCase("c", true)[:inBoard]); err != nil {
				t.Fatal(err)
			}
			res, err := give(cases, procedure.Board, `{"type": "screen", "at": "2026-11-20T09:10:00Z", "facts": `+facts+`}`)
			if err != nil {
				t.Fatal(err)
			}
			if res.Case.Screening.Outcome != tc.outcome || res.Events[0].Decision.Digest != tc.digest {
				t.Errorf("screening %s with digest %s, want %s with %s", res.Case.Screening.Outcome, res.Events[0].Decision.Digest, tc.outcome, tc.digest)
			}
		})
	}
}
