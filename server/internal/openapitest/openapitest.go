// Package openapitest checks HTTP traffic against an OpenAPI 3.1 document
// in tests: every request a test makes (unless marked knowingly invalid)
// and every response it gets, with pb33f/libopenapi-validator.
//
//	client := &http.Client{Transport: openapitest.Transport(t, httpapi.OpenAPI(), nil)}
package openapitest

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
)

type invalidKey struct{}

type undocumentedKey struct{}

// KnowinglyInvalid marks a request the test makes bad on purpose: its
// response is still checked.
func KnowinglyInvalid(ctx context.Context) context.Context {
	return context.WithValue(ctx, invalidKey{}, true)
}

// Undocumented marks a request to a path the document does not have (to
// see the 404): nothing about it can be checked.
func Undocumented(ctx context.Context) context.Context {
	return context.WithValue(ctx, undocumentedKey{}, true)
}

// Transport returns a RoundTripper that sends with next (nil:
// http.DefaultTransport) and reports to t every request and response that
// does not match doc. The document itself must be valid.
func Transport(t testing.TB, doc []byte, next http.RoundTripper) http.RoundTripper {
	t.Helper()
	d, err := libopenapi.NewDocument(doc)
	if err != nil {
		t.Fatal(err)
	}
	v, errs := validator.NewValidator(d)
	if len(errs) > 0 {
		t.Fatalf("OpenAPI document: %v", errs)
	}
	if ok, verrs := v.ValidateDocument(); !ok {
		for _, e := range verrs {
			t.Errorf("OpenAPI document: %s", e.Error())
		}
		t.FailNow()
	}
	if next == nil {
		next = http.DefaultTransport
	}
	return &transport{t: t, v: v, next: next}
}

type transport struct {
	t    testing.TB
	mu   sync.Mutex // the validator is not documented as safe for concurrent use
	v    validator.Validator
	next http.RoundTripper
}

func (vt *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	// The body is copied as it is sent, not read ahead: a test may stream
	// it (to keep a request in flight) and must see it arrive as it writes.
	sent := &teeBody{}
	if req.Body != nil {
		sent.body = req.Body
		req.Body = sent
	}
	resp, err := vt.next.RoundTrip(req)
	if err != nil || req.Context().Value(undocumentedKey{}) != nil {
		return resp, err
	}
	respBody, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(respBody))
	reqBody := sent.bytes()
	check := req.Clone(req.Context())
	checkResp := *resp
	checkResp.Body = io.NopCloser(bytes.NewReader(respBody))
	vt.mu.Lock()
	defer vt.mu.Unlock()
	if req.Context().Value(invalidKey{}) == nil {
		check.Body = io.NopCloser(bytes.NewReader(reqBody))
		if ok, errs := vt.v.ValidateHttpRequest(check); !ok {
			for _, e := range errs {
				vt.t.Errorf("%s %s: the request does not match the OpenAPI document: %s", req.Method, req.URL.Path, e.Error())
			}
		}
	}
	check.Body = io.NopCloser(bytes.NewReader(reqBody))
	if ok, errs := vt.v.ValidateHttpResponse(check, &checkResp); !ok {
		for _, e := range errs {
			vt.t.Errorf("%s %s -> %d: the response does not match the OpenAPI document: %s (%s)",
				req.Method, req.URL.Path, resp.StatusCode, e.Error(), respBody)
		}
	}
	return resp, nil
}

// teeBody keeps a copy of a request body as the transport reads it.
type teeBody struct {
	body io.ReadCloser
	mu   sync.Mutex
	buf  bytes.Buffer
}

func (t *teeBody) Read(p []byte) (int, error) {
	n, err := t.body.Read(p)
	t.mu.Lock()
	t.buf.Write(p[:n])
	t.mu.Unlock()
	return n, err
}

func (t *teeBody) Close() error { return t.body.Close() }

func (t *teeBody) bytes() []byte {
	t.mu.Lock()
	defer t.mu.Unlock()
	return bytes.Clone(t.buf.Bytes())
}
