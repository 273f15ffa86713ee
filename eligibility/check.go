package eligibility

import (
	"time"

	"github.com/reocell/celltherapy/rules"
)

// checkFacts reports facts that contradict each other, as rules.FieldErrors
// naming the JSON path of the fact to correct. They are bad input whether
// they came as JSON or were built in Go: no screening may rest on them, and
// they could otherwise yield eligible (a patient recorded as never treated
// for cancer, yet with a treatment that ended last year).
//
// An active oncological process with everTreated false is not a
// contradiction: a cancer may be present and not (yet) treated, and the
// oncology rule fires on the active process alone.
func checkFacts(f *Facts) error {
	o := f.Oncology
	if o == nil || o.EverTreated == nil || *o.EverTreated || o.LastTreatmentEnd == nil {
		return nil
	}
	return rules.FieldErrors{{
		Path: "$.oncology.lastTreatmentEnd",
		Message: "is given (" + o.LastTreatmentEnd.Format(time.DateOnly) + "), but oncology.everTreated is false: " +
			"a patient never treated for cancer has no last treatment end; correct one of the two",
	}}
}
