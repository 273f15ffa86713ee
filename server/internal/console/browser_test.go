package console_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The browser tests drive Debian's chromium through chromedp: one browser
// for the whole test binary (started on first use, stopped by TestMain),
// a new tab per test. Without chromium they skip, except under CI=true,
// where they fail.

var browser struct {
	once   sync.Once
	ctx    context.Context
	cancel context.CancelFunc
	err    error
	dir    string
}

func TestMain(m *testing.M) {
	code := m.Run()
	if browser.cancel != nil {
		browser.cancel()
		os.RemoveAll(browser.dir)
	}
	os.Exit(code)
}

func chromiumPath() string {
	for _, p := range []string{os.Getenv("CELLTHERAPY_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	return ""
}

// needBrowser skips (fails under CI) when there is no chromium, and
// returns a new tab of the one browser in a browser context of its own,
// closed with the test.
func needBrowser(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is not installed (apt-get install -y chromium); the browser tests must run in CI")
		}
		t.Skip("chromium is not installed; apt-get install -y chromium to run the browser tests")
	}
	browser.once.Do(func() {
		browser.dir, browser.err = os.MkdirTemp("", "celltherapy-chromium-")
		if browser.err != nil {
			return
		}
		opts := []chromedp.ExecAllocatorOption{
			chromedp.ExecPath(path),
			chromedp.NoSandbox, // CI runs as root
			chromedp.Headless,
			chromedp.DisableGPU,
			chromedp.NoFirstRun,
			chromedp.NoDefaultBrowserCheck,
			chromedp.UserDataDir(browser.dir),
			chromedp.Flag("disable-background-networking", true),
			chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-sync", true),
			chromedp.Flag("disable-quic", true),
			chromedp.WindowSize(1280, 900),
		}
		actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		bctx, cancelBrowser := chromedp.NewContext(actx)
		browser.err = chromedp.Do(bctx) // starts the browser
		browser.ctx = bctx
		browser.cancel = func() { cancelBrowser(); cancelAlloc() }
	})
	if browser.err != nil {
		t.Fatalf("starting chromium: %v", browser.err)
	}
	// A browser context of its own: no cookie of another test.
	tab, cancel := chromedp.NewContext(browser.ctx, chromedp.WithNewBrowserContext())
	tab, cancelTimeout := context.WithTimeout(tab, 2*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancel() })
	return tab
}

// axeSource is axe-core's script, installed by .ci/run outside the
// repository (npm, pinned).
func axeSource(t *testing.T) string {
	t.Helper()
	path := os.Getenv("CELLTHERAPY_AXE")
	if path == "" {
		home, _ := os.UserHomeDir()
		path = filepath.Join(home, ".cache", "celltherapy-npm", "node_modules", "axe-core", "axe.min.js")
	}
	src, err := os.ReadFile(path)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("axe-core: %v (installed by .ci/run)", err)
		}
		t.Skipf("axe-core is not installed (%v); npm install --prefix ~/.cache/celltherapy-npm axe-core@4.14.1", err)
	}
	return string(src)
}

type axeResult struct {
	Violations []struct {
		ID     string `json:"id"`
		Impact string `json:"impact"`
		Help   string `json:"help"`
		Nodes  []struct {
			Target []any `json:"target"`
		} `json:"nodes"`
	} `json:"violations"`
	Passes []string `json:"passes"`
}

// checkAxe injects axe-core into the page through the DevTools protocol
// (Runtime.evaluate, which the page's CSP does not govern) and fails on
// any serious or critical violation. It returns a line for the report.
func checkAxe(t *testing.T, ctx context.Context, axe, page string) string {
	t.Helper()
	err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](axe))
	var res axeResult
	if err == nil {
		res, err = chromedp.Run(ctx, chromedp.Evaluate[axeResult](
			`axe.run(document, {resultTypes: ["violations"]}).then(r => ({violations: r.violations, passes: r.passes.map(p => p.id)}))`,
			chromedp.EvalAwaitPromise))
	}
	if err != nil {
		t.Fatalf("axe on %s: %v", page, err)
	}
	var minor []string
	for _, v := range res.Violations {
		if v.Impact == "serious" || v.Impact == "critical" {
			t.Errorf("axe on %s: %s (%s): %s at %v", page, v.ID, v.Impact, v.Help, v.Nodes)
		} else {
			minor = append(minor, v.ID+" ("+v.Impact+")")
		}
	}
	line := fmt.Sprintf("axe-core on %s: %d violations serious or critical, %d minor %v, %d rules passed", page,
		len(res.Violations)-len(minor), len(minor), minor, len(res.Passes))
	return line
}

// shot writes a screenshot of the page to the screenshot directory
// (CELLTHERAPY_SCREENSHOTS, default a folder in the temporary directory).
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("CELLTHERAPY_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "celltherapy-console-screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// ui is a tab on the console of one server.
type ui struct {
	t      *testing.T
	ctx    context.Context
	e      *env
	caseID string // the case page last opened
}

func (u *ui) run(steps ...chromedp.Action[chromedp.Void]) {
	u.t.Helper()
	if err := chromedp.Do(u.ctx, steps...); err != nil {
		u.t.Fatal(err)
	}
}

func (u *ui) text(sel string) string {
	u.t.Helper()
	s, err := chromedp.Run(u.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		u.t.Fatal(err)
	}
	return strings.TrimSpace(s)
}

// waitFor polls the page until js is true.
func (u *ui) waitFor(js, what string) {
	u.t.Helper()
	deadline := time.Now().Add(30 * time.Second) // CI runs other packages' tests beside the browser
	for {
		ok, err := chromedp.Run(u.ctx, chromedp.Evaluate[bool](js))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			body, _ := chromedp.Run(u.ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
			u.t.Fatalf("waiting for %s: %v\n%s", what, err, body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (u *ui) signInAs(role string) {
	u.t.Helper()
	signedIn, _ := chromedp.Run(u.ctx, chromedp.Evaluate[bool](`!!document.querySelector('form[action="/console/sign-out"] button')`))
	if signedIn {
		u.run(chromedp.Click(chromedp.CSS(`form[action="/console/sign-out"] button`)))
		u.waitFor(`!!document.querySelector('#sign-in')`, "the sign-in page")
	} else {
		u.run(chromedp.Navigate(u.e.URL + "/console/sign-in"))
	}
	u.run(chromedp.Click(chromedp.ID("#role-"+role)),
		chromedp.SetValue(chromedp.ID("#name"), role+"-1"),
		chromedp.Click(chromedp.ID("#sign-in")))
	u.waitFor(`document.querySelector('.who') && document.querySelector('.who').innerText.includes('`+role+`-1')`, "signed in as "+role)
}

func (u *ui) openCasePage(id string) {
	u.t.Helper()
	u.caseID = id
	u.run(chromedp.Navigate(u.e.URL + "/console/cases/" + id))
	u.waitFor(`!!document.querySelector('#stage')`, "the case page")
}

func (u *ui) rows() int {
	n, err := chromedp.Run(u.ctx, chromedp.Evaluate[int](`document.querySelectorAll('table.timeline tbody tr').length`))
	if err != nil {
		u.t.Fatal(err)
	}
	return n
}

// give opens the command's form, fills it (field name: value; a value
// "on" ticks a checkbox) and gives it, then waits for the page that
// follows: the case with more events, or a refusal.
func (u *ui) give(typ string, at string, fields map[string]string) {
	u.t.Helper()
	if msg := u.try(typ, at, fields); msg != "" {
		u.t.Fatalf("%s refused: %s", typ, msg)
	}
}

// try is give, returning the refusal shown, "" when the command was taken.
func (u *ui) try(typ string, at string, fields map[string]string) string {
	u.t.Helper()
	// The page the last command led to must have finished loading, and
	// htmx its request, swap and settle, before its form is filled and
	// clicked: a click on a page being swapped is lost.
	u.waitFor(`document.readyState === "complete" && !document.querySelector(".htmx-request, .htmx-swapping, .htmx-settling")`, "the page to load")
	if u.maybeText(".refusal") != "" {
		u.openCasePage(u.caseID) // the page of the refusal, not of the case
	}
	before := u.rows()
	if open, _ := chromedp.Run(u.ctx, chromedp.Evaluate[bool](`document.querySelector("#cmd-`+typ+`").open`)); !open {
		u.run(chromedp.Click(chromedp.CSS(`#cmd-` + typ + ` > summary`)))
	}
	for name, v := range fields {
		sel := fmt.Sprintf(`#form-%s [name="%s"]`, typ, name)
		if v == "on" {
			u.run(chromedp.Click(chromedp.CSS(sel)))
			continue
		}
		u.run(chromedp.SetValue(chromedp.CSS(sel), v))
	}
	if at != "" {
		u.run(chromedp.SetValue(chromedp.CSS(fmt.Sprintf(`#form-%s [name="at"]`, typ)), at))
	}
	u.run(chromedp.Click(chromedp.ID("#give-" + typ)))
	u.waitFor(fmt.Sprintf(`document.querySelectorAll('table.timeline tbody tr').length > %d || !!document.querySelector('.refusal')`, before), typ)
	return u.maybeText(".refusal")
}

func (u *ui) maybeText(sel string) string {
	s, _ := chromedp.Run(u.ctx, chromedp.Evaluate[string](fmt.Sprintf(`(document.querySelector(%q) || {innerText: ""}).innerText`, sel)))
	return strings.TrimSpace(s)
}

func (u *ui) stage() string { return u.text("#stage") }
