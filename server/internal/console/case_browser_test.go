package console_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

var eligible = map[string]string{
	"facts.oncology.active": "false", "facts.oncology.everTreated": "false", "facts.pregnant": "false",
	"facts.breastfeeding": "false", "facts.hiv": "false", "facts.immunodeficiency": "false",
	"facts.mentalStateUnstable": "false", "facts.acuteInflammation": "false",
	"facts.chronicExacerbation": "false", "facts.clottingDisorder": "false",
}

// TestWholeCaseInTheBrowser takes one case from booking to closure by
// clicking, signed in as each role in turn, with every date entered in the
// past; on the way a refused command shows its rule, each role is offered
// only its commands, the Russian toggle works, and axe-core finds no
// serious or critical violation on any page.
func TestWholeCaseInTheBrowser(t *testing.T) {
	ctx := needBrowser(t)
	axe := axeSource(t)
	e := newEnv(t, envOptions{})
	u := &ui{t: t, ctx: ctx, e: e}
	var report []string
	a11y := func(page string) { report = append(report, checkAxe(t, ctx, axe, page)) }

	u.run(chromedp.Navigate(e.URL + "/console"))
	u.waitFor(`!!document.querySelector('#sign-in')`, "the sign-in page")
	if !strings.Contains(u.text(".devmode"), "Development mode") {
		t.Error("the sign-in page does not say development mode")
	}
	a11y("sign-in")
	shot(t, ctx, "sign-in")

	// The administrator opens and books the case from the worklist.
	u.signInAs("administrator")
	u.run(chromedp.SetValue(chromedp.ID("#open-caseId"), "case-b1"),
		chromedp.SetValue(chromedp.ID("#open-patient"), "patient-17"),
		chromedp.SetValue(chromedp.ID("#open-at"), "2026-06-01T09:00"),
		chromedp.Click(chromedp.CSS(`#form-open-case button`)))
	u.waitFor(`!!document.querySelector('#stage')`, "the new case's page")
	if got := u.stage(); got != "booking" {
		t.Fatalf("new case in %q", got)
	}
	a11y("case (booking, administrator)")
	u.give("book-appointment", "2026-06-01T09:05", map[string]string{"reason": "left knee pain", "specialist": "orthopedist-2", "slot": "2026-06-03T10:00"})
	if got := u.stage(); got != "consultation" {
		t.Fatalf("after booking: %q", got)
	}

	// The doctor records the consultation; a plan without measures goes to the board.
	u.signInAs("doctor")
	a11y("worklist (doctor)")
	shot(t, ctx, "worklist")
	if !strings.Contains(u.text("table.worklist"), "case-b1") {
		t.Error("the doctor's worklist does not show the consultation due")
	}
	u.openCasePage("case-b1")
	for _, item := range []string{"history", "records-review", "examination", "preliminary-diagnosis", "diagnostic-plan"} {
		u.give("record-consultation", "2026-06-03T10:30", map[string]string{"item": item, "text": "recorded"})
	}
	if got := u.stage(); got != "board-review" {
		t.Fatalf("after the consultation: %q", got)
	}

	// The lab has nothing to do at the board's review; the board has only its commands.
	u.signInAs("lab")
	u.openCasePage("case-b1")
	if n := u.count(`form.command`); n != 0 {
		t.Errorf("the lab is offered %d commands at the board's review", n)
	}
	u.signInAs("board")
	u.openCasePage("case-b1")
	forms := u.forms()
	for _, want := range []string{"screen", "select-therapy", "propose-plan", "decline"} {
		if !strings.Contains(forms, "form-"+want+" ") {
			t.Errorf("the board is not offered %s: %s", want, forms)
		}
	}
	for _, not := range []string{"withdraw", "agree", "administer", "book-appointment"} {
		if strings.Contains(forms, "form-"+not+" ") {
			t.Errorf("the board is offered %s", not)
		}
	}
	// Proposing before screening is refused, and the form shows the rule.
	refusal := u.try("propose-plan", "2026-06-10T09:00", map[string]string{"therapy": "allogeneic", "route": "intra-articular",
		"site": "left knee", "cells": "50000000", "procedures": "1", "quorum": "dr-a, dr-b, dr-c"})
	if !strings.Contains(refusal, "Refused by the procedure's rule") || !strings.Contains(refusal, "screen") {
		t.Errorf("refusal shown: %q", refusal)
	}
	a11y("case (refusal shown, board)")
	u.give("screen", "2026-06-10T09:10", eligible)
	u.give("select-therapy", "2026-06-10T09:20", map[string]string{"facts.ownCells.sufficient": "true", "facts.ownCells.goodQuality": "false",
		"facts.startBy": "2027-01-15", "facts.harvest.boneMarrowPossible": "true", "facts.harvest.adiposePossible": "true",
		"facts.condition.category": "orthopedic", "facts.condition.site": "left knee", "facts.patient.weightKg": "78"})
	if !strings.Contains(u.text("#dec-h + article"), "eligibility") {
		t.Error("the screening decision is not shown")
	}
	u.run(chromedp.Click(chromedp.CSS(`#cmd-propose-plan > summary`)))
	shot(t, ctx, "case")
	u.give("propose-plan", "2026-06-10T09:30", map[string]string{"therapy": "allogeneic", "route": "intra-articular",
		"site": "left knee", "cells": "50000000", "procedures": "1", "quorum": "dr-a, dr-b, dr-c"})
	if got := u.stage(); got != "consent" {
		t.Fatalf("after the plan: %q", got)
	}

	u.signInAs("doctor")
	u.openCasePage("case-b1")
	u.give("agree", "2026-06-11T10:00", nil)
	u.signInAs("lab")
	u.openCasePage("case-b1")
	u.give("allocate-lot", "2026-06-12T10:00", map[string]string{"lot": "D-2026-118"})
	u.give("release-product", "2026-06-13T10:00", map[string]string{"lot": "D-2026-118", "cells": "50000000", "checksPassed": "on"})
	if got := u.stage(); got != "administration" {
		t.Fatalf("after the release: %q", got)
	}

	u.signInAs("nurse")
	u.openCasePage("case-b1")
	u.give("screen", "2026-06-14T08:30", eligible)
	u.give("administer", "2026-06-14T09:30", map[string]string{"route": "intra-articular", "site": "left knee", "cells": "50000000", "lot": "D-2026-118"})
	if got := u.stage(); got != "follow-up" {
		t.Fatalf("after the administration: %q", got)
	}
	if u.count(`a[href$="/aftercare.ics"]`) != 1 || u.count(`a[href$="/leaflet?lang=ru"]`) != 1 {
		t.Error("no aftercare calendar and leaflets after the administration")
	}
	a11y("case (follow-up, nurse)")

	u.signInAs("doctor")
	u.openCasePage("case-b1")
	// Follow-up: the monitoring contacts of the schedule, one of them missed.
	u.give("record-contact", "2026-06-15T11:00", map[string]string{"contact": "a1-day-1-call", "note": "feels well"})
	u.give("record-contact", "2026-06-17T11:00", map[string]string{"contact": "a1-day-3-call"})
	u.give("record-contact", "2026-06-21T10:00", map[string]string{"contact": "a1-week-1-visit"})
	u.give("record-missed-contact", "2026-07-14T10:00", map[string]string{"contact": "a1-month-1-visit", "reason": "patient abroad; called instead"})
	if f := u.text("#findings"); !strings.Contains(f, "Missed contact") || !strings.Contains(f, "a1-month-1-visit") {
		t.Errorf("the Findings section does not show the missed contact: %q", f)
	}
	a11y("case (finding shown, doctor)")
	refusal = u.try("assess-effectiveness", "2026-08-20T10:00", map[string]string{"result": "improved"})
	if !strings.Contains(refusal, "assess-in-effect-window") {
		t.Errorf("assessing before the effect window: %q", refusal)
	}
	u.give("record-contact", "2026-09-14T10:00", map[string]string{"contact": "a1-month-3-visit"})
	refusal = u.try("complete", "2026-09-20T10:00", nil)
	if !strings.Contains(refusal, "complete-needs-effectiveness") {
		t.Errorf("completing before the assessment: %q", refusal)
	}
	u.give("assess-effectiveness", "2026-09-20T10:00", map[string]string{"result": "improved", "note": "walks without pain"})
	u.give("complete", "2026-09-20T10:05", nil)
	if got, outcome := u.stage(), u.text("#outcome"); got != "closed" || outcome != "completed" {
		t.Fatalf("at the end: %q %q", got, outcome)
	}
	a11y("case (closed, doctor)")
	shot(t, ctx, "case-closed")

	// Russian: every text of the page.
	u.run(chromedp.Navigate(e.URL + "/console/worklist"))
	u.waitFor(`!!document.querySelector('h1')`, "the worklist")
	u.run(chromedp.Click(chromedp.CSS(`form[action="/console/language"] button`)))
	u.waitFor(`document.documentElement.lang === "ru"`, "the Russian page")
	if h := u.text("h1"); !strings.HasPrefix(h, "Список задач") {
		t.Errorf("Russian heading %q", h)
	}
	a11y("worklist (doctor, Russian)")
	shot(t, ctx, "worklist-ru")
	u.openCasePage("case-b1")
	if !strings.Contains(u.text("#stage-h"), "Где находится случай") {
		t.Errorf("Russian case page: %q", u.text("#stage-h"))
	}
	a11y("case (Russian)")
	u.run(chromedp.Navigate(e.URL + "/console/rules"))
	u.waitFor(`!!document.querySelector('.checklist')`, "the rules in force")
	a11y("rules in force (Russian)")
	shot(t, ctx, "rules-ru")
	// The command forms' labels are Russian too.
	u.signInAs("administrator")
	u.run(chromedp.SetValue(chromedp.ID("#open-caseId"), "case-b2"),
		chromedp.SetValue(chromedp.ID("#open-patient"), "patient-18"),
		chromedp.SetValue(chromedp.ID("#open-at"), "2026-09-21T09:00"),
		chromedp.Click(chromedp.CSS(`#form-open-case button`)))
	u.waitFor(`!!document.querySelector('#stage')`, "the second case's page")
	u.run(chromedp.Click(chromedp.CSS(`#cmd-book-appointment > summary`)))
	if got := u.text(`label[for="book-appointment--reason"]`); got != "Причина" {
		t.Errorf("Russian label of the booking's reason: %q", got)
	}
	if got := u.text(`#cmd-book-appointment > summary`); !strings.Contains(got, "первичную консультацию") {
		t.Errorf("Russian title of the booking: %q", got)
	}
	a11y("case (booking, administrator, Russian)")
	u.run(chromedp.Navigate(e.URL + "/console/cases/nothing"))
	u.waitFor(`!!document.querySelector('.error')`, "the error page")
	a11y("error page")
	for _, l := range report {
		t.Log(l)
	}
}

func (u *ui) count(sel string) int {
	n, err := chromedp.Run(u.ctx, chromedp.Evaluate[int](`document.querySelectorAll(`+"`"+sel+"`"+`).length`))
	if err != nil {
		u.t.Fatal(err)
	}
	return n
}

// forms lists the ids of the command forms on the page, each followed by a space.
func (u *ui) forms() string {
	s, err := chromedp.Run(u.ctx, chromedp.Evaluate[string](`Array.from(document.querySelectorAll('form.command')).map(f => f.id + ' ').join('')`))
	if err != nil {
		u.t.Fatal(err)
	}
	return s
}
