package eligibility

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sync"
	"time"

	"github.com/reocell/celltherapy/rules"
)

// Outcome is the answer of a screening.
type Outcome string

// The three outcomes of a screening.
const (
	// Eligible: every contraindication rule is clear.
	Eligible Outcome = "eligible"
	// Ineligible: at least one contraindication is present; therapy must be
	// declined, whatever else is unknown.
	Ineligible Outcome = "ineligible"
	// Undetermined: no contraindication is present, but unknown facts keep
	// some open; Missing says what to ask.
	Undetermined Outcome = "undetermined"
)

// Duration says whether a contraindication may pass.
type Duration string

// The durations a rule's then.duration may give.
const (
	Permanent Duration = "permanent"
	Temporary Duration = "temporary"
)

// Decision is the outcome of screening one patient, plain data that encodes
// to the JSON described in docs/design.md. The same facts, as-of date and ruleset digest
// always give the same decision.
type Decision struct {
	Decision string              `json:"decision"` // always "eligibility"
	Outcome  Outcome             `json:"outcome"`
	AsOf     rules.Date          `json:"asOf"`
	Ruleset  rules.Ref           `json:"ruleset"`
	Findings []Contraindication  `json:"findings"` // the contraindications found, in rule file order
	Missing  []rules.MissingFact `json:"missing"`  // what to ask when the outcome is undetermined
}

// Contraindication is a fired contraindication rule.
type Contraindication struct {
	rules.Finding
	Duration Duration `json:"duration,omitempty"`
	// RescreenFrom is the first day screening may be repeated, where the
	// rules can compute it (cancer treatment: the day after the window).
	RescreenFrom *rules.Date `json:"rescreenFrom,omitempty"`
}

// Screener screens patients for contraindications with one ruleset. It is
// immutable and safe for concurrent use.
type Screener struct {
	rs     *rules.Ruleset
	now    func() time.Time
	locale string
}

// Option configures a Screener.
type Option func(*Screener)

// WithClock sets where "today" comes from for facts without asOf (default
// time.Now; the day is taken in the clock's location).
func WithClock(now func() time.Time) Option { return func(s *Screener) { s.now = now } }

// WithLocale sets the language of messages and questions (default "en").
func WithLocale(locale string) Option { return func(s *Screener) { s.locale = locale } }

// NewScreener returns a Screener for rs, which must be an eligibility ruleset.
func NewScreener(rs *rules.Ruleset, opts ...Option) (*Screener, error) {
	if rs == nil || rs.Kind().Name() != DecisionKind {
		return nil, fmt.Errorf("eligibility: NewScreener needs an %s ruleset", DecisionKind)
	}
	s := &Screener{rs: rs, now: time.Now, locale: "en"}
	for _, o := range opts {
		o(s)
	}
	return s, nil
}

// Ruleset returns the screener's ruleset.
func (s *Screener) Ruleset() *rules.Ruleset { return s.rs }

// Screen screens one patient: ineligible if any contraindication rule fired,
// else undetermined (with the facts to ask for) if any rule is open, else
// eligible.
func (s *Screener) Screen(ctx context.Context, facts Facts) (*Decision, error) {
	var asOf rules.Date
	asOf, facts.AsOf = rules.AsOf(facts.AsOf, s.now)
	ev, err := s.rs.Evaluate(ctx, &facts)
	if err != nil {
		return nil, err
	}
	d := &Decision{
		Decision: DecisionKind,
		Outcome:  Eligible,
		AsOf:     asOf,
		Ruleset:  s.rs.Ref(),
		Findings: []Contraindication{},
		Missing:  []rules.MissingFact{},
	}
	undetermined := false
	for i := range ev.Results {
		r := &ev.Results[i]
		switch r.Status {
		case rules.Fired:
			c := Contraindication{Finding: r.Finding(s.locale)}
			if v, ok := r.Then("duration"); ok {
				c.Duration, _ = v.(Duration)
				if str, ok := v.(string); ok {
					c.Duration = Duration(str)
				}
			}
			if v, ok := r.Then("rescreenFrom"); ok {
				if t, ok := v.(time.Time); ok {
					day := rules.DateOf(t)
					c.RescreenFrom = &day
				}
			}
			d.Findings = append(d.Findings, c)
		case rules.Undetermined:
			undetermined = true
		}
	}
	switch {
	case len(d.Findings) > 0:
		d.Outcome = Ineligible
	case undetermined:
		d.Outcome = Undetermined
		d.Missing = ev.Missing(s.locale)
	}
	return d, nil
}

//go:embed contraindications.yaml contraindications.test.yaml
var defaults embed.FS

// DefaultFS returns the embedded default rule files: contraindications.yaml
// and its tests.
func DefaultFS() fs.FS { return defaults }

var defaultSet = sync.OnceValue(func() *rules.Set { return rules.MustLoadFS(defaults, Kind()) })

// DefaultRules returns the clinic's contraindication rules, embedded in the
// package and loaded once.
func DefaultRules() *rules.Ruleset { return defaultSet().Ruleset("msc-contraindications") }

// NewDefaultScreener returns a Screener with the embedded default rules.
func NewDefaultScreener(opts ...Option) *Screener {
	s, _ := NewScreener(DefaultRules(), opts...)
	return s
}
