package recommendations

import "time"

// Facts is what the aftercare plan knows about an administration. Every field
// is optional: a nil field is an unknown fact. JSON names are the names rule
// conditions use.
type Facts struct {
	// AdministeredAt is the moment the cell product was administered; every
	// window of the plan is measured from it.
	AdministeredAt *time.Time `json:"administeredAt,omitempty" expr:"administeredAt" fact:"instant"`
	// Route is how the cells were administered.
	Route *string `json:"route,omitempty" expr:"route" fact:"enum=intravenous|intra-articular|intrathecal|subcutaneous|local"`
	// Site is where they were administered, in the doctor's words
	// ("left knee"), for rules and for the leaflet.
	Site *string `json:"site,omitempty" expr:"site"`
}

// DecodeFacts decodes a JSON object of aftercare facts strictly: unknown
// names, wrong types, bad instants and routes outside the list are errors
// (rules.FieldErrors) that name the JSON path of each offender.
func DecodeFacts(data []byte) (Facts, error) { return AftercareKind().Decode(data) }

// UnmarshalJSON decodes facts with the checks of DecodeFacts.
func (f *Facts) UnmarshalJSON(data []byte) error { return AftercareKind().UnmarshalFacts(data, f) }

// MarshalJSON encodes the known facts, instants as RFC 3339.
func (f Facts) MarshalJSON() ([]byte, error) { return AftercareKind().MarshalFacts(&f) }

// TriageFacts is what side-effect triage knows about a symptom the patient
// reports. Every field is optional: a nil field is an unknown fact.
type TriageFacts struct {
	// AdministeredAt is the moment the cell product was administered.
	AdministeredAt *time.Time `json:"administeredAt,omitempty" expr:"administeredAt" fact:"instant"`
	Symptom        *Symptom   `json:"symptom,omitempty" expr:"symptom"`
	// Now is the moment of triage. It is a fact, not the clock, so that a
	// triage can be replayed and tested.
	Now *time.Time `json:"now,omitempty" expr:"now" fact:"instant"`
}

// Symptom is one symptom the patient reports.
type Symptom struct {
	// Name is the symptom; other is anything not on the list.
	Name *string `json:"name,omitempty" expr:"name" fact:"enum=fever|headache|nausea|injection-site-pain|injection-site-redness|other"`
	// Onset is when the symptom began.
	Onset *time.Time `json:"onset,omitempty" expr:"onset" fact:"instant"`
	// Ongoing says whether the patient still has the symptom now.
	Ongoing *bool `json:"ongoing,omitempty" expr:"ongoing"`
	// EndedAt is when a symptom that is over ended: how long it lasted
	// decides whether it was an expected side effect.
	EndedAt *time.Time `json:"endedAt,omitempty" expr:"endedAt" fact:"instant"`
}

// DecodeTriageFacts decodes a JSON object of triage facts with the checks of
// DecodeFacts.
func DecodeTriageFacts(data []byte) (TriageFacts, error) {
	return TriageKind().Decode(data)
}

// UnmarshalJSON decodes facts with the checks of DecodeTriageFacts.
func (f *TriageFacts) UnmarshalJSON(data []byte) error { return TriageKind().UnmarshalFacts(data, f) }

// MarshalJSON encodes the known facts, instants as RFC 3339.
func (f TriageFacts) MarshalJSON() ([]byte, error) { return TriageKind().MarshalFacts(&f) }
