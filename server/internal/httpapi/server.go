// Package httpapi is the reference server's HTTP API: the route table,
// the role each route admits, the one error shape, and the handlers.
//
//	srv := httpapi.New(httpapi.Deps{...})
//	http.ListenAndServe(addr, srv)
package httpapi

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"

	"github.com/reocell/celltherapy/server/internal/audit"
	"github.com/reocell/celltherapy/server/internal/auth"
	"github.com/reocell/celltherapy/server/internal/casebook"
	"github.com/reocell/celltherapy/server/internal/metrics"
	"github.com/reocell/celltherapy/server/internal/rulebook"
)

// DefaultMaxBody is the largest request body accepted by default (1 MiB).
const DefaultMaxBody = 1 << 20

// Verifier verifies bearer tokens.
type Verifier interface {
	Verify(ctx context.Context, raw string) (auth.Principal, error)
}

// AuditLog is where every decision is recorded before it is answered.
type AuditLog interface {
	Append(ctx context.Context, rec audit.Record) (audit.Entry, error)
	Ping(ctx context.Context) error
	// Latest returns the latest signed checkpoint, nil when none.
	Latest(ctx context.Context) ([]byte, error)
}

// Deps are what the API needs, passed in.
type Deps struct {
	Logger   *slog.Logger
	Verifier Verifier
	Rules    *rulebook.Shelf
	Audit    AuditLog
	Metrics  *metrics.Metrics
	MaxBody  int64 // default DefaultMaxBody
	// Cases is the case store's API; nil: a store in memory (for tests of
	// other routes).
	Cases *casebook.Book
	// AuditGaps is how many stored case events had no audit entry at
	// start (audit.Log.Gaps), told in /readyz.
	AuditGaps int
	// CDS is the CDS Hooks service (cdshooks.Handler), nil when not
	// configured: its routes then answer 404.
	CDS http.Handler
	// Console is the clinicians' console, nil when it is off: its routes
	// then answer 404.
	Console Console
	// Sealer, when set, signs the audit checkpoint the case store stores
	// with each commit batch of case commands (audit.Trail.Sealer).
	Sealer *audit.Sealer
}

// Server is the API as an http.Handler.
type Server struct {
	log      *slog.Logger
	verifier Verifier
	rules    *rulebook.Shelf
	audit    AuditLog
	metrics  *metrics.Metrics
	maxBody  int64
	cases    *casebook.Book
	cds      http.Handler
	gaps     int
	console  Console
	sealer   *audit.Sealer
	ids      *requestIDs
	mux      *http.ServeMux
}

// New returns the API with every route of Routes registered.
func New(d Deps) *Server {
	s := &Server{log: d.Logger, verifier: d.Verifier, rules: d.Rules, audit: d.Audit, metrics: d.Metrics,
		maxBody: d.MaxBody, cases: d.Cases, cds: d.CDS, gaps: d.AuditGaps, console: d.Console, sealer: d.Sealer, ids: newRequestIDs(), mux: http.NewServeMux()}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.metrics == nil {
		s.metrics = metrics.New()
	}
	if s.cases == nil {
		s.cases = casebook.NewMemory(casebook.Options{})
	}
	if s.maxBody <= 0 {
		s.maxBody = DefaultMaxBody
	}
	allow := map[string][]string{}
	for _, rt := range s.Routes() {
		h := rt.handler
		pattern := rt.Method + " " + rt.Path
		if rt.Kinds != nil {
			s.mux.Handle(pattern, s.byKind(rt, pattern))
			allow[rt.Path] = append(allow[rt.Path], rt.Method)
			continue
		}
		switch {
		case rt.Auth == AuthConsole:
			h = s.consoleRoute(rt.Roles, h)
		case rt.Roles != nil:
			h = s.authorize(rt.Roles, h)
		}
		s.mux.Handle(pattern, s.observe(pattern, s.recoverPanic(h)))
		allow[rt.Path] = append(allow[rt.Path], rt.Method)
	}
	// A path served for other methods answers 405 in the one error shape
	// (the mux's own 405 is plain text).
	for path, methods := range allow {
		s.mux.Handle(path, s.observe(path, s.recoverPanic(s.methodNotAllowed(methods))))
	}
	s.mux.Handle("/", s.observe("unmatched", s.recoverPanic(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, &Error{Code: CodeNotFound, Message: "no such route"})
	}))))
	return s
}

// ServeHTTP serves the API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

func (s *Server) methodNotAllowed(methods []string) http.Handler {
	allowed := strings.Join(methods, ", ")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allowed)
		s.fail(w, r, &Error{Code: CodeMethodNotAllowed, Message: "this route answers " + allowed})
	})
}

// fail answers err in the one error shape; an internal error is logged
// with the request id, and the caller sees only "internal error".
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	e, internal := classify(err)
	if internal {
		s.log.Error("request failed", "requestId", info(r.Context()).id, "route", info(r.Context()).route, "error", err.Error())
	}
	s.writeError(w, r, e)
}

func (s *Server) writeError(w http.ResponseWriter, r *http.Request, e *Error) {
	out := *e
	out.RequestID = info(r.Context()).id
	if out.Code == CodeUnauthenticated {
		w.Header().Set("WWW-Authenticate", `Bearer realm="celltherapy"`)
	}
	writeJSON(w, out.Code.Status(), out)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.Encode(v) // the status is sent: a failed write has no one to tell
}
