package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/reocell/celltherapy/server/internal/auth"
)

// requestInfo is what the log line of a request says; handlers deeper in
// the chain fill in who asked.
type requestInfo struct {
	id      string
	route   string
	role    auth.Role
	subject string
}

type infoKey struct{}

func info(ctx context.Context) *requestInfo {
	if ri, ok := ctx.Value(infoKey{}).(*requestInfo); ok {
		return ri
	}
	return &requestInfo{}
}

type principalKey struct{}

func principal(ctx context.Context) auth.Principal {
	p, _ := ctx.Value(principalKey{}).(auth.Principal)
	return p
}

// requestIDs makes request ids: a random prefix per server and a counter,
// unique without a random read per request.
type requestIDs struct {
	prefix string
	n      atomic.Uint64
}

func newRequestIDs() *requestIDs {
	var b [6]byte
	rand.Read(b[:])
	return &requestIDs{prefix: hex.EncodeToString(b[:])}
}

func (g *requestIDs) next() string {
	return g.prefix + "-" + strconv.FormatUint(g.n.Add(1), 10)
}

var validRequestID = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// statusWriter remembers the status a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// observe gives every request an id (the caller's X-Request-Id when it is
// well-formed), and when it is answered logs one line and records its
// duration. The line carries no body, query or path: only the route
// pattern, so no personal data reaches the log.
func (s *Server) observe(route string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if !validRequestID.MatchString(id) {
			id = s.ids.next()
		}
		ri := &requestInfo{id: id, route: route}
		w.Header().Set("X-Request-Id", id)
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), infoKey{}, ri)))
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		d := time.Since(start)
		s.metrics.ObserveRequest(route, sw.status, d)
		s.log.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("requestId", ri.id), slog.String("method", r.Method), slog.String("route", route),
			slog.Int("status", sw.status), slog.Float64("durationMs", float64(d.Microseconds())/1000),
			slog.String("role", string(ri.role)), slog.String("subject", ri.subject))
	})
}

// recoverPanic turns a panic into a 500 that names the request id and
// nothing else; the panic and its stack go to the log.
func (s *Server) recoverPanic(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.Error("panic", "requestId", info(r.Context()).id, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			s.writeError(w, r, &Error{Code: CodeInternal, Message: "internal error"})
		}()
		next.ServeHTTP(w, r)
	})
}

// authorize admits a request with a verified bearer token whose role the
// route allows.
func (s *Server) authorize(roles []auth.Role, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := s.verifier.Verify(r.Context(), bearer(r))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		ri := info(r.Context())
		ri.role, ri.subject = p.Role, p.Subject
		if !allowed(roles, p.Role) {
			s.fail(w, r, &Error{Code: CodeForbidden, Message: fmt.Sprintf("the role %s may not use this route", p.Role)})
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
	})
}

// byKind serves the decision route rt: each {kind} with its own roles,
// observed under its own path (as metrics and logs have always named
// decision routes), and a kind the server does not serve is 404.
func (s *Server) byKind(rt Route, pattern string) http.Handler {
	handlers := map[string]http.Handler{}
	names := make([]string, len(rt.Kinds))
	for i, k := range rt.Kinds {
		label := rt.Method + " " + k.Path(rt.Path)
		handlers[k.Kind] = s.observe(label, s.recoverPanic(s.authorize(k.Roles, rt.handler)))
		names[i] = k.Kind
	}
	unknown := s.observe(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, &Error{Code: CodeNotFound, Field: "kind",
			Message: fmt.Sprintf("no decision kind %q; the kinds are %s", r.PathValue("kind"), strings.Join(names, ", "))})
	}))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h, ok := handlers[r.PathValue("kind")]; ok {
			h.ServeHTTP(w, r)
			return
		}
		unknown.ServeHTTP(w, r)
	})
}

func allowed(roles []auth.Role, r auth.Role) bool {
	for _, x := range roles {
		if x == r {
			return true
		}
	}
	return false
}

// bearer returns the token of an "Authorization: Bearer TOKEN" header, or "".
func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	const prefix = "bearer "
	if len(h) > len(prefix) && strings.EqualFold(h[:len(prefix)], prefix) {
		return h[len(prefix):]
	}
	return ""
}
