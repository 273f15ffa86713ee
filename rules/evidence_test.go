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

// TestEvidenceReadsBack decodes what MarshalJSON writes, facts in order.
func TestEvidenceReadsBack(t *testing.T) {
	in := rules.Evidence{{Fact: "oncology.everTreated", Value: true}, {Fact: "asOf", Value: "2026-11-24"}, {Fact: "patient.weightKg", Value: 70.5}}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out rules.Evidence
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if again, _ := json.Marshal(out); string(again) != string(b) || len(out) != 3 || out[1].Fact != "asOf" {
		t.Errorf("read back %v as %s, want %s", out, again, b)
	}
	if err := json.Unmarshal([]byte(`[1]`), &out); err == nil {
		t.Error("a list was read as evidence")
	}
}
