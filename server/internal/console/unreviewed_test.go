package console_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/reocell/celltherapy/fhir"
	"github.com/reocell/celltherapy/fhir/cdshooks"
	"github.com/reocell/celltherapy/server/internal/audit"
	"github.com/reocell/celltherapy/server/internal/auth"
	"github.com/reocell/celltherapy/server/internal/console"
	"github.com/reocell/celltherapy/server/internal/httpapi"
)

// screened records screenings as the CDS Hooks service does, through the
// server's screening sink into the audit log: one with a record the code
// tables do not know, one whose chart the tables understood.
func (e *env) screened(t testing.TB) {
	t.Helper()
	sink := httpapi.CDSAudit{Log: e.audit}
	at := time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC)
	for _, sc := range []cdshooks.Screening{
		{Service: "msc-screening", Hook: "order-select", HookInstance: "hi-1", Client: "https://ehr.example", PatientID: "pat-7", At: at,
			Facts: json.RawMessage(`{"asOf":"2026-11-24"}`), Provenance: fhir.Provenance{},
			Open: fhir.Provenance{"oncology.active": {{Reference: "Condition/c-2", Coding: fhir.Coding{System: "http://snomed.info/sct", Code: "363346000"}}}},
			Unreviewed: []fhir.UnreviewedRecord{{Reference: "Condition/c-9",
				Coding: []fhir.Coding{{System: "http://snomed.info/sct", Code: "31541009", Display: "Sarcoidosis"}}, Text: "sarcoid of the lung"}},
			CodeTables: fhir.CodeTables{Name: "msc-codes", Version: "1", Digest: "sha256:c0de"},
			Decision:   json.RawMessage(`{"outcome":"undetermined","ruleset":{"digest":"sha256:ru1e"}}`)},
		{Service: "msc-screening", Hook: "patient-view", HookInstance: "hi-2", Client: "https://ehr.example", PatientID: "pat-clear", At: at.Add(time.Hour),
			Facts: json.RawMessage(`{}`), Provenance: fhir.Provenance{}, CodeTables: fhir.CodeTables{Name: "msc-codes", Version: "1", Digest: "sha256:c0de"},
			Decision: json.RawMessage(`{"outcome":"eligible","ruleset":{"digest":"sha256:ru1e"}}`)},
	} {
		if err := sink.RecordScreening(context.Background(), sc); err != nil {
			t.Fatal(err)
		}
	}
}

// TestUnreviewedRecords: the records CDS Hooks brought that the code
// tables did not know are listed (patient, record, when, hook) for the
// roles that screen and the auditor, one opens with all it says, the page
// says it is read only and offers no action, in English and Russian; the
// route table's roles are the console's.
func TestUnreviewedRecords(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.screened(t)
	nurse := e.browser(t)
	e.signIn(t, nurse, auth.Nurse, "nu")
	resp, body := e.get(t, nurse, "/console/unreviewed")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%d\n%s", resp.StatusCode, body)
	}
	for _, want := range []string{"<td>pat-7</td>", "<code>Condition/c-9</code>", "Sarcoidosis", "31541009", "sarcoid of the lung",
		"2026-11-24 09:30 UTC", "order-select · msc-screening", `id="read-only"`, "the API offers no action", `<a href="/console/unreviewed">Unreviewed records</a>`} {
		if !strings.Contains(body, want) {
			t.Errorf("the list lacks %q", want)
		}
	}
	if strings.Contains(body, "pat-clear") {
		t.Error("a screening without unreviewed records is listed")
	}
	main := body[strings.Index(body, `<main id="main">`):]
	if strings.Contains(main, "<form") {
		t.Error("the read-only page offers a form")
	}
	// A screening recorded after the page was read shows on the next read, first.
	if err := (httpapi.CDSAudit{Log: e.audit}).RecordScreening(context.Background(), cdshooks.Screening{Service: "msc-screening", Hook: "order-sign",
		PatientID: "pat-8", At: time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC), Facts: json.RawMessage(`{}`),
		Unreviewed: []fhir.UnreviewedRecord{{Reference: "MedicationRequest/m-1", Text: "an unknown drug"}},
		Decision:   json.RawMessage(`{"outcome":"undetermined","ruleset":{"digest":"sha256:ru1e"}}`)}); err != nil {
		t.Fatal(err)
	}
	_, again := e.get(t, nurse, "/console/unreviewed")
	if i, j := strings.Index(again, "<td>pat-8</td>"), strings.Index(again, "<td>pat-7</td>"); i < 0 || j < 0 || i > j {
		t.Errorf("the later screening is not listed first (%d, %d)", i, j)
	}
	link := regexp.MustCompile(`href="(/console/unreviewed/\d+)"`).FindStringSubmatch(body)
	if link == nil {
		t.Fatal("no link to the screening")
	}
	_, one := e.get(t, nurse, link[1])
	for _, want := range []string{`<dd id="patient">pat-7</dd>`, "order-select · msc-screening", "hi-1", "https://ehr.example",
		`<dd id="outcome">undetermined</dd>`, "msc-codes 1", "<strong>oncology.active</strong>: <code>Condition/c-2</code>",
		"<td><code>Condition/c-9</code></td>", "Sarcoidosis", "http://snomed.info/sct", "<td>sarcoid of the lung</td>", "the API offers no action"} {
		if !strings.Contains(one, want) {
			t.Errorf("the screening's page lacks %q", want)
		}
	}
	e.post(t, nurse, "/console/language", url.Values{"lang": {"ru"}})
	_, ru := e.get(t, nurse, link[1])
	for _, want := range []string{"Нераспознанные записи: pat-7", "Только просмотр", `<dd id="outcome">не определено</dd>`, "Из какого хука"} {
		if !strings.Contains(ru, want) {
			t.Errorf("the Russian page lacks %q", want)
		}
	}
	for _, path := range []string{"/console/unreviewed/999", "/console/unreviewed/x", "/console/unreviewed/0"} {
		if resp, _ := e.get(t, nurse, path); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d", path, resp.StatusCode)
		}
	}
	// The entry of the clear screening is no unreviewed record.
	var clear int64
	e.audit.Entries(context.Background(), func(en *audit.Entry) error {
		if en.Action == httpapi.ActionCDSScreening && strings.Contains(string(en.Input), "pat-clear") {
			clear = en.Seq
		}
		return nil
	})
	if resp, _ := e.get(t, nurse, "/console/unreviewed/"+strconv.FormatInt(clear, 10)); clear == 0 || resp.StatusCode != http.StatusNotFound {
		t.Errorf("the clear screening %d: %d", clear, resp.StatusCode)
	}

	// The roles: the route table's are the console's, and the others are refused.
	for _, rt := range e.api.Routes() {
		if strings.HasPrefix(rt.Path, "/console/unreviewed") && !slices.Equal(rt.Roles, console.ScreeningRoles()) {
			t.Errorf("%s: roles %v, the console's %v", rt.Path, rt.Roles, console.ScreeningRoles())
		}
	}
	if console.ActionCDSScreening != httpapi.ActionCDSScreening {
		t.Error("the console reads another action than the CDS Hooks screenings'")
	}
	for _, role := range auth.Roles() {
		c := e.browser(t)
		e.signIn(t, c, role, "r")
		resp, _ := e.get(t, c, "/console/unreviewed")
		admitted := slices.Contains(console.ScreeningRoles(), role)
		if (resp.StatusCode == http.StatusOK) != admitted || (!admitted && resp.StatusCode != http.StatusForbidden) {
			t.Errorf("%s: %d", role, resp.StatusCode)
		}
		_, work := e.get(t, c, "/console/worklist")
		if strings.Contains(work, `href="/console/unreviewed"`) != admitted {
			t.Errorf("%s: the link to the unreviewed records shown: %v", role, !admitted)
		}
	}
}

// TestUnreviewedRecordsInTheBrowser: a nurse reaches the unreviewed
// records from the menu, opens one, and axe-core
// finds nothing serious on either page, in English or Russian.
func TestUnreviewedRecordsInTheBrowser(t *testing.T) {
	ctx := needBrowser(t)
	axe := axeSource(t)
	e := newEnv(t, envOptions{})
	e.screened(t)
	u := &ui{t: t, ctx: ctx, e: e}
	u.signInAs("nurse")
	u.run(chromedp.Click(chromedp.CSS(`nav a[href="/console/unreviewed"]`)))
	u.waitFor(`!!document.querySelector('table.unreviewed')`, "the unreviewed records")
	if got := u.text("table.unreviewed tbody"); !strings.Contains(got, "pat-7") || !strings.Contains(got, "Condition/c-9") {
		t.Errorf("listed: %q", got)
	}
	t.Log(checkAxe(t, ctx, axe, "unreviewed records"))
	u.run(chromedp.Click(chromedp.CSS(`table.unreviewed tbody a`)))
	u.waitFor(`!!document.querySelector('#records')`, "the screening's records")
	if got := u.text("#read-only"); !strings.Contains(got, "no action") {
		t.Errorf("the page does not say it is read only: %q", got)
	}
	t.Log(checkAxe(t, ctx, axe, "unreviewed record"))
	shot(t, ctx, "unreviewed")
	u.run(chromedp.Click(chromedp.CSS(`button[name="lang"][value="ru"]`)))
	u.waitFor(`document.documentElement.lang === "ru" && !!document.querySelector('#records')`, "the Russian page")
	if got := u.text("#outcome"); got != "не определено" {
		t.Errorf("the outcome in Russian: %q", got)
	}
	t.Log(checkAxe(t, ctx, axe, "unreviewed record (ru)"))
}
