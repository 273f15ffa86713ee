package recommendations

import (
	"embed"
	"io/fs"
	"sync"

	"github.com/reocell/celltherapy/rules"
)

//go:embed aftercare.yaml aftercare.test.yaml triage.yaml triage.test.yaml
var defaults embed.FS

// DefaultFS returns the embedded default rule files: aftercare.yaml,
// triage.yaml and their tests.
func DefaultFS() fs.FS { return defaults }

// The names of the default rulesets.
const (
	DefaultAftercareRuleset = "msc-aftercare"
	DefaultTriageRuleset    = "msc-side-effect-triage"
)

var defaultSet = sync.OnceValue(func() *rules.Set {
	return rules.MustLoadFS(defaults, AftercareKind(), TriageKind())
})

func defaultRuleset(name string) *rules.Ruleset { return defaultSet().Ruleset(name) }

// DefaultAftercareRules returns the clinic's aftercare rules, embedded in the
// package and loaded once.
func DefaultAftercareRules() *rules.Ruleset { return defaultRuleset(DefaultAftercareRuleset) }

// DefaultTriageRules returns the clinic's side-effect triage rules, embedded
// in the package and loaded once.
func DefaultTriageRules() *rules.Ruleset { return defaultRuleset(DefaultTriageRuleset) }

// NewDefaultPlanner returns a Planner with the embedded default rules. It
// panics only if the embedded rules are broken, which the package's tests
// rule out.
func NewDefaultPlanner(opts ...rules.Option) *Planner {
	p, err := NewPlanner(DefaultAftercareRules(), opts...)
	if err != nil {
		panic(err)
	}
	return p
}

// NewDefaultTriager returns a Triager with the embedded default rules. It
// panics only if the embedded rules are broken, which the package's tests
// rule out.
func NewDefaultTriager(opts ...rules.Option) *Triager {
	t, err := NewTriager(DefaultTriageRules(), opts...)
	if err != nil {
		panic(err)
	}
	return t
}
