package procedure

import (
	"encoding/json"
	"fmt"
	"slices"
)

// Fold returns the case its events make. It is pure: the same events always
// give the same case. Events must be one case's, in version order from 1;
// an event of an unknown type or a schema newer than this code is an error
// matching ErrSchema.
func Fold(events []Event) (*Case, error) {
	c := &Case{}
	c.presize(events)
	for _, e := range events {
		if err := c.apply(e); err != nil {
			return nil, err
		}
	}
	if c.Version == 0 {
		return nil, ErrNotFound
	}
	return c, nil
}

// presize gives the lists that grow with follow-up their final capacity:
// a long case is mostly reports and adverse events.
func (c *Case) presize(events []Event) {
	var reports, adverse int
	for i := range events {
		switch events[i].Type {
		case SideEffectTriaged:
			reports++
		case AdverseEventRecorded:
			adverse++
		}
	}
	if reports > 0 {
		c.Reports = make([]Report, 0, reports)
	}
	if adverse > 0 {
		c.AdverseEvents = make([]AdverseEvent, 0, adverse)
	}
}

// apply folds one more event into c.
func (c *Case) apply(e Event) error {
	if e.Version != c.Version+1 || (c.Version > 0 && e.CaseID != c.ID) {
		return fmt.Errorf("procedure: event %s does not follow version %d of case %q", e.ID(), c.Version, c.ID)
	}
	f, ok := appliers[e.Type]
	if !ok {
		return fmt.Errorf("%w: event %s has unknown type %q", ErrSchema, e.ID(), e.Type)
	}
	data, err := upcast(e)
	if err != nil {
		return err
	}
	e.Data = data
	if err := f(c, e); err != nil {
		return fmt.Errorf("procedure: event %s (%s): %w", e.ID(), e.Type, err)
	}
	c.Version = e.Version
	if e.At.After(c.LastAt) {
		c.LastAt = e.At
	}
	return nil
}

// upcast brings an event's payload to the schema this code writes. No
// payload has changed shape yet; an older version without an upcaster, or
// a newer one, is refused rather than misread.
func upcast(e Event) (json.RawMessage, error) {
	want := eventSchemas[e.Type]
	if e.Schema == want {
		return e.Data, nil
	}
	return nil, fmt.Errorf("%w: event %s (%s) has schema %d; this code reads schema %d", ErrSchema, e.ID(), e.Type, e.Schema, want)
}

// on adapts a typed applier to the table.
func on[T any](f func(c *Case, e Event, d T) error) func(*Case, Event) error {
	return func(c *Case, e Event) error {
		var d T
		if len(e.Data) > 0 {
			if err := json.Unmarshal(e.Data, &d); err != nil {
				return fmt.Errorf("payload: %w", err)
			}
		}
		return f(c, e, d)
	}
}

var appliers = map[EventType]func(*Case, Event) error{
	CaseOpened: on(func(c *Case, e Event, d caseOpenedData) error {
		c.ID, c.Patient, c.Stage = e.CaseID, d.Patient, Booking
		c.OpenedAt, c.StageSince = e.At, e.At
		return nil
	}),
	AppointmentBooked: on(func(c *Case, _ Event, d appointmentData) error {
		c.Appointment = &Appointment{Reason: d.Reason, Specialist: d.Specialist, Slot: d.Slot}
		return nil
	}),
	ConsultationRecorded: on(func(c *Case, _ Event, d consultationData) error {
		if c.Consultation == nil {
			c.Consultation = map[ConsultationItem]string{}
		}
		c.Consultation[d.Item] = d.Text
		if d.Item == DiagnosticsPlan {
			c.Measures = nil
			for _, m := range d.Measures {
				c.Measures = append(c.Measures, Measure{PlannedMeasure: m, Status: MeasurePlanned})
			}
		}
		return nil
	}),
	MeasureResulted:  on(applyMeasure(MeasureDone)),
	MeasureCancelled: on(applyMeasure(MeasureDropped)),
	ScreeningRecorded: on(func(c *Case, e Event, d screeningData) error {
		c.Screening = &Screening{Version: e.Version, Purpose: d.Purpose, Outcome: d.Outcome, AsOf: d.AsOf,
			Findings: d.Findings, Permanent: d.Permanent, RescreenFrom: d.RescreenFrom}
		if d.Purpose == ForAdministration && d.Outcome == "ineligible" {
			c.Findings = append(c.Findings, Finding{Kind: ContraindicationFound, Version: e.Version, At: e.At, Rules: d.Findings})
		}
		return nil
	}),
	TherapySelected: on(func(c *Case, e Event, d therapyData) error {
		c.Therapy = &TherapyDecision{Version: e.Version, Choice: d.Choice, AutologousSuitable: d.AutologousSuitable,
			AllogeneicSuitable: d.AllogeneicSuitable, Routes: d.Routes, Source: d.Source, CultureDays: d.CultureDays}
		return nil
	}),
	PlanProposed: on(func(c *Case, e Event, d planData) error {
		p := d.Plan
		c.lastPlan = e.Version
		c.Plan, c.Agreed, c.Product = &p, false, CellProduct{CultureFailures: c.Product.CultureFailures}
		return nil
	}),
	ConsentGiven:   on(func(c *Case, _ Event, _ struct{}) error { c.Agreed = true; return nil }),
	ConsentRefused: on(func(c *Case, _ Event, _ refusalData) error { c.Agreed = false; return nil }),
	BiomaterialCollected: on(func(c *Case, _ Event, d collectedData) error {
		c.Product.Source = d.Source
		return nil
	}),
	CultureStarted: on(func(c *Case, _ Event, d cultureData) error {
		c.Product.CultureStarted = true
		c.Product.ExpectedRelease = &d.ExpectedRelease
		return nil
	}),
	CultureFailed: on(func(c *Case, e Event, _ refusalData) error {
		c.Product = CellProduct{CultureFailures: c.Product.CultureFailures + 1}
		c.lastFailure = e.Version
		return nil
	}),
	LotAllocated: on(func(c *Case, _ Event, d lotData) error { c.Product.Lot = d.Lot; return nil }),
	ProductReleased: on(func(c *Case, e Event, d lotData) error {
		at := e.At
		c.Product.Lot, c.Product.Cells, c.Product.Released = d.Lot, d.Cells, true
		c.Product.ReleasedAt, c.Product.Expires, c.Product.Given = &at, d.Expires, 0
		return nil
	}),
	Administered: on(func(c *Case, e Event, d administeredData) error {
		a := d.Administration
		a.Version = e.Version
		c.Administrations = append(c.Administrations, a)
		if c.Product.Released && a.Lot == c.Product.Lot {
			c.Product.Given += a.Cells
		}
		return nil
	}),
	AftercarePlanned: on(func(c *Case, _ Event, d aftercareData) error {
		c.Contacts = append(c.Contacts, d.Contacts...)
		return nil
	}),
	ReferredToBoard: on(func(c *Case, _ Event, _ refusalData) error {
		for i := range c.Findings {
			c.Findings[i].Referred = true
		}
		return nil
	}),
	ContactMissed: on(func(c *Case, e Event, d missedData) error {
		i := slices.IndexFunc(c.Contacts, func(k Contact) bool { return k.ID == d.Contact })
		if i < 0 {
			return fmt.Errorf("unknown contact %q", d.Contact)
		}
		at := e.At
		c.Contacts[i].Missed, c.Contacts[i].MissedReason, c.Contacts[i].MissedAt = true, d.Reason, &at
		return nil
	}),
	ContactRecorded: on(func(c *Case, _ Event, d contactData) error {
		i := slices.IndexFunc(c.Contacts, func(k Contact) bool { return k.ID == d.Contact })
		if i < 0 {
			return fmt.Errorf("unknown contact %q", d.Contact)
		}
		c.Contacts[i].Done = true
		return nil
	}),
	SideEffectTriaged: on(func(c *Case, e Event, d triageData) error {
		c.Reports = append(c.Reports, Report{Version: e.Version, At: e.At, Symptom: d.Symptom, Outcome: d.Outcome, Flagged: d.Flagged})
		return nil
	}),
	SideEffectReviewed: on(func(c *Case, _ Event, d reviewData) error {
		i := slices.IndexFunc(c.Reports, func(r Report) bool { return r.Version == d.Report })
		if i < 0 {
			return fmt.Errorf("unknown side-effect report %d", d.Report)
		}
		c.Reports[i].Reviewed = true
		return nil
	}),
	AdverseEventRecorded: on(func(c *Case, e Event, d adverseData) error {
		c.AdverseEvents = append(c.AdverseEvents, AdverseEvent{At: e.At, Description: d.Description, Severity: d.Severity})
		if d.Severity == Severe {
			c.Findings = append(c.Findings, Finding{Kind: SevereAdverseEvent, Version: e.Version, At: e.At})
		}
		return nil
	}),
	EffectivenessAssessed: on(func(c *Case, e Event, d effectivenessData) error {
		c.Effectiveness = &Assessment{At: e.At, Result: d.Result, Note: d.Note}
		return nil
	}),
	StageChanged: on(func(c *Case, e Event, d stageData) error {
		if d.From != c.Stage || !canMove(d.From, d.To) {
			return fmt.Errorf("stage change %s -> %s from stage %s is not in the stage table", d.From, d.To, c.Stage)
		}
		c.Stage, c.StageSince = d.To, e.At
		return nil
	}),
	CaseClosed: on(func(c *Case, e Event, d closedData) error {
		if c.Stage == Closed || !canMove(c.Stage, Closed) {
			return fmt.Errorf("closing from stage %s is not in the stage table", c.Stage)
		}
		cl := d.Closure
		c.Closure, c.Stage, c.StageSince = &cl, Closed, e.At
		return nil
	}),
}

func applyMeasure(status MeasureStatus) func(*Case, Event, measureData) error {
	return func(c *Case, _ Event, d measureData) error {
		i := slices.IndexFunc(c.Measures, func(m Measure) bool { return m.ID == d.Measure })
		if i < 0 {
			return fmt.Errorf("unknown measure %q", d.Measure)
		}
		c.Measures[i].Status, c.Measures[i].Result, c.Measures[i].Reason = status, d.Result, d.Reason
		return nil
	}
}
