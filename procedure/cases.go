package procedure

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/reocell/celltherapy/recommendations"
)

// Cases is the case API: open a case, give it commands, read it, its
// history, the worklist and its aftercare plans. Each method maps to one
// request of a transport. It is safe for concurrent use.
type Cases struct {
	store    Store
	deciders Deciders
	params   Params
	now      func() time.Time
	retries  int
}

// Option configures Cases.
type Option func(*Cases)

// WithDeciders sets the decision makers the guards consult (default: the
// embedded default rules; a nil field keeps its default).
func WithDeciders(d Deciders) Option { return func(c *Cases) { c.deciders = d } }

// WithParams sets the procedure's params (default DefaultParams).
func WithParams(p Params) Option { return func(c *Cases) { c.params = p } }

// WithClock sets the clock that stamps when events are recorded (default
// time.Now).
func WithClock(now func() time.Time) Option { return func(c *Cases) { c.now = now } }

// WithRetries sets how many times a command that lost a race for the case
// (ErrConflict) is tried again on the case as it now stands, its guard
// checked anew (default 3).
func WithRetries(n int) Option { return func(c *Cases) { c.retries = n } }

// NewCases returns the case API over store.
func NewCases(store Store, opts ...Option) *Cases {
	c := &Cases{store: store, params: DefaultParams(), now: time.Now, retries: 3}
	for _, o := range opts {
		o(c)
	}
	c.deciders = c.deciders.withDefaults()
	if c.params.Location == nil {
		c.params.Location = time.UTC
	}
	return c
}

// Result is what a command did: the case after it and the events it
// appended (or, Replayed, the events its key appended before).
type Result struct {
	Case     *Case   `json:"case"`
	Events   []Event `json:"events"`
	Replayed bool    `json:"replayed,omitempty"`
}

// GiveOption says what a caller adds to one command: the version it
// expects the case at, the audit trail its events are written with.
type GiveOption func(*giving)

type giving struct {
	expect int // -1: any version
	audit  AuditTrail
}

// ExpectVersion gives the command only if the case is at version v (0: a
// case not yet opened), checked on the case as read, before any rule runs:
// a case at another version is a *VersionError (ErrConflict). A command
// whose case changed between that read and the append has lost a race
// and is not tried again, since the version it expected is gone; it is
// ErrConflict too. A command whose key was used before is replayed
// whatever the version.
func ExpectVersion(v int) GiveOption { return func(g *giving) { g.expect = v } }

// WithAuditTrail has the store write the audit entries of the command's
// events, made by trail, in the transaction that appends them (see
// AuditTrail).
func WithAuditTrail(trail AuditTrail) GiveOption { return func(g *giving) { g.audit = trail } }

// Open opens a case with the OpenCase command.
func (cs *Cases) Open(ctx context.Context, actor Actor, cmd *OpenCase, opts ...GiveOption) (*Result, error) {
	return cs.Give(ctx, cmd.CaseID, actor, cmd, opts...)
}

// Give gives one command to a case as actor. A malformed command is an
// *InvalidError, a role that may not give it a *ForbiddenError, a rule of
// the procedure that does not allow it a *RefusedError, an unknown case
// ErrNotFound, a case not at the version expected (ExpectVersion) a
// *VersionError, and a case that kept changing under it ErrConflict; in
// every such case nothing is appended.
func (cs *Cases) Give(ctx context.Context, caseID string, actor Actor, cmd Command, opts ...GiveOption) (*Result, error) {
	g := giving{expect: -1}
	for _, o := range opts {
		o(&g)
	}
	spec, err := cs.admit(caseID, actor, cmd)
	if err != nil {
		return nil, err
	}
	digest, err := CommandDigest(cmd)
	if err != nil {
		return nil, err
	}
	if key := cmd.Head().Key; key != "" {
		usedOn, used, found, err := cs.store.KeyDigest(ctx, key)
		if err != nil {
			return nil, err
		}
		if found {
			if err := (AppendRequest{CaseID: caseID, Key: key, Digest: digest}).KeyUse(usedOn, used); err != nil {
				return nil, err
			}
			if res, err := cs.replay(ctx, key); res != nil || err != nil {
				return res, err
			}
		}
	}
	for attempt := 0; ; attempt++ {
		res, err := cs.try(ctx, caseID, actor, cmd, spec, digest, g)
		if errors.Is(err, ErrConflict) && spec.Type != CmdOpenCase && g.expect < 0 && attempt < cs.retries {
			continue
		}
		return res, err
	}
}

// admit checks what can be checked without the case: the actor, the
// command's fields and the role.
func (cs *Cases) admit(caseID string, actor Actor, cmd Command) (commandSpec, error) {
	if err := typed(cmd); err != nil {
		return commandSpec{}, err
	}
	var ps problems
	if caseID == "" {
		ps.add("caseId", "is required")
	}
	if actor.ID == "" {
		ps.add("actor.id", "is required")
	}
	if !actor.Role.Valid() {
		ps.add("actor.role", "unknown role %q; one of %s", actor.Role, joinRoles(Roles()))
	}
	o, open := cmd.(*OpenCase)
	if open && o.CaseID != caseID {
		ps.add("$.caseId", "%q is not the case %q", o.CaseID, caseID)
	}
	if err := ps.err(); err != nil {
		return commandSpec{}, err
	}
	if err := validate(cmd); err != nil {
		return commandSpec{}, err
	}
	if !open && !ValidID(caseID) {
		return commandSpec{}, unknownCase(caseID)
	}
	spec := commandTable()[cmd.Head().Type]
	if !spec.permits(actor.Role) {
		return commandSpec{}, &ForbiddenError{Role: actor.Role, Command: spec.Type, Allowed: spec.Roles}
	}
	return spec, nil
}

func (cs *Cases) replay(ctx context.Context, key string) (*Result, error) {
	evs, err := cs.store.Replay(ctx, key)
	if err != nil || len(evs) == 0 {
		return nil, err
	}
	c, err := cs.Case(ctx, evs[0].CaseID)
	if err != nil {
		return nil, err
	}
	return &Result{Case: c, Events: evs, Replayed: true}, nil
}

// try decides the command on the case as it stands and appends the events.
func (cs *Cases) try(ctx context.Context, caseID string, actor Actor, cmd Command, spec commandSpec, digest string, g giving) (*Result, error) {
	c := &Case{Stage: ""}
	if spec.Type != CmdOpenCase {
		read := cs.store.Events
		if cr, ok := cs.store.(CommandReader); ok {
			read = cr.CommandEvents
		}
		events, err := read(ctx, caseID)
		if err != nil {
			return nil, err
		}
		if c, err = Fold(events); err != nil {
			return nil, err
		}
	}
	version := c.Version
	if g.expect >= 0 && version != g.expect {
		return nil, &VersionError{CaseID: caseID, Expected: g.expect, Actual: version}
	}
	t := &turn{ctx: ctx, caseID: caseID, c: c, actor: actor, header: *cmd.Head(), command: cmd, now: cs.now(), params: cs.params, deciders: cs.deciders}
	if err := cs.guard(t, spec); err != nil {
		return nil, err
	}
	res, err := cs.store.Append(ctx, AppendRequest{CaseID: caseID, ExpectedVersion: version, Key: t.header.Key, Digest: digest, Events: t.out, Summary: Summarize(t.c, cs.params), Audit: g.audit})
	if err != nil {
		if spec.Type == CmdOpenCase && errors.Is(err, ErrConflict) {
			return nil, fmt.Errorf("%w: case %q already exists", ErrConflict, caseID)
		}
		return nil, err
	}
	if res.Replayed {
		return cs.replay(ctx, t.header.Key)
	}
	return &Result{Case: t.c, Events: res.Events}, nil
}

// guard checks the stage and the time of the command, then runs it.
func (cs *Cases) guard(t *turn, spec commandSpec) error {
	stage := t.c.Stage
	err := func() error {
		if spec.Type != CmdOpenCase && !spec.allows(stage) {
			return refuse("command-stage", "%s is not given in stage %s", spec.Type, stage)
		}
		if row, ok := stageRow(stage); ok && spec.Stages != nil && !slices.Contains(row.Actors, t.actor.Role) {
			return &ForbiddenError{Role: t.actor.Role, Command: spec.Type, Stage: stage, Allowed: row.Actors}
		}
		at := t.at()
		if at.Before(t.c.LastAt) {
			return refuse("event-time-order", "it happened at %s, before the case's latest event at %s", at.Format(time.RFC3339), t.c.LastAt.Format(time.RFC3339))
		}
		if limit := t.now.Add(cs.params.ClockSkew); at.After(limit) {
			return refuse("event-time-future", "it happened at %s, later than now (%s) by more than %s", at.Format(time.RFC3339), t.now.Format(time.RFC3339), cs.params.ClockSkew)
		}
		return spec.handle(t, t.command)
	}()
	var re *RefusedError
	if errors.As(err, &re) {
		re.Stage, re.Command = stage, spec.Type
	}
	return err
}

// unknownCase is the error for an id no case can have (a NUL, invalid
// UTF-8, "..."): not found, without asking the store, which may not take
// such text at all.
func unknownCase(caseID string) error {
	return fmt.Errorf("%w: case %q", ErrNotFound, caseID)
}

// Resummarize recomputes the summary of every open case from its events
// and stores it where it differs from the one stored, so that cases
// stored before a change to the worklist (a new flag) show it. It needs a
// store that is a SummaryWriter (every store of this module is) and
// returns how many summaries it replaced. A case that changes meanwhile
// keeps the summary its append wrote.
func (cs *Cases) Resummarize(ctx context.Context) (int, error) {
	w, ok := cs.store.(SummaryWriter)
	if !ok {
		return 0, fmt.Errorf("procedure: resummarize: the store %T cannot replace summaries", cs.store)
	}
	replaced, after := 0, ""
	for {
		page, err := cs.store.Cases(ctx, CaseQuery{After: after, Limit: 500})
		if err != nil || len(page) == 0 {
			return replaced, err
		}
		for _, old := range page {
			after = old.CaseID
			if old.Outcome != "" {
				continue // closed: no dues
			}
			c, err := cs.Case(ctx, old.CaseID)
			if err != nil {
				return replaced, err
			}
			now := Summarize(c, cs.params)
			if reflect.DeepEqual(normalSummary(old), normalSummary(now)) {
				continue
			}
			done, err := w.PutSummary(ctx, now)
			if err != nil {
				return replaced, err
			}
			if done {
				replaced++
			}
		}
	}
}

// normalSummary is a summary as compared: its instants in UTC, as stored.
func normalSummary(s Summary) Summary {
	s.LastAt = instant(s.LastAt)
	due := make([]Due, len(s.Due))
	for i, d := range s.Due {
		d.From, d.By = instant(d.From), instant(d.By)
		due[i] = d
	}
	s.Due = due
	return s
}

// Case returns the case as it stands, or ErrNotFound.
func (cs *Cases) Case(ctx context.Context, caseID string) (*Case, error) {
	if !ValidID(caseID) {
		return nil, unknownCase(caseID)
	}
	events, err := cs.store.Events(ctx, caseID)
	if err != nil {
		return nil, err
	}
	return Fold(events)
}

// History returns the case's events in order, or ErrNotFound.
func (cs *Cases) History(ctx context.Context, caseID string) ([]Event, error) {
	if !ValidID(caseID) {
		return nil, unknownCase(caseID)
	}
	return cs.store.Events(ctx, caseID)
}

// Summarize returns the summary of case c under the params of cs: what
// the worklist shows of it, its findings and flags among them.
func (cs *Cases) Summarize(c *Case) Summary { return Summarize(c, cs.params) }

// List lists the summaries of cases.
func (cs *Cases) List(ctx context.Context, q CaseQuery) ([]Summary, error) {
	if !utf8.ValidString(q.After) || strings.ContainsRune(q.After, 0) {
		return nil, (problems{{Path: "after", Message: fmt.Sprintf("%q is not a case id: it holds a NUL or is not UTF-8", q.After)}}).err()
	}
	return cs.store.Cases(ctx, q)
}

// Worklist returns what is due as of q.AsOf.
func (cs *Cases) Worklist(ctx context.Context, q WorklistQuery) ([]WorkItem, error) {
	var ps problems
	if q.AsOf.IsZero() {
		ps.add("asOf", "is required")
	}
	if q.Role != "" && !q.Role.Valid() {
		ps.add("role", "unknown role %q; one of %s", q.Role, joinRoles(Roles()))
	}
	if q.Limit < 0 {
		ps.add("limit", "must not be negative")
	}
	if err := ps.err(); err != nil {
		return nil, err
	}
	return cs.store.Worklist(ctx, q)
}

// Aftercare returns the aftercare plan of each administration of the case,
// in order, for its calendar (recommendations.WriteICS) or leaflet.
func (cs *Cases) Aftercare(ctx context.Context, caseID string) ([]*recommendations.Plan, error) {
	if !ValidID(caseID) {
		return nil, unknownCase(caseID)
	}
	events, err := cs.store.Events(ctx, caseID)
	if err != nil {
		return nil, err
	}
	return AftercarePlans(events)
}
