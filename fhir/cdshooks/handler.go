package cdshooks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/reocell/celltherapy/fhir"
)

// Config is what the CDS Hooks service needs. BaseURL, Screener, Verifier
// and Feedback are required.
type Config struct {
	// BaseURL is the service's public base URL, as CDS clients call it (a
	// JWT's aud must be BaseURL + the path called).
	BaseURL string
	// Screener screens the facts read from FHIR.
	Screener Screener
	// Mapper reads facts from FHIR records (default fhir.NewMapper(nil)).
	Mapper *fhir.Mapper
	// Mappers, when set, gives the mapper of each call instead of Mapper,
	// so that code tables reloaded with the rules apply to the next call;
	// the prefetch templates are those of its tables at New.
	Mappers func() *fhir.Mapper
	// Verifier authenticates every call.
	Verifier *Verifier
	// Feedback stores what clinicians did with the cards.
	Feedback FeedbackSink
	// Client fetches what a prefetch lacks from the CDS client's FHIR
	// server (default http.DefaultClient; give it a timeout).
	Client *http.Client
	// FHIRServers, when not empty, are the only fhirServer base URLs the
	// service fetches from (with the call's token); a call naming another
	// is answered 412 if it lacks prefetch data.
	FHIRServers []string
	// Screenings, when set, records each screening (for the audit log).
	Screenings ScreeningSink
	// OrderCodes recognise an MSC therapy order in draftOrders
	// (ServiceRequest.code, MedicationRequest.medicationCodeableConcept);
	// default DefaultOrderCodes.
	OrderCodes []fhir.Coding
	// Limits bound what one call reads from the CDS client's FHIR server.
	Limits Limits
	// AllowedOrigins are the browser origins (scheme://host[:port]) that
	// may call the service, such as a CDS Hooks sandbox; CORS preflights
	// from them are answered. Empty: no browser origin.
	AllowedOrigins []string
	// Now is the clock; the screening day is its date (default time.Now).
	Now func() time.Time
	// Logger logs internal errors, never patient data (default slog.Default()).
	Logger *slog.Logger
}

// DefaultOrderCodes returns the codes an MSC therapy order carries unless
// the clinic configures its own: fhir.MSCTherapyOrder(), a code of this
// project's own code system, since no standard code names MSC therapy. The
// slice is the caller's own.
func DefaultOrderCodes() []fhir.Coding { return []fhir.Coding{fhir.MSCTherapyOrder()} }

// Handler is the CDS Hooks service, an http.Handler for the paths
// /cds-services and /cds-services/....
type Handler struct {
	cfg      Config
	limits   Limits
	mux      *http.ServeMux
	services []Service
}

// New returns the CDS Hooks service for cfg.
func New(cfg Config) (*Handler, error) {
	switch {
	case cfg.BaseURL == "":
		return nil, errors.New("cdshooks: Config.BaseURL is required (the URL CDS clients call, for the JWT aud check)")
	case cfg.Screener == nil:
		return nil, errors.New("cdshooks: Config.Screener is required")
	case cfg.Verifier == nil:
		return nil, errors.New("cdshooks: Config.Verifier is required: every call must be authenticated")
	case cfg.Feedback == nil:
		return nil, errors.New("cdshooks: Config.Feedback is required")
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.Mapper == nil && cfg.Mappers != nil {
		cfg.Mapper = cfg.Mappers()
	}
	if cfg.Mapper == nil {
		cfg.Mapper = fhir.NewMapper(nil)
	}
	if cfg.Client == nil {
		cfg.Client = http.DefaultClient
	}
	if len(cfg.OrderCodes) == 0 {
		cfg.OrderCodes = DefaultOrderCodes()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	h := &Handler{cfg: cfg, mux: http.NewServeMux(), limits: cfg.Limits.withDefaults()}
	h.services = screeningServices(cfg.Mapper.Codes())
	h.routes()
	return h, nil
}

// mapper returns the mapper a call reads its records with.
func (h *Handler) mapper() *fhir.Mapper {
	if h.cfg.Mappers != nil {
		return h.cfg.Mappers()
	}
	return h.cfg.Mapper
}

// routes lists every route of the service.
func (h *Handler) routes() {
	h.mux.Handle("GET /cds-services", h.authenticated(h.handleDiscovery()))
	h.mux.Handle("POST /cds-services/{id}", h.authenticated(h.handleCall()))
	h.mux.Handle("POST /cds-services/{id}/feedback", h.authenticated(h.handleFeedback()))
}

// ServeHTTP serves the CDS Hooks endpoints. A call from a browser origin
// of Config.AllowedOrigins gets the CORS headers that let the page read
// the answer, and its preflight (OPTIONS, which carries no token) is
// answered here; other origins get none, and their preflight 403.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	origin := r.Header.Get("Origin")
	allowed := origin != "" && slices.Contains(h.cfg.AllowedOrigins, origin)
	if origin != "" {
		w.Header().Add("Vary", "Origin")
	}
	if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
		if !allowed {
			writeError(w, http.StatusForbidden, "forbidden", "origin "+origin+" may not call this service; the service lists the browser origins it allows")
			return
		}
		hdr := w.Header()
		hdr.Set("Access-Control-Allow-Origin", origin)
		hdr.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
		hdr.Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
		hdr.Set("Access-Control-Max-Age", "600")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if allowed {
		w.Header().Set("Access-Control-Allow-Origin", origin)
		w.Header().Set("Access-Control-Expose-Headers", "WWW-Authenticate")
	}
	h.mux.ServeHTTP(w, r)
}

type callerKey struct{}

// authenticated refuses a call without a valid JWT whose aud is the URL
// called.
func (h *Handler) authenticated(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, err := bearer(r)
		if err == nil {
			var c *Caller
			c, err = h.cfg.Verifier.Verify(r.Context(), token, h.cfg.BaseURL+r.URL.Path)
			if err == nil {
				next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), callerKey{}, c)))
				return
			}
		}
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		writeError(w, http.StatusUnauthorized, "unauthenticated", err.Error())
	})
}

func callerOf(ctx context.Context) *Caller {
	c, _ := ctx.Value(callerKey{}).(*Caller)
	return c
}

// errorBody is the one JSON shape of an error.
type errorBody struct {
	Error struct {
		Code    string   `json:"code"`
		Message string   `json:"message"`
		Details []string `json:"details,omitempty"`
	} `json:"error"`
}

func writeError(w http.ResponseWriter, status int, code, message string, details ...string) {
	var b errorBody
	b.Error.Code, b.Error.Message, b.Error.Details = code, message, details
	writeJSON(w, status, b)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// decodeBody decodes a JSON request body of at most limit bytes.
func decodeBody(w http.ResponseWriter, r *http.Request, limit int64, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, limit))
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return fmt.Errorf("the request is larger than %d bytes", limit)
		}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return fmt.Errorf("$.%s: want a JSON %s, got %s", te.Field, te.Type.Kind(), te.Value)
		}
		return fmt.Errorf("$: not valid JSON: %v", err)
	}
	return nil
}
