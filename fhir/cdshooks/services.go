package cdshooks

import (
	"net/http"
	"slices"
	"strings"

	"github.com/reocell/celltherapy/fhir"
)

// The hooks the screening service answers.
const (
	HookPatientView = "patient-view"
	HookOrderSelect = "order-select"
	HookOrderSign   = "order-sign"
)

// Service is a CDS service as discovery describes it.
type Service struct {
	Hook              string            `json:"hook"`
	Title             string            `json:"title,omitempty"`
	Description       string            `json:"description"`
	ID                string            `json:"id"`
	Prefetch          map[string]string `json:"prefetch,omitempty"`
	UsageRequirements string            `json:"usageRequirements,omitempty"`
}

// services returns the screening service on each hook, with the prefetch
// templates the mapping needs.
func screeningServices(codes *fhir.Codes) []Service {
	pre := prefetchTemplates(codes)
	desc := "Screens the patient for contraindications to mesenchymal stem cell therapy (clinic procedure, 03) " +
		"from the records: critical cards for a contraindication, a warning with the questions to ask when the records do not settle it."
	return []Service{
		{Hook: HookPatientView, ID: "msc-screening", Title: "MSC therapy contraindication screening", Description: desc, Prefetch: pre},
		{Hook: HookOrderSelect, ID: "msc-screening-order-select", Title: "MSC therapy contraindication screening (order selected)",
			Description: desc + " Answers only when an MSC therapy order is selected.", Prefetch: pre},
		{Hook: HookOrderSign, ID: "msc-screening-order-sign", Title: "MSC therapy contraindication screening (order to sign)",
			Description: desc + " Answers only when an MSC therapy order is about to be signed.", Prefetch: pre},
	}
}

// prefetchTemplates asks for the resources the code tables read:
// observations only of the codes listed (a chart holds many), the other
// resources of the patient whole. A Medication a record names by
// reference is fetched when the call gives a FHIR server.
func prefetchTemplates(codes *fhir.Codes) map[string]string {
	var obs []string
	for _, e := range codes.Entries() {
		if e.Resource == "Observation" && e.Role == "codes" {
			for _, uri := range codes.Systems(e.System) {
				if c := uri + "|" + e.Code; !slices.Contains(obs, c) {
					obs = append(obs, c)
				}
			}
		}
	}
	return map[string]string{
		"patient":              "Patient/{{context.patientId}}",
		"conditions":           "Condition?patient={{context.patientId}}",
		"observations":         "Observation?patient={{context.patientId}}&code=" + strings.Join(obs, ","),
		"procedures":           "Procedure?patient={{context.patientId}}",
		"medicationStatements": "MedicationStatement?patient={{context.patientId}}",
		// US Core servers have no MedicationStatement: EHRs record orders
		// and administrations.
		"medicationRequests":        "MedicationRequest?patient={{context.patientId}}",
		"medicationAdministrations": "MedicationAdministration?patient={{context.patientId}}",
	}
}

func (h *Handler) service(id string) (Service, bool) {
	for _, s := range h.services {
		if s.ID == id {
			return s, true
		}
	}
	return Service{}, false
}

func (h *Handler) handleDiscovery() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, struct {
			Services []Service `json:"services"`
		}{h.services})
	})
}
