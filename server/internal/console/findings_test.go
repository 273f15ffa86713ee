package console

import (
	"strings"
	"testing"
	"time"

	"github.com/reocell/celltherapy/procedure"
)

// TestFindingsOfACase: the case page's findings are the worklist's
// findings and flags of the case, one line each with the roles it is due
// to, then the findings referred to the board; the stage's work is not
// among them.
func TestFindingsOfACase(t *testing.T) {
	at := time.Date(2026, 7, 14, 10, 0, 0, 0, time.UTC)
	c := &procedure.Case{ID: "case-f", Patient: "p", Version: 20, Stage: procedure.FollowUp, StageSince: at.AddDate(0, -1, 0), LastAt: at,
		Findings: []procedure.Finding{
			{Kind: procedure.SevereAdverseEvent, Version: 18, At: at},
			{Kind: procedure.ContraindicationFound, Version: 9, At: at.AddDate(0, -1, 0), Rules: []string{"oncology-active"}, Referred: true},
		},
		Reports:  []procedure.Report{{Version: 19, At: at, Symptom: "fever", Outcome: "contact-clinic", Flagged: true}},
		Contacts: []procedure.Contact{{ID: "a1-month-1-visit", Day: "2026-07-10", Missed: true, MissedAt: &at}},
	}
	got := findingsOf(c, procedure.Summarize(c, procedure.DefaultParams()))
	var lines []string
	for _, f := range got {
		var who []string
		for _, w := range f.Who {
			who = append(who, string(w))
		}
		lines = append(lines, f.Name("en")+" | "+f.Ref+" | "+strings.Join(who, ",")+" | "+map[bool]string{true: "referred"}[f.Referred])
	}
	want := []string{
		"Flagged side-effect report | event 19 | doctor | ",
		"Severe adverse event | event 18 | board,doctor | ",
		"Missed contact | a1-month-1-visit | doctor | ",
		"Contraindication found | event 9 |  | referred",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	if got[1].Where("ru") != "событие 18" {
		t.Errorf("where in Russian: %q", got[1].Where("ru"))
	}
	if got[0].Name("ru") != "Отмеченное сообщение о побочном эффекте" {
		t.Errorf("in Russian: %q", got[0].Name("ru"))
	}
}
