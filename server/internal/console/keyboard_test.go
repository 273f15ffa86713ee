package console_test

import (
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestKeyboardOnly signs in, opens a case and gives a command with the
// keyboard alone: Tab, the arrow keys, typing and Enter.
func TestKeyboardOnly(t *testing.T) {
	ctx := needBrowser(t)
	e := newEnv(t, envOptions{})
	u := &ui{t: t, ctx: ctx, e: e}
	u.run(chromedp.Navigate(e.URL + "/console/sign-in"))
	active := func() string {
		id, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement ? (document.activeElement.id || document.activeElement.tagName + ":" + document.activeElement.textContent.trim()) : ""`))
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	tabTo := func(want string) {
		t.Helper()
		for i := 0; i < 60; i++ {
			u.run(chromedp.KeyEvent(kb.Tab))
			if active() == want {
				return
			}
		}
		t.Fatalf("Tab never reached %s (at %s)", want, active())
	}
	tabTo("role-administrator")
	u.run(chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent(kb.ArrowUp)) // arrows move between the roles
	tabTo("name")
	u.run(chromedp.KeyEvent("ann"), chromedp.KeyEvent(kb.Enter))
	u.waitFor(`!!document.querySelector('#open-caseId')`, "the administrator's worklist")
	tabTo("open-caseId")
	u.run(chromedp.KeyEvent("case-k"))
	tabTo("open-patient")
	u.run(chromedp.KeyEvent("patient-k"), chromedp.KeyEvent(kb.Enter))
	u.waitFor(`!!document.querySelector('#stage')`, "the new case")
	// Open the withdrawal's form with the keyboard and give it.
	for i := 0; i < 80 && active() != "SUMMARY:withdraw (record that the patient withdrew)"; i++ {
		u.run(chromedp.KeyEvent(kb.Tab))
	}
	if got := active(); got != "SUMMARY:withdraw (record that the patient withdrew)" {
		t.Fatalf("the withdrawal's form is not reachable by Tab (at %s)", got)
	}
	u.run(chromedp.KeyEvent(kb.Enter))
	tabTo("give-withdraw")
	u.run(chromedp.KeyEvent(kb.Enter))
	u.waitFor(`document.querySelector('#stage') && document.querySelector('#stage').innerText === 'closed'`, "the case closed")
}
