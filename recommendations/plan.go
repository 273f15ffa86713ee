package recommendations

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/reocell/celltherapy/rules"
	"github.com/reocell/celltherapy/rules/ruleskit"
)

// Outcome is the state of an aftercare plan.
type Outcome string

// The outcomes of planning.
const (
	// Planned: every rule is decided and every window computed.
	Planned Outcome = "planned"
	// Undetermined: unknown facts keep some rule or window open (without the
	// moment of administration, every window); Missing says what to ask.
	// Items holds what could be computed.
	Undetermined Outcome = "undetermined"
)

// Origin says who made an item of the plan.
type Origin string

// The origins of items.
const (
	FromRule   Origin = "rule"   // a rule of the aftercare ruleset (Item.Rule names it)
	FromDoctor Origin = "doctor" // the doctor's individual recommendation
)

// Plan is the aftercare plan for one administration: plain data that encodes
// to the decision JSON of docs/design.md. The same facts and ruleset digest always
// give the same plan.
type Plan struct {
	// Header's AsOf is the day of administration (today by the planner's
	// clock while it is unknown); its Findings are the rules that made
	// items, in rule file order.
	ruleskit.Header[Outcome, rules.Finding]
	// AdministeredAt is the moment of administration, from which every
	// window and contact is measured; null while it is unknown.
	AdministeredAt *time.Time `json:"administeredAt"`
	// Facts are the facts the plan was made from (route and site are shown
	// on the leaflet).
	Facts Facts `json:"facts"`
	// Items are the recommendations, ordered by From, then ID.
	Items []Item `json:"items"`
	// Schedule is the contacts the doctor makes, ordered by day.
	Schedule []Contact `json:"schedule"`
	// SideEffectsUntil is the end of the window within which the expected
	// side effects pass (administration plus the ruleset's
	// sideEffectWindowHours); a symptom lasting beyond it means contacting
	// the clinic. Absent when unknown.
	SideEffectsUntil *time.Time `json:"sideEffectsUntil,omitempty"`
}

// Item is one recommendation of a plan and the window in which it applies:
// from From (inclusive) until Until (exclusive), or until the doctor says
// otherwise when Until is nil.
type Item struct {
	ID    string     `json:"id"`
	Title string     `json:"title"`
	Text  string     `json:"text"` // for the patient
	From  time.Time  `json:"from"`
	Until *time.Time `json:"until,omitempty"`
	// Origin says who made the item; Rule names the rule for FromRule.
	Origin Origin `json:"origin"`
	Rule   string `json:"rule,omitempty"`
	// Unconfirmed marks an item whose window rests on a value the clinic's
	// medical board has not confirmed (an unconfirmed then: value or param
	// of its rule): the doctor confirms it with the patient.
	Unconfirmed bool `json:"unconfirmed,omitempty"`
}

// InForceAt reports whether the item applies at t: From <= t < Until.
func (it *Item) InForceAt(t time.Time) bool {
	return !t.Before(it.From) && (it.Until == nil || t.Before(*it.Until))
}

// InForce returns the items that apply at t, in plan order. An item applies
// from its From up to, not including, its Until.
func (p *Plan) InForce(t time.Time) []Item {
	var out []Item
	for _, it := range p.Items {
		if it.InForceAt(t) {
			out = append(out, it)
		}
	}
	return out
}

// Individual is a recommendation the doctor adds to a plan, with its window
// measured from the moment of administration.
type Individual struct {
	// ID names the item in the plan; it must not be a rule's id.
	ID string `json:"id"`
	// Title is a short title (default: Text).
	Title string `json:"title,omitempty"`
	Text  string `json:"text"`
	// After is when the recommendation starts, after administration (0: at
	// once); For is how long it applies (0: until the doctor says otherwise).
	After time.Duration `json:"after,omitempty"`
	For   time.Duration `json:"for,omitempty"`
}

// Add adds the doctor's individual recommendations to the plan, beside the
// rule-made items and marked FromDoctor. It needs the moment of
// administration, and ids that are new to the plan; it adds nothing when
// one recommendation is wrong.
func (p *Plan) Add(recs ...Individual) error {
	if p.AdministeredAt == nil {
		return fmt.Errorf("recommendations: individual recommendations need the moment of administration (administeredAt)")
	}
	ids := map[string]bool{}
	for _, it := range p.Items {
		ids[it.ID] = true
	}
	items := slices.Clone(p.Items)
	for i, r := range recs {
		switch {
		case r.ID == "":
			return fmt.Errorf("recommendations: individual recommendation %d has no id", i)
		case ids[r.ID]:
			return fmt.Errorf("recommendations: individual recommendation %q: the plan already has an item with that id", r.ID)
		case r.Text == "":
			return fmt.Errorf("recommendations: individual recommendation %q has no text", r.ID)
		case r.After < 0 || r.For < 0:
			return fmt.Errorf("recommendations: individual recommendation %q: after and for must not be negative", r.ID)
		}
		ids[r.ID] = true
		it := Item{ID: r.ID, Title: cmp.Or(r.Title, r.Text), Text: r.Text, From: p.AdministeredAt.Add(r.After), Origin: FromDoctor}
		if r.For > 0 {
			until := it.From.Add(r.For)
			it.Until = &until
		}
		items = append(items, it)
	}
	sortItems(items)
	p.Items = items
	return nil
}

func sortItems(items []Item) {
	slices.SortStableFunc(items, func(a, b Item) int {
		return cmp.Or(a.From.Compare(b.From), cmp.Compare(a.ID, b.ID))
	})
}

// Planner makes aftercare plans with one ruleset. It is immutable and safe
// for concurrent use.
type Planner struct {
	rs     *rules.Ruleset
	set    ruleskit.Settings
	params AftercareParams
	thens  []AftercareThen // each rule's then:, in rule file order
}

// NewPlanner returns a Planner for rs, which must be an aftercare ruleset.
// Options are rules.WithClock (for the day of a plan whose administration
// time is unknown) and rules.WithLocale.
func NewPlanner(rs *rules.Ruleset, opts ...rules.Option) (*Planner, error) {
	if rs == nil || rs.Kind().Name() != AftercareDecisionKind {
		return nil, fmt.Errorf("recommendations: NewPlanner needs an %s ruleset", AftercareDecisionKind)
	}
	prep := ruleskit.Prepared(rs, preparePlanner)
	return &Planner{rs: rs, set: ruleskit.NewSettings(opts...), params: prep.params, thens: prep.thens}, nil
}

// plannerRules is what a Planner reads from its ruleset, once per ruleset.
type plannerRules struct {
	params AftercareParams
	thens  []AftercareThen
}

func preparePlanner(rs *rules.Ruleset) plannerRules {
	p := plannerRules{params: ruleskit.ParamsOf[AftercareParams](rs)}
	for _, r := range rs.Rules() {
		p.thens = append(p.thens, ruleskit.ThenOf[AftercareThen](r))
	}
	return p
}

// Ruleset returns the planner's ruleset.
func (p *Planner) Ruleset() *rules.Ruleset { return p.rs }

// Plan makes the aftercare plan for one administration: an item for every
// rule that fired, with its window; the monitoring schedule; and, when a
// fact the rules need is unknown, outcome undetermined with the questions.
func (p *Planner) Plan(ctx context.Context, facts Facts) (*Plan, error) {
	ev, err := ruleskit.Evaluate(ctx, p.rs, &facts)
	if err != nil {
		return nil, err
	}
	asOf, _ := p.set.AsOf(facts.AdministeredAt)
	plan := &Plan{
		Header:         ruleskit.NewHeader[Outcome, rules.Finding](p.rs, Planned, asOf),
		AdministeredAt: facts.AdministeredAt,
		Facts:          facts,
		Items:          []Item{},
		Schedule:       []Contact{},
	}
	var open, fired []*ruleskit.Result
	for i := range ev.Results {
		r := &ev.Results[i]
		if r.Status == ruleskit.Fired {
			fired = append(fired, r)
		}
		if len(r.Missing()) > 0 {
			open = append(open, r)
		}
		if r.Status != ruleskit.Fired {
			continue
		}
		plan.Findings = append(plan.Findings, r.Finding(p.set.Locale))
		then := &p.thens[i]
		from, ok := then.From.In(r)
		if !ok {
			continue // its window reads an unknown fact: in Missing
		}
		it := Item{ID: r.Rule.ID(), Title: r.Rule.TitleIn(p.set.Locale), Text: r.Rule.Message(p.set.Locale), From: from, Origin: FromRule, Rule: r.Rule.ID(),
			Unconfirmed: len(ruleskit.UnconfirmedIn(p.rs, []*ruleskit.Result{r})) > 0}
		if until, ok := then.Until.In(r); ok {
			it.Until = &until
		} else if then.Until.IsSet() {
			continue // until reads an unknown fact
		}
		plan.Items = append(plan.Items, it)
	}
	if len(open) > 0 {
		plan.Outcome = Undetermined
		plan.Missing = ruleskit.MissingFacts(p.rs, p.set.Locale, open)
	}
	sortItems(plan.Items)
	var goParams []string
	if at := facts.AdministeredAt; at != nil {
		plan.Schedule = p.contacts(*at)
		goParams = append(goParams, "monitoring")
		if h := p.params.SideEffectWindowHours; h > 0 {
			until := at.Add(time.Duration(h) * time.Hour)
			plan.SideEffectsUntil = &until
			goParams = append(goParams, "sideEffectWindowHours")
		}
	}
	plan.Unconfirmed = ruleskit.UnconfirmedIn(p.rs, fired, goParams...)
	return plan, nil
}
