package procedure

import (
	"strconv"
	"time"
)

// Params are the numbers of the procedure. The clinic's text gives none of
// them except where Source says so: each default is a placeholder that the
// clinic's medical board must confirm (Confirmed false), listed in
// docs/procedure.md as the board's checklist.
type Params struct {
	// BoardQuorum is the least number of board members who must take part in
	// a plan or a decline.
	BoardQuorum int
	// BookWithin, DiagnosticsWithin, BoardReviewWithin, ConsentWithin and
	// PrepareWithin are how long a case may wait in a stage before the
	// worklist shows it overdue.
	BookWithin        time.Duration
	DiagnosticsWithin time.Duration
	BoardReviewWithin time.Duration
	ConsentWithin     time.Duration
	PrepareWithin     time.Duration
	// ContactGrace is how long after its day a monitoring contact becomes
	// overdue.
	ContactGrace time.Duration
	// ClockSkew is how far in the future a command's instant may be, beside
	// the clock of the recording server (not a clinical value).
	ClockSkew time.Duration
	// DoseTolerance is how far, as a fraction of the plan's cells per
	// procedure, the cells administered may be from the plan's dose.
	DoseTolerance float64
	// ProductViability is how long a released product may be given when its
	// release records no expiry of its own.
	ProductViability time.Duration
	// EffectFromMonths is how many months after the last administration the
	// effect window begins: effectiveness is not assessed before that day.
	EffectFromMonths int
	// ExpiryNotice is how long before a released product expires the
	// worklist shows it expiring, while procedures remain.
	ExpiryNotice time.Duration
	// Location is the clinic's time zone: "the same day" of a re-screening
	// and an administration is a day there.
	Location *time.Location
}

// Param describes one procedure parameter for the board's checklist.
type Param struct {
	Name      string
	Value     string
	Source    string
	Confirmed bool
}

// DefaultParams returns the default params, none confirmed by the board.
func DefaultParams() Params {
	day := 24 * time.Hour
	return Params{
		BoardQuorum:       3,
		BookWithin:        2 * day,
		DiagnosticsWithin: 30 * day,
		BoardReviewWithin: 14 * day,
		ConsentWithin:     14 * day,
		PrepareWithin:     7 * day,
		ContactGrace:      2 * day,
		ClockSkew:         5 * time.Minute,
		DoseTolerance:     0.10,
		ProductViability:  90 * day,
		EffectFromMonths:  3,
		ExpiryNotice:      3 * day,
		Location:          time.UTC,
	}
}

// Checklist returns the params with their sources, for the medical board.
func (p Params) Checklist() []Param {
	unsaid := "not given by the clinic procedure; the medical board must confirm it"
	return []Param{
		{"BoardQuorum", strconv.Itoa(p.BoardQuorum) + " members", "clinic procedure, 03 (a board review; no quorum given): " + unsaid, false},
		{"BookWithin", dayString(p.BookWithin), "clinic procedure, 01: " + unsaid, false},
		{"DiagnosticsWithin", dayString(p.DiagnosticsWithin), "clinic procedure, 02: " + unsaid, false},
		{"BoardReviewWithin", dayString(p.BoardReviewWithin), "clinic procedure, 03: " + unsaid, false},
		{"ConsentWithin", dayString(p.ConsentWithin), "clinic procedure, 03: " + unsaid, false},
		{"PrepareWithin", dayString(p.PrepareWithin), "clinic procedure, 04 (allogeneic cells \"can be prepared for use at any time\"; collection for autologous): " + unsaid, false},
		{"ContactGrace", dayString(p.ContactGrace), "clinic procedure, 05 (the doctor stays in touch): " + unsaid, false},
		{"DoseTolerance", strconv.FormatFloat(p.DoseTolerance*100, 'f', -1, 64) + "% of the plan's cells per procedure", "clinic procedure, 05 (the dose is the plan's; no tolerance given; a cell count is an estimate): " + unsaid, false},
		{"ProductViability", dayString(p.ProductViability) + " after release, when the release gives no expiry", "clinic procedure, 04 (allogeneic cells \"can be prepared for use at any time\"; no shelf life given): " + unsaid, false},
		{"EffectFromMonths", strconv.Itoa(p.EffectFromMonths) + " months after the last administration", "clinic procedure, FAQ \"Stem cell treatment\" 5 (\"the full therapeutic effect develops within 3-6 months\"): the start of that window; the medical board must confirm it", false},
		{"ExpiryNotice", dayString(p.ExpiryNotice) + " before a product expires", "not given by the clinic procedure (a worklist warning, not a clinical value): the clinic must confirm it", false},
		{"Location", p.Location.String(), "the clinic's time zone, for \"the same day\": the clinic must set it", false},
	}
}

func dayString(d time.Duration) string {
	return strconv.Itoa(int(d/(24*time.Hour))) + " days"
}
