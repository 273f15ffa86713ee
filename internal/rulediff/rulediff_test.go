package rulediff

import (
	"strings"
	"testing"
)

// TestTable: patients are counted by outcome before and after, a change of
// fired rules or missing facts counts as changed even when the outcome
// stays, and the text is the grid celltherapy diff prints.
func TestTable(t *testing.T) {
	v := func(outcome string, fired ...string) Verdict {
		return Verdict{Outcome: outcome, Fired: append([]string{}, fired...), Missing: []string{}}
	}
	var tb Table
	if tb.Add(v("eligible"), v("eligible")) {
		t.Error("an unchanged patient is changed")
	}
	if !tb.Add(v("ineligible", "oncology"), v("eligible")) {
		t.Error("a moved patient is unchanged")
	}
	if !tb.Add(v("ineligible", "hiv", "oncology"), v("ineligible", "hiv")) {
		t.Error("a patient whose fired rules change is unchanged")
	}
	tb.Bad++
	var out strings.Builder
	if err := tb.Write(&out); err != nil {
		t.Fatal(err)
	}
	want := "\n" +
		"from \\ to     eligible  ineligible\n" +
		"eligible             1           0\n" +
		"ineligible           1           1\n" +
		"2 of 3 patient(s) changed; 1 bad line(s)\n"
	if out.String() != want {
		t.Errorf("table:\n%q\nwant\n%q", out.String(), want)
	}
	if got := Describe(v("ineligible", "hiv", "oncology"), v("ineligible", "hiv")); got != "outcome ineligible; fired -oncology" {
		t.Errorf("Describe: %q", got)
	}
	if got := Describe(v("ineligible", "oncology"), v("eligible")); got != "outcome ineligible -> eligible; fired -oncology" {
		t.Errorf("Describe: %q", got)
	}
}
