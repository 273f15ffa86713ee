package main

import (
	"os"
	"strings"
	"testing"

	"github.com/reocell/celltherapy/eligibility"
	"github.com/reocell/celltherapy/recommendations"
	"github.com/reocell/celltherapy/therapy"
)

// TestDocumentedOutputIsCurrent checks that the sample decisions pasted in
// the README and docs/ come from the rules as they are: their digest changes
// with any edit of a rule file, and then the samples must be pasted anew.
func TestDocumentedOutputIsCurrent(t *testing.T) {
	for doc, digests := range map[string][]string{
		"../../README.md":         {eligibility.DefaultRules().Digest()},
		"../../docs/therapy.md":   {therapy.DefaultRules().Digest()},
		"../../docs/aftercare.md": {recommendations.DefaultAftercareRules().Digest(), recommendations.DefaultTriageRules().Digest()},
	} {
		text, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range digests {
			if !strings.Contains(string(text), d) {
				t.Errorf("%s does not show the current digest %s: paste its sample output anew", doc, d)
			}
		}
	}
}
