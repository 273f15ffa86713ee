package cdshooks

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
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

// Limits bound what the service reads from a CDS client's FHIR server for
// one call: pages of one search, resources and bytes of one search, and
// the call's wall time for all its reads. A search cut off at a bound is
// used as far as it was read, and its resource type is reported as not
// fully read: the facts it could make true stay unknown.
type Limits struct {
	Pages     int           // pages of one search (default 20)
	Resources int           // entries of one search (default 5,000)
	Bytes     int64         // bytes of one search, all pages (default 8 MiB)
	Wait      time.Duration // wall time of all the call's reads (default 20s)
}

func (l Limits) withDefaults() Limits {
	if l.Pages <= 0 {
		l.Pages = 20
	}
	if l.Resources <= 0 {
		l.Resources = 5000
	}
	if l.Bytes <= 0 {
		l.Bytes = maxRequest
	}
	if l.Wait <= 0 {
		l.Wait = 20 * time.Second
	}
	return l
}

// gathered is what a call's records are: the data of each prefetch key,
// and the resource types that could not be read in full, with why.
type gathered struct {
	prefetch    map[string]json.RawMessage
	unavailable map[string]string
}

// resourceType returns the resource type a prefetch template asks for.
func resourceType(template string) string {
	t, _, _ := strings.Cut(template, "?")
	t, _, _ = strings.Cut(t, "/")
	return t
}

// errNotSupported is a FHIR server answering 404 to a search: it does not
// support the resource type.
var errNotSupported = errors.New("not supported by the FHIR server (HTTP 404)")

// gather returns the data of every prefetch template of svc: as the call
// gave it, or fetched from the CDS client's FHIR server. A key given as
// null means no data. A key left out, or answered with an OperationOutcome,
// is fetched when the call gives fhirServer and fhirAuthorization; a given
// search whose Bundle links a next page is read on. A resource type that
// cannot be read (the server does not support it, the fetch fails, or
// there is no server to fetch from) is unavailable; the call fails with
// 412 only when nothing at all can be read.
func (h *Handler) gather(ctx context.Context, req *request, svc Service) (*gathered, error) {
	g := &gathered{prefetch: map[string]json.RawMessage{}, unavailable: map[string]string{}}
	var lacking []string
	canFetch, why := h.canFetch(req)
	for _, k := range slices.Sorted(maps.Keys(svc.Prefetch)) {
		v, given := req.Prefetch[k]
		if !given || isOperationOutcome(v) {
			lacking = append(lacking, k)
			continue
		}
		typ := resourceType(svc.Prefetch[k])
		next := nextLink(v)
		switch {
		case next == "":
			g.prefetch[k] = v
		case !canFetch:
			g.prefetch[k] = v
			g.unavailable[typ] = "the prefetch holds the first page of its search only, and " + why
		default:
			data, cut, err := h.fetch(ctx, req, next, v)
			if err != nil {
				g.prefetch[k] = v
				g.unavailable[typ] = "only the first page read: " + err.Error()
				continue
			}
			g.prefetch[k] = data
			if cut != "" {
				g.unavailable[typ] = cut
			}
		}
	}
	if len(lacking) > 0 && !canFetch {
		for _, k := range lacking {
			g.unavailable[resourceType(svc.Prefetch[k])] = "not in the prefetch, and " + why
		}
	}
	if len(lacking) > 0 && canFetch {
		supported := h.capabilities(ctx, req)
		var failed []string
		for _, k := range lacking {
			typ := resourceType(svc.Prefetch[k])
			if supported != nil && !supported[typ] {
				g.unavailable[typ] = "not supported by the FHIR server (its CapabilityStatement)"
				continue
			}
			query := strings.ReplaceAll(svc.Prefetch[k], "{{context.patientId}}", url.QueryEscape(req.Context.PatientID))
			data, cut, err := h.fetch(ctx, req, strings.TrimRight(req.FHIRServer, "/")+"/"+query, nil)
			switch {
			case errors.Is(err, errNotSupported):
				g.unavailable[typ] = err.Error()
			case err != nil:
				g.unavailable[typ] = "fetching it failed: " + err.Error()
				failed = append(failed, err.Error())
			default:
				g.prefetch[k] = data
				if cut != "" {
					g.unavailable[typ] = cut
				}
			}
		}
		why = "fetching it failed: " + strings.Join(slices.Compact(failed), "; ")
	}
	if len(g.prefetch) == 0 {
		return nil, &missingError{keys: lacking, reason: why}
	}
	return g, nil
}

// canFetch says whether the service may read from the call's FHIR server,
// and if not why.
func (h *Handler) canFetch(req *request) (bool, string) {
	switch {
	case req.FHIRServer == "" || req.FHIRAuthorization == nil:
		return false, "the call gives no fhirServer and fhirAuthorization to fetch it with"
	case len(h.cfg.FHIRServers) > 0 && !slices.Contains(h.cfg.FHIRServers, strings.TrimRight(req.FHIRServer, "/")):
		return false, "its fhirServer is not one this service may fetch from"
	}
	return true, ""
}

// capabilities returns the resource types the FHIR server's
// CapabilityStatement lists, or nil when it cannot be read.
func (h *Handler) capabilities(ctx context.Context, req *request) map[string]bool {
	body, err := h.get(ctx, strings.TrimRight(req.FHIRServer, "/")+"/metadata", req.FHIRAuthorization.AccessToken, 1<<20)
	if err != nil {
		return nil
	}
	var cs struct {
		ResourceType string `json:"resourceType"`
		Rest         []struct {
			Mode     string `json:"mode"`
			Resource []struct {
				Type string `json:"type"`
			} `json:"resource"`
		} `json:"rest"`
	}
	if json.Unmarshal(body, &cs) != nil || cs.ResourceType != "CapabilityStatement" {
		return nil
	}
	out := map[string]bool{}
	for _, r := range cs.Rest {
		if r.Mode != "server" {
			continue
		}
		for _, res := range r.Resource {
			out[res.Type] = true
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func isOperationOutcome(v json.RawMessage) bool {
	var head struct {
		ResourceType string `json:"resourceType"`
	}
	return json.Unmarshal(v, &head) == nil && head.ResourceType == "OperationOutcome"
}

type searchPage struct {
	ResourceType string `json:"resourceType"`
	Link         []struct {
		Relation string `json:"relation"`
		URL      string `json:"url"`
	} `json:"link"`
	Entry []json.RawMessage `json:"entry"`
}

func (b *searchPage) next() string {
	for _, l := range b.Link {
		if l.Relation == "next" {
			return l.URL
		}
	}
	return ""
}

// nextLink returns the next link of a searchset Bundle, if any.
func nextLink(v json.RawMessage) string {
	var b searchPage
	if json.Unmarshal(v, &b) != nil || b.ResourceType != "Bundle" {
		return ""
	}
	return b.next()
}

// fetch reads from u on the FHIR server, following a search's next links
// (only those on the same server, so the token goes nowhere else) within
// the service's Limits, and joins the pages into one searchset Bundle.
// first, when given, is a first page already read (a prefetch). cut says
// why the search was not read to its end, "" when it was.
func (h *Handler) fetch(ctx context.Context, req *request, u string, first json.RawMessage) (data json.RawMessage, cut string, err error) {
	lim := h.limits
	base := strings.TrimRight(req.FHIRServer, "/")
	var entries []json.RawMessage
	var read int64
	page := 0
	if first != nil {
		var b searchPage
		if err := json.Unmarshal(first, &b); err != nil {
			return nil, "", fmt.Errorf("the prefetch is not JSON")
		}
		entries, read, page = b.Entry, int64(len(first)), 1
	}
	for next := u; next != ""; page++ {
		if !strings.HasPrefix(next, base+"/") {
			return nil, "", fmt.Errorf("a next link off the FHIR server")
		}
		switch {
		case page >= lim.Pages:
			cut = fmt.Sprintf("only the first %d pages of its search read (the service's page limit)", lim.Pages)
		case len(entries) >= lim.Resources:
			cut = fmt.Sprintf("only the first %d resources of its search read (the service's resource limit)", len(entries))
		case read >= lim.Bytes:
			cut = fmt.Sprintf("only the first %d bytes of its search read (the service's size limit)", read)
		case ctx.Err() != nil:
			cut = "its search not read to the end in the call's time limit"
		}
		if cut != "" {
			if page == 0 {
				return nil, "", errors.New(cut)
			}
			break
		}
		body, err := h.get(ctx, next, req.FHIRAuthorization.AccessToken, lim.Bytes-read)
		if err != nil {
			if page > 0 && (errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil || errors.Is(err, errTooLarge)) {
				cut = "its search not read to the end: " + err.Error()
				break
			}
			if page == 0 {
				return nil, "", err
			}
			return nil, "", fmt.Errorf("page %d: %w", page+1, err)
		}
		read += int64(len(body))
		var b searchPage
		if err := json.Unmarshal(body, &b); err != nil {
			return nil, "", fmt.Errorf("the FHIR server's answer is not JSON")
		}
		if b.ResourceType != "Bundle" {
			if page > 0 {
				return nil, "", fmt.Errorf("a next page that is not a Bundle")
			}
			return body, "", nil // a read: the resource itself
		}
		entries = append(entries, b.Entry...)
		if len(entries) > lim.Resources {
			entries = entries[:lim.Resources]
			cut = fmt.Sprintf("only the first %d resources of its search read (the service's resource limit)", lim.Resources)
			break
		}
		next = b.next()
	}
	data, err = json.Marshal(map[string]any{"resourceType": "Bundle", "type": "searchset", "entry": entries})
	return data, cut, err
}

// errTooLarge is an answer over the bytes left for a search.
var errTooLarge = errors.New("the FHIR server's answer is over the service's size limit")

func (h *Handler) get(ctx context.Context, u, token string, limit int64) ([]byte, error) {
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
	switch {
	case resp.StatusCode == http.StatusNotFound && strings.Contains(u, "?"):
		return nil, errNotSupported
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("the FHIR server answered HTTP %d", resp.StatusCode)
	}
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, io.LimitReader(resp.Body, limit+1)); err != nil {
		return nil, fmt.Errorf("reading the FHIR server's answer: %v", err)
	}
	if int64(buf.Len()) > limit {
		return nil, errTooLarge
	}
	return buf.Bytes(), nil
}
