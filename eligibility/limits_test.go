package eligibility_test

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/reocell/celltherapy/eligibility"
	"github.com/reocell/celltherapy/rules"
)

func TestScreenRefusesDatesOutsideTheirYears(t *testing.T) {
	tests := []struct {
		name string
		edit func(*eligibility.Facts)
		path string
	}{
		{"asOf in 9999", func(f *eligibility.Facts) { f.AsOf = day("9999-01-01") }, "$.asOf"},
		{"treatment end in 9999", func(f *eligibility.Facts) {
			f.Oncology = &eligibility.Oncology{Active: new(false), EverTreated: new(true), LastTreatmentEnd: day("9999-01-01")}
		}, "$.oncology.lastTreatmentEnd"},
		{"treatment end before 1900", func(f *eligibility.Facts) {
			f.Oncology = &eligibility.Oncology{Active: new(false), EverTreated: new(true), LastTreatmentEnd: day("1899-12-31")}
		}, "$.oncology.lastTreatmentEnd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := allClear()
			tt.edit(&f)
			_, err := eligibility.NewDefaultScreener().Screen(context.Background(), f)
			var fe rules.FieldErrors
			if !errors.As(err, &fe) || len(fe) != 1 || fe[0].Path != tt.path {
				t.Errorf("error %v, want one at %s", err, tt.path)
			}
			js, _ := json.Marshal(f)
			if _, err := eligibility.DecodeFacts(js); !errors.As(err, &fe) || fe[0].Path != tt.path {
				t.Errorf("decoding %s: %v, want an error at %s", js, err, tt.path)
			}
		})
	}
}

// TestLatestDecisionDecodes screens on the last day facts may hold, after a
// treatment that ended that day: the re-screening day, five years on, is
// written and read back as it is.
func TestLatestDecisionDecodes(t *testing.T) {
	f := allClear()
	f.AsOf = day("2199-12-31")
	f.Oncology = &eligibility.Oncology{Active: new(false), EverTreated: new(true), LastTreatmentEnd: day("2199-12-31")}
	d, err := eligibility.NewDefaultScreener().Screen(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	js, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	// The dates of the decision, read with the decoder of rules.Date.
	var back struct {
		AsOf     rules.Date
		Findings []struct{ RescreenFrom *rules.Date }
	}
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatalf("%s does not decode: %v", js, err)
	}
	if got := back.Findings[0].RescreenFrom; got == nil || got.String() != "2205-01-01" {
		t.Errorf("rescreenFrom %v, want 2205-01-01", got)
	}
}

// TestScreenStopsAtTheDeadline screens with a rule that would run for a
// minute (three nested loops over 1,000 elements, allowed by a raised load
// budget): a 200 ms deadline stops it, and the error names the rule.
func TestScreenStopsAtTheDeadline(t *testing.T) {
	xs := make([]string, 1000)
	for i := range xs {
		xs[i] = strconv.Itoa(i)
	}
	src := "ruleset: slow\nversion: \"1\"\ndecision: eligibility\nparams: {xs: [" + strings.Join(xs, ", ") + "]}\n" +
		"rules:\n  - id: slow\n    title: Slow\n    when: 'any(params.xs, any(params.xs, any(params.xs, # < 0 && hiv == false)))'\n" +
		"    then: {duration: permanent}\n    message: {en: Slow.}\n    source: a test\n"
	l := &rules.Loader{Kinds: []rules.Kind{eligibility.Kind()}, MaxRuleCost: 1 << 50, EvalBudget: 1 << 50}
	set, err := l.Load(rules.File{Name: "slow.yaml", Data: []byte(src)})
	if err != nil {
		t.Fatal(err)
	}
	s, err := eligibility.NewScreener(set.Ruleset("slow"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = s.Screen(ctx, allClear())
	var re *rules.RuleError
	if !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &re) || re.Rule != "slow" {
		t.Fatalf("error %v, want the deadline, naming rule slow", err)
	}
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("returned after %v, want about 200ms", elapsed)
	}
	// The same rule is refused at the default load budget.
	if _, err := (&rules.Loader{Kinds: []rules.Kind{eligibility.Kind()}}).Load(rules.File{Name: "slow.yaml", Data: []byte(src)}); err == nil {
		t.Error("the rule loaded at the default budget")
	}
}
