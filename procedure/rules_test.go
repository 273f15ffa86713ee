package procedure_test

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/reocell/celltherapy/procedure"
)

// TestEveryRuleDocumented reads the package's source for the rule ids a
// refusal can name and checks that Rules (and so docs/procedure.md)
// describes each one, and nothing else.
func TestEveryRuleDocumented(t *testing.T) {
	ids := regexp.MustCompile(`(?:refuse\(|rule = |needPlan\(t, "[a-z]+", )"([a-z-]+)"`)
	files, _ := filepath.Glob("*.go")
	used := map[string]bool{}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ids.FindAllSubmatch(src, -1) {
			used[string(m[1])] = true
		}
	}
	documented := map[string]bool{}
	for _, r := range procedure.Rules() {
		documented[r.ID] = true
		if !used[r.ID] {
			t.Errorf("rule %s is documented but never refuses anything", r.ID)
		}
	}
	for id := range used {
		if !documented[id] {
			t.Errorf("rule %s refuses commands but is not in Rules()", id)
		}
	}
	if len(used) < 20 {
		t.Fatalf("found only %d rule ids in the source; the pattern is out of date", len(used))
	}
}
