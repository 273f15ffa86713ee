package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/reocell/celltherapy/procedure"
	"github.com/reocell/celltherapy/server/internal/audit"
	"github.com/reocell/celltherapy/server/internal/casebook"
)

// actor is the verified caller, as the procedure knows it.
func actor(ctx context.Context) procedure.Actor {
	p := principal(ctx)
	return procedure.Actor{ID: p.Subject, Role: procedure.Role(p.Role)}
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
	return s.caseCommand(func(ctx context.Context, r *http.Request, body []byte, x casebook.Expect, trail *audit.Trail) (*casebook.Outcome, error) {
		return s.deciding().OpenCase(ctx, actor(ctx), body, x, trail)
	}, http.StatusCreated)
}

// handleCommand gives a command to the case named in the path.
func (s *Server) handleCommand() http.Handler {
	return s.caseCommand(func(ctx context.Context, r *http.Request, body []byte, x casebook.Expect, trail *audit.Trail) (*casebook.Outcome, error) {
		return s.deciding().Give(ctx, r.PathValue("id"), actor(ctx), body, x, trail)
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

type giveFunc func(ctx context.Context, r *http.Request, body []byte, x casebook.Expect, trail *audit.Trail) (*casebook.Outcome, error)

// caseCommand reads the body and headers and gives the command; the case
// store writes each event's audit entry (who, the command as received, the
// event) in the transaction that appends the events, and only then is the
// command answered. Once the request is read, the command runs to its end
// whatever the client does: its context is detached from the request's,
// so a client that hangs up loses only the answer.
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
		ctx := context.WithoutCancel(r.Context())
		p := principal(ctx)
		trail := &audit.Trail{ActorID: p.Subject, ActorRole: string(p.Role), RequestID: info(ctx).id, Input: body, Sealer: s.sealer}
		out, err := give(ctx, r, body, x, trail)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		status := created
		if out.Replayed {
			status = http.StatusOK
		}
		w.Header().Set("Location", "/v1/cases/"+url.PathEscape(out.CaseID))
		w.Header().Set("ETag", strconv.Quote(strconv.Itoa(out.Version)))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write(append(out.JSON, '\n'))
	})
}

// The audit actions of reads of personal data.
const (
	ActionReadCase      = "read:case"
	ActionReadHistory   = "read:history"
	ActionReadAftercare = "read:aftercare"
	ActionReadCases     = "read:cases"
	ActionReadWorklist  = "read:worklist"
)

// auditRead records who read what of patients' data (HIPAA 164.312(b)
// audit controls; GDPR's record of access): the case read (subject) or
// the query of a list, before the data is answered. Reads share the log's
// group commits with everything else; decisions never wait for them.
func (s *Server) auditRead(r *http.Request, action, subject string) error {
	p := principal(r.Context())
	in, _ := json.Marshal(map[string]string{"route": info(r.Context()).route, "query": r.URL.RawQuery})
	_, err := s.audit.Append(context.WithoutCancel(r.Context()), audit.Record{ActorID: p.Subject, ActorRole: string(p.Role),
		Action: action, Subject: subject, RequestID: info(r.Context()).id, Input: in, Output: []byte(`{}`)})
	return err
}

func (s *Server) handleCase() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, version, err := s.cases.Case(r.Context(), r.PathValue("id"))
		if err == nil {
			err = s.auditRead(r, ActionReadCase, r.PathValue("id"))
		}
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
		if err == nil {
			err = s.auditRead(r, ActionReadHistory, r.PathValue("id"))
		}
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
		err := s.cases.WriteAftercare(r.Context(), &buf, r.PathValue("id"))
		if err == nil {
			err = s.auditRead(r, ActionReadAftercare, r.PathValue("id"))
		}
		if err != nil {
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
		if err == nil {
			err = s.auditRead(r, ActionReadCases, "")
		}
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
		if err == nil {
			err = s.auditRead(r, ActionReadWorklist, "")
		}
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
