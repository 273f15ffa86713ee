package casebook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"

	"github.com/reocell/celltherapy/procedure"
)

// Actor is who gives a command: the verified token's subject and role.
type Actor struct {
	ID   string
	Role string
}

// Expect is what the caller adds to a command outside its JSON: the
// Idempotency-Key header and the If-Match version (HasVersion false: none).
type Expect struct {
	Key        string
	Version    int
	HasVersion bool
}

// Event is one event a command appended, as the audit log keeps it.
type Event struct {
	Type   string // such as "appointment-booked"
	Digest string // the ruleset digest of the decision it holds, "" when none
	JSON   []byte // the event as answered
}

// Outcome is what a command did.
type Outcome struct {
	CaseID   string
	Version  int    // the case's version after it
	JSON     []byte // {case, events, replayed} as answered
	Events   []Event
	Replayed bool // the key was used before: nothing new was appended
}

// OpenCase opens a case with an open-case command.
func (b *Book) OpenCase(ctx context.Context, actor Actor, body []byte, x Expect) (*Outcome, error) {
	cmd, err := decode(body, &x)
	if err != nil {
		return nil, err
	}
	open, ok := cmd.(*procedure.OpenCase)
	if !ok {
		return nil, &Error{Code: Invalid, Message: "this route takes an open-case command",
			Problems: []Problem{{Field: "$.type", Message: "must be open-case"}}}
	}
	return b.give(ctx, open.CaseID, actor, cmd, x)
}

// Give gives one command (the procedure's command JSON) to a case.
func (b *Book) Give(ctx context.Context, caseID string, actor Actor, body []byte, x Expect) (*Outcome, error) {
	cmd, err := decode(body, &x)
	if err != nil {
		return nil, err
	}
	if cmd.Head().Type == procedure.CmdOpenCase {
		return nil, &Error{Code: Invalid, Message: "a case is opened with POST /v1/cases",
			Problems: []Problem{{Field: "$.type", Message: "open-case is not a command to an existing case"}}}
	}
	return b.give(ctx, caseID, actor, cmd, x)
}

func (b *Book) give(ctx context.Context, caseID string, actor Actor, cmd procedure.Command, x Expect) (*Outcome, error) {
	if x.HasVersion {
		ctx = context.WithValue(ctx, expectKey{}, &expected{version: x.Version})
	}
	res, err := b.cases.Give(ctx, caseID, procedure.Actor{ID: actor.ID, Role: procedure.Role(actor.Role)}, cmd)
	if err != nil {
		return nil, translate(err)
	}
	out := &Outcome{CaseID: res.Case.ID, Version: res.Case.Version, Replayed: res.Replayed}
	if out.JSON, err = json.Marshal(res); err != nil {
		return nil, err
	}
	for _, e := range res.Events {
		ev := Event{Type: string(e.Type)}
		if e.Decision != nil {
			ev.Digest = e.Decision.Digest
		}
		if ev.JSON, err = json.Marshal(e); err != nil {
			return nil, err
		}
		out.Events = append(out.Events, ev)
	}
	return out, nil
}

// decode decodes a command. The body may carry "expectedVersion" beside
// the command's fields (an alternative to If-Match); the Idempotency-Key
// header and the command's key must agree when both are given.
func decode(body []byte, x *Expect) (procedure.Command, error) {
	// Duplicate keys first: taking expectedVersion out re-encodes the body,
	// which would keep only the last of them.
	if err := procedure.CheckJSON(body); err != nil {
		return nil, translate(err)
	}
	body, err := takeExpected(body, x)
	if err != nil {
		return nil, err
	}
	cmd, err := procedure.DecodeCommand(body)
	if err != nil {
		return nil, translate(err)
	}
	h := cmd.Head()
	switch {
	case x.Key == "":
	case h.Key == "":
		h.Key = x.Key
	case h.Key != x.Key:
		return nil, &Error{Code: Invalid, Message: "the Idempotency-Key header and the command's key differ",
			Field: "Idempotency-Key", Problems: []Problem{{Field: "$.key", Message: "differs from the Idempotency-Key header"}}}
	}
	return cmd, nil
}

// takeExpected removes "expectedVersion" from the body's top level and
// records it in x; If-Match and the body must agree when both are given.
func takeExpected(body []byte, x *Expect) ([]byte, error) {
	if !bytes.Contains(body, []byte(`"expectedVersion"`)) {
		return body, nil
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		return body, nil // DecodeCommand names what is wrong
	}
	raw, ok := fields["expectedVersion"]
	if !ok {
		return body, nil
	}
	var v int
	if err := json.Unmarshal(raw, &v); err != nil || v < 0 {
		return nil, &Error{Code: Invalid, Message: "expectedVersion must be a whole number, 0 or more",
			Problems: []Problem{{Field: "$.expectedVersion", Message: "must be a whole number, 0 or more"}}}
	}
	if x.HasVersion && x.Version != v {
		return nil, &Error{Code: Invalid, Message: "If-Match and expectedVersion differ", Field: "If-Match",
			Problems: []Problem{{Field: "$.expectedVersion", Message: "differs from the If-Match header"}}}
	}
	x.Version, x.HasVersion = v, true
	delete(fields, "expectedVersion")
	return json.Marshal(fields)
}

// errorsAs is errors.As, named so that translate reads as a table.
func errorsAs[T error](err error) (T, bool) {
	var t T
	ok := errors.As(err, &t)
	return t, ok
}
