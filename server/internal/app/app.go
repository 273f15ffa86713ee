package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
	_ "time/tzdata" // the clinic's time zone by name, on a host without a zone database

	"github.com/go-jose/go-jose/v4"
	"golang.org/x/mod/sumdb/note"

	"github.com/reocell/celltherapy/server/internal/audit"
	"github.com/reocell/celltherapy/server/internal/auth"
	"github.com/reocell/celltherapy/server/internal/casebook"
	"github.com/reocell/celltherapy/server/internal/console"
	"github.com/reocell/celltherapy/server/internal/httpapi"
	"github.com/reocell/celltherapy/server/internal/metrics"
	"github.com/reocell/celltherapy/server/internal/rulebook"
)

// DatabaseFile is the SQLite database in the data directory; the case
// store keeps its tables in the same file.
const DatabaseFile = "celltherapy.db"

// Server is a running server.
type Server struct {
	URL     string // http://host:port it listens on
	DevMode bool   // tokens are signed by the development key
	done    chan error
}

// Wait waits until the server has shut down (its context was cancelled
// and the requests in flight were answered) and returns why it stopped.
func (s *Server) Wait() error { return <-s.done }

// OpenAudit opens the audit log the configuration names.
func OpenAudit(ctx context.Context, cfg Config, opts audit.Options) (*audit.Log, error) {
	if cfg.Postgres != "" {
		log, err := audit.OpenPostgres(ctx, cfg.Postgres, opts)
		if err != nil {
			return nil, &ConfigError{"postgres", err.Error()}
		}
		return log, nil
	}
	log, err := audit.OpenSQLite(ctx, filepath.Join(cfg.DataDir, DatabaseFile), opts)
	if err != nil {
		return nil, &ConfigError{"data-dir", err.Error()}
	}
	return log, nil
}

// OpenCases opens the case store the configuration names: the SQLite
// database of the audit log, or PostgreSQL. Its migrations run here.
func OpenCases(ctx context.Context, cfg Config, observe func(time.Duration)) (*casebook.Book, error) {
	opts := casebook.Options{Postgres: cfg.Postgres, ObserveAppend: observe}
	loc, err := clinicZone(cfg.TimeZone)
	if err != nil {
		return nil, err
	}
	opts.Location = loc
	setting := "postgres"
	if cfg.Postgres == "" {
		opts.SQLiteFile, setting = filepath.Join(cfg.DataDir, DatabaseFile), "data-dir"
	}
	book, err := casebook.Open(ctx, opts)
	if err != nil {
		return nil, &ConfigError{setting, err.Error()}
	}
	return book, nil
}

// clinicZone loads the clinic's time zone; "" is UTC. The zone database
// is embedded (time/tzdata), so a host without one still knows the name.
func clinicZone(name string) (*time.Location, error) {
	if name == "" {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil || name == "Local" {
		return nil, &ConfigError{"time-zone", fmt.Sprintf("%q is not an IANA time zone name, such as Europe/Berlin or UTC", name)}
	}
	return loc, nil
}

// The audit actions of the rules' loads.
const (
	ActionRulesLoad   = "rules:load"   // the rules in force at start
	ActionRulesReload = "rules:reload" // a reload, taken or refused
)

// auditRules records a load of the rules: the digests in force as the
// entry's digest, the load (where from, the rulesets, the result, why it
// failed) as its output.
func auditRules(ctx context.Context, log *audit.Log, action string, l rulebook.Load) error {
	out, err := json.Marshal(l)
	if err != nil {
		return err
	}
	_, err = log.Append(context.WithoutCancel(ctx), audit.Record{ActorID: "celltherapy-server", ActorRole: "system",
		Action: action, RulesetDigest: l.Digests(), Input: []byte(`{}`), Output: out})
	return err
}

// recordRestore compares the log with the checkpoint last written outside
// it (outside, read from file before the log was opened): a log shorter
// than it was restored from an older backup, or cut short. The server says
// so in its log and appends an entry that records what was lost, then
// carries on: what the database holds is served.
func recordRestore(ctx context.Context, cfg Config, log *audit.Log, file string, outside []byte, logger *slog.Logger) error {
	if len(outside) == 0 {
		return nil
	}
	known, err := AuditVerifiers(cfg)
	if err != nil {
		return err
	}
	r, err := log.CheckRestore(ctx, file, outside, known)
	if err != nil {
		var ce *audit.CheckpointError
		if errors.As(err, &ce) {
			logger.Warn("audit: the checkpoint outside the database is not checked against the log", "error", err.Error())
			return nil
		}
		return fmt.Errorf("audit: compare the log with %s: %w", file, err)
	}
	if r == nil {
		return nil
	}
	e, err := log.RecordRestore(ctx, "celltherapy-server", r)
	if err != nil {
		return fmt.Errorf("audit: record the restore: %w", err)
	}
	logger.Warn("audit: the database is shorter than the checkpoint outside it (restored from an older backup, or cut short); recorded", "entry", e.Seq,
		"logSize", r.LogSize, "checkpointSize", r.Checkpoint.Size, "checkpointHash", r.Checkpoint.Hash.String(), "lost", fmt.Sprintf("entries %d to %d", r.LogSize+1, r.Checkpoint.Size))
	return nil
}

// startLoad is the output of the rules:load entry at start: the load,
// and the digests last served before it when they differ.
type startLoad struct {
	rulebook.Load
	LastServed string `json:"lastServed,omitempty"` // the digests in force when the server last ran
	Changed    bool   `json:"changed,omitempty"`    // the rules loaded now are not those
}

// auditStartRules records the rules in force at start, compared with
// last, the digests the log last recorded in force (the last rules:load or
// rules:reload entry, from the start-up check): rules that changed while
// the server was down are said so in the server's log and in the entry.
func auditStartRules(ctx context.Context, log *audit.Log, l rulebook.Load, last string, logger *slog.Logger) error {
	rec := startLoad{Load: l}
	if now := l.Digests(); last != "" && last != now {
		rec.LastServed, rec.Changed = last, true
		logger.Warn("rules: the rules loaded are not those in force when the server last ran", "lastServed", last, "now", now)
	}
	out, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	_, err = log.Append(context.WithoutCancel(ctx), audit.Record{ActorID: "celltherapy-server", ActorRole: "system",
		Action: ActionRulesLoad, RulesetDigest: l.Digests(), Input: []byte(`{}`), Output: out})
	return err
}

// AuditSigner returns the audit key that signs checkpoints (--audit-key,
// or the development key in the data directory, created when missing) and
// its public key.
func AuditSigner(cfg Config) (note.Signer, string, error) {
	if cfg.AuditKey != "" {
		s, vkey, err := audit.ReadKey(cfg.AuditKey)
		if err != nil {
			return nil, "", &ConfigError{"audit-key", err.Error()}
		}
		return s, vkey, nil
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, "", &ConfigError{"data-dir", err.Error()}
	}
	s, vkey, err := audit.LoadOrCreateKey(cfg.DataDir)
	if err != nil {
		return nil, "", &ConfigError{"data-dir", "development audit key: " + err.Error()}
	}
	return s, vkey, nil
}

// AuditVerifiers returns the audit public keys checkpoints are checked
// against: the server's own (the development key's, in the data
// directory, when there is one; --audit-key's) and those --audit-keys
// lists.
func AuditVerifiers(cfg Config) (note.Verifiers, error) {
	var vkeys []string
	if cfg.AuditKey != "" {
		_, vkey, err := audit.ReadKey(cfg.AuditKey)
		if err != nil {
			return nil, &ConfigError{"audit-key", err.Error()}
		}
		vkeys = append(vkeys, vkey)
	} else if raw, err := os.ReadFile(filepath.Join(cfg.DataDir, audit.DevPublicKeyFile)); err == nil {
		vkeys = append(vkeys, strings.TrimSpace(string(raw)))
	}
	for _, k := range strings.Split(cfg.AuditKeys, ",") {
		if k = strings.TrimSpace(k); k == "" {
			continue
		}
		if raw, err := os.ReadFile(k); err == nil {
			k = strings.TrimSpace(string(raw))
		}
		vkeys = append(vkeys, k)
	}
	v, err := audit.Verifiers(vkeys...)
	if err != nil {
		return nil, &ConfigError{"audit-keys", err.Error()}
	}
	return v, nil
}

// keys returns where token keys come from: the JWKS file or URL, or the
// development key in the data directory.
func keys(ctx context.Context, cfg Config) (auth.KeySource, bool, error) {
	switch {
	case strings.Contains(cfg.JWKS, "://"):
		remote := &auth.RemoteKeys{URL: cfg.JWKS}
		// Fetch once now, so that a wrong URL stops start-up instead of
		// failing every request.
		if _, err := remote.Keys(ctx, ""); err != nil {
			return nil, false, &ConfigError{"jwks", err.Error()}
		}
		return remote, false, nil
	case cfg.JWKS != "":
		k, err := auth.ReadJWKSFile(cfg.JWKS)
		if err != nil {
			return nil, false, &ConfigError{"jwks", err.Error()}
		}
		return k, false, nil
	}
	dev, err := auth.LoadOrCreateDevKey(cfg.DataDir)
	if err != nil {
		return nil, false, &ConfigError{"data-dir", "development signing key: " + err.Error()}
	}
	k, err := auth.NewStaticKeys(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{dev}})
	return k, true, err
}

// Start checks cfg, opens everything and starts serving; it returns once
// the server listens. The server stops when ctx is done: it stops taking
// requests, answers those in flight, then closes the audit log.
func Start(ctx context.Context, cfg Config, logger *slog.Logger) (*Server, error) {
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	cdsConf, err := cfg.cdsSettings()
	if err != nil {
		return nil, err
	}
	approvals, err := cfg.approvals()
	if err != nil {
		return nil, err
	}
	m := metrics.New()
	var rulesAudit func(action string, l rulebook.Load) // set once the audit log is open, before the watcher starts
	var notesAudit func([]rulebook.Note)                // likewise
	shelf, err := rulebook.Open(cfg.RulesDir, rulebook.Options{Logger: logger, OnReload: m.ObserveReload,
		Approvals: approvals, RequireApproval: cfg.RequireApproval, OnUnapproved: m.CountUnapprovedReload,
		OnLoad: func(l rulebook.Load) {
			if rulesAudit != nil {
				rulesAudit(ActionRulesReload, l)
			}
		},
		OnApprovals: func(notes []rulebook.Note) {
			if notesAudit != nil {
				notesAudit(notes)
			}
		}})
	var unapproved *rulebook.UnapprovedError
	if errors.As(err, &unapproved) {
		return nil, &ConfigError{"require-approval", err.Error()}
	}
	if err != nil {
		return nil, &ConfigError{"rules", firstLine(err)}
	}
	m.SetLoaded(shelf.Status().LastSuccess)
	keySource, dev, err := keys(ctx, cfg)
	if err != nil {
		return nil, err
	}
	verifier, err := auth.NewVerifier(auth.Config{Keys: keySource, Issuer: cfg.Issuer, Audience: cfg.Audience})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, &ConfigError{"addr", err.Error()}
	}
	signer, _, err := AuditSigner(cfg)
	if err != nil {
		ln.Close()
		return nil, err
	}
	every, _ := cfg.CheckpointEvery()
	// The checkpoint last written outside the database, read before the
	// log signs a new one over it: a database restored from an older
	// backup is shorter than it.
	outsideFile := filepath.Join(cfg.DataDir, audit.CheckpointFile)
	outside, _ := os.ReadFile(outsideFile)
	log, err := OpenAudit(ctx, cfg, audit.Options{ObserveBatch: m.ObserveAuditBatch, Signer: signer, CheckpointEvery: every,
		CheckpointFile: filepath.Join(cfg.DataDir, audit.CheckpointFile),
		OnSealError:    func(err error) { logger.Error("audit: signing a checkpoint failed", "error", err.Error()) }})
	if err != nil {
		ln.Close()
		return nil, err
	}
	cases, err := OpenCases(ctx, cfg, func(d time.Duration) { m.ObserveStoreAppend("cases", d) })
	if err != nil {
		ln.Close()
		log.Close()
		return nil, err
	}
	if err := recordRestore(ctx, cfg, log, outsideFile, outside, logger); err != nil {
		ln.Close()
		log.Close()
		cases.Close()
		return nil, err
	}
	cds, err := cdsService(cdsConf, shelf, log, logger)
	if err != nil {
		ln.Close()
		log.Close()
		cases.Close()
		return nil, err
	}
	check, err := checkStart(ctx, log, cases, filepath.Join(cfg.DataDir, StartCheckFile), cfg.AuditFullCheck, logger)
	if err != nil {
		ln.Close()
		log.Close()
		cases.Close()
		return nil, fmt.Errorf("audit: check that every stored event has its entry: %w", err)
	}
	approvalsSeen := &approvalAudit{log: log, seen: check.Approvals}
	if err := approvalsSeen.record(ctx, shelf.Notes()); err != nil {
		ln.Close()
		log.Close()
		cases.Close()
		return nil, err
	}
	notesAudit = func(notes []rulebook.Note) {
		if err := approvalsSeen.record(ctx, notes); err != nil {
			logger.Error("audit: recording the approval notes failed", "error", err.Error())
		}
	}
	rulesAudit = func(action string, l rulebook.Load) {
		if err := auditRules(ctx, log, action, l); err != nil {
			logger.Error("audit: recording the rules load failed", "error", err.Error())
		}
	}
	if err := auditStartRules(ctx, log, rulebook.LoadOf(shelf.Current(), shelf.Status().LastSuccess, cfg.RulesDir), check.LastRules, logger); err != nil {
		ln.Close()
		log.Close()
		cases.Close()
		return nil, fmt.Errorf("audit: record the rules loaded: %w", err)
	}
	gaps := check.Gaps
	m.SetAuditGaps(len(gaps))
	if len(gaps) > 0 {
		logger.Warn("audit: stored case events have no audit entry (left by an earlier version); run celltherapy audit repair",
			"events", len(gaps), "first", gaps[0].String())
	}
	con, sessions, err := openConsole(ctx, cfg, dev, cases, shelf, log, logger)
	if err != nil {
		ln.Close()
		log.Close()
		cases.Close()
		return nil, err
	}
	deps := httpapi.Deps{Logger: logger, Verifier: verifier, Rules: shelf, Audit: log, Metrics: m, Cases: cases, CDS: cds, AuditGaps: len(gaps),
		Sealer: &audit.Sealer{Signer: signer}}
	if con != nil {
		deps.Console = con
	}
	api := httpapi.New(deps)
	if con != nil {
		con.UseCommander(api)
	}
	timeouts := cfg.Timeouts.orDefaults()
	srv := &http.Server{
		Handler:           api,
		ReadHeaderTimeout: timeouts.ReadHeader,
		ReadTimeout:       timeouts.Read,
		WriteTimeout:      timeouts.Write,
		IdleTimeout:       timeouts.Idle,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	s := &Server{URL: "http://" + ln.Addr().String(), DevMode: dev, done: make(chan error, 1)}
	go func() { s.done <- serve(ctx, srv, timeouts.Shutdown, ln, shelf, stores{log, cases, sessions}, logger) }()
	return s, nil
}

// stores are what serve closes once the requests in flight are answered.
type stores struct {
	audit    *audit.Log
	cases    *casebook.Book
	sessions *console.Sessions // nil when the console is off
}

// serve serves until ctx is done, then shuts down in order: the listener
// and idle connections, the requests in flight, the watcher, the stores.
func serve(ctx context.Context, srv *http.Server, grace time.Duration, ln net.Listener, shelf *rulebook.Shelf, st stores, logger *slog.Logger) error {
	watchCtx, stopWatch := context.WithCancel(context.WithoutCancel(ctx))
	watched := make(chan error, 1)
	go func() { watched <- shelf.Watch(watchCtx) }()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	var err error
	select {
	case err = <-served: // the listener failed
	case <-ctx.Done():
		logger.Info("shutting down: answering the requests in flight")
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), grace)
		err = srv.Shutdown(sctx)
		cancel()
		<-served
	}
	stopWatch()
	if werr := <-watched; werr != nil {
		logger.Warn("rules watcher", "error", werr.Error())
	}
	if cerr := st.audit.Close(); cerr != nil && !errors.Is(cerr, audit.ErrClosed) {
		err = errors.Join(err, cerr)
	}
	if st.sessions != nil {
		if cerr := st.sessions.Close(); cerr != nil {
			err = errors.Join(err, cerr)
		}
	}
	if cerr := st.cases.Close(); cerr != nil {
		err = errors.Join(err, cerr)
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	if err != nil {
		return fmt.Errorf("server: %w", err)
	}
	logger.Info("stopped")
	return nil
}

// firstLine returns the first line of err and how many more there are.
func firstLine(err error) string {
	lines := strings.Split(err.Error(), "\n")
	if len(lines) == 1 {
		return lines[0]
	}
	return fmt.Sprintf("%s (and %d more problems; run celltherapy lint on the directory)", lines[0], len(lines)-1)
}
