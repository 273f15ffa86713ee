package procedure

import (
	"errors"
	"fmt"
	"github.com/reocell/celltherapy/rules"
	"strings"
)

// The error codes of the procedure. Every error the case API returns for a
// refused command matches exactly one of them with errors.Is, so that a
// transport maps them to its own statuses in one table.
var (
	// ErrConflict: the case changed since it was read (a stale expected
	// version), or a case with that id already exists. Nothing was appended.
	ErrConflict = errors.New("procedure: conflict")
	// ErrNotFound: no case has that id.
	ErrNotFound = errors.New("procedure: not found")
	// ErrInvalid: the command is malformed or a field fails validation.
	ErrInvalid = errors.New("procedure: invalid")
	// ErrForbidden: the actor's role may not give that command.
	ErrForbidden = errors.New("procedure: forbidden")
	// ErrRefused: a rule of the procedure does not allow the command now.
	ErrRefused = errors.New("procedure: refused")
	// ErrKeyReused: the idempotency key was used for another command (on
	// this case or another). Nothing was appended.
	ErrKeyReused = errors.New("procedure: idempotency key reused")
	// ErrSchema: a store holds a schema newer than this code knows, or an
	// event of an unknown type or schema version; nothing is overwritten.
	ErrSchema = errors.New("procedure: unknown schema")
)

// Code returns the stable code of an error of the case API, for a
// transport's one table of statuses: "invalid" (400), "forbidden" (403),
// "not_found" (404), "conflict" (409), "refused" (422, a rule of the
// procedure), "idempotency-key-reused" (422) or "internal" for anything
// else, whose details are for the log, not the user.
func Code(err error) string {
	switch {
	case errors.Is(err, ErrKeyReused):
		return "idempotency-key-reused"
	case errors.Is(err, ErrInvalid):
		return "invalid"
	case errors.Is(err, ErrForbidden):
		return "forbidden"
	case errors.Is(err, ErrNotFound):
		return "not_found"
	case errors.Is(err, ErrConflict):
		return "conflict"
	case errors.Is(err, ErrRefused):
		return "refused"
	}
	return "internal"
}

// InvalidError lists every problem found in a command. It matches
// ErrInvalid.
// Each problem is a rules.FieldError: the JSON path of the field (such as
// $.measures[1].name), or the header or parameter it names, and what is
// wrong with it.
type InvalidError struct {
	Problems []rules.FieldError
}

// Error lists the problems, each as field: message.
func (e *InvalidError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.Path + ": " + p.Message
	}
	return "invalid command: " + strings.Join(parts, "; ")
}

// Is reports whether target is ErrInvalid.
func (e *InvalidError) Is(target error) bool { return target == ErrInvalid }

// problems collects the problems of one command.
type problems []rules.FieldError

func (ps *problems) add(field, format string, args ...any) {
	*ps = append(*ps, rules.FieldError{Path: field, Message: fmt.Sprintf(format, args...)})
}

func (ps problems) err() error {
	if len(ps) == 0 {
		return nil
	}
	return &InvalidError{Problems: ps}
}

// KeyReusedError says that an idempotency key was first used for another
// command; CaseID is the case it was used on. It matches ErrKeyReused.
type KeyReusedError struct {
	Key    string
	CaseID string
}

// Error says which key, and that it names another command.
func (e *KeyReusedError) Error() string {
	return fmt.Sprintf("idempotency key %q was used for another command (on case %q): a key names one command; use a new key for a new command", e.Key, e.CaseID)
}

// Is reports whether target is ErrKeyReused.
func (e *KeyReusedError) Is(target error) bool { return target == ErrKeyReused }

// ForbiddenError says that a role may not give a command. It matches
// ErrForbidden.
// Stage is set when the role may give the command, but not in that stage.
type ForbiddenError struct {
	Role    Role
	Command CommandType
	Stage   Stage
	Allowed []Role
}

// Error says which role may not give which command, and who may.
func (e *ForbiddenError) Error() string {
	if e.Stage != "" {
		return fmt.Sprintf("role %s may not give %s in stage %s (who acts there: %s)", e.Role, e.Command, e.Stage, joinRoles(e.Allowed))
	}
	return fmt.Sprintf("role %s may not give %s (allowed: %s)", e.Role, e.Command, joinRoles(e.Allowed))
}

// Is reports whether target is ErrForbidden.
func (e *ForbiddenError) Is(target error) bool { return target == ErrForbidden }

// RefusedError says which rule of the procedure refused a command, and why.
// Rules are named in the stage table (docs/procedure.md). It matches
// ErrRefused.
type RefusedError struct {
	Rule    string
	Stage   Stage
	Command CommandType
	Reason  string
}

// Error says which command the rule refused, in which stage, and why.
func (e *RefusedError) Error() string {
	if e.Stage == "" {
		return fmt.Sprintf("%s refused before the case is open (no stage yet) by rule %s: %s", e.Command, e.Rule, e.Reason)
	}
	return fmt.Sprintf("%s refused in stage %s by rule %s: %s", e.Command, e.Stage, e.Rule, e.Reason)
}

// Is reports whether target is ErrRefused.
func (e *RefusedError) Is(target error) bool { return target == ErrRefused }

// VersionError says that a case is not at the version a command expected
// (ExpectVersion). It matches ErrConflict.
type VersionError struct {
	CaseID   string
	Expected int
	Actual   int
}

// Error names both versions.
func (e *VersionError) Error() string {
	if e.Expected == 0 {
		return fmt.Sprintf("case %q already exists (version %d); the command expected no case (version 0)", e.CaseID, e.Actual)
	}
	return fmt.Sprintf("the case is at version %d, not the expected version %d", e.Actual, e.Expected)
}

// Is reports whether target is ErrConflict.
func (e *VersionError) Is(target error) bool { return target == ErrConflict }

func refuse(rule, format string, args ...any) error {
	return &RefusedError{Rule: rule, Reason: fmt.Sprintf(format, args...)}
}
