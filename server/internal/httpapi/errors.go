package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/reocell/celltherapy/procedure"
	"github.com/reocell/celltherapy/rules"
	"github.com/reocell/celltherapy/server/internal/audit"
	"github.com/reocell/celltherapy/server/internal/auth"
	"github.com/reocell/celltherapy/server/internal/rulebook"
)

// Code is the stable, machine-readable kind of an API error.
type Code string

// The codes an API error can carry.
const (
	CodeBadInput         Code = "bad_input"
	CodeUnauthenticated  Code = "unauthenticated"
	CodeForbidden        Code = "forbidden"
	CodeNotFound         Code = "not_found"
	CodeMethodNotAllowed Code = "method_not_allowed"
	CodeConflict         Code = "conflict"
	CodeTooLarge         Code = "too_large"
	CodeGuardNotMet      Code = "guard_not_met"
	CodeKeyReused        Code = "idempotency-key-reused"
	CodeUnavailable      Code = "unavailable"
	CodeInternal         Code = "internal"
)

// Status is the one table from error codes to HTTP statuses.
func (c Code) Status() int {
	switch c {
	case CodeBadInput:
		return http.StatusBadRequest
	case CodeUnauthenticated:
		return http.StatusUnauthorized
	case CodeForbidden:
		return http.StatusForbidden
	case CodeNotFound:
		return http.StatusNotFound
	case CodeMethodNotAllowed:
		return http.StatusMethodNotAllowed
	case CodeConflict:
		return http.StatusConflict
	case CodeTooLarge:
		return http.StatusRequestEntityTooLarge
	case CodeGuardNotMet, CodeKeyReused:
		return http.StatusUnprocessableEntity
	case CodeUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// Sentinel errors for the parts of the API that have no domain error of
// their own.
var (
	ErrNotFound    = errors.New("not found")
	ErrConflict    = errors.New("conflict")
	ErrGuardNotMet = errors.New("guard not met")
)

// domainErrors maps errors matched with errors.Is to codes: the case
// API's error codes (procedure's sentinels, which its typed errors match)
// are here, each to its one code, so that a refused command reaches its
// status only through this table and Code.Status.
func domainErrors() []struct {
	target error
	code   Code
} {
	return []struct {
		target error
		code   Code
	}{
		{auth.ErrUnauthenticated, CodeUnauthenticated},
		{rulebook.ErrUnknownKind, CodeNotFound},
		{ErrNotFound, CodeNotFound},
		{ErrConflict, CodeConflict},
		{ErrGuardNotMet, CodeGuardNotMet},
		{procedure.ErrInvalid, CodeBadInput},
		{procedure.ErrForbidden, CodeForbidden},
		{procedure.ErrNotFound, CodeNotFound},
		{procedure.ErrConflict, CodeConflict},
		{procedure.ErrRefused, CodeGuardNotMet},
		{procedure.ErrKeyReused, CodeKeyReused},
		{audit.ErrClosed, CodeUnavailable},
		{context.DeadlineExceeded, CodeUnavailable},
	}
}

// Error is the one shape of every error the API answers.
type Error struct {
	Code      Code               `json:"code"`
	Message   string             `json:"message"`
	Path      string             `json:"path,omitempty"`     // the JSON path of the (first) bad value
	Field     string             `json:"field,omitempty"`    // the header or parameter at fault
	Rule      string             `json:"rule,omitempty"`     // the rule of the procedure that refused
	Problems  []rules.FieldError `json:"problems,omitempty"` // each {"path", "message"}
	RequestID string             `json:"requestId"`
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %s", e.Code, e.Message) }

// classify turns err into the error the caller sees. internal is true when
// the error is ours, not the caller's: it is logged and its text hidden.
func classify(err error) (apiErr *Error, internal bool) {
	if errors.As(err, &apiErr) {
		return apiErr, false
	}
	var facts rules.FieldErrors
	if errors.As(err, &facts) && len(facts) > 0 {
		e := &Error{Code: CodeBadInput, Message: facts.Error(), Path: facts[0].Path}
		for _, f := range facts {
			e.Problems = append(e.Problems, *f)
		}
		return e, false
	}
	var fact *rules.FieldError
	if errors.As(err, &fact) {
		return &Error{Code: CodeBadInput, Message: fact.Error(), Path: fact.Path}, false
	}
	var inv *procedure.InvalidError
	if errors.As(err, &inv) && len(inv.Problems) > 0 {
		return invalidCommand(inv), false
	}
	var refused *procedure.RefusedError
	if errors.As(err, &refused) {
		return &Error{Code: codeOf(refused), Message: refused.Error(), Rule: refused.Rule}, false
	}
	var reused *procedure.KeyReusedError
	if errors.As(err, &reused) {
		return &Error{Code: CodeKeyReused, Message: strings.TrimPrefix(reused.Error(), "procedure: "), Field: "Idempotency-Key"}, false
	}
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return &Error{Code: CodeTooLarge, Message: fmt.Sprintf("the request body is over %d bytes", tooLarge.Limit)}, false
	}
	var unauth *auth.Error
	if errors.As(err, &unauth) {
		return &Error{Code: CodeUnauthenticated, Message: unauth.Error(), Field: "Authorization"}, false
	}
	if code := codeOf(err); code != CodeInternal {
		return &Error{Code: code, Message: strings.TrimPrefix(err.Error(), "procedure: ")}, code == CodeUnavailable
	}
	return &Error{Code: CodeInternal, Message: "internal error"}, true
}

// codeOf returns the code of the first entry of domainErrors err matches,
// or CodeInternal.
func codeOf(err error) Code {
	for _, d := range domainErrors() {
		if errors.Is(err, d.target) {
			return d.code
		}
	}
	return CodeInternal
}

// invalidCommand is the error of a command or query procedure refused as
// malformed: each problem with its JSON path ($...) or the header or
// parameter it names; Path and Field name the first of each.
func invalidCommand(inv *procedure.InvalidError) *Error {
	e := &Error{Code: codeOf(inv), Message: inv.Error()}
	for _, p := range inv.Problems {
		e.Problems = append(e.Problems, p)
		switch {
		case strings.HasPrefix(p.Path, "$"):
			if e.Path == "" {
				e.Path = p.Path
			}
		case e.Field == "":
			e.Field = p.Path
		}
	}
	if len(inv.Problems) == 1 && e.Field != "" {
		e.Message = e.Field + ": " + inv.Problems[0].Message
	}
	return e
}
