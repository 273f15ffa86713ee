package fhir

// The one file of this package that speaks to the eligibility package.

import (
	"time"

	"github.com/reocell/celltherapy/eligibility"
)

// Extract is what FHIR records say for screening: the facts they settle
// (the rest left unknown) and, for each fact, the records it came from.
type Extract struct {
	Facts      eligibility.Facts
	Provenance Provenance
}

// eligibilityFacts builds eligibility facts as of asOf from the settled
// yes/no facts (by vocabulary path) and the last treatment end.
func eligibilityFacts(asOf time.Time, known map[string]*bool, lastEnd *time.Time) eligibility.Facts {
	f := eligibility.Facts{
		AsOf:                &asOf,
		Pregnant:            known["pregnant"],
		Breastfeeding:       known["breastfeeding"],
		HIV:                 known["hiv"],
		Immunodeficiency:    known["immunodeficiency"],
		MentalStateUnstable: known["mentalStateUnstable"],
		AcuteInflammation:   known["acuteInflammation"],
		ChronicExacerbation: known["chronicExacerbation"],
		ClottingDisorder:    known["clottingDisorder"],
	}
	if known["oncology.active"] != nil || known["oncology.everTreated"] != nil || lastEnd != nil {
		f.Oncology = &eligibility.Oncology{
			Active:           known["oncology.active"],
			EverTreated:      known["oncology.everTreated"],
			LastTreatmentEnd: lastEnd,
		}
	}
	return f
}
