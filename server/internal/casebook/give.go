package casebook

import (
	"bytes"
	"context"
	"encoding/json"
	"github.com/reocell/celltherapy/rules"
	"time"

	"github.com/reocell/celltherapy/procedure"
)

// Expect is what the caller adds to a command outside its JSON: the
// Idempotency-Key header and the If-Match version (HasVersion false: none).
type Expect struct {
	Key        string
	Version    int
	HasVersion bool
}

// Outcome is what a command did.
type Outcome struct {
	CaseID   string
	Version  int    // the case's version after it
	JSON     []byte // {case, events, replayed} as answered
	Replayed bool   // the key was used before: nothing new was appended
}

// OpenCase opens a case with an open-case command. The case store writes
// trail's audit entries (nil: none) with the events, in one transaction.
func (b *Book) OpenCase(ctx context.Context, actor procedure.Actor, body []byte, x Expect, trail procedure.AuditTrail) (*Outcome, error) {
	cmd, err := decode(body, &x)
	if err != nil {
		return nil, err
	}
	open, ok := cmd.(*procedure.OpenCase)
	if !ok {
		return nil, invalid("$.type", "must be open-case: this route takes an open-case command")
	}
	return b.give(ctx, open.CaseID, actor, cmd, x, trail)
}

// Give gives one command (the procedure's command JSON) to a case. The
// case store writes trail's audit entries (nil: none) with the events, in
// one transaction.
func (b *Book) Give(ctx context.Context, caseID string, actor procedure.Actor, body []byte, x Expect, trail procedure.AuditTrail) (*Outcome, error) {
	cmd, err := decode(body, &x)
	if err != nil {
		return nil, err
	}
	if cmd.Head().Type == procedure.CmdOpenCase {
		return nil, invalid("$.type", "open-case is not a command to an existing case: a case is opened with POST /v1/cases")
	}
	return b.give(ctx, caseID, actor, cmd, x, trail)
}

func (b *Book) give(ctx context.Context, caseID string, actor procedure.Actor, cmd procedure.Command, x Expect, trail procedure.AuditTrail) (*Outcome, error) {
	var opts []procedure.GiveOption
	if x.HasVersion {
		opts = append(opts, procedure.ExpectVersion(x.Version))
	}
	if trail != nil {
		opts = append(opts, procedure.WithAuditTrail(trail))
	}
	start := time.Now()
	res, err := b.cases.Give(ctx, caseID, actor, cmd, opts...)
	if err != nil {
		return nil, err
	}
	if !res.Replayed && b.observe != nil {
		b.observe(time.Since(start))
	}
	out := &Outcome{CaseID: res.Case.ID, Version: res.Case.Version, Replayed: res.Replayed}
	if out.JSON, err = json.Marshal(res); err != nil {
		return nil, err
	}
	return out, nil
}

// invalid is a procedure.InvalidError of one problem: a JSON path ($...)
// or the name of a header or query parameter, and what is wrong there.
func invalid(field, message string) error {
	return &procedure.InvalidError{Problems: []rules.FieldError{{Path: field, Message: message}}}
}

// decode decodes a command. The body may carry "expectedVersion" beside
// the command's fields (an alternative to If-Match); the Idempotency-Key
// header and the command's key must agree when both are given.
func decode(body []byte, x *Expect) (procedure.Command, error) {
	// Duplicate keys first: taking expectedVersion out re-encodes the body,
	// which would keep only the last of them.
	if err := procedure.CheckJSON(body); err != nil {
		return nil, err
	}
	body, err := takeExpected(body, x)
	if err != nil {
		return nil, err
	}
	cmd, err := procedure.DecodeCommand(body)
	if err != nil {
		return nil, err
	}
	h := cmd.Head()
	switch {
	case x.Key == "":
	case h.Key == "":
		h.Key = x.Key
	case h.Key != x.Key:
		return nil, &procedure.InvalidError{Problems: []rules.FieldError{
			{Path: "$.key", Message: "differs from the Idempotency-Key header"},
			{Path: "Idempotency-Key", Message: "differs from the command's key"}}}
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
		return nil, invalid("$.expectedVersion", "must be a whole number, 0 or more")
	}
	if x.HasVersion && x.Version != v {
		return nil, &procedure.InvalidError{Problems: []rules.FieldError{
			{Path: "$.expectedVersion", Message: "differs from the If-Match header"},
			{Path: "If-Match", Message: "differs from expectedVersion"}}}
	}
	x.Version, x.HasVersion = v, true
	delete(fields, "expectedVersion")
	return json.Marshal(fields)
}
