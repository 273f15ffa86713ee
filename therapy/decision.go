package therapy

import (
	"github.com/reocell/celltherapy/rules"
	"github.com/reocell/celltherapy/rules/ruleskit"
)

// Choice is which therapy the rules point to. The final choice is the
// doctor's and the patient's (clinic procedure, 04), recorded on the case.
type Choice string

// The choices a decision can give.
const (
	// Autologous: only the patient's own cells are suitable, or both are and
	// the patient prefers them.
	Autologous Choice = "autologous"
	// Allogeneic: only donor cells are suitable, or both are and the patient
	// prefers them.
	Allogeneic Choice = "allogeneic"
	// Either: both options are suitable and there is no stated preference.
	Either Choice = "either"
	// None: neither option is suitable.
	None Choice = "none"
	// Undetermined: unknown facts keep the choice open; Missing says what to
	// ask.
	Undetermined Choice = "undetermined"
)

// Source is the biomaterial collected for autologous therapy.
type Source string

// The biomaterials of clinic procedure, 04.
const (
	BoneMarrow Source = "bone-marrow"
	Adipose    Source = "adipose"
)

// Route is a route of administration, in the aftercare vocabulary.
type Route string

// The routes of administration of clinic procedure, FAQ "Stem cell treatment".
const (
	Intravenous    Route = "intravenous"
	IntraArticular Route = "intra-articular"
	Intrathecal    Route = "intrathecal"
	Subcutaneous   Route = "subcutaneous"
	Local          Route = "local"
)

// Decision is the therapy choice for one patient, plain data that encodes to
// the JSON described in docs/design.md. The same facts, as-of date and ruleset digest always
// give the same decision.
//
// Outcome is always equal to Choice, so that every decision kind has an
// outcome to file and filter by. Missing lists every unknown fact that keeps
// a part of the decision open: the choice, an option's suitability, the
// autologous source, the routes or the dose. A fact outweighed by a known one
// is not asked for (once an option is ruled out its other rules do not
// matter), and nothing is asked when the choice is none. So Missing may be
// non-empty while the choice is made: a per-kg dose still needs the weight.
type Decision struct {
	// Header's Outcome is always equal to Choice; its Findings are every
	// fired rule, in rule file order.
	ruleskit.Header[Choice, rules.Finding]
	Choice  Choice  `json:"choice"`
	Options Options `json:"options"`
	Routes  []Route `json:"routes"`         // for the condition; empty while its category is unknown
	Site    string  `json:"site,omitempty"` // the affected area, for local routes and aftercare
	Dose    *Dose   `json:"dose"`           // nil while no dose rule has fired

	suitable [2]bool // what Options' Suitable point to: each decision its own
}

// Options are the two therapies, each judged on its own.
type Options struct {
	Autologous AutologousTherapy `json:"autologous"`
	Allogeneic Therapy           `json:"allogeneic"`
}

// Therapy is one option, autologous or allogeneic, as the rules judge it.
type Therapy struct {
	// Suitable is false when a rule ruled the option out, true when every
	// such rule is clear, and nil while unknown facts keep it open.
	Suitable *bool `json:"suitable,omitempty"`
	// Reasons are the rules that ruled the option out, with their messages.
	Reasons []Reason `json:"reasons"`
	// EarliestStart is the first day the option could start were it chosen:
	// asOf for donor cells, asOf plus the cultureDays param for own cells.
	EarliestStart rules.Date `json:"earliestStart"`
}

// AutologousTherapy is the autologous option: a Therapy and the biomaterial
// to collect.
type AutologousTherapy struct {
	Therapy
	// Source is the biomaterial to collect should autologous therapy be
	// chosen. It is empty while it cannot be decided, when no biomaterial
	// can be collected, and once autologous therapy is ruled out: no
	// invasive harvest is pointed at that nobody needs.
	Source Source `json:"source,omitempty"`
}

// Reason is why an option is unsuitable: a fired rule and its message.
type Reason struct {
	Rule    string `json:"rule"`
	Message string `json:"message"`
}

// Dose is the dose plan of the first dose rule that fired.
type Dose struct {
	Rule string `json:"rule"`
	// CellsPerKg is set for a dose by body weight.
	CellsPerKg *float64 `json:"cellsPerKg,omitempty"`
	// Cells is the number of cells of one administration; for a dose by
	// body weight it is absent while the weight is unknown (the weight is
	// then in Missing), never guessed.
	Cells           *float64 `json:"cells,omitempty"`
	Administrations int      `json:"administrations"`
	// IntervalDays is the days between administrations, given only when
	// there is more than one.
	IntervalDays *int `json:"intervalDays,omitempty"`

	values dosePlan // what the pointers above point to
}

type dosePlan struct {
	cellsPerKg, cells float64
	intervalDays      int
}
