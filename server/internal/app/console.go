package app

import (
	"context"
	"log/slog"
	"net"
	"path/filepath"

	"github.com/reocell/celltherapy/server/internal/casebook"
	"github.com/reocell/celltherapy/server/internal/console"
)

// consoleMode says whether the console is served and why. It is on in
// development mode (the development signing key and issuer), where a role
// picker signs people in; a server configured for production (a JWKS or
// an issuer given) has no identity provider for the console to sign
// people in with, so the console stays off.
func consoleMode(cfg Config, dev bool) (on bool, why string) {
	if !dev || cfg.Issuer != DefaultIssuer {
		return false, "the console is off: the server is configured for production (--jwks or --issuer) " +
			"and the console has no identity provider to sign people in with"
	}
	return true, "the console is in development mode: anyone may sign in in any role at /console"
}

// openConsole opens the console's sessions in the case database and
// returns the console, or nil (and says why in the log) when it is off.
func openConsole(ctx context.Context, cfg Config, dev bool, cases *casebook.Book, logger *slog.Logger) (*console.Console, *console.Sessions, error) {
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
	con, err := console.New(console.Config{Logger: logger, Cases: cases, Sessions: sessions, Dev: true, Secure: !isLoopback(host)})
	if err != nil {
		sessions.Close()
		return nil, nil, err
	}
	return con, sessions, nil
}
