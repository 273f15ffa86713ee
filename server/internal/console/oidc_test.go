package console_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/oauth2-proxy/mockoidc"

	"github.com/reocell/celltherapy/server/internal/auth"
	"github.com/reocell/celltherapy/server/internal/console"
)

// idp is an identity provider in the test (mockoidc): real discovery,
// authorisation code with PKCE, RS256 ID tokens; it approves every
// request for the user queued next.
func idp(t *testing.T) (*mockoidc.MockOIDC, func(string) console.OIDCSettings) {
	t.Helper()
	m, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Shutdown() })
	cfg := m.Config()
	return m, func(base string) console.OIDCSettings {
		return console.OIDCSettings{Issuer: cfg.Issuer, ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret,
			RedirectURL: base + "/console/callback", RoleClaim: "groups", Scopes: []string{"groups"},
			Roles: map[string]auth.Role{"clinic-doctors": auth.Doctor, "clinic-board": auth.Board}}
	}
}

// follow is a client that follows redirects with a cookie jar, as a
// browser does.
func follow() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar}
}

func (e *env) signInOIDC(t *testing.T, c *http.Client) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", e.URL+"/console/sign-in", nil)
	req.Header.Set("Origin", e.URL)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// TestOIDCSignIn: the code flow with PKCE against the provider signs a
// person with one role in that role, asks a person with several which one
// for the session, and refuses a person with none, a callback not started
// here, and a choice that is not one of the person's roles.
func TestOIDCSignIn(t *testing.T) {
	m, settings := idp(t)
	e := newEnv(t, envOptions{oidc: settings})

	_, body := e.get(t, e.browser(t), "/console/sign-in")
	if strings.Contains(body, `name="role"`) || strings.Contains(body, "Development mode") {
		t.Error("the sign-in page offers the role picker with an identity provider")
	}

	c := follow()
	m.QueueUser(&mockoidc.MockUser{Subject: "dr-7", Groups: []string{"clinic-doctors", "staff"}})
	resp, body := e.signInOIDC(t, c)
	if resp.Request.URL.Path != "/console/worklist" || !strings.Contains(body, "dr-7") || !strings.Contains(body, "Worklist: doctor") {
		t.Fatalf("one role: ended at %s (%d)", resp.Request.URL, resp.StatusCode)
	}

	c = follow()
	m.QueueUser(&mockoidc.MockUser{Subject: "dr-8", Groups: []string{"clinic-board", "clinic-doctors"}})
	resp, body = e.signInOIDC(t, c)
	if resp.Request.URL.Path != "/console/choose-role" || !strings.Contains(body, `value="doctor"`) || !strings.Contains(body, `value="board"`) {
		t.Fatalf("two roles: ended at %s", resp.Request.URL)
	}
	if resp, _ := c.Get(e.URL + "/console/worklist"); resp.Request.URL.Path != "/console/choose-role" {
		t.Errorf("before choosing, the worklist sent to %s", resp.Request.URL)
	}
	choose := func(role string) *http.Response {
		req, _ := http.NewRequest("POST", e.URL+"/console/choose-role", strings.NewReader(url.Values{"role": {role}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", e.URL)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	if resp := choose("lab"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("choosing a role not held: %d", resp.StatusCode)
	}
	if resp := choose("board"); resp.Request.URL.Path != "/console/worklist" {
		t.Errorf("after choosing: %s", resp.Request.URL)
	}
	if _, body := e.get(t, c, "/console/worklist"); !strings.Contains(body, "Worklist: board") {
		t.Error("the session is not the board's")
	}

	c = follow()
	m.QueueUser(&mockoidc.MockUser{Subject: "x-1", Groups: []string{"staff"}})
	if resp, _ := e.signInOIDC(t, c); resp.StatusCode != http.StatusForbidden {
		t.Errorf("no role: %d", resp.StatusCode)
	}

	// A callback with a code but without the flow's cookie is refused.
	if resp, _ := e.get(t, follow(), "/console/callback?code=abc&state=def"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a callback not started here: %d", resp.StatusCode)
	}
}

// TestOIDCSignInInTheBrowser signs in through the provider in chromium.
func TestOIDCSignInInTheBrowser(t *testing.T) {
	ctx := needBrowser(t)
	m, settings := idp(t)
	e := newEnv(t, envOptions{oidc: settings})
	m.QueueUser(&mockoidc.MockUser{Subject: "nurse-3", Groups: []string{"nurse"}})
	u := &ui{t: t, ctx: ctx, e: e}
	// "nurse" is no value of the mapping: the person has no role.
	u.run(chromedp.Navigate(e.URL+"/console"), chromedp.Click(chromedp.ID("sign-in")))
	u.waitFor(`document.body.innerText.includes("no role of the procedure")`, "the refusal of a person without a role")
	m.QueueUser(&mockoidc.MockUser{Subject: "dr-9", Groups: []string{"clinic-doctors"}})
	u.run(chromedp.Navigate(e.URL+"/console"), chromedp.Click(chromedp.ID("sign-in")))
	u.waitFor(`!!document.querySelector('.who') && document.querySelector('.who').innerText.includes("dr-9")`, "signed in through the provider")
	if h := u.text("h1"); h != "Worklist: doctor" {
		t.Errorf("heading %q", h)
	}
}
