package therapy_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/reocell/celltherapy/rules"
	"github.com/reocell/celltherapy/therapy"
)

// TestStartByPassedIsBadInput: a latest start day already past is a mistake
// in the request, reported at $.startBy, not a reason to rule either option
// out; from Go and from JSON alike.
func TestStartByPassedIsBadInput(t *testing.T) {
	s := therapy.NewDefaultSelector()
	_, err := s.Select(context.Background(), with(func(f *therapy.Facts) { f.StartBy = day("2026-11-23") }))
	var fe rules.FieldErrors
	if !errors.As(err, &fe) || fe[0].Path != "$.startBy" {
		t.Errorf("from Go: got %v, want a FactErrors at $.startBy", err)
	}
	_, err = therapy.Kind().DecideJSON(context.Background(), therapy.DefaultRules(), []byte(`{"asOf": "2026-11-24", "startBy": "2026-01-01"}`))
	if !errors.As(err, &fe) || fe[0].Path != "$.startBy" {
		t.Errorf("from JSON: got %v, want a FactErrors at $.startBy", err)
	}
	if therapy.DefaultRules().Rule("start-date-passed") != nil {
		t.Error("the invented rule start-date-passed is back")
	}
}

// TestSourceOnlyWhileAutologousIsPossible: no harvest is named, in the
// options or the findings, once autologous therapy is ruled out; it is
// while autologous therapy is suitable or open.
func TestSourceOnlyWhileAutologousIsPossible(t *testing.T) {
	for _, tt := range []struct {
		name   string
		facts  therapy.Facts
		source therapy.Source
	}{
		{"suitable", known(), therapy.BoneMarrow},
		{"open", with(func(f *therapy.Facts) { f.OwnCells = nil }), therapy.BoneMarrow},
		{"ruled out", with(func(f *therapy.Facts) { f.OwnCells.Sufficient = ptr(false) }), ""},
		{"too late", with(func(f *therapy.Facts) { f.StartBy = day("2026-11-30") }), ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d, err := therapy.NewDefaultSelector().Select(context.Background(), tt.facts)
			if err != nil {
				t.Fatal(err)
			}
			named := slices.ContainsFunc(d.Findings, func(f rules.Finding) bool { return f.Rule == "source-bone-marrow" })
			if d.Options.Autologous.Source != tt.source || named != (tt.source != "") {
				t.Errorf("source %q, finding named %v; want %q", d.Options.Autologous.Source, named, tt.source)
			}
		})
	}
}

// TestDecisionNamesItsUnconfirmedValues: the default rules' numbers and
// mappings the clinic's text does not give are named in every decision that
// rests on them.
func TestDecisionNamesItsUnconfirmedValues(t *testing.T) {
	for _, tt := range []struct {
		name  string
		facts therapy.Facts
		want  []string
	}{
		{"neurological, by weight", known(), []string{"params.cultureDays", "params.preferredSource", "params.systemicCellsPerKg",
			"params.systemicAdministrations", "params.systemicIntervalDays", "rules.routes-neurological.then.routes"}},
		{"orthopedic, autologous ruled out", with(func(f *therapy.Facts) {
			f.OwnCells.Sufficient = ptr(false)
			f.Condition.Category = ptr("orthopedic")
		}), []string{"params.cultureDays", "params.localCells", "params.localAdministrations", "params.localIntervalDays",
			"rules.routes-orthopedic.then.routes"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d, err := therapy.NewDefaultSelector().Select(context.Background(), tt.facts)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(d.Unconfirmed, tt.want) {
				t.Errorf("unconfirmed %v, want %v", d.Unconfirmed, tt.want)
			}
		})
	}
}
