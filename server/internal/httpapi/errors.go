package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/reocell/celltherapy/rules"
	"github.com/reocell/celltherapy/server/internal/audit"
	"github.com/reocell/celltherapy/server/internal/auth"
	"github.com/reocell/celltherapy/server/internal/casebook"
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
// their own yet; case handlers wrap the procedure package's errors into
// these (or add that package's errors to domainErrors).
var (
	ErrNotFound    = errors.New("not found")
	ErrConflict    = errors.New("conflict")
	ErrGuardNotMet = errors.New("guard not met")
)

// domainErrors maps errors matched with errors.Is to codes; the case
// book's errors (procedure's, translated) are here too.
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
		{casebook.ErrInvalid, CodeBadInput},
		{casebook.ErrForbidden, CodeForbidden},
		{casebook.ErrNotFound, CodeNotFound},
		{casebook.ErrConflict, CodeConflict},
		{casebook.ErrRefused, CodeGuardNotMet},
		{casebook.ErrKeyReused, CodeKeyReused},
		{audit.ErrClosed, CodeUnavailable},
		{context.DeadlineExceeded, CodeUnavailable},
	}
}

// Problem is one thing wrong with the input, at its JSON path.
type Problem struct {
	Path    string `json:"path"`
	Message string `json:"message"`
}

// Error is the one shape of every error the API answers.
type Error struct {
	Code      Code      `json:"code"`
	Message   string    `json:"message"`
	Path      string    `json:"path,omitempty"`  // the JSON path of the (first) bad value
	Field     string    `json:"field,omitempty"` // the header or parameter at fault
	Rule      string    `json:"rule,omitempty"`  // the rule of the procedure that refused
	Problems  []Problem `json:"problems,omitempty"`
	RequestID string    `json:"requestId"`
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %s", e.Code, e.Message) }

// classify turns err into the error the caller sees. internal is true when
// the error is ours, not the caller's: it is logged and its text hidden.
func classify(err error) (apiErr *Error, internal bool) {
	if errors.As(err, &apiErr) {
		return apiErr, false
	}
	var facts rules.FactErrors
	if errors.As(err, &facts) && len(facts) > 0 {
		e := &Error{Code: CodeBadInput, Message: facts.Error(), Path: facts[0].Path}
		for _, f := range facts {
			e.Problems = append(e.Problems, Problem{Path: f.Path, Message: f.Message})
		}
		return e, false
	}
	var fact *rules.FactError
	if errors.As(err, &fact) {
		return &Error{Code: CodeBadInput, Message: fact.Error(), Path: fact.Path}, false
	}
	var caseErr *casebook.Error
	if errors.As(err, &caseErr) {
		return caseError(caseErr), false
	}
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return &Error{Code: CodeTooLarge, Message: fmt.Sprintf("the request body is over %d bytes", tooLarge.Limit)}, false
	}
	var unauth *auth.Error
	if errors.As(err, &unauth) {
		return &Error{Code: CodeUnauthenticated, Message: unauth.Error(), Field: "Authorization"}, false
	}
	for _, d := range domainErrors() {
		if errors.Is(err, d.target) {
			return &Error{Code: d.code, Message: err.Error()}, d.code == CodeUnavailable
		}
	}
	return &Error{Code: CodeInternal, Message: "internal error"}, true
}
