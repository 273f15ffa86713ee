package cdshooks

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// missingError is a prefetch the service needs, that the call did not give
// and that could not be fetched: the service answers 412.
type missingError struct {
	keys   []string
	reason string
}

func (e *missingError) Error() string {
	return "prefetch " + strings.Join(e.keys, ", ") + " not given and " + e.reason
}

// maxPages bounds how many pages of one search are followed.
const maxPages = 20

// gather returns the data of every prefetch template of svc: as the call
// gave it, or fetched from the CDS client's FHIR server. A key given as
// null means no data. A key left out, or answered with an OperationOutcome,
// is fetched when the call gives fhirServer and fhirAuthorization.
func (h *Handler) gather(ctx context.Context, req *request, svc Service) (map[string]json.RawMessage, error) {
	out := map[string]json.RawMessage{}
	var lacking []string
	for _, k := range slices.Sorted(maps.Keys(svc.Prefetch)) {
		v, given := req.Prefetch[k]
		if given && !isOperationOutcome(v) {
			out[k] = v
			continue
		}
		lacking = append(lacking, k)
	}
	if len(lacking) == 0 {
		return out, nil
	}
	if req.FHIRServer == "" || req.FHIRAuthorization == nil {
		return nil, &missingError{keys: lacking, reason: "the call gives no fhirServer and fhirAuthorization to fetch it with"}
	}
	if len(h.cfg.FHIRServers) > 0 && !slices.Contains(h.cfg.FHIRServers, strings.TrimRight(req.FHIRServer, "/")) {
		return nil, &missingError{keys: lacking, reason: "its fhirServer is not one this service may fetch from"}
	}
	for _, k := range lacking {
		query := strings.ReplaceAll(svc.Prefetch[k], "{{context.patientId}}", url.QueryEscape(req.Context.PatientID))
		data, err := h.fetch(ctx, req, query)
		if err != nil {
			return nil, &missingError{keys: []string{k}, reason: "fetching it failed: " + err.Error()}
		}
		out[k] = data
	}
	return out, nil
}

func isOperationOutcome(v json.RawMessage) bool {
	var head struct {
		ResourceType string `json:"resourceType"`
	}
	return json.Unmarshal(v, &head) == nil && head.ResourceType == "OperationOutcome"
}

// fetch reads query from the FHIR server, following a search's next links
// (only those on the same server, so the token goes nowhere else) and
// joining the pages into one searchset Bundle.
func (h *Handler) fetch(ctx context.Context, req *request, query string) (json.RawMessage, error) {
	base := strings.TrimRight(req.FHIRServer, "/")
	next := base + "/" + query
	var entries []json.RawMessage
	for page := 0; next != ""; page++ {
		if page == maxPages {
			return nil, fmt.Errorf("more than %d pages", maxPages)
		}
		body, err := h.get(ctx, next, req.FHIRAuthorization.AccessToken)
		if err != nil {
			return nil, err
		}
		var b struct {
			ResourceType string `json:"resourceType"`
			Link         []struct {
				Relation string `json:"relation"`
				URL      string `json:"url"`
			} `json:"link"`
			Entry []json.RawMessage `json:"entry"`
		}
		if err := json.Unmarshal(body, &b); err != nil {
			return nil, fmt.Errorf("the FHIR server's answer is not JSON")
		}
		if b.ResourceType != "Bundle" {
			if page > 0 {
				return nil, fmt.Errorf("a next page that is not a Bundle")
			}
			return body, nil // a read: the resource itself
		}
		entries = append(entries, b.Entry...)
		next = ""
		for _, l := range b.Link {
			if l.Relation == "next" {
				if !strings.HasPrefix(l.URL, base+"/") {
					return nil, fmt.Errorf("a next link off the FHIR server")
				}
				next = l.URL
			}
		}
	}
	return json.Marshal(map[string]any{"resourceType": "Bundle", "type": "searchset", "entry": entries})
}

func (h *Handler) get(ctx context.Context, u, token string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	r, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	r.Header.Set("Accept", "application/fhir+json")
	r.Header.Set("Authorization", "Bearer "+token)
	resp, err := h.cfg.Client.Do(r)
	if err != nil {
		return nil, fmt.Errorf("the FHIR server did not answer")
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("the FHIR server answered HTTP %d", resp.StatusCode)
	}
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, io.LimitReader(resp.Body, maxRequest+1)); err != nil {
		return nil, fmt.Errorf("reading the FHIR server's answer: %v", err)
	}
	if buf.Len() > maxRequest {
		return nil, fmt.Errorf("the FHIR server's answer is larger than %d bytes", maxRequest)
	}
	return buf.Bytes(), nil
}
