package procedure

import (
	"context"
	"encoding/json"
	"time"
)

// turn is one command being decided: the case as it stands (updated as
// each event is emitted, so a guard sees what the command did so far), who
// gives the command and when.
type turn struct {
	ctx      context.Context
	caseID   string
	c        *Case
	actor    Actor
	header   Header
	command  Command
	now      time.Time // when the events are recorded
	params   Params
	deciders Deciders
	out      []Event
}

// at is when the command happened.
func (t *turn) at() time.Time { return t.header.At }

// emit records one event: it is folded into the case at once.
func (t *turn) emit(typ EventType, data any, rec *DecisionRecord) error {
	raw, err := json.Marshal(data)
	if err != nil {
		return err
	}
	e := Event{
		CaseID: t.caseID, Version: t.c.Version + 1, Type: typ, Schema: eventSchemas[typ],
		Actor: t.actor, At: instant(t.header.At), RecordedAt: instant(t.now), Key: t.header.Key,
		Data: raw, Decision: rec,
	}
	if err := t.c.apply(e); err != nil {
		return err
	}
	t.out = append(t.out, e)
	return nil
}

// move emits a stage change.
func (t *turn) move(to Stage) error {
	return t.emit(StageChanged, stageData{From: t.c.Stage, To: to}, nil)
}

// close emits the closing of the case.
func (t *turn) close(cl Closure) error {
	return t.emit(CaseClosed, closedData{cl}, nil)
}

// instant is t as every store keeps it: UTC, to the microsecond.
func instant(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }
