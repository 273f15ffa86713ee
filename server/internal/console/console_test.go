package console_test

import (
	"context"
	"crypto/rand"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/reocell/celltherapy/server/internal/auth"
	"github.com/reocell/celltherapy/server/internal/console"
	"github.com/reocell/celltherapy/server/internal/rulebook"
)

// openCase opens a case as the administrator and returns its path.
func (e *env) openCase(t testing.TB, c *http.Client, id, patient string) string {
	t.Helper()
	resp := e.post(t, c, "/console/cases", url.Values{"caseId": {id}, "patient": {patient}, "at": {"2026-09-01T09:00"}, "key": {"open-" + id}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("open case: %d", resp.StatusCode)
	}
	return resp.Header.Get("Location")
}

// TestEveryPageCarriesTheStrictPolicy: every console answer has the CSP
// and no page has inline script, inline style or another origin.
func TestEveryPageCarriesTheStrictPolicy(t *testing.T) {
	e := newEnv(t, envOptions{})
	c := e.browser(t)
	resp, body := e.get(t, c, "/console/sign-in")
	pages := map[string]string{"/console/sign-in": body}
	checkHeaders(t, "/console/sign-in", resp)
	e.signIn(t, c, auth.Administrator, "ann")
	casePath := e.openCase(t, c, "case-1", "Maria Ivanova")
	for _, path := range []string{"/console/worklist", casePath, "/console/cases/none", "/console/rules", "/console/static/console.css"} {
		resp, body := e.get(t, c, path)
		checkHeaders(t, path, resp)
		pages[path] = body
	}
	inline := regexp.MustCompile(`(?i)<script[^>]*>[^<]|\sstyle=|\son[a-z]+=|<style|https?://`)
	scriptTag := regexp.MustCompile(`(?i)<script[^>]*>`)
	for path, body := range pages {
		if strings.HasSuffix(path, ".css") {
			continue
		}
		for _, tag := range scriptTag.FindAllString(body, -1) {
			if !strings.Contains(tag, ` src="/console/static/`) {
				t.Errorf("%s: %s is not a script of the console's own", path, tag)
			}
		}
		if m := inline.FindString(body); m != "" {
			t.Errorf("%s: %q would need a looser policy", path, m)
		}
		if !strings.Contains(body, "Development mode") {
			t.Errorf("%s does not say it is development mode", path)
		}
	}
}

func checkHeaders(t *testing.T, path string, resp *http.Response) {
	t.Helper()
	if got := resp.Header.Get("Content-Security-Policy"); got != console.ContentSecurityPolicy {
		t.Errorf("%s: CSP %q", path, got)
	}
	for _, want := range []string{"script-src 'self'", "style-src 'self'", "default-src 'none'", "frame-ancestors 'none'"} {
		if !strings.Contains(console.ContentSecurityPolicy, want) {
			t.Errorf("policy lacks %s", want)
		}
	}
	if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("%s: no nosniff", path)
	}
}

// TestCrossOriginPostIsRefused: an unsafe request from another site is
// refused by the cross-origin protection before it reaches a handler.
func TestCrossOriginPostIsRefused(t *testing.T) {
	e := newEnv(t, envOptions{})
	c := e.browser(t)
	e.signIn(t, c, auth.Administrator, "ann")
	for name, set := range map[string]func(*http.Request){
		"Origin":         func(r *http.Request) { r.Header.Set("Origin", "https://evil.example") },
		"Sec-Fetch-Site": func(r *http.Request) { r.Header.Set("Sec-Fetch-Site", "cross-site") },
	} {
		form := url.Values{"caseId": {"x-" + name}, "patient": {"p"}, "at": {"2026-09-01T09:00"}}
		req, _ := http.NewRequest("POST", e.URL+"/console/cases", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		set(req)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", name, resp.StatusCode)
		}
	}
	if _, body := e.get(t, c, "/console/cases/x-Origin"); !strings.Contains(body, "No such case") {
		t.Error("the cross-origin post opened a case")
	}
	// The same post from the console's own origin is taken.
	if resp := e.post(t, c, "/console/cases", url.Values{"caseId": {"ok"}, "patient": {"p"}, "at": {"2026-09-01T09:00"}}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("same-origin post: %d", resp.StatusCode)
	}
}

// TestSessionCookie: HttpOnly, SameSite=Lax, Secure (with the __Host-
// prefix) unless on loopback in development.
func TestSessionCookie(t *testing.T) {
	for _, secure := range []bool{false, true} {
		e := newEnv(t, envOptions{secure: secure})
		resp := e.signIn(t, e.browser(t), auth.Doctor, "dr")
		var ck *http.Cookie
		for _, c := range resp.Cookies() {
			if strings.Contains(c.Name, "session") {
				ck = c
			}
		}
		if ck == nil {
			t.Fatal("no session cookie")
		}
		if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Secure != secure || ck.Path != "/" {
			t.Errorf("secure=%v: cookie %+v", secure, ck)
		}
		if secure != strings.HasPrefix(ck.Name, "__Host-") {
			t.Errorf("secure=%v: cookie named %s", secure, ck.Name)
		}
		if n := len(ck.Value); n < 40 {
			t.Errorf("token of %d characters", n)
		}
	}
}

// TestSessionTimeouts: a session unused for the idle timeout, or older
// than the absolute timeout, is over; signing out ends it at once.
func TestSessionTimeouts(t *testing.T) {
	var now atomic.Int64
	now.Store(time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC).UnixMicro())
	clock := func() time.Time { return time.UnixMicro(now.Load()) }
	advance := func(d time.Duration) { now.Add(d.Microseconds()) }
	e := newEnv(t, envOptions{now: clock})
	c := e.browser(t)
	e.signIn(t, c, auth.Doctor, "dr")
	ok := func(want bool, when string) {
		t.Helper()
		resp, _ := e.get(t, c, "/console/worklist")
		if got := resp.StatusCode == http.StatusOK; got != want {
			t.Fatalf("%s: %d", when, resp.StatusCode)
		}
		if !want && resp.Header.Get("Location") != "/console/sign-in" {
			t.Fatalf("%s: sent to %q", when, resp.Header.Get("Location"))
		}
	}
	ok(true, "just signed in")
	advance(console.DefaultIdle - time.Minute)
	ok(true, "used before the idle timeout")
	advance(console.DefaultIdle - time.Minute)
	ok(true, "used again before the idle timeout") // the last use counts
	advance(console.DefaultIdle + time.Second)
	ok(false, "idle past the timeout")

	e.signIn(t, c, auth.Doctor, "dr")
	for used := time.Duration(0); used < console.DefaultAbsolute-20*time.Minute; used += 20 * time.Minute {
		advance(20 * time.Minute)
		ok(true, "in use")
	}
	advance(21 * time.Minute)
	ok(false, "past the absolute timeout")

	e.signIn(t, c, auth.Doctor, "dr")
	ok(true, "signed in again")
	if resp := e.post(t, c, "/console/sign-out", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign out: %d", resp.StatusCode)
	}
	ok(false, "signed out")
	// A session over is gone from the database, not only refused.
	advance(console.DefaultAbsolute * 2)
	if _, err := e.sessions.Sweep(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := console.CountSessions(t, e.sessions); n != 0 {
		t.Errorf("%d sessions left after the sweep", n)
	}
}

// TestSessionsAreSharedThroughTheDatabase: a second server on the same
// database takes the session the first one made.
func TestSessionsAreSharedThroughTheDatabase(t *testing.T) {
	a := newEnv(t, envOptions{})
	c := a.browser(t)
	a.signIn(t, c, auth.Lab, "lab-1")
	b := newEnv(t, envOptions{file: a.file})
	u, _ := url.Parse(b.URL)
	ua, _ := url.Parse(a.URL)
	c.Jar.SetCookies(u, c.Jar.Cookies(ua))
	if resp, body := b.get(t, c, "/console/worklist"); resp.StatusCode != http.StatusOK || !strings.Contains(body, "lab-1") {
		t.Errorf("second server: %d", resp.StatusCode)
	}
}

// TestNoPersonalDataInTheLog: the patient, the case's facts and the
// session token never reach the log.
func TestNoPersonalDataInTheLog(t *testing.T) {
	e := newEnv(t, envOptions{})
	c := e.browser(t)
	resp := e.signIn(t, c, auth.Administrator, "ann")
	path := e.openCase(t, c, "case-7", "Maria Ivanova")
	e.get(t, c, path)
	e.post(t, c, path+"/commands", url.Values{"type": {"book-appointment"}, "at": {"2026-09-01T09:30"}, "key": {"k1"}, "version": {"1"},
		"reason": {"knee osteoarthritis"}, "specialist": {"Dr Petrov"}, "slot": {"2026-09-05T10:00"}})
	logs := e.logs.String()
	if !strings.Contains(logs, `"route":"POST /console/cases/{id}/commands"`) {
		t.Fatalf("the command's request was not logged: %s", logs)
	}
	secrets := []string{"Maria Ivanova", "knee osteoarthritis", "Dr Petrov", "case-7"}
	for _, ck := range resp.Cookies() {
		secrets = append(secrets, ck.Value)
	}
	for _, s := range secrets {
		if strings.Contains(logs, s) {
			t.Errorf("the log holds %q", s)
		}
	}
}

// TestRoleAndCommands: the route table's roles hold for console routes,
// and a case page offers only the commands the role may give now.
func TestRoleAndCommands(t *testing.T) {
	e := newEnv(t, envOptions{})
	admin := e.browser(t)
	e.signIn(t, admin, auth.Administrator, "ann")
	path := e.openCase(t, admin, "case-r", "P")
	_, body := e.get(t, admin, path)
	for _, want := range []string{`id="form-book-appointment"`, `id="form-cancel-case"`, `id="form-withdraw"`} {
		if !strings.Contains(body, want) {
			t.Errorf("administrator in booking: no %s", want)
		}
	}
	if strings.Contains(body, `id="form-record-consultation"`) {
		t.Error("administrator is offered a doctor's command")
	}
	auditor := e.browser(t)
	e.signIn(t, auditor, auth.Auditor, "aud")
	_, body = e.get(t, auditor, path)
	if strings.Contains(body, `<form method="post" action="/console/cases/case-r/commands"`) {
		t.Error("the auditor is offered a command")
	}
	resp := e.post(t, auditor, path+"/commands", url.Values{"type": {"withdraw"}, "at": {"2026-09-01T10:00"}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("auditor's command: %d, want 403 from the route table", resp.StatusCode)
	}
	nobody := e.browser(t)
	if resp := e.post(t, nobody, path+"/commands", url.Values{"type": {"withdraw"}, "at": {"2026-09-01T10:00"}}); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("no session: %d, want 401", resp.StatusCode)
	}
}

// TestRefusalShowsTheRule: a command the procedure refuses shows the
// rule and its message on the form, and a bad field its problem.
func TestRefusalShowsTheRule(t *testing.T) {
	e := newEnv(t, envOptions{})
	c := e.browser(t)
	e.signIn(t, c, auth.Administrator, "ann")
	path := e.openCase(t, c, "case-x", "P")
	// Booking without the reason: a problem next to the field.
	resp, body := e.postPage(t, c, path+"/commands", url.Values{"type": {"book-appointment"}, "at": {"2026-09-01T09:30"}, "key": {"a"}, "version": {"1"},
		"specialist": {"Dr P"}, "slot": {"2026-09-05T10:00"}})
	if resp.StatusCode != http.StatusBadRequest || !regexp.MustCompile(`name="reason"[^>]*>\s*<span class="problem" role="alert">is required`).MatchString(body) {
		t.Errorf("missing reason: %d\n%s", resp.StatusCode, body)
	}
	// Cancelling needs a reason too; withdrawal then closes the case, and a
	// second withdrawal with a fresh key is refused: the case is closed.
	e.post(t, c, path+"/commands", url.Values{"type": {"withdraw"}, "at": {"2026-09-01T09:40"}, "key": {"w1"}, "version": {"1"}})
	doc := e.browser(t)
	e.signIn(t, doc, auth.Doctor, "dr")
	resp, body = e.postPage(t, doc, path+"/commands", url.Values{"type": {"record-consultation"}, "at": {"2026-09-01T09:50"}, "key": {"c1"},
		"item": {"history"}, "text": {"t"}})
	refusal := regexp.MustCompile(`class="error refusal" role="alert" id="refusal">([^<]*)<`).FindStringSubmatch(body)
	if refusal != nil {
		t.Logf("refusal: %s", refusal[1])
	}
	if resp.StatusCode != http.StatusUnprocessableEntity || refusal == nil || !strings.Contains(refusal[1], "Refused by the procedure&#39;s rule ") {
		t.Errorf("command on a closed case: %d\n%s", resp.StatusCode, body)
	}
}

// TestDoubleSubmitIsOneCommand: the key and the version fixed when the
// form was rendered make a second post of the same form append nothing.
func TestDoubleSubmitIsOneCommand(t *testing.T) {
	e := newEnv(t, envOptions{})
	c := e.browser(t)
	e.signIn(t, c, auth.Administrator, "ann")
	path := e.openCase(t, c, "case-d", "P")
	_, page := e.get(t, c, path)
	key := regexp.MustCompile(`id="form-book-appointment"[\s\S]*?name="key" value="([^"]+)"`).FindStringSubmatch(page)
	if key == nil {
		t.Fatal("no key in the booking form")
	}
	form := url.Values{"type": {"book-appointment"}, "at": {"2026-09-01T09:30"}, "key": {key[1]}, "version": {"1"},
		"reason": {"r"}, "specialist": {"s"}, "slot": {"2026-09-05T10:00"}}
	for i := 0; i < 2; i++ {
		if resp := e.post(t, c, path+"/commands", form); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("post %d: %d", i+1, resp.StatusCode)
		}
	}
	_, events, err := e.book.CaseAndHistory(context.Background(), "case-d")
	if err != nil {
		t.Fatal(err)
	}
	booked := 0
	for _, ev := range events {
		if ev.Type == "appointment-booked" {
			booked++
		}
	}
	if booked != 1 {
		t.Errorf("%d bookings from one form posted twice", booked)
	}
	// A form rendered before the case changed, with a new key, is a conflict.
	form.Set("key", "other")
	resp, body := e.postPage(t, c, path+"/commands", form)
	if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "The case changed since this page was shown") {
		t.Errorf("stale form: %d", resp.StatusCode)
	}
}

// TestRussian: the toggle sets the language of every text of the page.
func TestRussian(t *testing.T) {
	e := newEnv(t, envOptions{})
	c := e.browser(t)
	e.signIn(t, c, auth.Doctor, "dr")
	if resp := e.post(t, c, "/console/language", url.Values{"lang": {"ru"}, "back": {"/console/worklist"}}); resp.Header.Get("Location") != "/console/worklist" {
		t.Fatalf("toggle sent to %q", resp.Header.Get("Location"))
	}
	_, body := e.get(t, c, "/console/worklist")
	for _, want := range []string{`<html lang="ru">`, "Список задач", "Режим разработки", "Выход"} {
		if !strings.Contains(body, want) {
			t.Errorf("no %q", want)
		}
	}
	if strings.Contains(body, ">Worklist<") {
		t.Error("English left on the Russian page")
	}
	// The command forms' labels and titles, too.
	admin := e.browser(t)
	e.signIn(t, admin, auth.Administrator, "ann")
	e.post(t, admin, "/console/language", url.Values{"lang": {"ru"}})
	_, body = e.get(t, admin, e.openCase(t, admin, "case-ru", "P"))
	for _, want := range []string{`<label for="book-appointment--reason">Причина</label>`, `<label for="book-appointment--slot">Время приёма (UTC)</label>`,
		"записать на первичную консультацию: причина, специалист, время"} {
		if !strings.Contains(body, want) {
			t.Errorf("the Russian case page lacks %q", want)
		}
	}
	if strings.Contains(body, `>reason</label>`) || strings.Contains(body, "book the initial consultation") {
		t.Error("English left in the Russian command forms")
	}
	// The place to go back to is only ever a console page.
	if resp := e.post(t, c, "/console/language", url.Values{"lang": {"en"}, "back": {"//evil.example/"}}); resp.Header.Get("Location") != "/console/worklist" {
		t.Errorf("sent to %q", resp.Header.Get("Location"))
	}
}

// TestRulesPage: the rules in force with their digest and source, and the
// board's checklist of unconfirmed values, in both languages.
func TestRulesPage(t *testing.T) {
	e := newEnv(t, envOptions{})
	c := e.browser(t)
	e.signIn(t, c, auth.Lab, "lab")
	resp, body := e.get(t, c, "/console/rules")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%d", resp.StatusCode)
	}
	for _, want := range []string{"msc-contraindications", "msc-therapy-selection", "sha256:", "built-in",
		`<li class="unconfirmed"><span aria-hidden="true">☐</span> <strong>params.cultureDays</strong>`} {
		if !strings.Contains(body, want) {
			t.Errorf("the rules page lacks %q", want)
		}
	}
	e.post(t, c, "/console/language", url.Values{"lang": {"ru"}})
	if _, body := e.get(t, c, "/console/rules"); !strings.Contains(body, "Действующие правила") || !strings.Contains(body, "встроенные") {
		t.Error("the rules page is not in Russian")
	}
}

// TestRulesPageShowsApprovals: with the board's keys set, each ruleset
// shows whether it is approved, how many of the quorum approved it and
// who, in both languages.
func TestRulesPageShowsApprovals(t *testing.T) {
	dir := t.TempDir()
	var signers []note.Signer
	var vkeys []note.Verifier
	for _, name := range []string{"board-alice", "board-boris"} {
		skey, vkey, err := note.GenerateKey(rand.Reader, name)
		if err != nil {
			t.Fatal(err)
		}
		s, _ := note.NewSigner(skey)
		v, _ := note.NewVerifier(vkey)
		signers, vkeys = append(signers, s), append(vkeys, v)
	}
	sets, err := rulebook.ReadRulesets()
	if err != nil {
		t.Fatal(err)
	}
	for _, rs := range sets {
		if _, err := rulebook.SignApproval(dir, rs, signers[0]); err != nil {
			t.Fatal(err)
		}
		if rs.Kind == "eligibility" {
			if _, err := rulebook.SignApproval(dir, rs, signers[1]); err != nil {
				t.Fatal(err)
			}
		}
	}
	e := newEnv(t, envOptions{approvals: &rulebook.Approvals{Dir: dir, Keys: note.VerifierList(vkeys...), Quorum: 2}})
	c := e.browser(t)
	e.signIn(t, c, auth.Board, "board")
	_, body := e.get(t, c, "/console/rules")
	for _, want := range []string{"<strong>approved</strong>: 2 of 2 · board-alice, board-boris",
		`<strong class="unconfirmed">not approved</strong>: 1 of 2 · board-alice`} {
		if !strings.Contains(body, want) {
			t.Errorf("the rules page lacks %q", want)
		}
	}
	// The FHIR code tables are approved like a ruleset and listed after
	// the rulesets, with their approval and without a rules checklist.
	_, tables, ok := strings.Cut(body, "<h2 id=\"rs-"+rulebook.CodeTablesKind+"\">FHIR code tables: ")
	if !ok {
		t.Fatal("the rules page does not list the FHIR code tables")
	}
	if !strings.Contains(tables, `<strong class="unconfirmed">not approved</strong>: 1 of 2 · board-alice`) || strings.Contains(tables, "checklist") {
		t.Errorf("the code tables' section lacks its approval or has a checklist:\n%s", tables)
	}
	e.post(t, c, "/console/language", url.Values{"lang": {"ru"}})
	if _, body := e.get(t, c, "/console/rules"); !strings.Contains(body, "Одобрение совета") || !strings.Contains(body, "не одобрен</strong>: 1 из 2") || !strings.Contains(body, "Таблицы кодов FHIR: ") {
		t.Error("the approvals are not in Russian")
	}
}

// TestCasePageShowsTheDecision: a screening with facts left unknown shows
// its outcome, the ruleset, what is still unknown with the question to
// ask, and the facts it read.
func TestCasePageShowsTheDecision(t *testing.T) {
	e := newEnv(t, envOptions{})
	admin, doc := e.browser(t), e.browser(t)
	e.signIn(t, admin, auth.Administrator, "ann")
	e.signIn(t, doc, auth.Doctor, "dr")
	path := e.openCase(t, admin, "case-q", "P")
	post := func(c *http.Client, form url.Values) {
		t.Helper()
		if resp := e.post(t, c, path+"/commands", form); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s: %d", form.Get("type"), resp.StatusCode)
		}
	}
	post(admin, url.Values{"type": {"book-appointment"}, "at": {"2026-09-01T09:05"}, "reason": {"r"}, "specialist": {"s"}, "slot": {"2026-09-03T10:00"}})
	for _, item := range []string{"history", "records-review", "examination", "preliminary-diagnosis", "diagnostic-plan"} {
		post(doc, url.Values{"type": {"record-consultation"}, "at": {"2026-09-03T10:30"}, "item": {item}, "text": {"t"}})
	}
	post(doc, url.Values{"type": {"screen"}, "at": {"2026-09-10T09:00"}, "facts.pregnant": {"false"}})
	post(doc, url.Values{"type": {"screen"}, "at": {"2026-09-10T09:10"}, "facts.pregnant": {"false"}, "facts.hiv": {"true"}})
	_, body := e.get(t, doc, path)
	for _, want := range []string{`eligibility</span> · Outcome: <strong class="decision-outcome" data-outcome="undetermined">undetermined</strong>`,
		`eligibility</span> · Outcome: <strong class="decision-outcome" data-outcome="ineligible">ineligible</strong>`,
		"msc-contraindications", "<strong>immunodeficiency</strong>: ", "(read: hiv = true)",
		"Still unknown", "Question: ", "Facts read", "<li>hiv = true</li>", "<li>pregnant = false</li>"} {
		if !strings.Contains(body, want) {
			t.Errorf("the case page lacks %q", want)
		}
	}
	// On a Russian page the kind and its outcomes are named in Russian.
	e.post(t, doc, "/console/language", url.Values{"lang": {"ru"}})
	_, body = e.get(t, doc, path)
	for _, want := range []string{`допустимость терапии</span> · Итог: <strong class="decision-outcome" data-outcome="undetermined">не определено</strong>`,
		`допустимость терапии</span> · Итог: <strong class="decision-outcome" data-outcome="ineligible">терапия недопустима</strong>`} {
		if !strings.Contains(body, want) {
			t.Errorf("the Russian case page lacks %q", want)
		}
	}
}

// TestCasePageShowsFindings: the case page has a Findings section with
// the case's open findings and flags (here a severe adverse event after an
// administration, for the board and the doctor), and says when none is open.
func TestCasePageShowsFindings(t *testing.T) {
	e := newEnv(t, envOptions{})
	admin, doc, board, lab, nurse := e.browser(t), e.browser(t), e.browser(t), e.browser(t), e.browser(t)
	e.signIn(t, admin, auth.Administrator, "ann")
	e.signIn(t, doc, auth.Doctor, "dr")
	e.signIn(t, board, auth.Board, "bo")
	e.signIn(t, lab, auth.Lab, "la")
	e.signIn(t, nurse, auth.Nurse, "nu")
	path := e.openCase(t, admin, "case-f", "P")
	post := func(c *http.Client, form url.Values) {
		t.Helper()
		if resp := e.post(t, c, path+"/commands", form); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s: %d", form.Get("type"), resp.StatusCode)
		}
	}
	facts := func(typ, at string, m map[string]string) url.Values {
		v := url.Values{"type": {typ}, "at": {at}}
		for k, s := range m {
			v.Set(k, s)
		}
		return v
	}
	post(admin, url.Values{"type": {"book-appointment"}, "at": {"2026-09-01T09:05"}, "reason": {"r"}, "specialist": {"s"}, "slot": {"2026-09-03T10:00"}})
	for _, item := range []string{"history", "records-review", "examination", "preliminary-diagnosis", "diagnostic-plan"} {
		post(doc, url.Values{"type": {"record-consultation"}, "at": {"2026-09-03T10:30"}, "item": {item}, "text": {"t"}})
	}
	_, body := e.get(t, doc, path)
	if !strings.Contains(body, `<h2 id="findings-h">Findings</h2>`) || !strings.Contains(body, "No finding or flag is open.") {
		t.Error("the case page has no Findings section saying none is open")
	}
	post(board, facts("screen", "2026-09-10T09:10", eligible))
	post(board, facts("select-therapy", "2026-09-10T09:20", map[string]string{"facts.ownCells.sufficient": "true", "facts.ownCells.goodQuality": "false",
		"facts.startBy": "2027-01-15", "facts.harvest.boneMarrowPossible": "true", "facts.harvest.adiposePossible": "true",
		"facts.condition.category": "orthopedic", "facts.condition.site": "left knee", "facts.patient.weightKg": "78"}))
	post(board, url.Values{"type": {"propose-plan"}, "at": {"2026-09-10T09:30"}, "therapy": {"allogeneic"}, "route": {"intra-articular"},
		"site": {"left knee"}, "cells": {"50000000"}, "procedures": {"1"}, "quorum": {"dr-a, dr-b, dr-c"}})
	post(doc, url.Values{"type": {"agree"}, "at": {"2026-09-11T10:00"}})
	post(lab, url.Values{"type": {"allocate-lot"}, "at": {"2026-09-12T10:00"}, "lot": {"D-1"}})
	post(lab, url.Values{"type": {"release-product"}, "at": {"2026-09-13T10:00"}, "lot": {"D-1"}, "cells": {"50000000"}, "checksPassed": {"true"}})
	post(nurse, facts("screen", "2026-09-14T08:30", eligible))
	post(nurse, url.Values{"type": {"administer"}, "at": {"2026-09-14T09:30"}, "route": {"intra-articular"}, "site": {"left knee"}, "cells": {"50000000"}, "lot": {"D-1"}})
	post(doc, url.Values{"type": {"record-adverse-event"}, "at": {"2026-09-15T09:00"}, "description": {"anaphylaxis"}, "severity": {"severe"}})
	_, body = e.get(t, doc, path)
	_, section, _ := strings.Cut(body, `<section aria-labelledby="findings-h"`)
	section, _, _ = strings.Cut(section, "</section>")
	for _, want := range []string{`data-kind="severe-adverse-event"`, "<strong>Severe adverse event</strong>", "For: board, doctor"} {
		if !strings.Contains(section, want) {
			t.Errorf("the Findings section lacks %q:\n%s", want, section)
		}
	}
	if strings.Contains(section, "No finding or flag is open.") {
		t.Error("the Findings section says none is open")
	}
	e.post(t, doc, "/console/language", url.Values{"lang": {"ru"}})
	_, body = e.get(t, doc, path)
	if !strings.Contains(body, "Тяжёлое нежелательное явление") || !strings.Contains(body, ">Находки</h2>") {
		t.Error("the Findings section is not in Russian")
	}
	// The forms' lists name their values in Russian, and send them as they are.
	if !strings.Contains(body, `<option value="severe">тяжёлая</option>`) {
		t.Error("the severity's values are not named in Russian")
	}
}
