package console

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/reocell/celltherapy/procedure"
	"github.com/reocell/celltherapy/server/internal/auth"
	"github.com/reocell/celltherapy/server/internal/casebook"
)

func (c *Console) signInPage(w http.ResponseWriter, r *http.Request) {
	if !c.cfg.Dev {
		// The sign-in form's answer redirects to the provider, which the
		// form-action of this one page must allow.
		w.Header().Set("Content-Security-Policy", strings.Replace(ContentSecurityPolicy, "form-action 'self'",
			"form-action 'self' "+c.cfg.OIDC.authOrigin, 1))
		c.render(w, r, http.StatusOK, "sign-in.html", "Sign in", nil)
		return
	}
	c.render(w, r, http.StatusOK, "sign-in.html", "Sign in", auth.Roles())
}

func (c *Console) signIn(w http.ResponseWriter, r *http.Request) {
	if !c.cfg.Dev {
		c.startOIDC(w, r)
		return
	}
	role := auth.Role(r.PostFormValue("role"))
	if !role.Valid() {
		c.render(w, r, http.StatusBadRequest, "sign-in.html", "Sign in", auth.Roles())
		return
	}
	name := strings.TrimSpace(r.PostFormValue("name"))
	if name == "" || len(name) > 100 {
		name = "dev-" + string(role)
	}
	token, err := c.cfg.Sessions.Create(r.Context(), name, role)
	if err != nil {
		c.Refuse(w, r, err, false)
		return
	}
	c.setSession(w, token)
	http.Redirect(w, r, "/console/worklist", http.StatusSeeOther)
}

func (c *Console) signOut(w http.ResponseWriter, r *http.Request) {
	if ck, err := r.Cookie(c.cookieName()); err == nil {
		if err := c.cfg.Sessions.Delete(r.Context(), ck.Value); err != nil {
			c.Refuse(w, r, err, false)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: c.cookieName(), Value: "", Path: "/", HttpOnly: true, Secure: c.cfg.Secure,
		SameSite: http.SameSiteLaxMode, MaxAge: -1})
	http.Redirect(w, r, "/console/sign-in", http.StatusSeeOther)
}

// PageSize is how many lines a worklist page shows.
const PageSize = 50

type worklistView struct {
	Items      []procedure.WorkItem
	Flagged    map[int]bool
	Stages     []procedure.Stage
	Stage      string
	Day        string
	Page       int
	More       bool
	CanOpen    bool
	OpenAt     string
	OpenKey    string
	OpenErrors map[string]string
	OpenError  string
	Query      func(page int) string
}

func (c *Console) worklist(w http.ResponseWriter, r *http.Request) {
	c.renderWorklist(w, r, http.StatusOK, nil, "")
}

func (c *Console) renderWorklist(w http.ResponseWriter, r *http.Request, status int, problems map[string]string, message string) {
	q := r.URL.Query()
	v := worklistView{Stage: q.Get("stage"), Day: q.Get("day"), Page: 1, OpenErrors: problems, OpenError: message}
	for _, row := range procedure.StageTable() {
		v.Stages = append(v.Stages, row.Stage)
	}
	if n, err := strconv.Atoi(q.Get("page")); err == nil && n > 0 && n <= 10000 {
		v.Page = n
	}
	now := c.cfg.Now()
	asOf := now
	if v.Day != "" {
		d, err := time.Parse(time.DateOnly, v.Day)
		if err != nil {
			v.Day = ""
		} else {
			asOf = d.Add(24*time.Hour - time.Second)
		}
	}
	p := who(r)
	wq := procedure.WorklistQuery{AsOf: asOf, Role: p.Role}
	if p.Role == auth.Auditor {
		wq.Role = "" // the auditor reads every role's work
	}
	if v.Stage == "" {
		wq.Limit = v.Page*PageSize + 1
	}
	items, err := c.cfg.Cases.WorkItems(r.Context(), wq)
	if err != nil {
		c.Refuse(w, r, err, false)
		return
	}
	if v.Stage != "" {
		items = slices.DeleteFunc(items, func(it procedure.WorkItem) bool { return string(it.Stage) != v.Stage })
	}
	from := min((v.Page-1)*PageSize, len(items))
	to := min(from+PageSize, len(items))
	v.More = len(items) > to
	v.Items = items[from:to]
	v.CanOpen = p.Role == auth.Administrator
	v.OpenAt = now.UTC().Format(localLayout)
	v.OpenKey = randomKey()
	v.Query = func(page int) string {
		u := url.Values{}
		if v.Stage != "" {
			u.Set("stage", v.Stage)
		}
		if v.Day != "" {
			u.Set("day", v.Day)
		}
		u.Set("page", strconv.Itoa(page))
		return "/console/worklist?" + u.Encode()
	}
	c.render(w, r, status, "worklist.html", "Worklist", v)
}

func (c *Console) openCase(w http.ResponseWriter, r *http.Request) {
	at, err := parseLocal(r.PostFormValue("at"))
	if err != nil {
		c.renderWorklist(w, r, http.StatusBadRequest, map[string]string{"at": "is not a date and time"}, "")
		return
	}
	body, _ := json.Marshal(map[string]string{"type": string(procedure.CmdOpenCase), "at": at.UTC().Format(time.RFC3339),
		"key": r.PostFormValue("key"), "caseId": strings.TrimSpace(r.PostFormValue("caseId")), "patient": strings.TrimSpace(r.PostFormValue("patient"))})
	out, err := c.cmd.GiveAs(r, who(r), "", body, casebook.Expect{})
	if err != nil {
		status, problems, message := c.commandError(w, r, err)
		if status == 0 {
			return
		}
		c.renderWorklist(w, r, status, problems, message)
		return
	}
	http.Redirect(w, r, "/console/cases/"+url.PathEscape(out.CaseID), http.StatusSeeOther)
}

// commandError turns a refused command into what its form shows: the
// status, the problems by field name, and the message (with the
// procedure's rule). status 0: the error was answered (internal).
func (c *Console) commandError(w http.ResponseWriter, r *http.Request, err error) (int, map[string]string, string) {
	lang := c.lang(r)
	problems := map[string]string{}
	var (
		inv     *procedure.InvalidError
		refused *procedure.RefusedError
		reused  *procedure.KeyReusedError
		stale   *procedure.VersionError
	)
	message := strings.TrimPrefix(err.Error(), "procedure: ")
	switch {
	case errors.As(err, &inv):
		for _, p := range inv.Problems {
			problems[strings.TrimPrefix(p.Path, "$.")] = p.Message
		}
		return http.StatusBadRequest, problems, message
	case errors.As(err, &refused):
		return http.StatusUnprocessableEntity, problems, tr(lang, "Refused by the procedure's rule") + " " + refused.Rule + ": " + message
	case errors.As(err, &reused):
		return http.StatusUnprocessableEntity, problems, message
	case errors.As(err, &stale):
		return http.StatusConflict, problems, tr(lang, "The case changed since this page was shown: look again and repeat if still needed.")
	case errors.Is(err, procedure.ErrForbidden):
		return http.StatusForbidden, problems, message
	case errors.Is(err, procedure.ErrNotFound):
		return http.StatusNotFound, problems, message
	case errors.Is(err, procedure.ErrConflict):
		return http.StatusConflict, problems, message
	}
	c.cfg.Logger.Error("console command", "error", err.Error())
	c.errorPage(w, r, http.StatusInternalServerError, "internal error")
	return 0, nil, ""
}

// commandForm is one command the role may give now, as a form.
type commandForm struct {
	Type    procedure.CommandType
	Title   string
	Fields  []Field
	Facts   bool
	At      string
	Key     string
	Version int
	Error   string
	Open    bool
}

type caseView struct {
	Case      *procedure.Case
	Events    []procedure.Event
	Stages    []procedure.StageSpec
	Decisions []decisionView
	Commands  []commandForm
	Aftercare bool
	// Findings are the case's open findings and flags (the worklist's),
	// then the findings already referred to the board.
	Findings []findingLine
	// Error is a refusal of a command whose form the page no longer
	// offers (the case moved on, or closed).
	Error string
}

// decisionView is a decision recorded in an event, as the case page shows it.
type decisionView struct {
	Version int
	At      time.Time
	Kind    string
	Digest  string
	Facts   []factLine
	decisionJSON
}

type decisionJSON struct {
	Outcome string `json:"outcome"`
	AsOf    string `json:"asOf"`
	Ruleset struct {
		Name    string `json:"name"`
		Version string `json:"version"`
	} `json:"ruleset"`
	Findings []struct {
		Rule     string         `json:"rule"`
		Title    string         `json:"title"`
		Message  string         `json:"message"`
		Evidence map[string]any `json:"evidence"` // fact: value
		Read     []factLine     `json:"-"`
	} `json:"findings"`
	Missing []struct {
		Fact     string   `json:"fact"`
		Question string   `json:"question"`
		Rules    []string `json:"rules"`
	} `json:"missing"`
	Unconfirmed []string `json:"unconfirmed"`
}

type factLine struct{ Fact, Value string }

// flatten lists the facts of a JSON object as path = value lines.
func flatten(prefix string, v any, out *[]factLine) {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			flatten(p, x[k], out)
		}
	default:
		b, _ := json.Marshal(x)
		*out = append(*out, factLine{prefix, string(b)})
	}
}

func (c *Console) casePage(w http.ResponseWriter, r *http.Request) {
	c.renderCase(w, r, http.StatusOK, "", nil, "")
}

func (c *Console) renderCase(w http.ResponseWriter, r *http.Request, status int, failed procedure.CommandType, problems map[string]string, message string) {
	cs, events, err := c.cfg.Cases.CaseAndHistory(r.Context(), r.PathValue("id"))
	if err != nil {
		if errors.Is(err, procedure.ErrNotFound) {
			c.errorPage(w, r, http.StatusNotFound, "No such case.")
			return
		}
		c.Refuse(w, r, err, false)
		return
	}
	v := caseView{Case: cs, Events: events, Stages: procedure.StageTable(), Aftercare: len(cs.Administrations) > 0}
	for _, e := range events {
		if e.Decision == nil {
			continue
		}
		d := decisionView{Version: e.Version, At: e.At, Kind: e.Decision.Kind, Digest: e.Decision.Digest}
		if err := json.Unmarshal(e.Decision.Decision, &d.decisionJSON); err != nil {
			c.cfg.Logger.Warn("console: a decision of unexpected shape", "kind", e.Decision.Kind, "error", err.Error())
		}
		for i := range d.Findings {
			flatten("", d.Findings[i].Evidence, &d.Findings[i].Read)
		}
		var facts any
		json.Unmarshal(e.Decision.Facts, &facts)
		flatten("", facts, &d.Facts)
		v.Decisions = append(v.Decisions, d)
	}
	v.Findings = findingsOf(cs, c.cfg.Cases.Summarize(cs))
	p := who(r)
	now := c.cfg.Now().UTC().Format(localLayout)
	for _, info := range procedure.Commands() {
		if info.Type == procedure.CmdOpenCase || !info.Allows(p.Role, cs.Stage) {
			continue
		}
		f := commandForm{Type: info.Type, Title: commandTitle(c.lang(r), info), Fields: formFields(info.New()), At: now, Key: randomKey(), Version: cs.Version}
		if info.Type == failed {
			f.Error, f.Open = message, true
			for i := range f.Fields {
				f.Fields[i].Value = r.PostFormValue(f.Fields[i].Name)
				f.Fields[i].Problem = problems[f.Fields[i].Name]
			}
			if at := r.PostFormValue("at"); at != "" {
				f.At = at
			}
			if pr, ok := problems["at"]; ok {
				f.Error += " at: " + pr
			}
		}
		for _, fl := range f.Fields {
			f.Facts = f.Facts || fl.Facts
		}
		v.Commands = append(v.Commands, f)
	}
	if failed != "" && !slices.ContainsFunc(v.Commands, func(f commandForm) bool { return f.Type == failed }) {
		v.Error = tr(c.lang(r), string(failed)) + ": " + message
	}
	c.render(w, r, status, "case.html", cs.ID, v)
}

func (c *Console) command(w http.ResponseWriter, r *http.Request) {
	caseID := r.PathValue("id")
	typ := procedure.CommandType(r.PostFormValue("type"))
	var info *procedure.CommandInfo
	for _, ci := range procedure.Commands() {
		if ci.Type == typ && ci.Type != procedure.CmdOpenCase {
			info = &ci
			break
		}
	}
	if info == nil {
		c.errorPage(w, r, http.StatusBadRequest, "No such command.")
		return
	}
	at, err := parseLocal(r.PostFormValue("at"))
	if err != nil {
		c.renderCase(w, r, http.StatusBadRequest, typ, map[string]string{"at": "is not a date and time"}, "at: is not a date and time")
		return
	}
	fields := formFields(info.New())
	body, problems := commandJSON(typ, fields, r.PostForm, at, r.PostFormValue("key"))
	if len(problems) > 0 {
		c.renderCase(w, r, http.StatusBadRequest, typ, problems, "")
		return
	}
	x := casebook.Expect{}
	if v, err := strconv.Atoi(r.PostFormValue("version")); err == nil && v >= 0 {
		x.Version, x.HasVersion = v, true
	}
	if _, err := c.cmd.GiveAs(r, who(r), caseID, body, x); err != nil {
		status, problems, message := c.commandError(w, r, err)
		if status != 0 {
			c.renderCase(w, r, status, typ, problems, message)
		}
		return
	}
	http.Redirect(w, r, "/console/cases/"+url.PathEscape(caseID), http.StatusSeeOther)
}

func (c *Console) aftercareICS(w http.ResponseWriter, r *http.Request) {
	var buf bytes.Buffer
	if err := c.cfg.Cases.WriteAftercare(r.Context(), &buf, r.PathValue("id")); err != nil {
		c.errorPage(w, r, http.StatusNotFound, "No such case.")
		return
	}
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="aftercare.ics"`)
	w.Write(buf.Bytes())
}

func (c *Console) leaflet(w http.ResponseWriter, r *http.Request) {
	var buf bytes.Buffer
	if err := c.cfg.Cases.WriteLeaflet(r.Context(), &buf, r.PathValue("id"), string(langOf(r.URL.Query().Get("lang")))); err != nil {
		c.errorPage(w, r, http.StatusNotFound, "No such case.")
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write(buf.Bytes())
}
