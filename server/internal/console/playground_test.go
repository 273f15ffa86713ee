package console_test

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/reocell/celltherapy/server/internal/auth"
)

const badRules = "ruleset: trial\nversion: \"1\"\ndecision: eligibility\nrules:\n  - id: x\n    when: pregnent == true\n"

// TestPlayground: the lint fragment names each problem at file:line:col
// in the words of celltherapy lint (the messages below are what
// "celltherapy lint playground.yaml" prints for the same file), an upload is tried the same, a ruleset in
// force opens and loads, and the rules in force stay as they were.
func TestPlayground(t *testing.T) {
	e := newEnv(t, envOptions{})
	c := e.browser(t)
	e.signIn(t, c, auth.Board, "b")
	_, before := e.get(t, c, "/console/rules")

	resp, body := e.postPage(t, c, "/console/playground/lint", url.Values{"yaml": {badRules}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "playground.yaml:6:11: unknown fact pregnent; did you mean pregnant?") ||
		!strings.Contains(body, "playground.yaml:5:5: missing required key &#34;message&#34; in rules/0") {
		t.Errorf("lint: %d\n%s", resp.StatusCode, body)
	}
	if strings.Contains(body, "<html") {
		t.Error("the lint answer is a whole page, not a fragment")
	}

	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", "mine.yaml")
	io.WriteString(fw, badRules)
	mw.Close()
	req, _ := http.NewRequest("POST", e.URL+"/console/playground", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", e.URL)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), "playground.yaml:6:") {
		t.Errorf("upload: %d", resp.StatusCode)
	}

	_, body = e.get(t, c, "/console/playground?kind=eligibility")
	if !strings.Contains(body, "ruleset: msc-contraindications") || !strings.Contains(body, `class="ok"`) {
		t.Error("the eligibility rules in force do not open clean in the playground")
	}
	if _, after := e.get(t, c, "/console/rules"); after != before {
		t.Error("the rules in force changed")
	}
}

// TestPlaygroundInTheBrowser: typing shows the lint problem at its line,
// through htmx's debounced calls, and axe-core finds nothing serious.
func TestPlaygroundInTheBrowser(t *testing.T) {
	ctx := needBrowser(t)
	axe := axeSource(t)
	e := newEnv(t, envOptions{})
	u := &ui{t: t, ctx: ctx, e: e}
	u.signInAs("doctor")
	u.run(chromedp.Navigate(e.URL + "/console/playground?kind=eligibility"))
	u.waitFor(`!!document.querySelector('#trial .ok')`, "the rules in force, clean")
	// Type a misspelt fact at the end of the file.
	u.run(chromedp.SetValue(chromedp.ID("yaml"), strings.TrimSuffix(badRules, "pregnent == true\n")),
		chromedp.SendKeys(chromedp.ID("yaml"), "pregnent == true\n"))
	u.waitFor(`document.querySelector('#trial').innerText.includes('playground.yaml:6:')`, "the problem at line 6")
	t.Log(checkAxe(t, ctx, axe, "playground"))

	// Shorten the oncology window and upload a population: the patient
	// whose treatment ended four years ago moves to eligible; a bad line
	// is named as the CLI names it.
	dir := t.TempDir()
	pop := filepath.Join(dir, "population.jsonl")
	const rest = `"pregnant": false, "breastfeeding": false, "hiv": false, "immunodeficiency": false, "mentalStateUnstable": false, "acuteInflammation": false, "chronicExacerbation": false, "clottingDisorder": false`
	if err := os.WriteFile(pop, []byte(`{"asOf": "2026-11-24", "oncology": {"active": false, "everTreated": false}, `+rest+"}\n"+
		`{"asOf": "2026-11-24", "oncology": {"active": false, "everTreated": true, "lastTreatmentEnd": "2022-11-01"}, `+rest+"}\n"+
		`{"asOf": "2026-11-24", "pregnant": "yes"}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	u.run(chromedp.Navigate(e.URL+"/console/playground?kind=eligibility"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('#yaml').value = document.querySelector('#yaml').value.replace('oncologyWindowYears: 5', 'oncologyWindowYears: 3')`),
		chromedp.SetUploadFiles(chromedp.ID("population"), []string{pop}),
		chromedp.Click(chromedp.ID("try")))
	u.waitFor(`!!document.querySelector('#moved')`, "the moved patients")
	if got := u.text("#moved tbody"); !strings.Contains(got, "2\tineligible\teligible") {
		t.Errorf("moved patients: %q", got)
	}
	// The bad third line, said as celltherapy diff says it.
	u.waitFor(`document.body.innerText.includes('population.jsonl:3: $.pregnant: ')`, "the bad line, named by file and line")
	t.Log(checkAxe(t, ctx, axe, "playground (impact)"))
	shot(t, ctx, "playground")
}
