package recommendations_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/reocell/celltherapy/recommendations"
	"github.com/reocell/celltherapy/rules"
)

func TestFactsBuiltInGoAreChecked(t *testing.T) {
	late := time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		run  func() error
		path string
	}{
		{"an oral route", func() error {
			_, err := recommendations.NewDefaultPlanner().Plan(context.Background(), recommendations.Facts{AdministeredAt: &administered, Route: new("oral")})
			return err
		}, "$.route"},
		{"an administration in 2200", func() error {
			_, err := recommendations.NewDefaultPlanner().Plan(context.Background(), recommendations.Facts{AdministeredAt: &late})
			return err
		}, "$.administeredAt"},
		{"a symptom not on the list", func() error {
			now := administered.Add(time.Hour)
			_, err := recommendations.NewDefaultTriager().Triage(context.Background(), recommendations.TriageFacts{
				AdministeredAt: &administered, Now: &now, Symptom: &recommendations.Symptom{Name: new("cough")}})
			return err
		}, "$.symptom.name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var fe rules.FieldErrors
			if err := tt.run(); !errors.As(err, &fe) || len(fe) != 1 || fe[0].Path != tt.path {
				t.Errorf("error %v, want one at %s", err, tt.path)
			}
		})
	}
}
