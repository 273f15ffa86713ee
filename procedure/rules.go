package procedure

// Rule is a rule of the procedure that may refuse a command; a
// RefusedError names it by ID.
type Rule struct {
	ID     string
	Text   string
	Source string
}

// Rules returns the rules of the procedure, in the order of the stages.
func Rules() []Rule {
	return []Rule{
		{"command-stage", "A command is given only in the stages the command table lists for it.", "the stage table"},
		{"event-time-order", "A command may not be dated before the case's latest event.", "a history in order"},
		{"event-time-future", "A command may not be dated later than the recording clock plus ClockSkew.", "a history in order"},
		{"slot-in-future", "An appointment's slot is not before its booking.", "clinic procedure, 01"},
		{"cancel-before-consultation", "The administrator cancels a case only before any item of the consultation is recorded; after that the patient may withdraw.", "clinic procedure, 01-02"},
		{"measure-planned", "A result or a cancellation is recorded only for a measure of the diagnostic plan that is still planned.", "clinic procedure, 02"},
		{"board-quorum", "A plan or a decline needs at least BoardQuorum board members.", "clinic procedure, 03 (the number is a param the board must confirm)"},
		{"board-screening-eligible", "The board proposes a plan only on a latest screening that is eligible: never undetermined, never ineligible.", "clinic procedure, 03"},
		{"board-therapy-suitable", "The board proposes a plan only on a therapy decision that finds the plan's therapy suitable.", "clinic procedure, 04"},
		{"board-therapy-after-failure", "After a failed culture, own cells are planned again only on a therapy decision made after the failure.", "clinic procedure, 04"},
		{"board-route-from-therapy", "The plan's route is one of the routes of the therapy decision.", "clinic procedure, 05 and FAQ"},
		{"decline-on-contraindication", "The board declines on a contraindication found by the latest screening; the finding and the re-screen date are kept.", "clinic procedure, 03"},
		{"collect-autologous-only", "Biomaterial is collected and cultured only for an autologous plan.", "clinic procedure, 04"},
		{"collect-once", "Biomaterial is collected once per plan.", "clinic procedure, 04"},
		{"culture-needs-biomaterial", "A culture starts only from collected biomaterial.", "clinic procedure, 04"},
		{"culture-once", "A culture starts once per plan; a failed culture goes back to the board.", "clinic procedure, 04"},
		{"fail-needs-culture", "Only a started culture can fail.", "clinic procedure, 04"},
		{"lot-allogeneic-only", "A donor lot is allocated only for an allogeneic plan.", "clinic procedure, 04"},
		{"release-needs-culture", "An autologous product is released only from a started culture.", "clinic procedure, 04"},
		{"release-needs-lot", "An allogeneic product is released only as the allocated donor lot.", "clinic procedure, 04"},
		{"administration-finding-referred", "No administration while a contraindication a same-day re-screening found is not referred to the board: a later eligible screening does not clear it, the board decides.", "clinic procedure, 03 and 05"},
		{"administration-same-day-screening", "Each administration follows a screening made on its day, after the previous administration, that is eligible: a temporary contraindication (an acute inflammation) delays it.", "clinic procedure, 03 and 05"},
		{"administration-lot-released", "The product administered is the released lot.", "clinic procedure, 05"},
		{"administration-route-from-plan", "The route is the plan's route.", "clinic procedure, 05"},
		{"administration-site-from-plan", "The site is the plan's site (compared without case and extra spaces); the board changes the plan to give it elsewhere.", "clinic procedure, 05"},
		{"administration-dose-from-plan", "The cells given are the plan's dose per procedure, within DoseTolerance; the board changes the plan to give another dose.", "clinic procedure, 05 (the tolerance is a param the board must confirm)"},
		{"administration-lot-remaining", "The cells given are no more than the released lot still holds: released minus already given.", "clinic procedure, 04-05"},
		{"administration-product-expired", "A product is not given at or after its expiry: the release's, or the release plus ProductViability.", "clinic procedure, 04-05 (the viability is a param the board must confirm)"},
		{"administration-interval", "A further procedure waits the plan's interval after the previous one.", "clinic procedure, 05"},
		{"contact-scheduled", "A monitoring contact recorded, or recorded missed, is a pending contact of an aftercare plan's schedule.", "clinic procedure, 05"},
		{"refer-finding-in-follow-up", "In follow-up a case is referred to the board only for an open finding (a severe adverse event); it stays in follow-up.", "clinic procedure, 03 and 05"},
		{"assess-in-effect-window", "Effectiveness is assessed no earlier than EffectFromMonths after the last administration: the effect develops within 3-6 months.", "clinic procedure, FAQ \"Stem cell treatment\" 5 (the start of the window is a param the board must confirm)"},
		{"report-after-administration", "Side effects are triaged only after an administration.", "clinic procedure, 05"},
		{"review-flagged-report", "The doctor reviews a report that triage flagged (contact-clinic), once.", "clinic procedure, 05"},
		{"complete-needs-effectiveness", "A case completes only once the effectiveness of the treatment is assessed.", "clinic procedure, 05 and FAQ"},
		{"complete-needs-reviews", "A case completes only when every flagged side-effect report is reviewed.", "clinic procedure, 05"},
		{"complete-needs-contacts", "A case completes only when every monitoring contact whose day is before the assessment is recorded, or recorded missed with a reason.", "clinic procedure, 05 (the doctor stays in touch)"},
		{"complete-needs-findings-referred", "A case completes only when every finding (a severe adverse event) is referred to the board.", "clinic procedure, 05"},
	}
}
