package httpapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/reocell/celltherapy/server/internal/audit"
	"github.com/reocell/celltherapy/server/internal/casebook"
)

// caseError turns a case book error into the one error shape, its code
// from domainErrors.
func caseError(e *casebook.Error) *Error {
	out := &Error{Code: CodeInternal, Message: e.Message, Field: e.Field, Rule: e.Rule}
	for _, d := range domainErrors() {
		if errors.Is(e, d.target) {
			out.Code = d.code
			break
		}
	}
	for _, p := range e.Problems {
		out.Problems = append(out.Problems, Problem{Path: p.Field, Message: p.Message})
	}
	if len(out.Problems) > 0 && strings.HasPrefix(out.Problems[0].Path, "$") {
		out.Path = out.Problems[0].Path
	}
	return out
}

// actor is the verified caller, as the case book needs it.
func actor(ctx context.Context) casebook.Actor {
	p := principal(ctx)
	return casebook.Actor{ID: p.Subject, Role: string(p.Role)}
}

// expectation reads the Idempotency-Key and If-Match headers.
func expectation(r *http.Request) (casebook.Expect, error) {
	x := casebook.Expect{Key: r.Header.Get("Idempotency-Key")}
	if len(x.Key) > 200 {
		return x, &Error{Code: CodeBadInput, Message: "Idempotency-Key is longer than 200 characters", Field: "Idempotency-Key"}
	}
	if m := r.Header.Get("If-Match"); m != "" && m != "*" {
		v, err := strongVersion(m)
		if err != nil {
			return x, &Error{Code: CodeBadInput, Message: `If-Match must be the case's ETag, a strong quoted version such as "3", or *: ` + err.Error(), Field: "If-Match"}
		}
		x.Version, x.HasVersion = v, true
	}
	return x, nil
}

// strongVersion reads a strong entity tag that holds a case version, as the
// ETag of a case is: "3". A weak tag (W/"3") does not name one version's
// bytes, and an unquoted one is not an entity tag at all (RFC 9110, 8.8.3).
func strongVersion(tag string) (int, error) {
	switch {
	case strings.HasPrefix(tag, "W/"):
		return 0, errors.New("a weak tag (W/) is not accepted")
	case len(tag) < 2 || tag[0] != '"' || tag[len(tag)-1] != '"':
		return 0, fmt.Errorf("%q is not quoted", tag)
	}
	inner := tag[1 : len(tag)-1]
	v, err := strconv.Atoi(inner)
	if err != nil || v < 0 || strconv.Itoa(v) != inner {
		return 0, fmt.Errorf("%s is not a case version", tag)
	}
	return v, nil
}

// handleOpenCase opens a case: 201 with its Location, or 200 when the
// idempotency key opened it before.
func (s *Server) handleOpenCase() http.Handler {
	return s.caseCommand(func(r *http.Request, body []byte, x casebook.Expect) (*casebook.Outcome, error) {
		return s.deciding().OpenCase(r.Context(), actor(r.Context()), body, x)
	}, http.StatusCreated)
}

// handleCommand gives a command to the case named in the path.
func (s *Server) handleCommand() http.Handler {
	return s.caseCommand(func(r *http.Request, body []byte, x casebook.Expect) (*casebook.Outcome, error) {
		return s.deciding().Give(r.Context(), r.PathValue("id"), actor(r.Context()), body, x)
	}, http.StatusOK)
}

// deciding returns the case book deciding with the rules in force, taken
// once for the command, as a decision takes them.
func (s *Server) deciding() *casebook.Book {
	if s.rules == nil || s.rules.Current() == nil {
		return s.cases
	}
	return s.cases.Using(s.rules.Current().Makers())
}

type giveFunc func(r *http.Request, body []byte, x casebook.Expect) (*casebook.Outcome, error)

// caseCommand reads the body and headers, gives the command, audits every
// event it appended and only then answers.
func (s *Server) caseCommand(give giveFunc, created int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := s.readBody(w, r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		x, err := expectation(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		out, err := give(r, body, x)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		status := created
		if out.Replayed {
			status = http.StatusOK
		} else if err := s.auditEvents(r, body, out); err != nil {
			s.fail(w, r, err)
			return
		}
		w.Header().Set("Location", "/v1/cases/"+url.PathEscape(out.CaseID))
		w.Header().Set("ETag", strconv.Quote(strconv.Itoa(out.Version)))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write(append(out.JSON, '\n'))
	})
}

// auditEvents appends one audit entry per event, in order: who, the
// command as received, the event, and the digest of any decision in it.
func (s *Server) auditEvents(r *http.Request, body []byte, out *casebook.Outcome) error {
	p := principal(r.Context())
	for _, e := range out.Events {
		start := time.Now()
		if _, err := s.audit.Append(r.Context(), audit.Record{
			ActorID: p.Subject, ActorRole: string(p.Role), Action: "case-event:" + e.Type, Subject: out.CaseID,
			RequestID: info(r.Context()).id, RulesetDigest: e.Digest, Input: body, Output: e.JSON,
		}); err != nil {
			return err
		}
		s.metrics.ObserveStoreAppend("audit", time.Since(start))
	}
	return nil
}

func (s *Server) handleCase() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, version, err := s.cases.Case(r.Context(), r.PathValue("id"))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		w.Header().Set("ETag", strconv.Quote(strconv.Itoa(version)))
		writeRaw(w, data)
	})
}

func (s *Server) handleHistory() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, err := s.cases.History(r.Context(), r.PathValue("id"))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeRaw(w, data)
	})
}

func (s *Server) handleAftercareICS() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var buf bytes.Buffer
		if err := s.cases.WriteAftercare(r.Context(), &buf, r.PathValue("id")); err != nil {
			s.fail(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="aftercare.ics"`)
		w.Write(buf.Bytes())
	})
}

func (s *Server) handleListCases() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		data, err := s.cases.List(r.Context(), q.Get("stage"), q.Get("after"), q.Get("limit"))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeRaw(w, data)
	})
}

func (s *Server) handleWorklist() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		data, err := s.cases.Worklist(r.Context(), q.Get("asOf"), q.Get("role"), q.Get("limit"), time.Now())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeRaw(w, data)
	})
}

func writeRaw(w http.ResponseWriter, data []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Write(append(data, '\n'))
}
