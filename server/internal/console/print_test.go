package console_test

import (
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/reocell/celltherapy/server/internal/auth"
)

// TestCasePagePrints: under print media the case page keeps the case, its
// decisions and timeline, and drops the tools and the command forms.
func TestCasePagePrints(t *testing.T) {
	ctx := needBrowser(t)
	e := newEnv(t, envOptions{})
	c := e.browser(t)
	e.signIn(t, c, auth.Administrator, "ann")
	e.openCase(t, c, "case-p", "patient-p")
	u := &ui{t: t, ctx: ctx, e: e}
	u.signInAs("administrator")
	u.openCasePage("case-p")
	display := func(sel string) string {
		d, err := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector("`+sel+`")).display`))
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	if display(".commands") == "none" {
		t.Fatal("the commands are hidden on screen")
	}
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
		t.Fatal(err)
	}
	for sel, want := range map[string]bool{".commands": false, ".top": false, "table.timeline": true, "#stage-h": true} {
		if got := display(sel) != "none"; got != want {
			t.Errorf("printed, %s shown: %v", sel, got)
		}
	}
}
