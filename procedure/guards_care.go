package procedure

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The guards of preparing the cells, administration and follow-up
// (clinic procedure, 04 and 05).

func needPlan(t *turn, typ, rule string) error {
	if t.c.Plan == nil || t.c.Plan.Therapy != typ {
		return refuse(rule, "the plan in force is not %s", typ)
	}
	return nil
}

func handleCollect(t *turn, cmd *CollectBiomaterial) error {
	if err := needPlan(t, "autologous", "collect-autologous-only"); err != nil {
		return err
	}
	if t.c.Product.Source != "" {
		return refuse("collect-once", "biomaterial (%s) is already collected for this plan", t.c.Product.Source)
	}
	return t.emit(BiomaterialCollected, collectedData{Source: cmd.Source}, nil)
}

func handleStartCulture(t *turn, _ *StartCulture) error {
	if err := needPlan(t, "autologous", "collect-autologous-only"); err != nil {
		return err
	}
	p := t.c.Product
	if p.Source == "" {
		return refuse("culture-needs-biomaterial", "no biomaterial is collected")
	}
	if p.CultureStarted {
		return refuse("culture-once", "the culture has already started")
	}
	days := 0
	if t.c.Therapy != nil {
		days = t.c.Therapy.CultureDays
	}
	release := instant(t.at()).AddDate(0, 0, days)
	return t.emit(CultureStarted, cultureData{ExpectedRelease: release}, nil)
}

func handleFailCulture(t *turn, cmd *FailCulture) error {
	if !t.c.Product.CultureStarted {
		return refuse("fail-needs-culture", "no culture has started")
	}
	if err := t.emit(CultureFailed, refusalData{Reason: cmd.Reason}, nil); err != nil {
		return err
	}
	return t.move(BoardReview)
}

func handleAllocateLot(t *turn, cmd *AllocateLot) error {
	if err := needPlan(t, "allogeneic", "lot-allogeneic-only"); err != nil {
		return err
	}
	return t.emit(LotAllocated, lotData{Lot: cmd.Lot}, nil)
}

func handleRelease(t *turn, cmd *ReleaseProduct) error {
	p := t.c.Product
	switch {
	case t.c.Plan == nil:
		return refuse("release-needs-culture", "no plan is in force")
	case t.c.Plan.Therapy == "autologous" && !p.CultureStarted:
		return refuse("release-needs-culture", "no culture has started for this plan")
	case t.c.Plan.Therapy == "allogeneic" && p.Lot == "":
		return refuse("release-needs-lot", "no donor lot is allocated")
	case t.c.Plan.Therapy == "allogeneic" && p.Lot != cmd.Lot:
		return refuse("release-needs-lot", "lot %q is not the allocated lot %q", cmd.Lot, p.Lot)
	}
	expires := instant(t.at().Add(t.params.ProductViability))
	if cmd.Expires != nil {
		expires = instant(*cmd.Expires)
	}
	if err := t.emit(ProductReleased, lotData{Lot: cmd.Lot, Cells: cmd.Cells, Expires: &expires}, nil); err != nil {
		return err
	}
	return t.move(Administering)
}

func handleAdminister(t *turn, cmd *Administer) error {
	if f := openFinding(t.c, ContraindicationFound); f != nil {
		return refuse("administration-finding-referred", "the re-screening of event %d found a contraindication (%s): the board decides, refer the case to it; a later eligible screening does not clear it",
			f.Version, strings.Join(f.Rules, ", "))
	}
	if err := sameDayScreening(t); err != nil {
		return err
	}
	plan, prep := t.c.Plan, t.c.Product
	switch {
	case plan == nil:
		return refuse("administration-lot-released", "no plan is in force")
	case cmd.Lot != prep.Lot:
		return refuse("administration-lot-released", "lot %q is not the released lot %q", cmd.Lot, prep.Lot)
	case cmd.Route != plan.Route:
		return refuse("administration-route-from-plan", "route %s is not the plan's route %s", cmd.Route, plan.Route)
	case plan.Site != "" && normalSite(cmd.Site) != normalSite(plan.Site):
		return refuse("administration-site-from-plan", "site %q is not the plan's site %q; to give it elsewhere, refer the case to the board to change the plan", cmd.Site, plan.Site)
	}
	if err := doseFromPlan(t, cmd); err != nil {
		return err
	}
	if left := prep.Cells - prep.Given; cmd.Cells > left {
		return refuse("administration-lot-remaining", "%s cells are more than lot %q still holds: %s released, %s already given, %s left",
			cells(cmd.Cells), prep.Lot, cells(prep.Cells), cells(prep.Given), cells(left))
	}
	if exp := t.productExpires(); exp != nil && !t.at().Before(*exp) {
		return refuse("administration-product-expired", "lot %q expired at %s; the procedure is at %s", prep.Lot, exp.Format(time.RFC3339), t.at().Format(time.RFC3339))
	}
	if n := len(t.c.Administrations); n > 0 {
		next := t.c.Administrations[n-1].At.AddDate(0, 0, plan.IntervalDays)
		if dayOf(t.at(), t.params.Location).Before(dayOf(next, t.params.Location)) {
			return refuse("administration-interval", "the plan's interval is %d days: the next procedure is due on %s", plan.IntervalDays, dayOf(next, t.params.Location).Format(time.DateOnly))
		}
	}
	a := Administration{Number: len(t.c.Administrations) + 1, At: instant(t.at()), Route: cmd.Route, Site: cmd.Site, Cells: cmd.Cells, Lot: cmd.Lot}
	if err := t.emit(Administered, administeredData{a}, nil); err != nil {
		return err
	}
	care, rec, err := t.deciders.planAftercare(t.ctx, a)
	if err != nil {
		return err
	}
	if err := t.emit(AftercarePlanned, care, rec); err != nil {
		return err
	}
	if len(t.c.Administrations) >= plan.Procedures {
		return t.move(FollowUp)
	}
	return nil
}

// doseFromPlan is the rule that the cells given are the plan's dose, within
// the param DoseTolerance.
func doseFromPlan(t *turn, cmd *Administer) error {
	plan, tol := t.c.Plan, t.params.DoseTolerance
	if math.Abs(cmd.Cells-plan.Cells) > tol*plan.Cells {
		return refuse("administration-dose-from-plan", "%s cells are not the plan's dose of %s cells per procedure (within %s%%: %s to %s); to change the dose, refer the case to the board",
			cells(cmd.Cells), cells(plan.Cells), strconv.FormatFloat(tol*100, 'f', -1, 64), cells(plan.Cells*(1-tol)), cells(plan.Cells*(1+tol)))
	}
	return nil
}

// productExpires is when the released product may no longer be given.
func (t *turn) productExpires() *time.Time {
	p := t.c.Product
	switch {
	case p.Expires != nil:
		return p.Expires
	case p.ReleasedAt != nil:
		exp := p.ReleasedAt.Add(t.params.ProductViability)
		return &exp
	}
	return nil
}

// normalSite is a site as compared: lower case, spaces collapsed.
func normalSite(s string) string { return strings.Join(strings.Fields(strings.ToLower(s)), " ") }

// cells formats a cell count as the clinic writes it, such as 5e+07.
func cells(n float64) string { return strconv.FormatFloat(n, 'g', 4, 64) }

// sameDayScreening is the rule that each administration follows an
// eligible screening made on its day and after the previous one.
func sameDayScreening(t *turn) error {
	const rule = "administration-same-day-screening"
	s := t.c.Screening
	day := dayOf(t.at(), t.params.Location).Format(time.DateOnly)
	last := 0
	if n := len(t.c.Administrations); n > 0 {
		last = t.c.Administrations[n-1].Version
	}
	switch {
	case s == nil || s.Purpose != ForAdministration || s.Version < last:
		return refuse(rule, "no re-screening is recorded since the last procedure; screen the patient on %s", day)
	case s.AsOf != day:
		return refuse(rule, "the latest re-screening is of %s, not of the day of administration %s", s.AsOf, day)
	case s.Outcome != "eligible":
		return refuse(rule, "the re-screening of %s is %s (%v); the procedure waits until a screening is eligible", s.AsOf, s.Outcome, s.Findings)
	}
	return nil
}

func handleReferToBoard(t *turn, cmd *ReferToBoard) error {
	if t.c.Stage == FollowUp && openFinding(t.c, "") == nil {
		return refuse("refer-finding-in-follow-up", "in follow-up a case is referred to the board for a finding (a severe adverse event), and none is open")
	}
	if err := t.emit(ReferredToBoard, refusalData{Reason: cmd.Reason}, nil); err != nil {
		return err
	}
	if t.c.Stage == FollowUp {
		return nil
	}
	return t.move(BoardReview)
}

// openFinding returns the first finding of kind (any when "") not yet
// referred to the board, or nil.
func openFinding(c *Case, kind FindingKind) *Finding {
	for i, f := range c.Findings {
		if !f.Referred && (kind == "" || f.Kind == kind) {
			return &c.Findings[i]
		}
	}
	return nil
}

// pendingContact is the rule that a contact recorded, or recorded missed,
// is one of the schedule still pending.
func pendingContact(t *turn, id string) error {
	i := slices.IndexFunc(t.c.Contacts, func(k Contact) bool { return k.ID == id })
	if i < 0 || t.c.Contacts[i].Done || t.c.Contacts[i].Missed {
		return refuse("contact-scheduled", "contact %q is not a pending contact of the monitoring schedule", id)
	}
	return nil
}

func handleContact(t *turn, cmd *RecordContact) error {
	if err := pendingContact(t, cmd.Contact); err != nil {
		return err
	}
	return t.emit(ContactRecorded, contactData{Contact: cmd.Contact, Note: cmd.Note}, nil)
}

func handleMissedContact(t *turn, cmd *RecordMissedContact) error {
	if err := pendingContact(t, cmd.Contact); err != nil {
		return err
	}
	return t.emit(ContactMissed, missedData{Contact: cmd.Contact, Reason: cmd.Reason}, nil)
}

func handleReport(t *turn, cmd *ReportSideEffect) error {
	n := len(t.c.Administrations)
	if n == 0 {
		return refuse("report-after-administration", "no administration is recorded")
	}
	d, rec, err := t.deciders.triage(t.ctx, t.c.Administrations[n-1].At, instant(t.at()), cmd.Symptom)
	if err != nil {
		return err
	}
	return t.emit(SideEffectTriaged, d, rec)
}

func handleReview(t *turn, cmd *ReviewSideEffect) error {
	i := slices.IndexFunc(t.c.Reports, func(r Report) bool { return r.Version == cmd.Report })
	if i < 0 || !t.c.Reports[i].Flagged || t.c.Reports[i].Reviewed {
		return refuse("review-flagged-report", "report %d is not a flagged report awaiting review", cmd.Report)
	}
	return t.emit(SideEffectReviewed, reviewData{Report: cmd.Report, Note: cmd.Note}, nil)
}

func handleAdverse(t *turn, cmd *RecordAdverseEvent) error {
	return t.emit(AdverseEventRecorded, adverseData{Description: cmd.Description, Severity: cmd.Severity}, nil)
}

func handleAssess(t *turn, cmd *AssessEffectiveness) error {
	if n := len(t.c.Administrations); n > 0 {
		loc := t.params.Location
		from := dayOf(t.c.Administrations[n-1].At, loc).AddDate(0, t.params.EffectFromMonths, 0)
		if dayOf(t.at(), loc).Before(from) {
			return refuse("assess-in-effect-window", "the effect develops within 3-6 months: effectiveness is assessed from %s, %d months after the last procedure (%s)",
				from.Format(time.DateOnly), t.params.EffectFromMonths, dayOf(t.c.Administrations[n-1].At, loc).Format(time.DateOnly))
		}
	}
	return t.emit(EffectivenessAssessed, effectivenessData{Result: cmd.Result, Note: cmd.Note}, nil)
}

func handleComplete(t *turn, _ *Complete) error {
	if t.c.Effectiveness == nil {
		return refuse("complete-needs-effectiveness", "the effectiveness of the treatment is not assessed")
	}
	for _, r := range t.c.Reports {
		if r.Flagged && !r.Reviewed {
			return refuse("complete-needs-reviews", "the flagged side-effect report %d is not reviewed", r.Version)
		}
	}
	assessed := dayOf(t.c.Effectiveness.At, t.params.Location).Format(time.DateOnly)
	for _, k := range t.c.Contacts {
		if !k.Done && !k.Missed && k.Day < assessed {
			return refuse("complete-needs-contacts", "contact %s of %s, before the assessment of %s, is neither recorded nor recorded missed with a reason", k.ID, k.Day, assessed)
		}
	}
	if f := openFinding(t.c, ""); f != nil {
		return refuse("complete-needs-findings-referred", "the %s of event %d is not referred to the board", f.Kind, f.Version)
	}
	return t.close(Closure{Outcome: Completed})
}
