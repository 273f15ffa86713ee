package rules_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/reocell/celltherapy/rules"
)

// TestEvidenceJSON holds the evidence's own encoding to what encoding/json
// writes for each fact and value.
func TestEvidenceJSON(t *testing.T) {
	at := time.Date(2026, 11, 24, 9, 30, 0, 5, time.FixedZone("", 3600))
	values := []any{true, false, 0, -42, 1 << 53, 2.5, 1e21, 78.0, "", "knee", `a "quoted" <b> & ü`,
		rules.DateOf(at), at, nil}
	names := []string{"hiv", "oncology.lastTreatmentEnd", "symptom.name", "odd \"name\"", "ü"}
	for _, v := range values {
		for _, name := range names {
			got, err := json.Marshal(rules.Evidence{{Fact: name, Value: v}, {Fact: "b", Value: v}})
			if err != nil {
				t.Fatal(err)
			}
			k, _ := json.Marshal(name)
			val, _ := json.Marshal(v)
			if want := "{" + string(k) + ":" + string(val) + `,"b":` + string(val) + "}"; string(got) != want {
				t.Errorf("%q: %v: got %s, want %s", name, v, got, want)
			}
		}
	}
	if _, err := json.Marshal(rules.Evidence{{Fact: "d", Value: rules.Date{Time: time.Date(12000, 1, 2, 0, 0, 0, 0, time.UTC)}}}); err == nil {
		t.Error("a day that cannot be written as YYYY-MM-DD was encoded")
	}
	if got, _ := json.Marshal(rules.Evidence{}); string(got) != "{}" {
		t.Errorf("no evidence: %s", got)
	}
}
