package rules

import (
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/parser"
	"github.com/expr-lang/expr/vm"
)

// program is one compiled expression: the expr program and the facts it reads.
type program struct {
	// tree, native and reads come first, together in one cache line: they
	// are what an evaluation reads of each rule's condition.
	tree *knode // a condition split at its logical operators, for unknown facts
	// native is set when every atom of tree is native: the condition is
	// then judged in Go, without expr.
	native bool
	// constant is set for an expression that reads no fact (params.x * 2):
	// its value is computed once, when the rules load.
	constant bool
	reads    factSet
	src      string
	prog     *vm.Program
	value    any
	// num is set for a then: expression computed in Go (see numTerm).
	num *numTerm
	// want is the type a then: expression's value is given as (an int
	// expression for a float64 field, say), or nil.
	want reflect.Type
	// params names the params the expression reads (for Analyze and for
	// the unconfirmed values a decision names), and canon is its source as
	// parsed (spacing and line breaks normalised), for Analyze.
	params []string
	canon  string
	// cost is the expression's worst-case cost (see ruleCost).
	cost int64
}

// exprCompiler compiles the expressions of one ruleset.
type exprCompiler struct {
	doc    *document
	kind   *kindBase
	params map[string]any
	errs   *ErrorList
	// exprOnly: judge no part of a condition natively (see Loader.exprOnly).
	exprOnly bool
	words    string // what dates or instants are called in messages (timeWord)
	// maxCost is the most an expression may cost (see ruleCost).
	maxCost int64
	meters  *meters // of the ruleset, for the loops' step function
	loops   bool    // some expression has a loop
}

// timeWord returns what the kind's time facts are called in messages.
func (c *exprCompiler) timeWord() string {
	if c.words == "" {
		c.words = timeWord(c.kind.vocab)
	}
	return c.words
}

func (c *exprCompiler) options() []expr.Option {
	opts := []expr.Option{
		expr.Env(c.kind.env),
		expr.Patch(paramPatcher(c.params)),
		// now() would make a decision depend on the moment it is made;
		// time comes in as a fact (asOf) so that decisions can be replayed.
		expr.DisableBuiltin("now"),
		expr.Timezone("UTC"),
		calendarFunc("addYears", 1, 0, 0),
		calendarFunc("addMonths", 0, 1, 0),
		calendarFunc("addDays", 0, 0, 1),
		// Loops count their steps, so that a budget and a deadline can
		// stop them (see meter).
		expr.Patch(&stepPatcher{}),
		c.meters.stepOption(),
	}
	for _, f := range c.kind.funcs {
		opts = append(opts, expr.Function(f.Name, f.Fn, f.Types...))
	}
	return opts
}

// calendarFunc is addYears(t, n), addMonths(t, n) or addDays(t, n): calendar
// arithmetic as AddDate does it, a month end clamped to the last day of the
// target month (31 January + 1 month = 28 February). They say what rules mean more
// plainly than t.AddDate(-5, 0, 0), and being typed functions they run
// without the reflection a method call costs.
func calendarFunc(name string, years, months, days int) expr.Option {
	return expr.Function(name, func(args ...any) (any, error) {
		t, n := args[0].(time.Time), args[1].(int)
		return AddDate(t, years*n, months*n, days*n), nil
	}, new(func(time.Time, int) time.Time))
}

// paramPatcher replaces params.NAME with the param's value, so that params
// are constants to the type checker and cost nothing at run time. It also
// folds duration("24h") and a duration times a whole number into constants:
// windows such as administeredAt + duration("1h") * params.hours would
// otherwise parse the duration again on every evaluation.
type paramPatcher map[string]any

func (p paramPatcher) Visit(n *ast.Node) {
	switch x := (*n).(type) {
	case *ast.MemberNode:
		id, ok := x.Node.(*ast.IdentifierNode)
		prop, ok2 := x.Property.(*ast.StringNode)
		if !ok || !ok2 || id.Value != "params" {
			return
		}
		if v, ok := p[prop.Value]; ok {
			ast.Patch(n, &ast.ConstantNode{Value: v})
		}
	case *ast.BuiltinNode:
		if d, ok := constDuration(x.Name, x.Arguments); ok {
			ast.Patch(n, &ast.ConstantNode{Value: d})
		}
	case *ast.CallNode:
		if id, ok := x.Callee.(*ast.IdentifierNode); ok {
			if d, ok := constDuration(id.Value, x.Arguments); ok {
				ast.Patch(n, &ast.ConstantNode{Value: d})
			}
		}
	case *ast.BinaryNode:
		if x.Operator != "*" {
			return
		}
		if d, ok := durationTimes(x.Left, x.Right); ok {
			ast.Patch(n, &ast.ConstantNode{Value: d})
		} else if d, ok := durationTimes(x.Right, x.Left); ok {
			ast.Patch(n, &ast.ConstantNode{Value: d})
		}
	}
}

func constDuration(name string, args []ast.Node) (time.Duration, bool) {
	s, ok := firstString(args)
	if name != "duration" || !ok {
		return 0, false
	}
	d, err := time.ParseDuration(s.Value)
	return d, err == nil
}

func durationTimes(a, b ast.Node) (time.Duration, bool) {
	ca, ok := a.(*ast.ConstantNode)
	if !ok {
		return 0, false
	}
	d, ok := ca.Value.(time.Duration)
	if !ok {
		return 0, false
	}
	var n int
	switch b := b.(type) {
	case *ast.ConstantNode:
		n, ok = b.Value.(int)
	case *ast.IntegerNode:
		n, ok = b.Value, true
	default:
		ok = false
	}
	return d * time.Duration(n), ok
}

// compile compiles the expression at ptr in the document. want is the type
// the expression must give (nil: any type); cond marks a condition, which
// must give a boolean and is split for three-valued evaluation.
func (c *exprCompiler) compile(ptr string, want reflect.Type, cond bool) *program {
	n := c.doc.doc.Nodes[ptr]
	if n == nil {
		return nil // the schema check has reported it
	}
	var src string
	switch v := c.doc.valueAt(ptr).(type) {
	case string:
		src = v
	case bool:
		if !cond {
			return nil // the schema check has reported it
		}
		src = n.Value // when: true, written without quotes
	default:
		return nil // the schema check has reported it
	}
	errAt := func(offset int) Pos { return c.doc.offsetPos(n, offset) }
	tree, err := parser.Parse(src)
	if err != nil {
		c.exprError(src, err, errAt, CodeSyntax, "expression syntax: ")
		return nil
	}
	reads, ok, vars := c.resolve(tree.Node, errAt, c.errs)
	if !ok {
		return nil
	}
	// Before compiling: an expression that reads no fact runs right below.
	cost := ruleCost(tree.Node, c.params)
	if cost > c.maxCost {
		c.errs.add(errAt(0), CodeCost, "%s", overBudget("this expression", cost, c.maxCost))
		return nil
	}
	prog, err := expr.Compile(src, c.options()...)
	if err != nil {
		c.typeError(tree.Node, err, errAt)
		return nil
	}
	got := prog.Node().Type()
	if got != nil && got.Kind() == reflect.Pointer {
		got = got.Elem() // a fact read on its own: facts are pointers
	}
	isAny := got == nil || got.Kind() == reflect.Interface
	switch {
	case cond && !isAny && got.Kind() != reflect.Bool:
		c.errs.add(errAt(0), CodeNotBoolean, "a condition must give true or false, but this one gives %s; compare it with something (==, <, in ...)", withArticle(typeName(got, c.timeWord())))
		return nil
	case want != nil && !isAny && got != want && !got.ConvertibleTo(want):
		c.errs.add(errAt(0), CodeType, "this expression must give %s, but it gives %s", withArticle(typeName(want, c.timeWord())), withArticle(typeName(got, c.timeWord())))
		return nil
	}
	p := &program{src: src, prog: prog, reads: reads, want: want, params: paramsRead(tree.Node), canon: tree.Node.String(), cost: cost}
	c.loops = c.loops || hasLoop(tree.Node)
	if reads.empty() && !vars {
		v, err := vm.Run(prog, c.kind.env)
		if err != nil {
			c.errs.add(errAt(0), CodeType, "this expression fails: %s", plainTypes(err.Error(), c.timeWord()))
			return nil
		}
		p.constant, p.value = true, convertTo(deref(v), want)
	}
	if !cond && !p.constant && !c.exprOnly && (want == nil || want.Kind() == reflect.Float64) {
		p.num = c.numTerm(tree.Node)
	}
	if cond {
		t := c.split(tree.Node)
		if t == nil || (t.op == opAtom && t.native == nil) {
			t = &knode{op: opAtom, atom: p, src: p.canon}
		}
		p.tree, p.native = t, t.allNative()
	}
	return p
}

// typeError reports an error of the type checker at the start of the
// operand that does not fit, in plain words.
func (c *exprCompiler) typeError(root ast.Node, err error, at func(int) Pos) {
	var fe *file.Error
	if !errors.As(err, &fe) {
		c.errs.add(at(0), CodeType, "%s", plainTypes(err.Error(), c.timeWord()))
		return
	}
	msg, right := exprMessage(fe.Message, c.timeWord())
	c.errs.add(at(operandStart(root, fe.From, right)), CodeType, "%s", msg)
}

func (c *exprCompiler) exprError(src string, err error, at func(int) Pos, code Code, prefix string) {
	var fe *file.Error
	if errors.As(err, &fe) {
		msg, from := fe.Message, fe.From
		if code == CodeSyntax {
			msg = syntaxMessage(msg)
			if q := unclosedQuote(src); q >= 0 {
				from = q // the parser finds a quote unclosed at the end
			}
		}
		c.errs.add(at(from), code, "%s%s", prefix, plainTypes(msg, c.timeWord()))
		return
	}
	c.errs.add(at(0), code, "%s%s", prefix, plainTypes(err.Error(), c.timeWord()))
}

// resolve finds every fact and param the expression names. Names that are
// neither are reported with a suggestion when errs is not nil.
// vars is true when the expression also refers to let variables or a
// closure's #: it is then not a constant even when it reads no fact.
func (c *exprCompiler) resolve(root ast.Node, at func(int) Pos, errs *ErrorList) (reads factSet, ok, vars bool) {
	var r refCollector
	r.inner = map[ast.Node]bool{}
	r.lets = map[string]bool{}
	ast.Walk(&root, &r)
	ok = true
	vars = len(r.lets) > 0 || r.pointers
	for _, d := range r.durations {
		if _, err := time.ParseDuration(d.Value); err != nil {
			ok = false
			if errs != nil {
				errs.add(at(d.Location().From), CodeType, "duration(%q) is not a duration: write it like \"24h\", \"30m\" or \"168h\"", d.Value)
			}
		}
	}
	v := c.kind.vocab
	for _, n := range r.chains {
		if r.inner[n] {
			continue
		}
		chain, _ := chainOf(n)
		if r.lets[chain[0]] {
			continue
		}
		segs := chainNodes(n)
		pos := n.Location().From
		if chain[0] == "params" {
			if len(chain) < 2 {
				continue // a bare params is left to the type checker
			}
			if _, found := c.params[chain[1]]; !found {
				ok = false
				if errs != nil {
					errs.add(at(pos), CodeUnknownParam, "unknown param %s%s", chain[1], didYouMean(chain[1], slices.Sorted(maps.Keys(c.params))))
				}
			}
			continue
		}
		name := ""
		for i, seg := range chain {
			if i > 0 {
				name += "."
			}
			name += seg
			if f, found := v.byName[name]; found {
				reads.add(f)
				break
			}
			group, found := v.groups[name]
			if !found {
				ok = false
				if errs != nil {
					// At the first name that is not known: foo in foo.bar.
					errs.add(at(segs[i].Location().From), CodeUnknownFact, "unknown fact %s%s", name, didYouMean(name, v.names()))
				}
				break
			}
			if i == len(chain)-1 {
				for _, f := range group {
					reads.add(f)
				}
			}
		}
	}
	return reads, ok, vars
}

// refCollector gathers the name chains (a, a.b.c) of an expression. A chain
// inside a longer one, or a function's name, is marked inner.
type refCollector struct {
	chains    []ast.Node
	inner     map[ast.Node]bool
	lets      map[string]bool
	durations []*ast.StringNode // literal arguments of duration()
	pointers  bool              // a closure's # is used
}

func (r *refCollector) Visit(n *ast.Node) {
	switch x := (*n).(type) {
	case *ast.IdentifierNode:
		r.chains = append(r.chains, x)
	case *ast.MemberNode:
		if _, ok := chainOf(x); ok {
			r.inner[x.Node] = true
			r.chains = append(r.chains, x)
		}
	case *ast.CallNode:
		if id, ok := x.Callee.(*ast.IdentifierNode); ok {
			r.inner[x.Callee] = true
			r.duration(id.Value, x.Arguments)
		}
	case *ast.BuiltinNode:
		r.duration(x.Name, x.Arguments)
	case *ast.VariableDeclaratorNode:
		r.lets[x.Name] = true
	case *ast.PointerNode:
		r.pointers = true
	}
}

func (r *refCollector) duration(name string, args []ast.Node) {
	if s, ok := firstString(args); ok && name == "duration" {
		r.durations = append(r.durations, s)
	}
}

func firstString(args []ast.Node) (*ast.StringNode, bool) {
	if len(args) != 1 {
		return nil, false
	}
	s, ok := args[0].(*ast.StringNode)
	return s, ok
}

// chainOf returns the names of a chain such as oncology.lastTreatmentEnd.
func chainOf(n ast.Node) ([]string, bool) {
	switch x := n.(type) {
	case *ast.IdentifierNode:
		return []string{x.Value}, true
	case *ast.MemberNode:
		prop, ok := x.Property.(*ast.StringNode)
		if !ok {
			return nil, false
		}
		head, ok := chainOf(x.Node)
		if !ok {
			return nil, false
		}
		return append(head, prop.Value), true
	}
	return nil, false
}

// chainNodes returns the node of each name of a chain, in order: the
// identifier, then each member access (whose position is its name's).
func chainNodes(n ast.Node) []ast.Node {
	m, ok := n.(*ast.MemberNode)
	if !ok {
		return []ast.Node{n}
	}
	return append(chainNodes(m.Node), n)
}

// split turns a condition into a tree of logical operators over atoms, each
// atom compiled on its own, so that an atom whose facts are unknown can be
// unknown while the others decide. It returns nil when a part does not
// compile on its own (a let variable used across parts, say); the caller then
// treats the whole condition as one atom.
func (c *exprCompiler) split(n ast.Node) *knode {
	switch x := n.(type) {
	case *ast.BinaryNode:
		var op kop
		switch x.Operator {
		case "&&", "and":
			op = opAnd
		case "||", "or":
			op = opOr
		}
		if op != 0 {
			a, b := c.split(x.Left), c.split(x.Right)
			if a == nil || b == nil {
				return nil
			}
			return &knode{op: op, a: a, b: b}
		}
	case *ast.UnaryNode:
		if x.Operator == "!" || x.Operator == "not" {
			a := c.split(x.Node)
			if a == nil {
				return nil
			}
			return &knode{op: opNot, a: a}
		}
	case *ast.ConditionalNode:
		cond, a, b := c.split(x.Cond), c.split(x.Exp1), c.split(x.Exp2)
		if cond != nil && a != nil && b != nil {
			return &knode{op: opCond, c: cond, a: a, b: b}
		}
	}
	if a := c.native(n); a != nil && !c.exprOnly {
		return &knode{op: opAtom, native: a, src: n.String()}
	}
	src := n.String()
	prog, err := expr.Compile(src, c.options()...)
	if err != nil || !maybeBool(prog.Node().Type()) {
		return nil
	}
	tree, err := parser.Parse(src)
	if err != nil {
		return nil
	}
	reads, ok, vars := c.resolve(tree.Node, nil, nil)
	if !ok {
		return nil
	}
	if reads.empty() && !vars {
		// Params only (params.source == "bone-marrow"): the same every time.
		if v, err := vm.Run(prog, c.kind.env); err == nil {
			if b, ok := deref(v).(bool); ok {
				return &knode{op: opAtom, native: &nativeAtom{constant: true, b: b}, src: src}
			}
		}
	}
	return &knode{op: opAtom, atom: &program{src: src, prog: prog, reads: reads}, src: src}
}

func (p *program) String() string { return fmt.Sprintf("%q", p.src) }

// maybeBool reports whether a value of type t may be a boolean: bool, a
// *bool fact, or a type known only at run time.
func maybeBool(t reflect.Type) bool {
	if t == nil || t.Kind() == reflect.Interface {
		return true
	}
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Kind() == reflect.Bool
}
