package httpapi

import (
	"context"
	"errors"
	"net/http"

	"github.com/reocell/celltherapy/server/internal/audit"
	"github.com/reocell/celltherapy/server/internal/auth"
	"github.com/reocell/celltherapy/server/internal/casebook"
)

// AuthConsole is the Auth of the console's routes: a session cookie of
// the console instead of a bearer token. The roles of a console route are
// checked here, from the route table, as the API's are.
const AuthConsole = "console-session"

// Console is the clinicians' console (package console), served under
// /console beside the API.
type Console interface {
	// Handler returns the handler of the console route named name.
	Handler(name string) http.Handler
	// Session returns the request with the console session in its
	// context and who the session speaks for; an error when there is no
	// live session.
	Session(r *http.Request) (*http.Request, auth.Principal, error)
	// Wrap adds what every console answer needs: the security headers and
	// the refusal of cross-origin unsafe requests.
	Wrap(next http.Handler) http.Handler
	// Refuse answers a request without a session (err from Session) or
	// whose role the route does not admit (forbidden).
	Refuse(w http.ResponseWriter, r *http.Request, err error, forbidden bool)
}

// consoleRoute guards a console route: the session, then the route's roles.
func (s *Server) consoleRoute(roles []auth.Role, next http.Handler) http.Handler {
	if s.console == nil {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s.fail(w, r, &Error{Code: CodeNotFound, Message: "the console is off"})
		})
	}
	if roles == nil {
		return s.console.Wrap(next)
	}
	return s.console.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r, p, err := s.console.Session(r)
		if err != nil {
			s.console.Refuse(w, r, err, false)
			return
		}
		ri := info(r.Context())
		ri.role, ri.subject = p.Role, p.Subject
		if !allowed(roles, p.Role) {
			s.console.Refuse(w, r, errors.New("the role "+string(p.Role)+" may not use this page"), true)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
	}))
}

// consoleHandler is the console's handler of a route by name, looked up
// when the route is served (nil console: the route answers 404).
func (s *Server) consoleHandler(name string) http.Handler {
	if s.console == nil {
		return http.NotFoundHandler()
	}
	return s.console.Handler(name)
}

// GiveAs gives a command from the console as the API gives one: with the
// rules in force, every event it appended audited before it is answered.
// caseID "" opens a case with an open-case command.
func (s *Server) GiveAs(r *http.Request, p auth.Principal, caseID string, body []byte, x casebook.Expect) (*casebook.Outcome, error) {
	// As caseCommand: the events and their audit entries are written in one
	// transaction, on a context the client's hang-up does not cancel.
	ctx := context.WithValue(context.WithoutCancel(r.Context()), principalKey{}, p)
	a := actor(ctx)
	trail := &audit.Trail{ActorID: p.Subject, ActorRole: string(p.Role), RequestID: info(ctx).id, Input: body, Sealer: s.sealer}
	if caseID == "" {
		return s.deciding().OpenCase(ctx, a, body, x, trail)
	}
	return s.deciding().Give(ctx, caseID, a, body, x, trail)
}
