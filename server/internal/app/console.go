package app

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/reocell/celltherapy/server/internal/audit"
	"github.com/reocell/celltherapy/server/internal/auth"

	"github.com/reocell/celltherapy/server/internal/casebook"
	"github.com/reocell/celltherapy/server/internal/console"
	"github.com/reocell/celltherapy/server/internal/rulebook"
)

// consoleMode says whether the console is served and why. It is on in
// development mode (the development signing key and issuer), where a role
// picker signs people in; a server configured for production (a JWKS or
// an issuer given) has no identity provider for the console to sign
// people in with, so the console stays off.
func consoleMode(cfg Config, dev bool) (on bool, why string) {
	if cfg.OIDCIssuer != "" {
		return true, "the console signs people in through the identity provider " + cfg.OIDCIssuer
	}
	if !dev || cfg.Issuer != DefaultIssuer {
		return false, "the console is off: the server is configured for production (--jwks or --issuer) " +
			"and the console has no identity provider to sign people in with (--oidc-issuer)"
	}
	return true, "the console is in development mode: anyone may sign in in any role at /console"
}

// openConsole opens the console's sessions in the case database and
// returns the console, or nil (and says why in the log) when it is off.
func openConsole(ctx context.Context, cfg Config, dev bool, cases *casebook.Book, shelf *rulebook.Shelf, log *audit.Log, logger *slog.Logger) (*console.Console, *console.Sessions, error) {
	on, why := consoleMode(cfg, dev)
	if !on {
		logger.Warn(why)
		return nil, nil, nil
	}
	logger.Info(why)
	setting := "postgres"
	if cfg.Postgres == "" {
		setting = "data-dir"
	}
	sessions, err := console.OpenSessions(ctx, filepath.Join(cfg.DataDir, DatabaseFile), cfg.Postgres)
	if err != nil {
		return nil, nil, &ConfigError{setting, err.Error()}
	}
	host, _, _ := net.SplitHostPort(cfg.Addr)
	cc := console.Config{Logger: logger, Cases: cases, Sessions: sessions, Rules: shelf, Screenings: log, Dev: true, Secure: !isLoopback(host)}
	if cfg.OIDCIssuer != "" {
		settings, err := cfg.oidcSettings()
		if err == nil {
			cc.OIDC, err = console.NewOIDC(ctx, settings)
			if err != nil {
				err = &ConfigError{"oidc-issuer", err.Error()}
			}
		}
		if err != nil {
			sessions.Close()
			return nil, nil, err
		}
		cc.Dev, cc.Secure = false, true
		if u, _ := url.Parse(settings.RedirectURL); u != nil && u.Scheme == "http" && isLoopback(u.Hostname()) {
			cc.Secure = false // a browser on this machine over plain http
		}
	}
	con, err := console.New(cc)
	if err != nil {
		sessions.Close()
		return nil, nil, err
	}
	return con, sessions, nil
}

// oidcSettings reads the identity provider's settings.
func (cfg Config) oidcSettings() (console.OIDCSettings, error) {
	s := console.OIDCSettings{Issuer: cfg.OIDCIssuer, ClientID: cfg.OIDCClientID, ClientSecret: cfg.OIDCClientSecret,
		RedirectURL: cfg.OIDCRedirectURL, RoleClaim: cfg.OIDCRoleClaim}
	if s.ClientID == "" {
		return s, &ConfigError{"oidc-client-id", "is required with --oidc-issuer"}
	}
	if s.RedirectURL == "" {
		s.RedirectURL = "http://" + cfg.Addr + "/console/callback"
	}
	if u, err := url.Parse(s.RedirectURL); err != nil || u.Host == "" || !strings.HasSuffix(u.Path, "/console/callback") {
		return s, &ConfigError{"oidc-redirect-url", fmt.Sprintf("%q is not a URL ending in /console/callback", s.RedirectURL)}
	}
	for _, pair := range strings.Split(cfg.OIDCRoles, ",") {
		if pair = strings.TrimSpace(pair); pair == "" {
			continue
		}
		value, role, ok := strings.Cut(pair, "=")
		if !ok || value == "" || !auth.Role(role).Valid() {
			return s, &ConfigError{"oidc-roles", fmt.Sprintf("%q is not VALUE=ROLE with ROLE one of the procedure's roles", pair)}
		}
		if s.Roles == nil {
			s.Roles = map[string]auth.Role{}
		}
		s.Roles[value] = auth.Role(role)
	}
	for _, sc := range strings.Split(cfg.OIDCScopes, ",") {
		if sc = strings.TrimSpace(sc); sc != "" {
			s.Scopes = append(s.Scopes, sc)
		}
	}
	return s, nil
}
