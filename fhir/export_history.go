package fhir

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/reocell/celltherapy/procedure"
)

// This file is the one place the export reads the procedure package: it
// folds a case's history with procedure.Fold and reads, from the events,
// the instants and lots the folded case does not keep. Payloads are read
// in the shape of their schema version 1 (procedure's event table);
// procedure.Fold refuses any other version before they are read here.

// story is a case and what its history tells beyond the folded case.
type story struct {
	c *procedure.Case

	bookedAt      time.Time // the appointment booked
	bookedVersion int
	planAt        time.Time // the plan in force proposed
	planVersion   int
	// consentAt and consentGiven are the patient's latest answer to the
	// plan in force; consentAt is zero while the patient has not answered.
	consentAt    time.Time
	consentGiven bool
	collections  []collection
	lots         []lot
	visits       map[procedure.Stage]*visit
	closedIn     procedure.Stage // the stage the case closed in
}

// collection is a biomaterial collection (autologous cells).
type collection struct {
	version int
	at      time.Time
	source  string
}

// lot is one cell product: a donor lot allocated, or the patient's own
// cells from the start of their culture; it has a name once allocated or
// released.
type lot struct {
	name       string
	version    int // the event that made it: allocation or culture start
	allogeneic bool
	cells      float64
	released   bool
	failed     bool      // autologous: the culture failed
	collected  time.Time // autologous: the collection its culture came from
}

// visit is when a case was in a stage: first entered, last left.
type visit struct {
	entered, left time.Time
	hasLeft       bool
}

// The payloads read, in their schema version 1.
type (
	lotPayload struct {
		Lot   string  `json:"lot"`
		Cells float64 `json:"cells"`
	}
	collectedPayload struct {
		Source string `json:"source"`
	}
	stagePayload struct {
		From procedure.Stage `json:"from"`
		To   procedure.Stage `json:"to"`
	}
)

// readStory folds history and reads what the export needs from it.
func readStory(history []procedure.Event) (*story, error) {
	c, err := procedure.Fold(history)
	if err != nil {
		return nil, fmt.Errorf("fhir: export: %w", err)
	}
	s := &story{c: c, visits: map[procedure.Stage]*visit{}}
	stage := procedure.Stage("")
	for _, e := range history {
		if err := s.read(e, &stage); err != nil {
			return nil, fmt.Errorf("fhir: export: event %s (%s): %w", e.ID(), e.Type, err)
		}
	}
	return s, nil
}

// read takes one event into s; stage is the case's stage before it.
func (s *story) read(e procedure.Event, stage *procedure.Stage) error {
	switch e.Type {
	case procedure.CaseOpened:
		*stage = procedure.Booking
		s.enter(procedure.Booking, e.At)
	case procedure.AppointmentBooked:
		s.bookedAt, s.bookedVersion = e.At, e.Version
	case procedure.PlanProposed:
		s.planAt, s.planVersion = e.At, e.Version
		s.consentAt, s.consentGiven = time.Time{}, false
	case procedure.ConsentGiven, procedure.ConsentRefused:
		s.consentAt, s.consentGiven = e.At, e.Type == procedure.ConsentGiven
	case procedure.BiomaterialCollected:
		var d collectedPayload
		if err := json.Unmarshal(e.Data, &d); err != nil {
			return err
		}
		s.collections = append(s.collections, collection{version: e.Version, at: e.At, source: d.Source})
	case procedure.CultureStarted:
		l := lot{version: e.Version}
		if n := len(s.collections); n > 0 {
			l.collected = s.collections[n-1].at
		}
		s.lots = append(s.lots, l)
	case procedure.CultureFailed:
		if l := s.culture(); l != nil {
			l.failed = true
		}
	case procedure.LotAllocated, procedure.ProductReleased:
		var d lotPayload
		if err := json.Unmarshal(e.Data, &d); err != nil {
			return err
		}
		s.takeLot(e, d)
	case procedure.StageChanged:
		var d stagePayload
		if err := json.Unmarshal(e.Data, &d); err != nil {
			return err
		}
		s.leave(d.From, e.At)
		if before(d.To, d.From) {
			s.goBack(d.To)
		}
		s.enter(d.To, e.At)
		*stage = d.To
	case procedure.CaseClosed:
		s.leave(*stage, e.At)
		s.closedIn, *stage = *stage, procedure.Closed
	}
	return nil
}

// takeLot records a donor lot allocated, or a lot released: a donor lot
// already allocated, or the patient's cells of the culture going on.
func (s *story) takeLot(e procedure.Event, d lotPayload) {
	if e.Type == procedure.LotAllocated {
		s.lots = append(s.lots, lot{name: d.Lot, version: e.Version, allogeneic: true})
		return
	}
	l := s.culture()
	for i := range s.lots {
		if s.lots[i].allogeneic && s.lots[i].name == d.Lot {
			l = &s.lots[i]
		}
	}
	if l == nil { // a release the fold accepted without a culture or allocation
		s.lots = append(s.lots, lot{version: e.Version})
		l = &s.lots[len(s.lots)-1]
	}
	l.name, l.cells, l.released = d.Lot, d.Cells, true
}

// culture returns the patient's cells in culture, not yet released or
// failed, or nil.
func (s *story) culture() *lot {
	for i := len(s.lots) - 1; i >= 0; i-- {
		if l := &s.lots[i]; !l.allogeneic && !l.released && !l.failed {
			return l
		}
	}
	return nil
}

// before reports whether stage a comes before stage b in the stage table.
func before(a, b procedure.Stage) bool {
	for _, row := range procedure.StageTable() {
		switch row.Stage {
		case a:
			return true
		case b:
			return false
		}
	}
	return false
}

// goBack forgets the stages after st that the case had reached: it goes
// back to st (a refusal asking for a revision, a failed culture, a
// referral to the board) and will go through them again.
func (s *story) goBack(st procedure.Stage) {
	for k := range s.visits {
		if before(st, k) {
			delete(s.visits, k)
		}
	}
}

func (s *story) enter(st procedure.Stage, at time.Time) {
	if v, ok := s.visits[st]; ok {
		v.hasLeft = false
		return
	}
	s.visits[st] = &visit{entered: at}
}

func (s *story) leave(st procedure.Stage, at time.Time) {
	if v, ok := s.visits[st]; ok {
		v.left, v.hasLeft = at, true
	}
}
