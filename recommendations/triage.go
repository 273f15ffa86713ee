package recommendations

import (
	"context"
	"fmt"
	"time"

	"github.com/reocell/celltherapy/rules"
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
	Decision string `json:"decision"` // always "triage"
	// Outcome is expected, contact-clinic or undetermined.
	Outcome Action `json:"outcome"`
	// AsOf is the moment of triage (the now fact); null while unknown.
	AsOf     *time.Time          `json:"asOf"`
	Ruleset  rules.Ref           `json:"ruleset"`
	Findings []rules.Finding     `json:"findings"` // the rules that gave the action, in rule file order
	Missing  []rules.MissingFact `json:"missing"`
	// Action is what to do: expected or contact-clinic; absent while the
	// outcome is undetermined.
	Action Action `json:"action,omitempty"`
	// Reason is the message of the first rule that gave the action.
	Reason string `json:"reason,omitempty"`
}

// Triager triages symptoms with one ruleset. It is immutable and safe for
// concurrent use.
type Triager struct {
	rs     *rules.Ruleset
	locale string
}

// NewTriager returns a Triager for rs, which must be a triage ruleset.
func NewTriager(rs *rules.Ruleset, opts ...Option) (*Triager, error) {
	if rs == nil || rs.Kind().Name() != TriageDecisionKind {
		return nil, fmt.Errorf("recommendations: NewTriager needs a %s ruleset", TriageDecisionKind)
	}
	c := config{locale: "en"}
	for _, o := range opts {
		o(&c)
	}
	return &Triager{rs: rs, locale: c.locale}, nil
}

// Ruleset returns the triager's ruleset.
func (t *Triager) Ruleset() *rules.Ruleset { return t.rs }

// Triage answers for one symptom, in strong Kleene logic: contact-clinic when
// any rule says so, whatever else is unknown; otherwise undetermined (with
// the questions) while any rule is open; otherwise expected when a rule says
// so. When no rule speaks for the symptom at all, the answer is
// contact-clinic: a symptom no rule explains is not an expected one.
//
// Instants that contradict each other (a symptom that began before the
// administration, or after now) are bad input: a rules.FactErrors.
func (t *Triager) Triage(ctx context.Context, facts TriageFacts) (*TriageDecision, error) {
	if err := checkTimeline(facts); err != nil {
		return nil, err
	}
	ev, err := t.rs.Evaluate(ctx, &facts)
	if err != nil {
		return nil, err
	}
	d := &TriageDecision{
		Decision: TriageDecisionKind,
		Outcome:  Open,
		AsOf:     facts.Now,
		Ruleset:  t.rs.Ref(),
		Findings: []rules.Finding{},
		Missing:  []rules.MissingFact{},
	}
	var contact, expected []*rules.Result
	for _, r := range ev.Fired() {
		a, _ := r.Then("action")
		switch Action(fmt.Sprint(a)) {
		case ContactClinic:
			contact = append(contact, r)
		case Expected:
			expected = append(expected, r)
		}
	}
	open := ev.Undetermined()
	var decided []*rules.Result
	switch {
	case len(contact) > 0:
		d.Action, decided = ContactClinic, contact
	case len(open) > 0:
		d.Missing = rules.MissingFacts(t.rs, t.locale, open)
		return d, nil
	case len(expected) > 0:
		d.Action, decided = Expected, expected
	default:
		d.Action = ContactClinic
		d.Reason = "No rule says this symptom is an expected side effect: contact the clinic."
	}
	d.Outcome = d.Action
	for _, r := range decided {
		d.Findings = append(d.Findings, r.Finding(t.locale))
	}
	if len(decided) > 0 {
		d.Reason = decided[0].Rule.Message(t.locale)
	}
	return d, nil
}

// checkTimeline reports known instants in an impossible order.
func checkTimeline(f TriageFacts) error {
	var errs rules.FactErrors
	if f.Symptom != nil && f.Symptom.Onset != nil {
		onset := *f.Symptom.Onset
		if f.AdministeredAt != nil && onset.Before(*f.AdministeredAt) {
			errs = append(errs, &rules.FactError{Path: "$.symptom.onset", Message: "is before administeredAt; a symptom that began before the procedure is not a side effect of it"})
		}
		if f.Now != nil && onset.After(*f.Now) {
			errs = append(errs, &rules.FactError{Path: "$.symptom.onset", Message: "is after now; give the moment the symptom began"})
		}
	}
	if f.Now != nil && f.AdministeredAt != nil && f.Now.Before(*f.AdministeredAt) {
		errs = append(errs, &rules.FactError{Path: "$.now", Message: "is before administeredAt; triage follows the procedure"})
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}
