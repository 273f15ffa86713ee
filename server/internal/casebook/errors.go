package casebook

import (
	"errors"
	"strings"

	"github.com/reocell/celltherapy/procedure"
)

// ErrorCode is the kind of a case error, as procedure.Code names it.
type ErrorCode string

// The codes of case errors; the HTTP layer maps each to a status.
const (
	Invalid   ErrorCode = "invalid"                // 400: a field of the command or query
	Forbidden ErrorCode = "forbidden"              // 403: the role may not give the command
	NotFound  ErrorCode = "not_found"              // 404: no such case (or nothing to show)
	Conflict  ErrorCode = "conflict"               // 409: the case changed, or already exists
	Refused   ErrorCode = "refused"                // 422: a rule of the procedure refuses it
	KeyReused ErrorCode = "idempotency-key-reused" // 422: the key named another command
)

// The sentinels an *Error matches with errors.Is, one per code, so that a
// transport maps them in its table of errors.
var (
	ErrInvalid   = errors.New("invalid")
	ErrForbidden = errors.New("forbidden")
	ErrNotFound  = errors.New("not found")
	ErrConflict  = errors.New("conflict")
	ErrRefused   = errors.New("refused")
	ErrKeyReused = errors.New("idempotency key reused")
)

var sentinels = map[ErrorCode]error{Invalid: ErrInvalid, Forbidden: ErrForbidden, NotFound: ErrNotFound, Conflict: ErrConflict, Refused: ErrRefused, KeyReused: ErrKeyReused}

// Problem is one bad field, by its JSON path or parameter name.
type Problem struct {
	Field   string
	Message string
}

// Error is a case error the caller should see. Field names a header or
// query parameter at fault; Rule the rule of the procedure that refused.
type Error struct {
	Code     ErrorCode
	Message  string
	Field    string
	Rule     string
	Problems []Problem
}

func (e *Error) Error() string { return string(e.Code) + ": " + e.Message }

// Is reports whether target is the sentinel of e's code.
func (e *Error) Is(target error) bool { return target != nil && sentinels[e.Code] == target }

// translate turns an error of procedure into an *Error, or returns it as
// it is when it is internal (a store failure, a cancelled request).
func translate(err error) error {
	if inv, ok := errorsAs[*procedure.InvalidError](err); ok {
		e := &Error{Code: Invalid, Message: inv.Error()}
		for _, p := range inv.Problems {
			e.Problems = append(e.Problems, Problem{Field: p.Field, Message: p.Message})
		}
		return e
	}
	if ref, ok := errorsAs[*procedure.RefusedError](err); ok {
		return &Error{Code: Refused, Message: ref.Error(), Rule: ref.Rule}
	}
	if kr, ok := errorsAs[*procedure.KeyReusedError](err); ok {
		return &Error{Code: KeyReused, Message: kr.Error(), Field: "Idempotency-Key"}
	}
	switch code := ErrorCode(procedure.Code(err)); code {
	case Forbidden, NotFound, Conflict:
		return &Error{Code: code, Message: strings.TrimPrefix(err.Error(), "procedure: ")}
	}
	return err
}
