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
	// Open maps each fact an active record speaks to without settling it
	// (a provisional or unconfirmed diagnosis, a code the tables leave to
	// ask about) to those records: the fact is unknown, never false,
	// whatever a screening answer says.
	Open Provenance
	// Unreviewed are the active records whose code is in no set of the
	// tables, neither a contraindication's nor a reviewed one: nobody has
	// said whether they matter, so the screening cannot call the chart
	// clear.
	Unreviewed []UnreviewedRecord
	// CodeTables names the code tables the facts were read with.
	CodeTables CodeTables
	// Terminology says how the terminology server served the tables'
	// descendantsOf and valueSet entries: "" when none was needed, else
	// that it answered, or that it failed (or none is configured) and the
	// local value sets were used.
	Terminology string
}

// UnreviewedRecord is an active record whose code no table holds.
type UnreviewedRecord struct {
	Reference string   `json:"reference"`
	Coding    []Coding `json:"coding,omitempty"`
	Text      string   `json:"text,omitempty"`
}

// CodeTables identifies a loaded set of code tables in a decision.
type CodeTables struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Digest  string `json:"digest"`
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
