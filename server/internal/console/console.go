// Package console is the clinicians' console: server-rendered HTML pages
// (html/template, embedded) for the roles of the procedure, progressively
// enhanced with htmx, served under /console by the reference server.
// Every page works without JavaScript; forms post normally.
//
// The console signs people in to server-side sessions (Sessions) kept in
// the case database; in development mode (the development signing key, no
// identity provider) it offers a role picker and says so on every page.
// Its routes are rows of the API's one route table (httpapi.Routes), which
// checks the session's role as it checks a token's.
package console

import (
	"bytes"
	"context"
	"crypto/rand"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/reocell/celltherapy/server/internal/auth"
	"github.com/reocell/celltherapy/server/internal/casebook"
	"github.com/reocell/celltherapy/server/internal/rulebook"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// ContentSecurityPolicy is the policy of every console answer: scripts,
// styles and connections from this origin only, no inline script or style,
// no framing, forms post only here.
const ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// Commander gives a command as the API gives one (httpapi.Server.GiveAs):
// with the rules in force, audited. caseID "" opens a case.
type Commander interface {
	GiveAs(r *http.Request, p auth.Principal, caseID string, body []byte, x casebook.Expect) (*casebook.Outcome, error)
}

// Config is what the console needs.
type Config struct {
	Logger   *slog.Logger
	Cases    *casebook.Book
	Sessions *Sessions
	Rules    *rulebook.Shelf // the rules in force; nil: no rules page
	// Screenings is the audit log, where the CDS Hooks screenings and the
	// records they could not map are recorded; nil: the unreviewed-records
	// page lists none and says why.
	Screenings Screenings
	// Dev is development mode: a role picker signs anyone in. Without
	// it, OIDC signs people in.
	Dev  bool
	OIDC *OIDC
	// Secure marks the session cookie Secure; false only for development
	// on loopback, where the browser speaks plain http.
	Secure bool
	Now    func() time.Time
}

// Console is the console's handlers. Its commands go through the
// Commander given to UseCommander before it serves.
type Console struct {
	cfg   Config
	cmd   Commander
	pages *template.Template
	csrf  *http.CrossOriginProtection
	files http.Handler
	// screenings are the unreviewed records read so far.
	screenings screeningIndex
}

// New returns the console.
func New(cfg Config) (*Console, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Cases == nil || cfg.Sessions == nil {
		return nil, errors.New("console: needs the case book and the sessions")
	}
	if cfg.Dev == (cfg.OIDC != nil) {
		return nil, errors.New("console: either development mode or an identity provider")
	}
	pages, err := template.New("").Funcs(funcs).ParseFS(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	static, _ := fs.Sub(staticFS, "static")
	c := &Console{cfg: cfg, pages: pages, csrf: http.NewCrossOriginProtection(),
		files: http.StripPrefix("/console/static/", http.FileServerFS(static))}
	c.csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.errorPage(w, r, http.StatusForbidden, "A request from another site is refused.")
	}))
	return c, nil
}

// UseCommander sets who gives the console's commands; call it before serving.
func (c *Console) UseCommander(cmd Commander) { c.cmd = cmd }

// Handler implements httpapi.Console.
func (c *Console) Handler(name string) http.Handler {
	h, ok := map[string]http.HandlerFunc{
		"home":             c.home,
		"static":           c.static,
		"sign-in":          c.signInPage,
		"sign-in-post":     c.signIn,
		"callback":         c.callback,
		"choose-role":      c.chooseRolePage,
		"choose-role-post": c.chooseRole,
		"language":         c.language,
		"sign-out":         c.signOut,
		"worklist":         c.worklist,
		"open-case":        c.openCase,
		"case":             c.casePage,
		"command":          c.command,
		"aftercare.ics":    c.aftercareICS,
		"leaflet":          c.leaflet,
		"rules":            c.rulesPage,
		"playground":       c.playgroundPage,
		"playground-post":  c.playgroundTry,
		"playground-lint":  c.playgroundLint,
		"unreviewed":       c.unreviewedPage,
		"unreviewed-one":   c.unreviewedOne,
	}[name]
	if !ok {
		panic("console: no handler " + name)
	}
	return h
}

// Wrap implements httpapi.Console: the security headers on every answer,
// and Go's cross-origin protection on every unsafe method.
func (c *Console) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", ContentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		if !strings.HasPrefix(r.URL.Path, "/console/static/") {
			h.Set("Cache-Control", "no-store")
		}
		c.csrf.Handler(next).ServeHTTP(w, r)
	})
}

type sessionKey struct{}

// Session implements httpapi.Console.
func (c *Console) Session(r *http.Request) (*http.Request, auth.Principal, error) {
	ck, err := r.Cookie(c.cookieName())
	if err != nil {
		return r, auth.Principal{}, ErrNoSession
	}
	se, err := c.cfg.Sessions.Get(r.Context(), ck.Value)
	if err != nil {
		return r, auth.Principal{}, err
	}
	if se.Role == "" {
		return r, auth.Principal{}, errChooseRole
	}
	p := auth.Principal{Subject: se.Subject, Role: se.Role, Expiry: se.Created.Add(c.cfg.Sessions.Absolute)}
	return r.WithContext(context.WithValue(r.Context(), sessionKey{}, p)), p, nil
}

func who(r *http.Request) auth.Principal {
	p, _ := r.Context().Value(sessionKey{}).(auth.Principal)
	return p
}

// Refuse implements httpapi.Console: without a session a page sends the
// browser to sign in; a role the route does not admit gets 403.
func (c *Console) Refuse(w http.ResponseWriter, r *http.Request, err error, forbidden bool) {
	switch {
	case forbidden:
		c.errorPage(w, r, http.StatusForbidden, "This page is not for your role.")
	case errors.Is(err, errChooseRole) && r.Method == http.MethodGet:
		http.Redirect(w, r, "/console/choose-role", http.StatusSeeOther)
	case (errors.Is(err, ErrNoSession) || errors.Is(err, errChooseRole)) && r.Method == http.MethodGet:
		http.Redirect(w, r, "/console/sign-in", http.StatusSeeOther)
	case errors.Is(err, ErrNoSession) || errors.Is(err, errChooseRole):
		c.errorPage(w, r, http.StatusUnauthorized, "Your session is over: sign in again.")
	default:
		c.cfg.Logger.Error("console session", "error", err.Error())
		c.errorPage(w, r, http.StatusInternalServerError, "internal error")
	}
}

func (c *Console) cookieName() string {
	if c.cfg.Secure {
		return "__Host-celltherapy-session"
	}
	return "celltherapy-session"
}

func (c *Console) setSession(w http.ResponseWriter, token string) {
	http.SetCookie(w, &http.Cookie{Name: c.cookieName(), Value: token, Path: "/", HttpOnly: true,
		Secure: c.cfg.Secure, SameSite: http.SameSiteLaxMode, MaxAge: int(c.cfg.Sessions.Absolute.Seconds())})
}

// page is what every page's template gets.
type page struct {
	Lang    Lang
	Dev     bool
	Who     auth.Principal
	Title   string
	Path    string
	Status  int
	Message string
	Data    any
}

func (c *Console) lang(r *http.Request) Lang {
	if ck, err := r.Cookie("celltherapy-lang"); err == nil {
		return langOf(ck.Value)
	}
	return "en"
}

func (c *Console) render(w http.ResponseWriter, r *http.Request, status int, name, title string, data any) {
	p := page{Lang: c.lang(r), Dev: c.cfg.Dev, Who: who(r), Title: title, Path: r.URL.RequestURI(), Status: status, Data: data}
	var buf bytes.Buffer
	if err := c.pages.ExecuteTemplate(&buf, name, p); err != nil {
		c.cfg.Logger.Error("console template", "template", name, "error", err.Error())
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

func (c *Console) errorPage(w http.ResponseWriter, r *http.Request, status int, message string) {
	c.render(w, r, status, "error.html", "Clinicians' console", message)
}

var funcs = template.FuncMap{
	"t":   func(l Lang, s any) string { return tr(l, fmt.Sprint(s)) },
	"opt": optionLabel,
	// kind and outcome name a decision kind and its outcome in a language.
	"kind":    kindLabel,
	"outcome": outcomeLabel,
	"when": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	"day": func(t time.Time) string { return t.UTC().Format(time.DateOnly) },
	"add": func(a, b int) int { return a + b },
	"sub": func(a, b int) int { return a - b },
	// screens says whether role may read the unreviewed records.
	"screens": func(role auth.Role) bool { return slices.Contains(screeningRoles(), role) },
}

func randomKey() string {
	var b [16]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func (c *Console) home(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/console" {
		c.errorPage(w, r, http.StatusNotFound, "No such page.")
		return
	}
	if _, _, err := c.Session(r); err != nil {
		http.Redirect(w, r, "/console/sign-in", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/console/worklist", http.StatusSeeOther)
}

func (c *Console) static(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "public, max-age=3600")
	c.files.ServeHTTP(w, r)
}

// back returns a safe place to go back to: a console path, or the worklist.
func back(s string) string {
	if strings.HasPrefix(s, "/console") && !strings.HasPrefix(s, "//") && !strings.ContainsAny(s, "\\\r\n") {
		return s
	}
	return "/console/worklist"
}

func (c *Console) language(w http.ResponseWriter, r *http.Request) {
	l := langOf(r.PostFormValue("lang"))
	http.SetCookie(w, &http.Cookie{Name: "celltherapy-lang", Value: string(l), Path: "/console", SameSite: http.SameSiteLaxMode,
		Secure: c.cfg.Secure, HttpOnly: true, MaxAge: 365 * 24 * 3600})
	http.Redirect(w, r, back(r.PostFormValue("back")), http.StatusSeeOther)
}
