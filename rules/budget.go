package rules

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"sync"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
)

// defaultEvalBudget is the most the loops of one evaluation may cost, in
// the steps of defaultMaxRuleCost, unless Loader.EvalBudget says otherwise:
// ten rules at the load-time limit.
const defaultEvalBudget = 10 * defaultMaxRuleCost

// ErrCostBudget is the cause of a RuleError when an evaluation's loops ran
// past the ruleset's budget (Loader.EvalBudget).
var ErrCostBudget = errors.New("evaluation cost budget exceeded")

// RuleError is a rule that failed while it ran: its ruleset, its id and
// position, and the cause. When the caller's context ended the evaluation,
// errors.Is(err, context.DeadlineExceeded) (or context.Canceled) holds; when
// the ruleset's cost budget did, errors.Is(err, ErrCostBudget) holds.
type RuleError struct {
	Ruleset string
	Rule    string // the rule's id
	Pos     Pos    // the rule's position in its file
	Err     error
}

func (e *RuleError) Error() string {
	return fmt.Sprintf("rules: %s: rule %s of ruleset %s: %v", e.Pos, e.Rule, e.Ruleset, e.Err)
}

// Unwrap returns the cause.
func (e *RuleError) Unwrap() error { return e.Err }

func (l *Loader) maxRuleCost() int64 {
	if l.MaxRuleCost > 0 {
		return l.MaxRuleCost
	}
	return defaultMaxRuleCost
}

func (l *Loader) evalBudget() int64 {
	if l.EvalBudget > 0 {
		return l.EvalBudget
	}
	return defaultEvalBudget
}

// withinBudget reports whether the expressions of r together cost at most
// the loader's budget, and reports the rule at ptr when they do not.
func (c *exprCompiler) withinBudget(r *Rule, ptr string) bool {
	total := r.when.cost
	for _, p := range r.thenProgs {
		total = add(total, p.cost)
	}
	if total <= c.maxCost {
		return true
	}
	c.errs.add(c.doc.at(ptr), CodeCost, "%s", overBudget("rule "+r.id, total, c.maxCost))
	return false
}

func overBudget(what string, cost, budget int64) string {
	return fmt.Sprintf("%s may take up to %s steps, over the budget of %s: its loops multiply "+
		"(three nested loops over a 1,000-element list are a billion steps); "+
		"loop over shorter lists or nest fewer loops, or raise the loader's MaxRuleCost",
		what, thousands(cost), thousands(budget))
}

// thousands writes n with commas: 1,000,000.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	sign := 0
	if n < 0 {
		sign = 1
	}
	for i := len(s) - 3; i > sign; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// stepFunc is the function the step patcher calls at each step of a loop.
const stepFunc = "_step"

// meter counts the steps of one evaluation's loops and stops them when the
// budget is spent or the caller's context ends.
type meter struct {
	ctx     context.Context
	steps   int64
	budget  int64
	check   int64 // the step count at which to look at ctx next
	stopped error
}

// checkRules is how many rules pass between looks at the context when no
// loop looks: rules without loops take well under a microsecond each.
const checkRules = 256

// checkEvery is how many steps pass between looks at the context: a few
// hundred microseconds of expr at most.
const checkEvery = 4096

func (m *meter) step(weight int64) error {
	m.steps += weight
	switch {
	case m.stopped != nil:
	case m.steps > m.budget:
		m.stopped = fmt.Errorf("%w: its loops ran past %s steps", ErrCostBudget, thousands(m.budget))
	case m.steps >= m.check:
		m.check = m.steps + checkEvery
		m.stopped = m.ctx.Err()
	}
	return m.stopped
}

// meters are the meters of the evaluations under way, by the address of
// their facts; the step function finds its meter through $env.
type meters struct{ m sync.Map }

// stepOption is _step($env, weight): it charges weight steps to the meter
// of the evaluation whose facts are $env. Expressions evaluated without a
// meter (constants, while the rules load) run unmetered.
func (ms *meters) stepOption() expr.Option {
	return expr.Function(stepFunc, func(args ...any) (any, error) {
		rv := reflect.ValueOf(args[0])
		if rv.Kind() != reflect.Pointer {
			return true, nil
		}
		m, ok := ms.m.Load(rv.UnsafePointer())
		if !ok {
			return true, nil
		}
		return true, m.(*meter).step(int64(args[1].(int)))
	}, new(func(any, int) bool))
}

// stepPatcher makes every loop of an expression call _step at each of its
// steps, with the weight of its body: the body b becomes (_step($env, w); b),
// which has b's type and value.
type stepPatcher struct{ loops bool }

func (p *stepPatcher) Visit(n *ast.Node) {
	pred, ok := (*n).(*ast.PredicateNode)
	if !ok {
		return
	}
	p.loops = true
	body := pred.Node
	step := &ast.CallNode{
		Callee:    &ast.IdentifierNode{Value: stepFunc},
		Arguments: []ast.Node{&ast.IdentifierNode{Value: "$env"}, &ast.IntegerNode{Value: int(stepWeight(body))}},
	}
	seq := &ast.SequenceNode{Nodes: []ast.Node{step, body}}
	seq.SetLocation(body.Location())
	pred.Node = seq
}

// hasLoop reports whether an expression has a loop (a predicate).
func hasLoop(n ast.Node) bool {
	var f loopFinder
	ast.Walk(&n, &f)
	return bool(f)
}

type loopFinder bool

func (f *loopFinder) Visit(n *ast.Node) {
	if _, ok := (*n).(*ast.PredicateNode); ok {
		*f = true
	}
}

// startMeter readies facts for an evaluation of a ruleset with loops: a
// private copy, whose address no other evaluation shares, registered with
// a new meter. stop unregisters it. A ruleset without loops needs neither:
// facts are returned as they are, with no meter and no stop.
func (rs *Ruleset) startMeter(ctx context.Context, rv reflect.Value) (facts reflect.Value, m *meter, stop func()) {
	if !rs.metered {
		return rv, nil, nil
	}
	cp := reflect.New(rv.Type().Elem())
	cp.Elem().Set(rv.Elem())
	m = &meter{ctx: ctx, budget: rs.budget, check: checkEvery}
	key := cp.UnsafePointer()
	rs.meters.m.Store(key, m)
	return cp, m, func() { rs.meters.m.Delete(key) }
}

// between looks at ctx before rule i, every checkRules rules: rules without
// loops are not metered, and thousands of them still take a while.
func (rs *Ruleset) between(ctx context.Context, i int) error {
	if i%checkRules != checkRules-1 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return rs.ruleError(rs.rules[i], nil, "", err)
	}
	return nil
}

// ruleError wraps the failure of rule r: the meter's reason when it stopped
// the rule, else err as expr reported it.
func (rs *Ruleset) ruleError(r *Rule, m *meter, key string, err error) error {
	if m != nil && m.stopped != nil {
		err = m.stopped
	}
	if key != "" {
		err = fmt.Errorf("then.%s: %w", key, err)
	}
	return &RuleError{Ruleset: rs.name, Rule: r.id, Pos: r.pos, Err: err}
}
