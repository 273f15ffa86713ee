package therapy_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/reocell/celltherapy/rules"
	"github.com/reocell/celltherapy/therapy"
)

func TestDecodeFactsErrors(t *testing.T) {
	tests := []struct {
		name, in string
		paths    []string // JSON paths of the problems, in order
	}{
		{"unknown field", `{"ownCells": {"sufficent": true}}`, []string{"$.ownCells.sufficent"}},
		{"unknown top-level field", `{"weightKg": 70}`, []string{"$.weightKg"}},
		{"wrong type", `{"patient": {"weightKg": "70"}}`, []string{"$.patient.weightKg"}},
		{"wrong type for a group", `{"harvest": true}`, []string{"$.harvest"}},
		{"impossible date", `{"startBy": "2027-02-30"}`, []string{"$.startBy"}},
		{"enum value outside the set", `{"preference": "xenogeneic"}`, []string{"$.preference"}},
		{"category outside the set", `{"condition": {"category": "cardiac"}}`, []string{"$.condition.category"}},
		{"every problem at once", `{"asOf": "24.11.2026", "ownCells": {"goodQuality": "yes"}, "preference": "donor"}`,
			[]string{"$.asOf", "$.ownCells.goodQuality", "$.preference"}},
		{"not JSON", `{"asOf": `, []string{"$"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := therapy.DecodeFacts([]byte(tt.in))
			var fe rules.FieldErrors
			if !errors.As(err, &fe) {
				t.Fatalf("error %v (%T), want rules.FieldErrors", err, err)
			}
			var paths []string
			for _, e := range fe {
				paths = append(paths, e.Path)
			}
			if strings.Join(paths, " ") != strings.Join(tt.paths, " ") {
				t.Errorf("paths %v, want %v", paths, tt.paths)
			}
			// encoding/json goes through the same checks.
			var f therapy.Facts
			if err := json.Unmarshal([]byte(tt.in), &f); err == nil {
				t.Error("json.Unmarshal accepted it")
			}
		})
	}
}

func TestFactsRoundTrip(t *testing.T) {
	in := `{"asOf":"2026-11-24","condition":{"category":"orthopedic","site":"left knee"},` +
		`"harvest":{"adiposePossible":true,"boneMarrowPossible":false},"ownCells":{"sufficient":true},` +
		`"patient":{"weightKg":70.5},"preference":"autologous","startBy":"2027-03-01"}`
	f, err := therapy.DecodeFacts([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if f.OwnCells.GoodQuality != nil {
		t.Error("an absent fact became known")
	}
	out, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != in {
		t.Errorf("round trip:\n got %s\nwant %s", out, in)
	}
	var back therapy.Facts
	if err := json.Unmarshal(out, &back); err != nil {
		t.Fatal(err)
	}
	if *back.Patient.WeightKg != 70.5 || *back.Condition.Site != "left knee" {
		t.Errorf("json.Unmarshal gave %+v", back)
	}
}

func TestDecodeFactsNullIsUnknown(t *testing.T) {
	f, err := therapy.DecodeFacts([]byte(`{"startBy": null, "ownCells": {"sufficient": null}}`))
	if err != nil {
		t.Fatal(err)
	}
	if f.StartBy != nil || f.OwnCells == nil || f.OwnCells.Sufficient != nil {
		t.Errorf("null should leave facts unknown: %+v", f)
	}
}
