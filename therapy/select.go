package therapy

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"slices"
	"sync"

	"github.com/reocell/celltherapy/rules"
	"github.com/reocell/celltherapy/rules/ruleskit"
)

// role is the job a rule does in a therapy decision, read from its then:.
type role uint8

const (
	roleOther      role = iota // no then: the rule is only reported
	roleUnsuitable             // then.unsuitable: rules an option out
	roleSource                 // then.source: the autologous biomaterial
	roleRoutes                 // then.routes
	roleDose                   // then.cells and the rest of a dose plan
)

// roleOf reads a rule's role from its then:; the kind's schema has already
// checked that a rule does one job.
func roleOf(t *Then) role {
	switch {
	case t.Unsuitable != "":
		return roleUnsuitable
	case t.Source != "":
		return roleSource
	case len(t.Routes) > 0:
		return roleRoutes
	case t.Cells.IsSet():
		return roleDose
	}
	return roleOther
}

// Selector chooses the therapy with one ruleset. It is immutable and safe
// for concurrent use.
type Selector struct {
	rs  *rules.Ruleset
	set ruleskit.Settings
	selectorRules
}

// selectorRules is what a Selector reads from its ruleset, once per
// ruleset (ruleskit.Prepared).
type selectorRules struct {
	cultureDays int
	thens       []Then   // each rule's then:, in rule file order
	roles       []role   // each rule's role, in rule file order
	sources     []string // the ids of the source rules
}

// NewSelector returns a Selector for rs, which must be a therapy ruleset.
// Options are rules.WithClock and rules.WithLocale.
func NewSelector(rs *rules.Ruleset, opts ...rules.Option) (*Selector, error) {
	if rs == nil || rs.Kind().Name() != DecisionKind {
		return nil, fmt.Errorf("therapy: NewSelector needs a %s ruleset", DecisionKind)
	}
	return &Selector{rs: rs, set: ruleskit.NewSettings(opts...), selectorRules: ruleskit.Prepared(rs, prepareSelector)}, nil
}

func prepareSelector(rs *rules.Ruleset) selectorRules {
	s := selectorRules{cultureDays: ruleskit.ParamsOf[Params](rs).CultureDays}
	for _, r := range rs.Rules() {
		t := ruleskit.ThenOf[Then](r)
		s.thens = append(s.thens, t)
		s.roles = append(s.roles, roleOf(&t))
		if roleOf(&t) == roleSource {
			s.sources = append(s.sources, r.ID())
		}
	}
	return s
}

// Ruleset returns the selector's ruleset.
func (s *Selector) Ruleset() *rules.Ruleset { return s.rs }

// suitability is an option in three-valued logic: ruled out by a fired
// rule, open while one of its rules is undetermined, else suitable.
type suitability uint8

const (
	suitable suitability = iota
	unsuitable
	open
)

// Select chooses the therapy for one patient. Each option is unsuitable if
// a rule ruled it out, whatever else is unknown; open if a rule is
// undetermined; else suitable. The choice is then the one every possible
// answer to the open questions agrees on, or undetermined.
//
// A latest start day before asOf is bad input (a rules.FieldErrors naming
// $.startBy): no option can meet it, and neither option is to blame.
// The biomaterial to collect is named only while autologous therapy is
// still possible (suitable or open).
func (s *Selector) Select(ctx context.Context, facts Facts) (*Decision, error) {
	var asOf rules.Date
	asOf, facts.AsOf = s.set.AsOf(facts.AsOf)
	if err := checkFacts(&facts, asOf); err != nil {
		return nil, err
	}
	ev, err := ruleskit.Evaluate(ctx, s.rs, &facts)
	if err != nil {
		return nil, err
	}
	d := &Decision{
		Header: ruleskit.NewHeader[Choice, rules.Finding](s.rs, "", asOf),
		Options: Options{
			Autologous: AutologousTherapy{Therapy: Therapy{Reasons: []Reason{}, EarliestStart: rules.Date{Time: asOf.AddDate(0, 0, s.cultureDays)}}},
			Allogeneic: Therapy{Reasons: []Reason{}, EarliestStart: asOf},
		},
		Routes: make([]Route, 0, 4),
	}
	d.Findings = make([]rules.Finding, 0, ev.Count(ruleskit.Fired))
	if facts.Condition != nil && facts.Condition.Site != nil {
		d.Site = *facts.Condition.Site
	}
	aut, allo := suitable, suitable
	var doseRule *ruleskit.Result
	for i := range ev.Results {
		r, role, then := &ev.Results[i], s.roles[i], &s.thens[i]
		switch r.Status {
		case ruleskit.Fired:
			d.Findings = append(d.Findings, r.Finding(s.set.Locale))
			switch role {
			case roleUnsuitable:
				reason := Reason{Rule: r.Rule.ID(), Message: r.Rule.Message(s.set.Locale)}
				if then.Unsuitable == Autologous {
					aut = unsuitable
					d.Options.Autologous.Reasons = append(d.Options.Autologous.Reasons, reason)
				} else {
					allo = unsuitable
					d.Options.Allogeneic.Reasons = append(d.Options.Allogeneic.Reasons, reason)
				}
			case roleSource:
				if d.Options.Autologous.Source == "" {
					d.Options.Autologous.Source = then.Source
				}
			case roleRoutes:
				for _, route := range then.Routes {
					if !containsRoute(d.Routes, route) {
						d.Routes = append(d.Routes, route)
					}
				}
			case roleDose:
				if doseRule == nil {
					doseRule = r
					d.Dose = doseOf(r, then)
				}
			}
		case ruleskit.Undetermined:
			if role == roleUnsuitable {
				if then.Unsuitable == Autologous && aut == suitable {
					aut = open
				} else if then.Unsuitable == Allogeneic && allo == suitable {
					allo = open
				}
			}
		}
	}
	if aut == unsuitable {
		d.Findings = s.withoutSources(d.Findings)
		d.Options.Autologous.Source = ""
	}
	d.Unconfirmed = s.unconfirmed(ev, aut)
	d.Options.Autologous.Suitable = aut.bool(&d.suitable[0])
	d.Options.Allogeneic.Suitable = allo.bool(&d.suitable[1])
	d.Choice = choose(aut, allo, facts.Preference)
	d.Outcome = d.Choice
	if d.Choice != None {
		d.Missing = ruleskit.MissingFacts(s.rs, s.set.Locale, s.open(ev, aut, allo, d, doseRule))
	}
	return d, nil
}

// open returns the results whose unknown facts keep a part of the decision
// open: the rules of an option not yet ruled out, the source rules while
// autologous is not ruled out and no source is chosen, route rules, and the
// dose (the rules while none fired, else the fired one if it lacks a fact).
func (s *Selector) open(ev *ruleskit.Evaluation, aut, allo suitability, d *Decision, doseRule *ruleskit.Result) []*ruleskit.Result {
	var out []*ruleskit.Result
	for i := range ev.Results {
		r, role, option := &ev.Results[i], s.roles[i], s.thens[i].Unsuitable
		if r.Status != ruleskit.Undetermined {
			continue
		}
		switch role {
		case roleUnsuitable:
			if (option == Autologous && aut == unsuitable) || (option == Allogeneic && allo == unsuitable) {
				continue
			}
		case roleSource:
			if aut == unsuitable || d.Options.Autologous.Source != "" {
				continue
			}
		case roleDose:
			if doseRule != nil {
				continue
			}
		}
		out = append(out, r)
	}
	if doseRule != nil && len(doseRule.Missing()) > 0 {
		out = append(out, doseRule)
	}
	return out
}

// withoutSources drops the findings of source rules: once autologous
// therapy is ruled out, no invasive harvest is to be pointed at.
func (s *Selector) withoutSources(findings []rules.Finding) []rules.Finding {
	out := findings[:0]
	for _, f := range findings {
		if !slices.Contains(s.sources, f.Rule) {
			out = append(out, f)
		}
	}
	return out
}

// unconfirmed names the unconfirmed values the decision rests on: those of
// every decided rule but the source rules of a ruled-out autologous option,
// and cultureDays, which gives the autologous earliest start.
func (s *Selector) unconfirmed(ev *ruleskit.Evaluation, aut suitability) []string {
	used := make([]*ruleskit.Result, 0, len(ev.Results))
	for i := range ev.Results {
		if aut == unsuitable && s.roles[i] == roleSource {
			continue
		}
		used = append(used, &ev.Results[i])
	}
	return ruleskit.UnconfirmedIn(s.rs, used, "cultureDays")
}

func containsRoute(routes []Route, r Route) bool {
	for _, x := range routes {
		if x == r {
			return true
		}
	}
	return false
}

// bool gives the option's suitable field, stored in b: a value of the
// decision's own, so that one caller changing its decision cannot change
// another's.
func (s suitability) bool(b *bool) *bool {
	if s == open {
		return nil
	}
	*b = s == suitable
	return b
}

// choose gives the choice for two options in three-valued logic: an open
// option is tried both ways, and the choice is the one both ways agree on.
// That way a preference for a suitable option decides even while the other
// is open.
func choose(aut, allo suitability, preference *string) Choice {
	c := Choice("")
	for _, a := range aut.cases() {
		for _, b := range allo.cases() {
			switch got := chooseKnown(a, b, preference); {
			case c == "":
				c = got
			case c != got:
				return Undetermined
			}
		}
	}
	return c
}

func (s suitability) cases() []bool {
	switch s {
	case suitable:
		return []bool{true}
	case unsuitable:
		return []bool{false}
	}
	return []bool{true, false}
}

func chooseKnown(aut, allo bool, preference *string) Choice {
	switch {
	case aut && allo && preference != nil:
		return Choice(*preference)
	case aut && allo:
		return Either
	case aut:
		return Autologous
	case allo:
		return Allogeneic
	}
	return None
}

// doseOf reads the dose plan of a fired dose rule. A value its expression
// could not give (a per-kg dose without the weight) is left absent.
func doseOf(r *ruleskit.Result, then *Then) *Dose {
	d := &Dose{Rule: r.Rule.ID()}
	if v, ok := then.CellsPerKg.In(r); ok {
		d.values.cellsPerKg = v
		d.CellsPerKg = &d.values.cellsPerKg
	}
	if v, ok := then.Cells.In(r); ok {
		d.values.cells = v
		d.Cells = &d.values.cells
	}
	if v, ok := then.Administrations.In(r); ok {
		d.Administrations = v
	}
	if v, ok := then.IntervalDays.In(r); ok && d.Administrations > 1 {
		d.values.intervalDays = v
		d.IntervalDays = &d.values.intervalDays
	}
	return d
}

//go:embed therapy.yaml therapy.test.yaml
var defaults embed.FS

// DefaultFS returns the embedded default rule files: therapy.yaml and its
// tests.
func DefaultFS() fs.FS { return defaults }

var defaultSet = sync.OnceValue(func() *rules.Set { return rules.MustLoadFS(defaults, Kind()) })

// DefaultRules returns the clinic's therapy selection rules, embedded in the
// package and loaded once.
func DefaultRules() *rules.Ruleset { return defaultSet().Ruleset("msc-therapy-selection") }

// NewDefaultSelector returns a Selector with the embedded default rules.
// It panics only if the embedded rules are broken, which the package's
// tests rule out.
func NewDefaultSelector(opts ...rules.Option) *Selector {
	s, err := NewSelector(DefaultRules(), opts...)
	if err != nil {
		panic(err)
	}
	return s
}
