package fhir

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Terminology answers what the local value sets cannot: whether a SNOMED
// CT concept is a descendant of another, whether a code is in a value set
// the clinic keeps on a terminology server. TerminologyClient is one.
type Terminology interface {
	// Subsumes reports whether ancestor subsumes code (or is it) in
	// system.
	Subsumes(ctx context.Context, system, ancestor, code string) (bool, error)
	// InValueSet reports whether system|code is in the value set of
	// canonical URL valueSet.
	InValueSet(ctx context.Context, valueSet, system, code string) (bool, error)
}

// TerminologyClient asks a FHIR R4 terminology server ($subsumes on
// CodeSystem, $validate-code on ValueSet), with a bounded cache of the
// answers and a timeout on each request. It is safe for concurrent use.
type TerminologyClient struct {
	base    string
	client  *http.Client
	timeout time.Duration

	mu    sync.Mutex
	cache map[string]bool
	order []string // cache keys, oldest first
	size  int
}

// NewTerminologyClient returns a client of the terminology server at base
// (its FHIR base URL), each request bounded by timeout (default 2s), at
// most cacheSize answers kept (default 10,000; the oldest go first).
func NewTerminologyClient(base string, client *http.Client, timeout time.Duration, cacheSize int) (*TerminologyClient, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("fhir: terminology server %q: want an http(s) FHIR base URL", base)
	}
	if client == nil {
		client = http.DefaultClient
	}
	if timeout <= 0 {
		timeout = 2 * time.Second
	}
	if cacheSize <= 0 {
		cacheSize = 10_000
	}
	return &TerminologyClient{base: strings.TrimRight(base, "/"), client: client, timeout: timeout, cache: map[string]bool{}, size: cacheSize}, nil
}

// URL returns the server's base URL.
func (t *TerminologyClient) URL() string { return t.base }

// Subsumes asks CodeSystem/$subsumes: ancestor subsumes code when the
// outcome is subsumes or equivalent.
func (t *TerminologyClient) Subsumes(ctx context.Context, system, ancestor, code string) (bool, error) {
	q := url.Values{"system": {system}, "codeA": {ancestor}, "codeB": {code}}
	return t.ask(ctx, "/CodeSystem/$subsumes?"+q.Encode(), func(p parameters) (bool, error) {
		switch o := p.code("outcome"); o {
		case "subsumes", "equivalent":
			return true, nil
		case "subsumed-by", "not-subsumed":
			return false, nil
		default:
			return false, fmt.Errorf("$subsumes answered outcome %q", o)
		}
	})
}

// InValueSet asks ValueSet/$validate-code.
func (t *TerminologyClient) InValueSet(ctx context.Context, valueSet, system, code string) (bool, error) {
	q := url.Values{"url": {valueSet}, "system": {system}, "code": {code}}
	return t.ask(ctx, "/ValueSet/$validate-code?"+q.Encode(), func(p parameters) (bool, error) {
		r, ok := p.boolean("result")
		if !ok {
			return false, errors.New("$validate-code answered no result")
		}
		return r, nil
	})
}

// parameters is a FHIR Parameters resource, as far as read.
type parameters struct {
	ResourceType string `json:"resourceType"`
	Parameter    []struct {
		Name         string `json:"name"`
		ValueCode    string `json:"valueCode"`
		ValueBoolean *bool  `json:"valueBoolean"`
	} `json:"parameter"`
}

func (p parameters) code(name string) string {
	for _, x := range p.Parameter {
		if x.Name == name {
			return x.ValueCode
		}
	}
	return ""
}

func (p parameters) boolean(name string) (bool, bool) {
	for _, x := range p.Parameter {
		if x.Name == name && x.ValueBoolean != nil {
			return *x.ValueBoolean, true
		}
	}
	return false, false
}

func (t *TerminologyClient) ask(ctx context.Context, path string, read func(parameters) (bool, error)) (bool, error) {
	t.mu.Lock()
	v, hit := t.cache[path]
	t.mu.Unlock()
	if hit {
		return v, nil
	}
	ctx, cancel := context.WithTimeout(ctx, t.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.base+path, nil)
	if err != nil {
		return false, err
	}
	req.Header.Set("Accept", "application/fhir+json")
	resp, err := t.client.Do(req)
	if err != nil {
		return false, fmt.Errorf("the terminology server did not answer: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return false, fmt.Errorf("the terminology server answered HTTP %d", resp.StatusCode)
	}
	var p parameters
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&p); err != nil || p.ResourceType != "Parameters" {
		return false, errors.New("the terminology server's answer is not a Parameters resource")
	}
	v, err = read(p)
	if err != nil {
		return false, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.cache[path]; !ok {
		if len(t.order) >= t.size {
			delete(t.cache, t.order[0])
			t.order = t.order[1:]
		}
		t.order = append(t.order, path)
	}
	t.cache[path] = v
	return v, nil
}

// cached returns how many answers the client keeps.
func (t *TerminologyClient) cached() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.cache)
}
