package eligibility_test

import (
	"encoding/json"
	"testing"

	"github.com/reocell/celltherapy/eligibility"
)

// FuzzDecodeFacts feeds the facts decoder any bytes: an error, or facts that
// encode and decode back to themselves; never a panic.
func FuzzDecodeFacts(f *testing.F) {
	f.Add([]byte(`{"asOf": "2026-11-24", "oncology": {"active": false, "everTreated": true, "lastTreatmentEnd": "2020-02-29"}, "hiv": null}`))
	f.Add([]byte(`{"pregnant": true, "pregnant": false}`))
	f.Add([]byte(`{"oncology": []}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		facts, err := eligibility.DecodeFacts(data)
		if err != nil {
			return
		}
		out, err := json.Marshal(facts)
		if err != nil {
			t.Fatal(err)
		}
		again, err := eligibility.DecodeFacts(out)
		if err != nil {
			t.Fatalf("%s does not decode again: %v", out, err)
		}
		// An empty group ("oncology": {}) and an absent one both say "all
		// unknown", so the facts are compared as encoded.
		if out2, _ := json.Marshal(again); string(out2) != string(out) {
			t.Fatalf("round trip changed the facts: %s then %s", out, out2)
		}
	})
}
