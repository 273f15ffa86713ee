package cdshooks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/reocell/celltherapy/fhir"
)

// request is a CDS Hooks call.
type request struct {
	Hook              string                     `json:"hook"`
	HookInstance      string                     `json:"hookInstance"`
	FHIRServer        string                     `json:"fhirServer"`
	FHIRAuthorization *fhirAuthorization         `json:"fhirAuthorization"`
	Context           hookContext                `json:"context"`
	Prefetch          map[string]json.RawMessage `json:"prefetch"`
}

type fhirAuthorization struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int    `json:"expires_in"`
	Scope       string `json:"scope"`
	Subject     string `json:"subject"`
}

type hookContext struct {
	UserID      string          `json:"userId"`
	PatientID   string          `json:"patientId"`
	EncounterID string          `json:"encounterId"`
	Selections  []string        `json:"selections"`
	DraftOrders json.RawMessage `json:"draftOrders"`
}

// maxRequest bounds a call's body: a full prefetch of a long chart fits.
const maxRequest = 8 << 20

// fhirID is the form of a FHIR resource id (R4, "id" datatype).
var fhirID = regexp.MustCompile(`^[A-Za-z0-9\-.]{1,64}$`)

// Response is a CDS service's answer.
type Response struct {
	Cards     []Card             `json:"cards"`
	Extension *responseExtension `json:"extension,omitempty"`
}

// responseExtension is what the service adds to a response (CDS Hooks
// extensions): the active records whose code no table holds.
type responseExtension struct {
	UnreviewedRecords []fhir.UnreviewedRecord `json:"unreviewedRecords,omitempty"`
}

// maxMedicationFetches bounds how many Medications one call fetches to
// follow medicationReferences.
const maxMedicationFetches = 50

func (h *Handler) handleCall() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		svc, ok := h.service(r.PathValue("id"))
		if !ok {
			writeError(w, http.StatusNotFound, "not_found", "no CDS service "+r.PathValue("id")+"; GET /cds-services lists them")
			return
		}
		var req request
		if err := decodeBody(w, r, maxRequest, &req); err != nil {
			writeError(w, http.StatusBadRequest, "invalid", err.Error())
			return
		}
		if msg := checkRequest(&req, svc); msg != "" {
			writeError(w, http.StatusBadRequest, "invalid", msg)
			return
		}
		if svc.Hook != HookPatientView {
			ordered, err := h.mscOrdered(&req)
			if err != nil {
				writeError(w, http.StatusBadRequest, "invalid", err.Error())
				return
			}
			if !ordered {
				writeJSON(w, http.StatusOK, Response{Cards: []Card{}})
				return
			}
		}
		h.screenCall(w, r, &req, svc)
	})
}

// checkRequest returns what is wrong with a call, "" when nothing is.
func checkRequest(req *request, svc Service) string {
	switch {
	case req.Hook != svc.Hook:
		return "$.hook: " + req.Hook + " is not the hook of service " + svc.ID + " (" + svc.Hook + ")"
	case req.HookInstance == "":
		return "$.hookInstance: missing"
	case req.Context.PatientID == "":
		return "$.context.patientId: missing"
	case !fhirID.MatchString(req.Context.PatientID):
		return "$.context.patientId: not a FHIR id"
	case req.FHIRAuthorization != nil && req.FHIRServer == "":
		return "$.fhirServer: required with fhirAuthorization"
	case req.FHIRAuthorization != nil && req.FHIRAuthorization.AccessToken == "":
		return "$.fhirAuthorization.access_token: missing"
	case svc.Hook != HookPatientView && len(req.Context.DraftOrders) == 0:
		return "$.context.draftOrders: missing"
	}
	return ""
}

func (h *Handler) screenCall(w http.ResponseWriter, r *http.Request, req *request, svc Service) {
	ctx, cancel := context.WithTimeout(r.Context(), h.limits.Wait)
	defer cancel()
	g, err := h.gather(ctx, req, svc)
	if err != nil {
		var missing *missingError
		if errors.As(err, &missing) {
			writeError(w, http.StatusPreconditionFailed, "precondition_failed", missing.Error(), missing.keys...)
			return
		}
		h.internal(w, err)
		return
	}
	now := h.cfg.Now()
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	opts := fhir.Options{AsOf: today, PatientID: req.Context.PatientID, Unavailable: g.unavailable, Context: ctx}
	if ok, _ := h.canFetch(req); ok {
		opts.Fetch = h.medicationFetcher(ctx, req)
	}
	x, err := h.mapper().FromPrefetch(g.prefetch, opts)
	if err != nil {
		var bad fhir.InputErrors
		if errors.As(err, &bad) {
			details := make([]string, len(bad))
			for i, e := range bad {
				details[i] = e.Error()
			}
			writeError(w, http.StatusBadRequest, "invalid", "the FHIR records cannot be read", details...)
			return
		}
		h.internal(w, err)
		return
	}
	d, raw, err := screen(r.Context(), h.cfg.Screener, x.Facts)
	if err != nil {
		h.internal(w, err)
		return
	}
	cards := h.cards(d, x, g.unavailable)
	if h.cfg.Screenings != nil {
		if err := h.cfg.Screenings.RecordScreening(r.Context(), newScreening(r, req, svc, now, x, g.unavailable, raw, cards)); err != nil {
			h.internal(w, err) // guidance that cannot be audited is not given
			return
		}
	}
	resp := Response{Cards: cards}
	if len(x.Unreviewed) > 0 {
		resp.Extension = &responseExtension{UnreviewedRecords: x.Unreviewed}
	}
	writeJSON(w, http.StatusOK, resp)
}

// medicationFetcher reads the Medications that medicationReferences name
// from the call's FHIR server, within the call's bounds.
func (h *Handler) medicationFetcher(ctx context.Context, req *request) func(string) (json.RawMessage, error) {
	base := strings.TrimRight(req.FHIRServer, "/")
	n := 0
	return func(ref string) (json.RawMessage, error) {
		u := ref
		if !strings.Contains(ref, "://") {
			u = base + "/" + ref
		}
		switch {
		case !strings.HasPrefix(u, base+"/"):
			return nil, errors.New("a Medication off the FHIR server")
		case n >= maxMedicationFetches:
			return nil, fmt.Errorf("more than %d Medications to fetch", maxMedicationFetches)
		}
		n++
		return h.get(ctx, u, req.FHIRAuthorization.AccessToken, 1<<20)
	}
}

func (h *Handler) internal(w http.ResponseWriter, err error) {
	h.cfg.Logger.Error("cdshooks: internal error", "err", err)
	writeError(w, http.StatusInternalServerError, "internal", "internal error")
}

// mscOrdered reports whether the call's orders (for order-select, the
// selected ones) include an MSC therapy order.
func (h *Handler) mscOrdered(req *request) (bool, error) {
	var b struct {
		ResourceType string `json:"resourceType"`
		Entry        []struct {
			Resource struct {
				ResourceType              string                `json:"resourceType"`
				ID                        string                `json:"id"`
				Code                      *fhir.CodeableConcept `json:"code"`
				MedicationCodeableConcept *fhir.CodeableConcept `json:"medicationCodeableConcept"`
			} `json:"resource"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(req.Context.DraftOrders, &b); err != nil || b.ResourceType != "Bundle" {
		return false, errors.New("$.context.draftOrders: want a FHIR Bundle of the draft orders")
	}
	for _, e := range b.Entry {
		res := e.Resource
		if req.Hook == HookOrderSelect && !slices.Contains(req.Context.Selections, res.ResourceType+"/"+res.ID) {
			continue
		}
		for _, cc := range []*fhir.CodeableConcept{res.Code, res.MedicationCodeableConcept} {
			if cc == nil {
				continue
			}
			for _, c := range cc.Coding {
				if slices.ContainsFunc(h.cfg.OrderCodes, func(o fhir.Coding) bool { return o.System == c.System && o.Code == c.Code }) {
					return true, nil
				}
			}
		}
	}
	return false, nil
}
