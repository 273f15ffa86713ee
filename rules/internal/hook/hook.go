// Package hook is how the packages beside rules (ruleskit, lint,
// rulestest) reach what rules keeps unexported, without rules exporting it
// to embedders and without an import cycle: rules fills these variables in
// its init, and the packages that import rules read them. Each holds a func
// whose type names rules' own types, so it is declared any here and
// asserted once by its reader; grpc's internal package works the same way.
package hook

import "reflect"

// Function is an expr function a decision kind adds for its rules; see
// ruleskit.Function, which converts to it.
type Function struct {
	Name  string
	Types []any
	Fn    func(args ...any) (any, error)
}

// KindSpec is what rules needs to make a decision kind, whatever its Go
// types: ruleskit.NewKind fills it from a ruleskit.Spec.
type KindSpec struct {
	Name      string
	Schema    []byte
	Functions []Function
	Outcomes  []string
	Reads     []string
	// Facts, Then, Params and Decision are reflect.Types of the kind's
	// facts struct, then: type, params type and decision.
	Facts, Then, Params, Decision any
	// Decide takes a pointer to a facts struct; its type is
	// func(ctx context.Context, rs *rules.Ruleset, facts any, opts []rules.Option) (any, error).
	Decide any
	// ExprType reports whether a field type of the then: type is an
	// expression (ruleskit.Expr[V]) and the type V its value has; SetExprKey
	// gives such a field, through a pointer to it, its then: key.
	ExprType   func(t reflect.Type) (v reflect.Type, ok bool)
	SetExprKey func(field any, key string)
	// Text is the reflect.Type of ruleskit.Text, whose values in params the
	// loader checks for every locale of the ruleset.
	Text reflect.Type
}

// The three outcomes of a rule (ruleskit.Status).
const (
	Clear uint8 = iota
	Fired
	Undetermined
)

// Outcome is what one rule came to, as the engine gives it to ruleskit: R
// is *rules.Rule and E rules.Evidence. More is nil for a clear rule.
// ruleskit.Result has the same layout, so that the engine's outcomes are
// its results without a copy (ruleskit's TestResultLayout holds it so).
type Outcome[R, E any] struct {
	Rule   R
	Status uint8
	More   *Detail[E]
}

// Evaluation is the outcome of every rule of a ruleset, RS
// *rules.Ruleset; ruleskit.Evaluation has its layout.
type Evaluation[RS, R, E any] struct {
	Ruleset RS
	Results []Outcome[R, E]
}

// Detail is what only fired and undetermined rules carry: the facts that
// keep the rule open or that a then: expression missed, the evidence of a
// fired rule and the values its then: expressions gave.
type Detail[E any] struct {
	Missing  []string
	Evidence E
	Then     []ThenValue
}

// ThenValue is the value a then: expression gave, by its then: key.
type ThenValue struct {
	Key   string
	Value any
}

// TestCase is one test of a ruleset as rulestest sees it; Pos is a
// rules.Pos.
type TestCase struct {
	Name string
	Pos  any
}

// Fact is one fact of a kind's vocabulary; Type is the engine's fact type
// (1 boolean, 2 number, 3 integer, 4 string, 5 date, 6 instant).
type Fact struct {
	Name     string
	Type     uint8
	Enum     []string
	Min, Max float64
}

// Set by package rules in its init; see rules/hooks.go for their types.
var (
	NewKind        any // func(KindSpec) (rules.Kind, error)
	DecodeFacts    any // func(k rules.Kind, data []byte, f any) error
	DecodeReader   any // func(k rules.Kind, r io.Reader, f any, maxBytes int64) error
	PlainFacts     any // func(k rules.Kind, f any) map[string]any
	Owns           any // func(k rules.Kind, rs *rules.Ruleset) error
	Evaluate       any // func(ctx context.Context, rs *rules.Ruleset, facts any, t reflect.Type) (*Evaluation[*rules.Ruleset, *rules.Rule, rules.Evidence], error)
	EvaluateAny    any // func(ctx context.Context, k rules.Kind, rs *rules.Ruleset, facts any) (*Evaluation[*rules.Ruleset, *rules.Rule, rules.Evidence], error)
	RuleThen       any // func(r *rules.Rule, key string) (v any, isExpr, ok bool): a rule's literal then: value
	UnconfirmedIn  any // func(rs *rules.Ruleset, params []string, results []*Outcome[*rules.Rule, rules.Evidence]) []string
	UnconfirmedAll any // func(rs *rules.Ruleset, params []string, results []Outcome[*rules.Rule, rules.Evidence]) []string
	IsUnconfirmed  any // func(rs *rules.Ruleset, value string) bool
	ThenOf         any // func(r *rules.Rule) (then any, typeName string)
	ParamsOf       any // func(rs *rules.Ruleset) (params any, typeName string)
	Prepared       any // func(rs *rules.Ruleset, key reflect.Type, prepare func() any) any
	Settings       any // func(opts []rules.Option) (now func() time.Time, locale string)
	MissingFacts   any // func(rs *rules.Ruleset, locale string, results []*Outcome[*rules.Rule, rules.Evidence]) []rules.MissingFact
	Analyze        any // func(set *rules.Set, emit func(pos rules.Pos, code, message string))
	Tests          any // func(rs *rules.Ruleset) []TestCase
	Constant       any // func(rs *rules.Ruleset) []bool: which rules read no fact
	RunTest        any // func(ctx context.Context, rs *rules.Ruleset, i int) (statuses []uint8, diff string, want, have map[string]any, err error)
	FileStem       any // func(file string) string
	Facts          any // func(k rules.Kind) []Fact
	ValidateFacts  any // func(k rules.Kind, facts any) error
)
