package procedure

import "time"

// Case is one patient's way through the procedure: the fold of its events.
// Its JSON is what a server returns for a case.
type Case struct {
	ID      string `json:"id"`
	Patient string `json:"patient"`
	// Version is the number of events folded; a command is given against it.
	Version int   `json:"version"`
	Stage   Stage `json:"stage"`
	// OpenedAt is when the case was opened; LastAt is the instant of its
	// latest event, before which no new event may be dated; StageSince is
	// when the case entered its stage.
	OpenedAt   time.Time `json:"openedAt"`
	LastAt     time.Time `json:"lastAt"`
	StageSince time.Time `json:"stageSince"`

	Appointment  *Appointment                `json:"appointment,omitempty"`
	Consultation map[ConsultationItem]string `json:"consultation,omitempty"`
	Measures     []Measure                   `json:"measures,omitempty"`
	// Screening is the latest screening; Therapy the latest therapy
	// decision; Plan the board's plan in force.
	Screening       *Screening       `json:"screening,omitempty"`
	Therapy         *TherapyDecision `json:"therapy,omitempty"`
	Plan            *Plan            `json:"plan,omitempty"`
	Agreed          bool             `json:"agreed,omitempty"`
	Product         CellProduct      `json:"product"`
	Administrations []Administration `json:"administrations,omitempty"`
	Contacts        []Contact        `json:"contacts,omitempty"`
	Reports         []Report         `json:"reports,omitempty"`
	AdverseEvents   []AdverseEvent   `json:"adverseEvents,omitempty"`
	Effectiveness   *Assessment      `json:"effectiveness,omitempty"`
	Findings        []Finding        `json:"findings,omitempty"`
	Closure         *Closure         `json:"closure,omitempty"`

	lastFailure int // the version of the latest culture failure
	lastPlan    int // the version of the latest plan
}

// Appointment is the booked initial consultation.
type Appointment struct {
	Reason     string    `json:"reason"`
	Specialist string    `json:"specialist"`
	Slot       time.Time `json:"slot"`
}

// ConsultationItem is one of the five parts of the initial consultation
// (clinic procedure, 02).
type ConsultationItem string

// The five items of the initial consultation.
const (
	History         ConsultationItem = "history"
	RecordsReview   ConsultationItem = "records-review"
	Examination     ConsultationItem = "examination"
	Diagnosis       ConsultationItem = "preliminary-diagnosis"
	DiagnosticsPlan ConsultationItem = "diagnostic-plan"
)

// ConsultationItems returns the five items, in the clinic's order.
func ConsultationItems() []ConsultationItem {
	return []ConsultationItem{History, RecordsReview, Examination, Diagnosis, DiagnosticsPlan}
}

// PlannedMeasure is one measure of the plan of additional diagnostics.
type PlannedMeasure struct {
	ID   string      `json:"id"`
	Kind MeasureKind `json:"kind"`
	Name string      `json:"name"`
}

// MeasureKind is what kind of diagnostic measure is planned.
type MeasureKind string

// The kinds of measure of clinic procedure, 02.
const (
	Laboratory   MeasureKind = "laboratory"
	Instrumental MeasureKind = "instrumental"
	Specialist   MeasureKind = "specialist"
)

// Measure is a planned measure and what became of it.
type Measure struct {
	PlannedMeasure
	Status MeasureStatus `json:"status"`
	Result string        `json:"result,omitempty"`
	Reason string        `json:"reason,omitempty"`
}

// MeasureStatus is where a diagnostic measure stands.
type MeasureStatus string

// The statuses of a measure.
const (
	MeasurePlanned MeasureStatus = "planned"
	MeasureDone    MeasureStatus = "resulted"
	MeasureDropped MeasureStatus = "cancelled"
)

// Purpose says why a screening was made.
type Purpose string

// The purposes of a screening.
const (
	ForBoard          Purpose = "board"          // before the board's plan
	ForAdministration Purpose = "administration" // the same-day re-screening
)

// Screening is a recorded eligibility decision, as the case needs it.
type Screening struct {
	Version      int      `json:"version"`
	Purpose      Purpose  `json:"purpose"`
	Outcome      string   `json:"outcome"`
	AsOf         string   `json:"asOf"`
	Findings     []string `json:"findings,omitempty"`
	Permanent    bool     `json:"permanent,omitempty"`
	RescreenFrom string   `json:"rescreenFrom,omitempty"`
}

// TherapyDecision is a recorded therapy decision, as the case needs it.
type TherapyDecision struct {
	Version            int      `json:"version"`
	Choice             string   `json:"choice"`
	AutologousSuitable *bool    `json:"autologousSuitable"`
	AllogeneicSuitable *bool    `json:"allogeneicSuitable"`
	Routes             []string `json:"routes"`
	Source             string   `json:"source,omitempty"`
	CultureDays        int      `json:"cultureDays"`
}

// Plan is the board's individual treatment plan.
type Plan struct {
	Therapy      string   `json:"therapy"` // autologous or allogeneic
	Route        string   `json:"route"`
	Site         string   `json:"site,omitempty"`
	Cells        float64  `json:"cells"`      // cells per procedure
	Procedures   int      `json:"procedures"` // the number of procedures
	IntervalDays int      `json:"intervalDays,omitempty"`
	Quorum       []string `json:"quorum"` // the board members who took part
}

// CellProduct is what has been done toward the cell product of the plan
// in force: collection, culture, lot, release.
type CellProduct struct {
	Source          string     `json:"source,omitempty"` // biomaterial collected
	CultureStarted  bool       `json:"cultureStarted,omitempty"`
	ExpectedRelease *time.Time `json:"expectedRelease,omitempty"`
	Lot             string     `json:"lot,omitempty"` // allocated or released lot
	Cells           float64    `json:"cells,omitempty"`
	Released        bool       `json:"released,omitempty"`
	// ReleasedAt is when the product was released and Expires when it may no
	// longer be given (nil for a release recorded before expiries were:
	// then ReleasedAt plus the param ProductViability); Given is how many of
	// its cells have been administered.
	ReleasedAt      *time.Time `json:"releasedAt,omitempty"`
	Expires         *time.Time `json:"expires,omitempty"`
	Given           float64    `json:"given,omitempty"`
	CultureFailures int        `json:"cultureFailures,omitempty"`
}

// Administration is one procedure: the cell product given.
type Administration struct {
	// Version is the version of the event that recorded it.
	Version int       `json:"version,omitempty"`
	Number  int       `json:"number"`
	At      time.Time `json:"at"`
	Route   string    `json:"route"`
	Site    string    `json:"site,omitempty"`
	Cells   float64   `json:"cells"`
	Lot     string    `json:"lot"`
}

// Contact is a monitoring contact from an aftercare plan's schedule; ID is
// "a<administration>-<schedule id>".
type Contact struct {
	ID                    string `json:"id"`
	Kind                  string `json:"kind"`
	Day                   string `json:"day"`
	AssessesEffectiveness bool   `json:"assessesEffectiveness,omitempty"`
	Done                  bool   `json:"done,omitempty"`
	// Missed is set when the contact did not take place, with the reason
	// and when that was recorded.
	Missed       bool       `json:"missed,omitempty"`
	MissedReason string     `json:"missedReason,omitempty"`
	MissedAt     *time.Time `json:"missedAt,omitempty"`
}

// FindingKind is what the board and the doctor must look at on a case.
type FindingKind string

// The findings a case can carry until it is referred to the board.
const (
	ContraindicationFound FindingKind = "contraindication-found" // a same-day re-screening found one
	SevereAdverseEvent    FindingKind = "severe-adverse-event"
)

// Finding is something found on a case that the board must see: it stays
// open (on the board's and the doctor's worklists) until the case is
// referred to the board. Version is the event that found it; Rules the
// screening's findings.
type Finding struct {
	Kind     FindingKind `json:"kind"`
	Version  int         `json:"version"`
	At       time.Time   `json:"at"`
	Rules    []string    `json:"rules,omitempty"`
	Referred bool        `json:"referred,omitempty"`
}

// Report is a triaged side-effect report; Flagged when triage said
// contact-clinic, until the doctor reviews it.
type Report struct {
	Version  int       `json:"version"`
	At       time.Time `json:"at"`
	Symptom  string    `json:"symptom,omitempty"`
	Outcome  string    `json:"outcome"`
	Flagged  bool      `json:"flagged,omitempty"`
	Reviewed bool      `json:"reviewed,omitempty"`
}

// Severity grades an adverse event.
type Severity string

// The severities of an adverse event.
const (
	Mild     Severity = "mild"
	Moderate Severity = "moderate"
	Severe   Severity = "severe"
)

// AdverseEvent is an adverse event the doctor recorded.
type AdverseEvent struct {
	At          time.Time `json:"at"`
	Description string    `json:"description"`
	Severity    Severity  `json:"severity"`
}

// Effect is the doctor's assessment of the treatment's effectiveness.
type Effect string

// The assessments of effectiveness.
const (
	Improved  Effect = "improved"
	Unchanged Effect = "unchanged"
	Worsened  Effect = "worsened"
)

// Assessment is the recorded effectiveness of the treatment.
type Assessment struct {
	At     time.Time `json:"at"`
	Result Effect    `json:"result"`
	Note   string    `json:"note,omitempty"`
}

// Outcome is how a case closed.
type Outcome string

// The outcomes of a closed case.
const (
	Completed Outcome = "completed"
	Declined  Outcome = "declined"
	Refused   Outcome = "refused"
	Withdrawn Outcome = "withdrawn"
	Cancelled Outcome = "cancelled"
)

// Closure is how and why a case closed; for a decline, the contraindications
// found and the day from which screening may be repeated (none when a
// finding is permanent).
type Closure struct {
	Outcome      Outcome  `json:"outcome"`
	Reason       string   `json:"reason,omitempty"`
	Findings     []string `json:"findings,omitempty"`
	RescreenFrom string   `json:"rescreenFrom,omitempty"`
}
