package therapy

import (
	"time"

	"github.com/reocell/celltherapy/rules"
)

// checkFacts reports a request no therapy can answer: a latest start day
// that has already passed on the day of the choice. It is a mistake in the
// request, not a fact about either option: donor cells "can be prepared for
// use at any time" (clinic procedure, 04), so ruling them out would blame
// the cells for the calendar, and a choice of none would read as if neither
// therapy suited the patient. The request is corrected (a new deadline, or
// none) and the choice made again.
func checkFacts(f *Facts, asOf rules.Date) error {
	if f.StartBy == nil || !rules.DateOf(*f.StartBy).Before(asOf.Time) {
		return nil
	}
	return rules.FieldErrors{{
		Path: "$.startBy",
		Message: "is " + f.StartBy.Format(time.DateOnly) + ", before asOf " + asOf.String() +
			": the latest acceptable start has already passed; give a start day on or after asOf, or leave startBy out",
	}}
}
