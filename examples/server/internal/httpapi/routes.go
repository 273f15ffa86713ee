package httpapi

import (
	"net/http"

	"github.com/reocell/celltherapy/examples/server/internal/authn"
)

// Route is one route of the API and the roles that may call it.
type Route struct {
	Method string
	Path   string       // a net/http.ServeMux path pattern
	Roles  []authn.Role // nil: public, no token needed (unless Auth says otherwise)
	// Auth, when set, names the route's own authentication, done by its
	// handler instead of the server's bearer tokens and roles.
	Auth string
	// Body is a minimal valid request body, for tests that walk the table.
	Body    string
	handler http.Handler
}

// Routes is every route of the API, in one table: which role may call
// which route is read from here alone. The case routes (open, read,
// command, history, aftercare calendar, worklist) are added here.
func (s *Server) Routes() []Route {
	all := authn.Roles()
	const (
		doctor = authn.Doctor
		board  = authn.Board
		nurse  = authn.Nurse
	)
	return []Route{
		{Method: "GET", Path: "/healthz", handler: s.handleHealthz()},
		{Method: "GET", Path: "/readyz", handler: s.handleReadyz()},
		{Method: "GET", Path: "/metrics", handler: s.metrics.Handler()},
		{Method: "GET", Path: "/openapi.json", handler: handleOpenAPI()},
		{Method: "GET", Path: "/v1/rulesets", Roles: all, handler: s.handleRulesets()},
		// Screening: the doctor at consultation, the board at review, the
		// nurse for the same-day re-screening before an administration.
		{Method: "POST", Path: "/v1/decisions/eligibility", Roles: []authn.Role{doctor, board, nurse},
			Body: `{}`, handler: s.handleDecision("eligibility")},
		{Method: "POST", Path: "/v1/decisions/therapy", Roles: []authn.Role{doctor, board},
			Body: `{}`, handler: s.handleDecision("therapy")},
		{Method: "POST", Path: "/v1/decisions/aftercare", Roles: []authn.Role{doctor, nurse},
			Body: `{"administeredAt":"2026-11-24T09:30:00Z","route":"intravenous"}`, handler: s.handleDecision("aftercare")},
		{Method: "POST", Path: "/v1/decisions/triage", Roles: []authn.Role{doctor, nurse},
			Body: `{}`, handler: s.handleDecision("triage")},
		// CDS Hooks: authenticated by the CDS client's JWT (see cds.go).
		{Method: "GET", Path: "/cds-services", Auth: AuthCDSClient, handler: s.cdsHandler()},
		{Method: "POST", Path: "/cds-services/{id}", Auth: AuthCDSClient, handler: s.cdsHandler()},
		{Method: "POST", Path: "/cds-services/{id}/feedback", Auth: AuthCDSClient, handler: s.cdsHandler()},
	}
}
