package procedure

import (
	"cmp"
	"iter"
	"slices"
	"strconv"
	"strings"
	"time"
)

// DueKind is what is due on a case.
type DueKind string

// The kinds of work the worklist shows.
const (
	DueBooking       DueKind = "book-appointment"
	DueConsultation  DueKind = "consultation"
	DueDiagnostics   DueKind = "diagnostics"
	DueBoardReview   DueKind = "board-review"
	DueConsent       DueKind = "consent"
	DueCollection    DueKind = "collect-biomaterial"
	DueCulture       DueKind = "start-culture"
	DueRelease       DueKind = "culture-release"
	DueDonorLot      DueKind = "donor-lot"
	DueAdministering DueKind = "administration"
	DueContact       DueKind = "contact"
	DueAssessment    DueKind = "assess-effectiveness"
	DueFlag          DueKind = "flagged-report"
	// The findings the board and the doctor must see.
	DueContraindication DueKind = DueKind(ContraindicationFound)
	DueSevereAdverse    DueKind = DueKind(SevereAdverseEvent)
	DueCultureFailed    DueKind = "culture-failed"
	DueMissedContact    DueKind = "missed-contact"
	DueProductExpiring  DueKind = "product-expiring"
)

// Due is one piece of work on a case: what, for whom, from when it is due
// and by when. Ref names the contact or report it is about.
type Due struct {
	What DueKind   `json:"what"`
	Who  Role      `json:"who"`
	From time.Time `json:"from"`
	By   time.Time `json:"by"`
	Ref  string    `json:"ref,omitempty"`
}

// Summary is what lists and the worklist need of a case, kept by the store
// beside the events and updated in the same transaction as each append, so
// that the worklist never folds a case.
type Summary struct {
	CaseID  string    `json:"caseId"`
	Patient string    `json:"patient"`
	Version int       `json:"version"`
	Stage   Stage     `json:"stage"`
	Outcome Outcome   `json:"outcome,omitempty"`
	LastAt  time.Time `json:"lastAt"`
	Due     []Due     `json:"due"`
}

// WorkItem is one line of the worklist.
type WorkItem struct {
	CaseID  string `json:"caseId"`
	Patient string `json:"patient"`
	Stage   Stage  `json:"stage"`
	Due
	Overdue bool `json:"overdue"`
}

// WorklistQuery asks what is due as of an instant, for one role or (Role
// empty) for all; at most Limit items (0: no limit).
type WorklistQuery struct {
	AsOf  time.Time
	Role  Role
	Limit int
}

// CaseQuery lists cases, ordered by id: those in Stage (empty: any), after
// the id After, at most Limit (0: no limit).
type CaseQuery struct {
	Stage Stage
	After string
	Limit int
}

// Summarize returns the summary of a case under the params.
func Summarize(c *Case, p Params) Summary {
	s := Summary{CaseID: c.ID, Patient: c.Patient, Version: c.Version, Stage: c.Stage, LastAt: c.LastAt, Due: []Due{}}
	if c.Closure != nil {
		s.Outcome = c.Closure.Outcome
		return s
	}
	add := func(what DueKind, who Role, from, by time.Time, ref string) {
		s.Due = append(s.Due, Due{What: what, Who: who, From: instant(from), By: instant(by), Ref: ref})
	}
	stageDues(c, p, add)
	followUpDues(c, p, add)
	findingDues(c, p, add)
	return s
}

// stageDues adds the work of the case's stage. A case folded from a
// history that lacks what its stage needs (no appointment, no plan) gets
// the stage's general due rather than none.
func stageDues(c *Case, p Params, add func(DueKind, Role, time.Time, time.Time, string)) {
	since := c.StageSince
	switch c.Stage {
	case Booking:
		add(DueBooking, Administrator, since, since.Add(p.BookWithin), "")
	case Consultation:
		slot := since
		if c.Appointment != nil {
			slot = c.Appointment.Slot
		}
		add(DueConsultation, Doctor, dayStart(slot, p.Location), slot, "")
	case Diagnostics:
		add(DueDiagnostics, Doctor, since, since.Add(p.DiagnosticsWithin), "")
	case BoardReview:
		add(DueBoardReview, Board, since, since.Add(p.BoardReviewWithin), "")
	case Consent:
		add(DueConsent, Doctor, since, since.Add(p.ConsentWithin), "")
	case Preparation:
		prep := c.Product
		switch {
		case c.Plan != nil && c.Plan.Therapy == "allogeneic":
			add(DueDonorLot, Lab, since, since.Add(p.PrepareWithin), "")
		case prep.Source == "":
			add(DueCollection, Doctor, since, since.Add(p.PrepareWithin), "")
		case !prep.CultureStarted || prep.ExpectedRelease == nil:
			add(DueCulture, Lab, since, since.Add(p.PrepareWithin), "")
		default:
			add(DueRelease, Lab, *prep.ExpectedRelease, *prep.ExpectedRelease, "")
		}
	case Administering:
		from := since
		if n := len(c.Administrations); n > 0 && c.Plan != nil {
			from = dayStart(c.Administrations[n-1].At.AddDate(0, 0, c.Plan.IntervalDays), p.Location)
		}
		add(DueAdministering, Doctor, from, from.Add(24*time.Hour), "")
	}
}

func followUpDues(c *Case, p Params, add func(DueKind, Role, time.Time, time.Time, string)) {
	for _, k := range c.Contacts {
		if k.Done {
			continue
		}
		day, err := time.ParseInLocation(time.DateOnly, k.Day, p.Location)
		if err == nil {
			add(DueContact, Doctor, day, day.Add(p.ContactGrace), k.ID)
		}
	}
	if c.Stage == FollowUp && c.Effectiveness == nil {
		from := c.StageSince
		for _, k := range c.Contacts {
			if day, err := time.ParseInLocation(time.DateOnly, k.Day, p.Location); err == nil && k.AssessesEffectiveness && day.After(from) {
				from = day
			}
		}
		add(DueAssessment, Doctor, from, from.Add(p.ContactGrace), "")
	}
	for _, r := range c.Reports {
		if r.Flagged && !r.Reviewed {
			add(DueFlag, Doctor, r.At, r.At, strconv.Itoa(r.Version))
		}
	}
}

// findingDues adds what the board and the doctor must look at: open
// findings (until referred to the board), a culture failed since the plan,
// a missed contact (until a later contact is recorded or effectiveness
// assessed) and a product about to expire while procedures remain.
func findingDues(c *Case, p Params, add func(DueKind, Role, time.Time, time.Time, string)) {
	for _, f := range c.Findings {
		if f.Referred {
			continue
		}
		ref := "event " + strconv.Itoa(f.Version)
		if len(f.Rules) > 0 {
			ref += ": " + strings.Join(f.Rules, ", ")
		}
		add(DueKind(f.Kind), Board, f.At, f.At, ref)
		add(DueKind(f.Kind), Doctor, f.At, f.At, ref)
	}
	if c.Stage == BoardReview && c.lastFailure > c.lastPlan {
		add(DueCultureFailed, Board, c.StageSince, c.StageSince, strconv.Itoa(c.lastFailure))
	}
	for _, k := range c.Contacts {
		if !k.Missed || k.MissedAt == nil || c.Effectiveness != nil || laterContactDone(c, k.Day) {
			continue
		}
		add(DueMissedContact, Doctor, *k.MissedAt, k.MissedAt.Add(p.ContactGrace), k.ID)
	}
	prep := c.Product
	if c.Stage == Administering && prep.Released && c.Plan != nil && len(c.Administrations) < c.Plan.Procedures {
		exp := prep.Expires
		if exp == nil && prep.ReleasedAt != nil {
			e := prep.ReleasedAt.Add(p.ProductViability)
			exp = &e
		}
		if exp != nil {
			add(DueProductExpiring, Doctor, exp.Add(-p.ExpiryNotice), *exp, prep.Lot)
			add(DueProductExpiring, Lab, exp.Add(-p.ExpiryNotice), *exp, prep.Lot)
		}
	}
}

func laterContactDone(c *Case, day string) bool {
	for _, k := range c.Contacts {
		if k.Done && k.Day > day {
			return true
		}
	}
	return false
}

func dayStart(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}

// Worklist returns what is due in the summaries as of q.AsOf: every due
// whose From has come, for q.Role, by its deadline, then case id.
// Stores that keep summaries in memory use it; database stores answer the
// same query in SQL. It sorts small keys and builds only the items it
// returns.
func Worklist(summaries iter.Seq[*Summary], q WorklistQuery) []WorkItem {
	type key struct {
		by int64
		s  *Summary
		d  int
	}
	var keys []key
	for s := range summaries {
		for i := range s.Due {
			d := &s.Due[i]
			if d.From.After(q.AsOf) || (q.Role != "" && d.Who != q.Role) {
				continue
			}
			keys = append(keys, key{d.By.UnixMicro(), s, i})
		}
	}
	slices.SortFunc(keys, func(a, b key) int {
		da, db := &a.s.Due[a.d], &b.s.Due[b.d]
		return cmp.Or(cmp.Compare(a.by, b.by), cmp.Compare(a.s.CaseID, b.s.CaseID), cmp.Compare(da.What, db.What), cmp.Compare(da.Ref, db.Ref))
	})
	n := len(keys)
	if q.Limit > 0 && n > q.Limit {
		n = q.Limit
	}
	out := make([]WorkItem, n)
	for i := range out {
		k := keys[i]
		d := k.s.Due[k.d]
		out[i] = WorkItem{CaseID: k.s.CaseID, Patient: k.s.Patient, Stage: k.s.Stage, Due: d, Overdue: d.By.Before(q.AsOf)}
	}
	return out
}

// SortWork orders work items as every store returns them: by deadline,
// then case id, then kind and ref.
func SortWork(items []WorkItem) {
	slices.SortFunc(items, func(a, b WorkItem) int { return cmp.Or(a.By.Compare(b.By), compareWork(&a, &b)) })
}

func compareWork(a, b *WorkItem) int {
	return cmp.Or(cmp.Compare(a.CaseID, b.CaseID), cmp.Compare(a.What, b.What), cmp.Compare(a.Ref, b.Ref))
}
