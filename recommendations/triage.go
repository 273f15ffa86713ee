package recommendations

import (
	"context"
	"fmt"

	"github.com/reocell/celltherapy/rules"
	"github.com/reocell/celltherapy/rules/ruleskit"
)

// Action is what a patient with a symptom should do.
type Action string

// The actions triage may advise, and the outcome when it cannot yet.
const (
	// Expected: a side effect that passes by itself; nothing to do unless
	// it lasts beyond the window.
	Expected Action = "expected"
	// ContactClinic: the patient should contact the clinic.
	ContactClinic Action = "contact-clinic"
	// Open is the outcome, never the action, of a triage that unknown facts
	// keep open; Missing says what to ask.
	Open Action = "undetermined"
)

// TriageDecision is the answer of side-effect triage: plain data that encodes
// to the decision JSON of docs/design.md.
type TriageDecision struct {
	// Header's Outcome is expected, contact-clinic or undetermined; its AsOf
	// is the day of triage (of the now fact; today by the triager's clock
	// while that is unknown); its Findings are the rules that gave the
	// action, in rule file order.
	ruleskit.Header[Action, rules.Finding]
	// Action is what to do: expected or contact-clinic; absent while the
	// outcome is undetermined.
	Action Action `json:"action,omitempty"`
	// Reason is the message of the first rule that gave the action.
	Reason string `json:"reason,omitempty"`
}

// Triager triages symptoms with one ruleset. It is immutable and safe for
// concurrent use.
type Triager struct {
	rs      *rules.Ruleset
	set     ruleskit.Settings
	actions actions // each rule's then.action, in rule file order
}

// NewTriager returns a Triager for rs, which must be a triage ruleset.
// Options are rules.WithClock (for the day of a triage whose now is
// unknown) and rules.WithLocale.
func NewTriager(rs *rules.Ruleset, opts ...rules.Option) (*Triager, error) {
	if rs == nil || rs.Kind().Name() != TriageDecisionKind {
		return nil, fmt.Errorf("recommendations: NewTriager needs a %s ruleset", TriageDecisionKind)
	}
	return &Triager{rs: rs, set: ruleskit.NewSettings(opts...), actions: ruleskit.Prepared(rs, prepareActions)}, nil
}

// actions is each rule's then.action, in rule file order, read once per
// ruleset.
type actions []Action

func prepareActions(rs *rules.Ruleset) actions {
	out := make(actions, 0, len(rs.Rules()))
	for _, r := range rs.Rules() {
		out = append(out, ruleskit.ThenOf[TriageThen](r).Action)
	}
	return out
}

// Ruleset returns the triager's ruleset.
func (t *Triager) Ruleset() *rules.Ruleset { return t.rs }

// Triage answers for one symptom, in strong Kleene logic: contact-clinic when
// any rule says so, whatever else is unknown; otherwise undetermined (with
// the questions) while any rule is open; otherwise expected when a rule says
// so. When no rule speaks for the symptom at all, the answer is
// contact-clinic: a symptom no rule explains is not an expected one.
//
// Triage answers every report a patient can make: a symptom that began
// before the procedure is for the rules to judge (the default rules say
// contact-clinic). Only a report that cannot be true is bad input, a
// rules.FieldErrors: instants out of order (a symptom that began after now,
// ended before it began or after now, triage before the administration),
// or a symptom both still present and ended.
func (t *Triager) Triage(ctx context.Context, facts TriageFacts) (*TriageDecision, error) {
	if err := checkTimeline(facts); err != nil {
		return nil, err
	}
	ev, err := ruleskit.Evaluate(ctx, t.rs, &facts)
	if err != nil {
		return nil, err
	}
	asOf, _ := t.set.AsOf(facts.Now)
	d := &TriageDecision{Header: ruleskit.NewHeader[Action, rules.Finding](t.rs, Open, asOf)}
	var contact, expected []*ruleskit.Result
	for i := range ev.Results {
		r := &ev.Results[i]
		if r.Status != ruleskit.Fired {
			continue
		}
		switch t.actions[i] {
		case ContactClinic:
			contact = append(contact, r)
		case Expected:
			expected = append(expected, r)
		}
	}
	open := ev.Undetermined()
	var decided []*ruleskit.Result
	switch {
	case len(contact) > 0:
		d.Action, decided = ContactClinic, contact
	case len(open) > 0:
		d.Missing = ruleskit.MissingFacts(t.rs, t.set.Locale, open)
		return d, nil
	case len(expected) > 0:
		d.Action, decided = Expected, expected
	default:
		d.Action = ContactClinic
		d.Reason = noRuleReason.In(t.set.Locale)
	}
	d.Outcome = d.Action
	for _, r := range decided {
		d.Findings = append(d.Findings, r.Finding(t.set.Locale))
	}
	if len(decided) > 0 {
		d.Reason = decided[0].Rule.Message(t.set.Locale)
	}
	d.Unconfirmed = ruleskit.UnconfirmedIn(t.rs, decided)
	return d, nil
}

// noRuleReason is the reason of a contact-clinic that no rule gave.
var noRuleReason = ruleskit.Text{
	"en": "No rule says this symptom is an expected side effect: contact the clinic.",
	"ru": "Ни одно правило не относит этот симптом к ожидаемым побочным эффектам: свяжитесь с клиникой.",
}

// checkTimeline reports known facts that cannot all be true.
func checkTimeline(f TriageFacts) error {
	var errs rules.FieldErrors
	bad := func(path, msg string) { errs = append(errs, &rules.FieldError{Path: path, Message: msg}) }
	if s := f.Symptom; s != nil {
		if s.Onset != nil && f.Now != nil && s.Onset.After(*f.Now) {
			bad("$.symptom.onset", "is after now; give the moment the symptom began")
		}
		if s.EndedAt != nil {
			switch {
			case s.Ongoing != nil && *s.Ongoing:
				bad("$.symptom.endedAt", "is given, but symptom.ongoing is true; a symptom still present has not ended: correct one of the two")
			case s.Onset != nil && s.EndedAt.Before(*s.Onset):
				bad("$.symptom.endedAt", "is before symptom.onset; give the moment the symptom ended")
			case f.Now != nil && s.EndedAt.After(*f.Now):
				bad("$.symptom.endedAt", "is after now; a symptom that is over ended before now")
			}
		}
	}
	if f.Now != nil && f.AdministeredAt != nil && f.Now.Before(*f.AdministeredAt) {
		bad("$.now", "is before administeredAt; triage follows the procedure")
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}
