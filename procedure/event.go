package procedure

import (
	"encoding/json"
	"fmt"
	"time"
)

// EventType names what happened to a case.
type EventType string

// The event types. Their payloads are the unexported *Data structs below;
// the schema version of each is in eventSchemas.
const (
	CaseOpened            EventType = "case-opened"
	AppointmentBooked     EventType = "appointment-booked"
	ConsultationRecorded  EventType = "consultation-item-recorded"
	MeasureResulted       EventType = "measure-resulted"
	MeasureCancelled      EventType = "measure-cancelled"
	ScreeningRecorded     EventType = "screening-recorded"
	TherapySelected       EventType = "therapy-selected"
	PlanProposed          EventType = "plan-proposed"
	ConsentGiven          EventType = "consent-given"
	ConsentRefused        EventType = "consent-refused"
	BiomaterialCollected  EventType = "biomaterial-collected"
	CultureStarted        EventType = "culture-started"
	CultureFailed         EventType = "culture-failed"
	LotAllocated          EventType = "lot-allocated"
	ProductReleased       EventType = "product-released"
	Administered          EventType = "administered"
	AftercarePlanned      EventType = "aftercare-planned"
	ReferredToBoard       EventType = "referred-to-board"
	ContactRecorded       EventType = "contact-recorded"
	ContactMissed         EventType = "contact-missed"
	SideEffectTriaged     EventType = "side-effect-triaged"
	SideEffectReviewed    EventType = "side-effect-reviewed"
	AdverseEventRecorded  EventType = "adverse-event-recorded"
	EffectivenessAssessed EventType = "effectiveness-assessed"
	StageChanged          EventType = "stage-changed"
	CaseClosed            EventType = "case-closed"
)

// eventSchemas is the schema version this code writes for each event type.
// A change to a payload's shape raises its version and adds an upcaster
// that brings the old shape to the new, so old histories still fold.
var eventSchemas = map[EventType]int{
	CaseOpened: 1, AppointmentBooked: 1, ConsultationRecorded: 1, MeasureResulted: 1,
	MeasureCancelled: 1, ScreeningRecorded: 1, TherapySelected: 1, PlanProposed: 1,
	ConsentGiven: 1, ConsentRefused: 1, BiomaterialCollected: 1, CultureStarted: 1,
	CultureFailed: 1, LotAllocated: 1, ProductReleased: 1, Administered: 1,
	AftercarePlanned: 1, ReferredToBoard: 1, ContactRecorded: 1, SideEffectTriaged: 1,
	SideEffectReviewed: 1, AdverseEventRecorded: 1, EffectivenessAssessed: 1, ContactMissed: 1,
	StageChanged: 1, CaseClosed: 1,
}

// Actor is who gave a command: an id the clinic system knows and a role.
type Actor struct {
	ID   string `json:"id"`
	Role Role   `json:"role"`
}

// Event is one thing that happened to a case. Events are never changed or
// removed; a case is the fold of its events.
type Event struct {
	CaseID string `json:"caseId"`
	// Version is the event's place in the case's history, from 1.
	Version int       `json:"version"`
	Type    EventType `json:"type"`
	// Schema is the version of the payload's shape.
	Schema int   `json:"schema"`
	Actor  Actor `json:"actor"`
	// At is when it happened, as the command said; RecordedAt is when the
	// store recorded it, from the recording server's clock.
	At         time.Time `json:"at"`
	RecordedAt time.Time `json:"recordedAt"`
	// Key is the idempotency key of the command that appended the event.
	Key  string          `json:"key,omitempty"`
	Data json.RawMessage `json:"data"`
	// Decision is the decision behind the event, when a rule decided.
	Decision *DecisionRecord `json:"decision,omitempty"`
}

// ID returns "case/version", unique among all events.
func (e Event) ID() string { return fmt.Sprintf("%s/%d", e.CaseID, e.Version) }

// DecisionRecord is a decision as an event keeps it: its kind, the digest
// of the ruleset that gave it, the facts it was given and the decision
// itself, as the decision packages encode them.
type DecisionRecord struct {
	Kind     string          `json:"kind"`
	Digest   string          `json:"digest"`
	Facts    json.RawMessage `json:"facts"`
	Decision json.RawMessage `json:"decision"`
}

// The event payloads.
type (
	caseOpenedData struct {
		Patient string `json:"patient"`
	}
	appointmentData struct {
		Reason     string    `json:"reason"`
		Specialist string    `json:"specialist"`
		Slot       time.Time `json:"slot"`
	}
	consultationData struct {
		Item     ConsultationItem `json:"item"`
		Text     string           `json:"text"`
		Measures []PlannedMeasure `json:"measures,omitempty"`
	}
	measureData struct {
		Measure string `json:"measure"`
		Result  string `json:"result,omitempty"`
		Reason  string `json:"reason,omitempty"`
	}
	screeningData struct {
		Purpose      Purpose  `json:"purpose"`
		Outcome      string   `json:"outcome"`
		AsOf         string   `json:"asOf"`
		Findings     []string `json:"findings"`
		Permanent    bool     `json:"permanent"`
		RescreenFrom string   `json:"rescreenFrom,omitempty"`
	}
	therapyData struct {
		Choice             string   `json:"choice"`
		AutologousSuitable *bool    `json:"autologousSuitable"`
		AllogeneicSuitable *bool    `json:"allogeneicSuitable"`
		Routes             []string `json:"routes"`
		Source             string   `json:"source,omitempty"`
		CultureDays        int      `json:"cultureDays"`
	}
	planData struct {
		Plan
	}
	refusalData struct {
		Reason string `json:"reason,omitempty"`
		Revise bool   `json:"revise,omitempty"`
	}
	collectedData struct {
		Source string `json:"source"`
	}
	cultureData struct {
		ExpectedRelease time.Time `json:"expectedRelease"`
	}
	lotData struct {
		Lot     string     `json:"lot"`
		Cells   float64    `json:"cells,omitempty"`
		Expires *time.Time `json:"expires,omitempty"`
	}
	administeredData struct {
		Administration
	}
	aftercareData struct {
		Administration   int        `json:"administration"`
		Outcome          string     `json:"outcome"`
		Contacts         []Contact  `json:"contacts"`
		SideEffectsUntil *time.Time `json:"sideEffectsUntil,omitempty"`
	}
	contactData struct {
		Contact string `json:"contact"`
		Note    string `json:"note,omitempty"`
	}
	missedData struct {
		Contact string `json:"contact"`
		Reason  string `json:"reason"`
	}
	triageData struct {
		Symptom string `json:"symptom,omitempty"`
		Outcome string `json:"outcome"`
		Flagged bool   `json:"flagged"`
	}
	reviewData struct {
		Report int    `json:"report"`
		Note   string `json:"note,omitempty"`
	}
	adverseData struct {
		Description string   `json:"description"`
		Severity    Severity `json:"severity"`
	}
	effectivenessData struct {
		Result Effect `json:"result"`
		Note   string `json:"note,omitempty"`
	}
	stageData struct {
		From Stage `json:"from"`
		To   Stage `json:"to"`
	}
	closedData struct {
		Closure
	}
)
