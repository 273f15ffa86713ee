package therapy

import "time"

// Facts is what the therapy choice knows about a patient who has passed
// screening. Every field is optional: a nil field is an unknown fact, never
// a "no". JSON names are the names rule conditions use.
type Facts struct {
	// AsOf is the day of the choice (a date, midnight UTC). When nil the
	// selector uses today; decisions always carry the day they used.
	AsOf     *time.Time `json:"asOf,omitempty" expr:"asOf" fact:"date"`
	OwnCells *OwnCells  `json:"ownCells,omitempty" expr:"ownCells"`
	// StartBy is the latest day on which therapy may start, given the
	// patient's needs and timing.
	StartBy *time.Time `json:"startBy,omitempty" expr:"startBy" fact:"date"`
	// Preference is the option the patient and doctor lean to, if any:
	// autologous or allogeneic. It settles the choice only between two
	// suitable options.
	Preference *string    `json:"preference,omitempty" expr:"preference" fact:"enum=autologous|allogeneic"`
	Harvest    *Harvest   `json:"harvest,omitempty" expr:"harvest"`
	Condition  *Condition `json:"condition,omitempty" expr:"condition"`
	Patient    *Patient   `json:"patient,omitempty" expr:"patient"`
}

// OwnCells is what the examinations found about the patient's own stem cells.
type OwnCells struct {
	// Sufficient is whether there are enough of them to grow a dose.
	Sufficient *bool `json:"sufficient,omitempty" expr:"sufficient"`
	// GoodQuality is whether they are of good enough quality for treatment.
	GoodQuality *bool `json:"goodQuality,omitempty" expr:"goodQuality"`
}

// Harvest is which biomaterial can be collected from the patient for
// autologous therapy.
type Harvest struct {
	BoneMarrowPossible *bool `json:"boneMarrowPossible,omitempty" expr:"boneMarrowPossible"`
	AdiposePossible    *bool `json:"adiposePossible,omitempty" expr:"adiposePossible"`
}

// Condition is the condition to be treated.
type Condition struct {
	// Category is the clinic's group of indications (clinic procedure, FAQ).
	Category *string `json:"category,omitempty" expr:"category" fact:"enum=orthopedic|neurological|endocrine|autoimmune|dermatological|other"`
	// Site is the affected area, such as "left knee", for local routes.
	Site *string `json:"site,omitempty" expr:"site"`
}

// Patient is what the dose plan needs about the patient's body.
type Patient struct {
	// WeightKg is the body weight in kilograms, from 0.5 to 650: positive,
	// from a very premature newborn (about 0.5 kg) to beyond the heaviest
	// person on record (about 635 kg), so that a typing slip (-78, 1e308)
	// cannot make a dose. The clinic's procedure gives no bounds; its
	// medical board must confirm these.
	WeightKg *float64 `json:"weightKg,omitempty" expr:"weightKg" fact:"range=0.5..650"`
}

// DecodeFacts decodes a JSON object of facts strictly: unknown names, wrong
// types, values outside an enumeration and impossible dates are errors
// (rules.FieldErrors) that name the JSON path of each offender.
func DecodeFacts(data []byte) (Facts, error) { return Kind().Decode(data) }

// UnmarshalJSON decodes facts with the checks of DecodeFacts.
func (f *Facts) UnmarshalJSON(data []byte) error { return Kind().UnmarshalFacts(data, f) }

// MarshalJSON encodes the known facts, dates as YYYY-MM-DD.
func (f Facts) MarshalJSON() ([]byte, error) { return Kind().MarshalFacts(&f) }
