package httpapi

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/reocell/celltherapy/server/internal/audit"
	"github.com/reocell/celltherapy/server/internal/rulebook"
)

//go:embed openapi.json
var openapiDoc []byte

// OpenAPI returns the API's OpenAPI 3.1 document, as served at /openapi.json.
func OpenAPI() []byte { return append([]byte(nil), openapiDoc...) }

func handleOpenAPI() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(openapiDoc)
	})
}

// readBody reads the request body, at most s.maxBody bytes.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.maxBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, err
		}
		return nil, &Error{Code: CodeBadInput, Message: "the request body could not be read"}
	}
	if !utf8.Valid(body) {
		return nil, &Error{Code: CodeBadInput, Message: "the request body is not UTF-8", Path: "$"}
	}
	return body, nil
}

// handleDecision decides the path's {kind} for the facts in the body with the rules in
// force, and answers only once the audit entry is committed.
func (s *Server) handleDecision() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		kind := r.PathValue("kind")
		body, err := s.readBody(w, r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		// Once read, the request is decided and audited to the end
		// whatever the client does: a client that hangs up loses only the
		// answer, never the audit entry of a decision made.
		ctx := context.WithoutCancel(r.Context())
		d, err := s.rules.Current().Decide(ctx, kind, body)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		out, err := json.Marshal(d.Value)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		p := principal(ctx)
		start := time.Now()
		entry, err := s.audit.Append(ctx, audit.Record{
			ActorID: p.Subject, ActorRole: string(p.Role), Action: "decision:" + kind,
			RequestID: info(ctx).id, RulesetDigest: d.Ruleset.Digest, Input: body, Output: out,
		})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.metrics.ObserveStoreAppend("audit", time.Since(start))
		s.metrics.CountDecision(kind, d.Outcome)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Audit-Entry", strconv.FormatInt(entry.Seq, 10))
		w.Write(append(out, '\n'))
	})
}

type rulesetsBody struct {
	Rulesets   []rulebook.Ruleset `json:"rulesets"`
	CodeTables []rulebook.Ruleset `json:"codeTables"` // the FHIR code tables in force
	Reload     reloadBody         `json:"reload"`
}

type reloadBody struct {
	Dir         string     `json:"dir,omitempty"`
	LastAttempt *time.Time `json:"lastAttempt,omitempty"`
	LastSuccess time.Time  `json:"lastSuccess"`
	LastError   string     `json:"lastError,omitempty"`
}

func (s *Server) handleRulesets() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := s.rules.Status()
		book := s.rules.Current()
		body := rulesetsBody{Rulesets: book.Rulesets(), CodeTables: book.CodeTables(),
			Reload: reloadBody{Dir: s.rules.Dir(), LastSuccess: st.LastSuccess, LastError: st.LastError}}
		if !st.LastAttempt.IsZero() {
			body.Reload.LastAttempt = &st.LastAttempt
		}
		writeJSON(w, http.StatusOK, body)
	})
}

// handleCheckpoint answers the audit log's latest signed checkpoint, for
// a witness to keep and check the log against later.
func (s *Server) handleCheckpoint() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		msg, err := s.audit.Latest(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if msg == nil {
			s.fail(w, r, &Error{Code: CodeNotFound, Message: "no checkpoint is signed yet (the server signs them when it has an audit key)"})
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write(msg)
	})
}

func (s *Server) handleHealthz() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
}

// handleReadyz says whether the server can decide: the audit database
// and the case store answer and rules are loaded.
func (s *Server) handleReadyz() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		checks := map[string]string{"audit": "ok", "cases": "ok", "rules": "ok"}
		status, code := "ready", http.StatusOK
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := s.audit.Ping(ctx); err != nil {
			s.log.Warn("readyz: audit database unreachable", "error", err.Error())
			checks["audit"], status, code = "unreachable", "not ready", http.StatusServiceUnavailable
		}
		if err := s.cases.Ping(ctx); err != nil {
			s.log.Warn("readyz: case store unreachable", "error", err.Error())
			checks["cases"], status, code = "unreachable", "not ready", http.StatusServiceUnavailable
		}
		if s.rules == nil || s.rules.Current() == nil {
			checks["rules"], status, code = "not loaded", "not ready", http.StatusServiceUnavailable
		}
		if s.gaps > 0 { // reported, not fatal: what is stored is served
			checks["auditGaps"] = fmt.Sprintf("%d stored case events have no audit entry; run celltherapy audit repair", s.gaps)
		}
		writeJSON(w, code, map[string]any{"status": status, "checks": checks})
	})
}
