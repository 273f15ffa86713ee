package console

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/reocell/celltherapy/server/internal/auth"
)

// OIDCSettings are the clinic identity provider's settings for the
// console's sign-in: OpenID Connect authorisation code flow with PKCE.
type OIDCSettings struct {
	Issuer       string // the provider's issuer URL (its discovery document is read from it)
	ClientID     string
	ClientSecret string
	RedirectURL  string // this server's /console/callback as the provider knows it
	// RoleClaim is the ID token claim that holds the person's roles (a
	// string or a list of strings); default "roles".
	RoleClaim string
	// Roles maps the claim's values to the procedure's roles; a value not
	// in it counts when it is a role's own name, and otherwise not at all.
	Roles map[string]auth.Role
	// Scopes are asked for beside openid (such as "groups", when the role
	// claim comes with that scope).
	Scopes []string
}

// OIDC signs people in through the identity provider.
type OIDC struct {
	s          OIDCSettings
	authOrigin string // the origin of the authorisation endpoint
	verifier   *oidc.IDTokenVerifier
	oauth      oauth2.Config
}

// NewOIDC reads the provider's discovery document.
func NewOIDC(ctx context.Context, s OIDCSettings) (*OIDC, error) {
	switch {
	case s.Issuer == "":
		return nil, errors.New("no issuer")
	case s.ClientID == "":
		return nil, errors.New("no client id")
	case s.RedirectURL == "":
		return nil, errors.New("no redirect URL")
	}
	if s.RoleClaim == "" {
		s.RoleClaim = "roles"
	}
	p, err := oidc.NewProvider(ctx, s.Issuer)
	if err != nil {
		return nil, fmt.Errorf("identity provider %s: %w", s.Issuer, err)
	}
	ep, err := url.Parse(p.Endpoint().AuthURL)
	if err != nil || ep.Host == "" {
		return nil, fmt.Errorf("identity provider %s: its authorization endpoint %q is not a URL", s.Issuer, p.Endpoint().AuthURL)
	}
	return &OIDC{s: s, authOrigin: ep.Scheme + "://" + ep.Host, verifier: p.Verifier(&oidc.Config{ClientID: s.ClientID}),
		oauth: oauth2.Config{ClientID: s.ClientID, ClientSecret: s.ClientSecret, RedirectURL: s.RedirectURL,
			Endpoint: p.Endpoint(), Scopes: append([]string{oidc.ScopeOpenID}, s.Scopes...)}}, nil
}

// roles returns the procedure's roles the claim value holds, in the
// procedure's order, each once.
func (o *OIDC) roles(v any) []auth.Role {
	var values []string
	switch x := v.(type) {
	case string:
		values = strings.Fields(strings.ReplaceAll(x, ",", " "))
	case []any:
		for _, e := range x {
			if s, ok := e.(string); ok {
				values = append(values, s)
			}
		}
	}
	have := map[auth.Role]bool{}
	for _, v := range values {
		if r, ok := o.s.Roles[v]; ok {
			have[r] = true
		} else if auth.Role(v).Valid() && len(o.s.Roles) == 0 {
			have[auth.Role(v)] = true
		}
	}
	var out []auth.Role
	for _, r := range auth.Roles() {
		if have[r] {
			out = append(out, r)
		}
	}
	return out
}

const flowCookie = "celltherapy-oidc"

// startOIDC sends the browser to the provider, with a fresh state, nonce
// and PKCE verifier kept in a short-lived cookie for the callback.
func (c *Console) startOIDC(w http.ResponseWriter, r *http.Request) {
	state, nonce, verifier := randomKey(), randomKey(), oauth2.GenerateVerifier()
	http.SetCookie(w, &http.Cookie{Name: flowCookie, Value: state + "." + nonce + "." + verifier, Path: "/console/callback",
		HttpOnly: true, Secure: c.cfg.Secure, SameSite: http.SameSiteLaxMode, MaxAge: 600})
	http.Redirect(w, r, c.cfg.OIDC.oauth.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier), oidc.Nonce(nonce)), http.StatusSeeOther)
}

// callback completes the flow: the state, the code exchanged with the
// verifier, the ID token verified with its nonce, the roles mapped; one
// role signs in, several ask which one for this session.
func (c *Console) callback(w http.ResponseWriter, r *http.Request) {
	o := c.cfg.OIDC
	if o == nil {
		c.errorPage(w, r, http.StatusNotFound, "No such page.")
		return
	}
	ck, err := r.Cookie(flowCookie)
	parts := []string{}
	if err == nil {
		parts = strings.Split(ck.Value, ".")
	}
	http.SetCookie(w, &http.Cookie{Name: flowCookie, Value: "", Path: "/console/callback", HttpOnly: true, Secure: c.cfg.Secure, MaxAge: -1})
	q := r.URL.Query()
	if len(parts) != 3 || q.Get("state") != parts[0] || q.Get("code") == "" {
		c.errorPage(w, r, http.StatusBadRequest, "The sign-in was not started here or took too long: sign in again.")
		return
	}
	tok, err := o.oauth.Exchange(r.Context(), q.Get("code"), oauth2.VerifierOption(parts[2]))
	if err != nil {
		c.cfg.Logger.Warn("console sign-in: code exchange failed", "error", err.Error())
		c.errorPage(w, r, http.StatusBadGateway, "The identity provider did not complete the sign-in.")
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := o.verifier.Verify(r.Context(), raw)
	if err != nil || idt.Nonce != parts[1] {
		c.cfg.Logger.Warn("console sign-in: ID token refused", "error", fmt.Sprint(err))
		c.errorPage(w, r, http.StatusUnauthorized, "The identity provider's answer did not verify: sign in again.")
		return
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		c.errorPage(w, r, http.StatusUnauthorized, "The identity provider's answer did not verify: sign in again.")
		return
	}
	roles := o.roles(claims[o.s.RoleClaim])
	if len(roles) == 0 {
		c.errorPage(w, r, http.StatusForbidden, "Your account has no role of the procedure.")
		return
	}
	var token string
	if len(roles) == 1 {
		token, err = c.cfg.Sessions.Create(r.Context(), idt.Subject, roles[0])
	} else {
		token, err = c.cfg.Sessions.Create(r.Context(), idt.Subject, "", roles...)
	}
	if err != nil {
		c.Refuse(w, r, err, false)
		return
	}
	c.setSession(w, token)
	if len(roles) == 1 {
		http.Redirect(w, r, "/console/worklist", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/console/choose-role", http.StatusSeeOther)
}

// errChooseRole is a session whose person has not chosen a role yet.
var errChooseRole = errors.New("the session has no role yet")

func (c *Console) chooseRolePage(w http.ResponseWriter, r *http.Request) {
	se, ok := c.pendingSession(w, r)
	if !ok {
		return
	}
	c.render(w, r, http.StatusOK, "choose-role.html", "Choose your role", se.Choices)
}

func (c *Console) chooseRole(w http.ResponseWriter, r *http.Request) {
	if _, ok := c.pendingSession(w, r); !ok {
		return
	}
	ck, _ := r.Cookie(c.cookieName())
	if err := c.cfg.Sessions.Choose(r.Context(), ck.Value, auth.Role(r.PostFormValue("role"))); err != nil {
		c.errorPage(w, r, http.StatusBadRequest, "Choose one of your roles.")
		return
	}
	http.Redirect(w, r, "/console/worklist", http.StatusSeeOther)
}

func (c *Console) pendingSession(w http.ResponseWriter, r *http.Request) (Session, bool) {
	ck, err := r.Cookie(c.cookieName())
	if err != nil {
		http.Redirect(w, r, "/console/sign-in", http.StatusSeeOther)
		return Session{}, false
	}
	se, err := c.cfg.Sessions.Get(r.Context(), ck.Value)
	if err != nil {
		http.Redirect(w, r, "/console/sign-in", http.StatusSeeOther)
		return Session{}, false
	}
	if se.Role != "" {
		http.Redirect(w, r, "/console/worklist", http.StatusSeeOther)
		return Session{}, false
	}
	return se, true
}
