package httpapi

import (
	"net/http"
	"strings"

	"github.com/reocell/celltherapy/procedure"
	"github.com/reocell/celltherapy/server/internal/auth"
)

// Route is one route of the API and the roles that may call it.
type Route struct {
	Method string
	Path   string      // a net/http.ServeMux path pattern
	Roles  []auth.Role // nil: public, no token needed (unless Auth says otherwise)
	// Auth, when set, names the route's own authentication, done by its
	// handler instead of the server's bearer tokens and roles.
	Auth string
	// Body is a minimal valid request body, for tests that walk the table.
	Body string
	// Sample is a path the pattern matches, for tests that walk the table
	// ("": Path); its case is opened first.
	Sample string
	// Decided lists the statuses an admitted role may get besides success
	// because the domain decides (the procedure's roles and rules).
	Decided []int
	// Kinds, for the one decision route, are the values of its {kind} with
	// the roles of each (Roles is then nil): a row of the route x role
	// table per kind, read from procedure.DecisionKinds. The OpenAPI
	// document gives each its own path, request and response.
	Kinds   []KindRoute
	handler http.Handler
}

// KindRoute is one decision kind of the decision route: its name, the
// roles that may ask for it, and a minimal valid request body for tests.
type KindRoute struct {
	Kind  string
	Roles []auth.Role
	Body  string
}

// Path returns the route's path for kind k.
func (k KindRoute) Path(pattern string) string { return strings.Replace(pattern, "{kind}", k.Kind, 1) }

// Routes is every route of the API, in one table: which role may call
// which route is read from here alone. For the case routes, the table
// admits the roles that may call a route at all (the auditor reads only);
// which role may give which command is the procedure's business.
func (s *Server) Routes() []Route {
	all := auth.Roles()
	const (
		doctor = auth.Doctor
		board  = auth.Board
		nurse  = auth.Nurse
	)
	writers := []auth.Role{auth.Administrator, doctor, board, auth.Lab, nurse}
	routes := []Route{
		{Method: "GET", Path: "/healthz", handler: s.handleHealthz()},
		{Method: "GET", Path: "/readyz", handler: s.handleReadyz()},
		{Method: "GET", Path: "/metrics", handler: s.metrics.Handler()},
		{Method: "GET", Path: "/openapi.json", handler: handleOpenAPI()},
		{Method: "GET", Path: "/v1/rulesets", Roles: all, handler: s.handleRulesets()},
	}
	// One decision route; each kind has the roles procedure gives it.
	var kinds []KindRoute
	for _, k := range procedure.DecisionKinds() {
		kinds = append(kinds, KindRoute{Kind: k.Name, Roles: k.Roles, Body: k.MinimalFacts})
	}
	routes = append(routes, Route{Method: "POST", Path: "/v1/decisions/{kind}", Kinds: kinds, handler: s.handleDecision()})
	// The roles that screen a patient (the eligibility decision's), and the
	// auditor: the readers of the records CDS Hooks brought that the FHIR
	// mapping could not map.
	var screeners []auth.Role
	for _, k := range kinds {
		if k.Kind == "eligibility" {
			screeners = append(append(screeners, k.Roles...), auth.Auditor)
		}
	}
	return append(routes, []Route{
		{Method: "POST", Path: "/v1/cases", Roles: writers, Body: SampleOpenCase("walk-open"),
			Decided: []int{http.StatusForbidden, http.StatusConflict}, handler: s.handleOpenCase()},
		{Method: "GET", Path: "/v1/cases", Roles: all, handler: s.handleListCases()},
		{Method: "GET", Path: "/v1/cases/{id}", Roles: all, Sample: "/v1/cases/" + SampleCase, handler: s.handleCase()},
		{Method: "POST", Path: "/v1/cases/{id}/commands", Roles: writers, Sample: "/v1/cases/" + SampleCase + "/commands",
			Body:    `{"type": "withdraw", "at": "2026-11-24T10:00:00Z", "reason": "moved away"}`,
			Decided: []int{http.StatusForbidden, http.StatusUnprocessableEntity}, handler: s.handleCommand()},
		{Method: "GET", Path: "/v1/cases/{id}/events", Roles: all, Sample: "/v1/cases/" + SampleCase + "/events", handler: s.handleHistory()},
		{Method: "GET", Path: "/v1/cases/{id}/aftercare.ics", Roles: all, Sample: "/v1/cases/" + SampleCase + "/aftercare.ics",
			Decided: []int{http.StatusNotFound}, handler: s.handleAftercareICS()},
		{Method: "GET", Path: "/v1/worklist", Roles: all, handler: s.handleWorklist()},
		{Method: "GET", Path: "/v1/audit/checkpoint", Roles: []auth.Role{auth.Auditor},
			Decided: []int{http.StatusNotFound}, handler: s.handleCheckpoint()},
		// CDS Hooks: authenticated by the CDS client's JWT (see cds.go).
		{Method: "GET", Path: "/cds-services", Auth: AuthCDSClient, handler: s.cdsHandler()},
		{Method: "POST", Path: "/cds-services/{id}", Auth: AuthCDSClient, handler: s.cdsHandler()},
		{Method: "POST", Path: "/cds-services/{id}/feedback", Auth: AuthCDSClient, handler: s.cdsHandler()},
		// The console (package console): a session cookie instead of a
		// bearer token, the same roles as the API's routes it stands for.
		{Method: "GET", Path: "/console", Auth: AuthConsole, handler: s.consoleHandler("home")},
		{Method: "GET", Path: "/console/static/{file...}", Auth: AuthConsole, handler: s.consoleHandler("static")},
		{Method: "GET", Path: "/console/sign-in", Auth: AuthConsole, handler: s.consoleHandler("sign-in")},
		{Method: "POST", Path: "/console/sign-in", Auth: AuthConsole, handler: s.consoleHandler("sign-in-post")},
		{Method: "GET", Path: "/console/callback", Auth: AuthConsole, handler: s.consoleHandler("callback")},
		{Method: "GET", Path: "/console/choose-role", Auth: AuthConsole, handler: s.consoleHandler("choose-role")},
		{Method: "POST", Path: "/console/choose-role", Auth: AuthConsole, handler: s.consoleHandler("choose-role-post")},
		{Method: "POST", Path: "/console/language", Auth: AuthConsole, handler: s.consoleHandler("language")},
		{Method: "POST", Path: "/console/sign-out", Roles: all, Auth: AuthConsole, handler: s.consoleHandler("sign-out")},
		{Method: "GET", Path: "/console/worklist", Roles: all, Auth: AuthConsole, handler: s.consoleHandler("worklist")},
		{Method: "POST", Path: "/console/cases", Roles: writers, Auth: AuthConsole, handler: s.consoleHandler("open-case")},
		{Method: "GET", Path: "/console/cases/{id}", Roles: all, Auth: AuthConsole, handler: s.consoleHandler("case")},
		{Method: "POST", Path: "/console/cases/{id}/commands", Roles: writers, Auth: AuthConsole, handler: s.consoleHandler("command")},
		{Method: "GET", Path: "/console/cases/{id}/aftercare.ics", Roles: all, Auth: AuthConsole, handler: s.consoleHandler("aftercare.ics")},
		{Method: "GET", Path: "/console/cases/{id}/leaflet", Roles: all, Auth: AuthConsole, handler: s.consoleHandler("leaflet")},
		{Method: "GET", Path: "/console/rules", Roles: all, Auth: AuthConsole, handler: s.consoleHandler("rules")},
		// The playground changes nothing: every role may try rules.
		{Method: "GET", Path: "/console/playground", Roles: all, Auth: AuthConsole, handler: s.consoleHandler("playground")},
		{Method: "POST", Path: "/console/playground", Roles: all, Auth: AuthConsole, handler: s.consoleHandler("playground-post")},
		{Method: "POST", Path: "/console/playground/lint", Roles: all, Auth: AuthConsole, handler: s.consoleHandler("playground-lint")},
		// Read only: the API has no action on an unreviewed record.
		{Method: "GET", Path: "/console/unreviewed", Roles: screeners, Auth: AuthConsole, handler: s.consoleHandler("unreviewed")},
		{Method: "GET", Path: "/console/unreviewed/{seq}", Roles: screeners, Auth: AuthConsole, handler: s.consoleHandler("unreviewed-one")},
	}...)
}

// SampleCase is the case the Sample paths name; tests that walk the table
// open it first with SampleOpenCase.
const SampleCase = "walk-1"

// SampleOpenCase is an open-case command for caseID, for tests.
func SampleOpenCase(caseID string) string {
	return `{"type": "open-case", "at": "2026-11-24T09:00:00Z", "caseId": "` + caseID + `", "patient": "patient-` + caseID + `"}`
}
