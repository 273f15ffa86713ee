package recommendations

import (
	"cmp"
	"slices"
	"time"

	"github.com/reocell/celltherapy/rules"
	"github.com/reocell/celltherapy/rules/ruleskit"
)

// ContactKind is how the doctor gets in touch.
type ContactKind string

// The kinds of contact.
const (
	Call  ContactKind = "call"  // the doctor phones the patient
	Visit ContactKind = "visit" // the patient comes to the clinic
)

// Contact is one contact of the monitoring schedule: the doctor stays in
// touch after treatment to follow the patient's health, the course of the
// disease and the effectiveness of the treatment.
type Contact struct {
	ID      string      `json:"id"`
	Contact ContactKind `json:"contact"`
	// Day is the day the contact is due, counted in calendar days and
	// months from the day of administration (in its time zone), a month
	// end clamped to the last day of the target month (see rules.AddDate:
	// a month after 31 January is 28 February); the clinic sets the hour.
	Day rules.Date `json:"day"`
	// Purpose is why the doctor makes the contact, in the planner's locale.
	Purpose string `json:"purpose"`
	// Unconfirmed marks a contact of a schedule the clinic's medical board
	// has not confirmed (params.monitoring is unconfirmed): its day is the
	// rules' proposal, and the doctor confirms it with the patient.
	Unconfirmed bool `json:"unconfirmed,omitempty"`
	// AssessesEffectiveness marks the contact at which the doctor assesses
	// the effectiveness of the treatment.
	AssessesEffectiveness bool `json:"assessesEffectiveness,omitempty"`
}

// contacts returns the schedule for an administration at `at`, by day.
func (p *Planner) contacts(at time.Time) []Contact {
	day := rules.DateOf(at)
	unconfirmed := ruleskit.IsUnconfirmed(p.rs, "params.monitoring")
	out := make([]Contact, 0, len(p.params.Monitoring))
	for _, s := range p.params.Monitoring {
		out = append(out, Contact{
			ID:                    s.ID,
			Contact:               s.Contact,
			Day:                   rules.Date{Time: rules.AddDate(day.Time, 0, s.After.Months, s.After.Days)},
			Purpose:               s.Purpose.In(p.set.Locale),
			AssessesEffectiveness: s.AssessesEffectiveness,
			Unconfirmed:           unconfirmed,
		})
	}
	slices.SortStableFunc(out, func(a, b Contact) int { return cmp.Compare(a.Day.Unix(), b.Day.Unix()) })
	return out
}
