package eligibility

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sync"

	"github.com/reocell/celltherapy/rules"
	"github.com/reocell/celltherapy/rules/ruleskit"
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
// to the JSON described in docs/design.md. The same facts, as-of date and
// ruleset digest always give the same decision. Findings are the
// contraindications found, in rule file order; Missing is what to ask when
// the outcome is undetermined.
type Decision struct {
	ruleskit.Header[Outcome, Contraindication]
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
	rs    *rules.Ruleset
	set   ruleskit.Settings
	thens thens // each rule's then:, in rule file order
}

// NewScreener returns a Screener for rs, which must be an eligibility
// ruleset. Options are rules.WithClock and rules.WithLocale.
func NewScreener(rs *rules.Ruleset, opts ...rules.Option) (*Screener, error) {
	if rs == nil || rs.Kind().Name() != DecisionKind {
		return nil, fmt.Errorf("eligibility: NewScreener needs an %s ruleset", DecisionKind)
	}
	return &Screener{rs: rs, set: ruleskit.NewSettings(opts...), thens: ruleskit.Prepared(rs, prepareThens)}, nil
}

// thens is each rule's then:, in rule file order, read once per ruleset.
type thens []Then

func prepareThens(rs *rules.Ruleset) thens {
	out := make(thens, 0, len(rs.Rules()))
	for _, r := range rs.Rules() {
		out = append(out, ruleskit.ThenOf[Then](r))
	}
	return out
}

// Ruleset returns the screener's ruleset.
func (s *Screener) Ruleset() *rules.Ruleset { return s.rs }

// Screen screens one patient: ineligible if any contraindication rule fired,
// else undetermined (with the facts to ask for) if any rule is open, else
// eligible. Facts that contradict each other are bad input: a
// rules.FieldErrors naming the JSON path of each, and no decision.
func (s *Screener) Screen(ctx context.Context, facts Facts) (*Decision, error) {
	if err := checkFacts(&facts); err != nil {
		return nil, err
	}
	var asOf rules.Date
	asOf, facts.AsOf = s.set.AsOf(facts.AsOf)
	ev, err := ruleskit.Evaluate(ctx, s.rs, &facts)
	if err != nil {
		return nil, err
	}
	d := &Decision{Header: ruleskit.NewHeader[Outcome, Contraindication](s.rs, Eligible, asOf)}
	undetermined := false
	for i := range ev.Results {
		r := &ev.Results[i]
		switch r.Status {
		case ruleskit.Fired:
			then := &s.thens[i]
			c := Contraindication{Finding: r.Finding(s.set.Locale), Duration: then.Duration}
			if t, ok := then.RescreenFrom.In(r); ok {
				day := rules.DateOf(t)
				c.RescreenFrom = &day
			}
			d.Findings = append(d.Findings, c)
		case ruleskit.Undetermined:
			undetermined = true
		}
	}
	switch {
	case len(d.Findings) > 0:
		d.Outcome = Ineligible
	case undetermined:
		d.Outcome = Undetermined
		d.Missing = ev.Missing(s.set.Locale)
	}
	// The unconfirmed values of fired rules' then: (a duration, say) and of
	// the params any decided condition read.
	d.Unconfirmed = ev.Unconfirmed()
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

// NewDefaultScreener returns a Screener with the embedded default rules. It
// panics only if the embedded rules are broken, which the package's tests
// rule out.
func NewDefaultScreener(opts ...rules.Option) *Screener {
	s, err := NewScreener(DefaultRules(), opts...)
	if err != nil {
		panic(err)
	}
	return s
}
