package eligibility

import "time"

// Facts is what screening knows about a patient. Every field is optional: a
// nil field is an unknown fact, never a "no". JSON names are the names rule
// conditions use.
type Facts struct {
	// AsOf is the day of screening (a date, midnight UTC). When nil the
	// screener uses today; decisions always carry the day they used.
	AsOf     *time.Time `json:"asOf,omitempty" expr:"asOf" fact:"date"`
	Oncology *Oncology  `json:"oncology,omitempty" expr:"oncology"`
	// Pregnant and Breastfeeding: either is a contraindication.
	Pregnant      *bool `json:"pregnant,omitempty" expr:"pregnant"`
	Breastfeeding *bool `json:"breastfeeding,omitempty" expr:"breastfeeding"`
	// HIV is HIV infection, AIDS included.
	HIV *bool `json:"hiv,omitempty" expr:"hiv"`
	// Immunodeficiency is an immunodeficiency other than HIV.
	Immunodeficiency    *bool `json:"immunodeficiency,omitempty" expr:"immunodeficiency"`
	MentalStateUnstable *bool `json:"mentalStateUnstable,omitempty" expr:"mentalStateUnstable"`
	AcuteInflammation   *bool `json:"acuteInflammation,omitempty" expr:"acuteInflammation"`
	// ChronicExacerbation is an exacerbation of a chronic disease.
	ChronicExacerbation *bool `json:"chronicExacerbation,omitempty" expr:"chronicExacerbation"`
	// ClottingDisorder is clinical manifestations of a blood clotting disorder.
	ClottingDisorder *bool `json:"clottingDisorder,omitempty" expr:"clottingDisorder"`
}

// Oncology is the patient's oncological history.
type Oncology struct {
	// Active is an active oncological process.
	Active *bool `json:"active,omitempty" expr:"active"`
	// EverTreated is any cancer treatment in the past.
	EverTreated *bool `json:"everTreated,omitempty" expr:"everTreated"`
	// LastTreatmentEnd is the day the last cancer treatment ended (or will end).
	LastTreatmentEnd *time.Time `json:"lastTreatmentEnd,omitempty" expr:"lastTreatmentEnd" fact:"date"`
}

// DecodeFacts decodes a JSON object of facts strictly: unknown names, wrong
// types and impossible dates are errors (rules.FieldErrors) that name the JSON
// path of each offender.
func DecodeFacts(data []byte) (Facts, error) { return Kind().Decode(data) }

// UnmarshalJSON decodes facts with the checks of DecodeFacts.
func (f *Facts) UnmarshalJSON(data []byte) error { return Kind().UnmarshalFacts(data, f) }

// MarshalJSON encodes the known facts, dates as YYYY-MM-DD.
func (f Facts) MarshalJSON() ([]byte, error) { return Kind().MarshalFacts(&f) }
