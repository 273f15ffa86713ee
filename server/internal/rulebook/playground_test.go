package rulebook

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"
)

func TestTryInThePlayground(t *testing.T) {
	shelf, err := Open("", Options{})
	if err != nil {
		t.Fatal(err)
	}
	src, err := shelf.Source("eligibility")
	if err != nil || !bytes.Contains(src, []byte("ruleset: msc-contraindications")) {
		t.Fatalf("the eligibility source: %v", err)
	}
	got := Try(context.Background(), src)
	if len(got.Problems) != 0 || got.Rules == 0 {
		t.Fatalf("the rules in force do not load in the playground: %v", got.Problems)
	}
	bad := bytes.Replace(src, []byte("oncologyWindowYears: 5"), []byte("oncologyWindowYears: [5"), 1)
	line := 1 + bytes.Count(src[:bytes.Index(src, []byte("oncologyWindowYears"))], []byte("\n"))
	got = Try(context.Background(), bad)
	if len(got.Problems) == 0 || !strings.HasPrefix(got.Problems[0], PlaygroundFile+":") {
		t.Fatalf("problems %v", got.Problems)
	}
	if !strings.Contains(strings.Join(got.Problems, "\n"), PlaygroundFile+":"+strconv.Itoa(line)+":") {
		t.Errorf("no problem at line %d: %v", line, got.Problems)
	}
	if shelf.Current().RulesOf("eligibility").Digest() == "" {
		t.Error("the rules in force changed")
	}
}

// TestImpactOfAWindowChange: a shorter oncology window moves the patient
// whose treatment ended four years ago, and only that one.
func TestImpactOfAWindowChange(t *testing.T) {
	shelf, err := Open("", Options{})
	if err != nil {
		t.Fatal(err)
	}
	src, _ := shelf.Source("eligibility")
	changed := bytes.Replace(src, []byte("oncologyWindowYears: 5"), []byte("oncologyWindowYears: 3"), 1)
	const rest = `"pregnant": false, "breastfeeding": false, "hiv": false, "immunodeficiency": false, "mentalStateUnstable": false, "acuteInflammation": false, "chronicExacerbation": false, "clottingDisorder": false`
	population := `{"asOf": "2026-11-24", "oncology": {"active": false, "everTreated": true, "lastTreatmentEnd": "2022-11-01"}, ` + rest + "}\n" +
		`{"asOf": "2026-11-24", "oncology": {"active": false, "everTreated": false}, ` + rest + "}\n" +
		`{"asOf": "2026-11-24", "oncology": {"active": false, "everTreated": true, "lastTreatmentEnd": "2025-01-01"}, ` + rest + "}\n" +
		`{"asOf": "2026-11-24", "pregnant": "yes"}` + "\n"
	trial, imp := shelf.TryAgainst(context.Background(), changed, []byte(strings.Split(population, "\n")[0]), "population.jsonl", []byte(population))
	if len(trial.Problems) > 0 || imp == nil {
		t.Fatalf("%v", trial.Problems)
	}
	if imp.Table.Patients != 3 || len(imp.Moved) != 1 || imp.Moved[0].Line != 1 || imp.Moved[0].InForce != "ineligible" || imp.Moved[0].Trial != "eligible" {
		t.Errorf("impact %+v", imp)
	}
	if !strings.HasPrefix(imp.Moved[0].Change, "outcome ineligible -> eligible; fired -") {
		t.Errorf("the change is said %q", imp.Moved[0].Change)
	}
	// A bad line is said as celltherapy diff says it: file:line: $.path: why.
	if len(imp.LineErrors) != 1 || !strings.HasPrefix(imp.LineErrors[0], "population.jsonl:4: $.pregnant: ") {
		t.Errorf("the bad line is said %q", imp.LineErrors)
	}
	if !strings.Contains(imp.TableText, "1 of 3 patient(s) changed; 1 bad line(s)") {
		t.Errorf("the table:\n%s", imp.TableText)
	}
	if !strings.Contains(imp.Decision, `"outcome": "eligible"`) {
		t.Errorf("decision %s", imp.Decision)
	}
	if d, _ := shelf.Current().Decide(context.Background(), "eligibility", []byte(strings.Split(population, "\n")[0])); d.Outcome != "ineligible" {
		t.Errorf("the rules in force changed: %s", d.Outcome)
	}
}
