package rules

import (
	"slices"
	"time"
	"unsafe"

	"github.com/expr-lang/expr/ast"
)

// A native atom is a part of a condition simple enough to judge in Go
// without running expr: a boolean fact on its own, or a fact compared with a
// constant (a literal or a param). Most clinical conditions are made of
// these (pregnant || breastfeeding, condition.category == "orthopedic",
// patient.weightKg > params.limit), and judging them directly skips the
// reflection expr needs to read a pointer field. Their meaning is expr's:
// the differential test in native_test.go holds them to it.
//
// The fields are ordered, and op is a small code, so that an atom takes as
// few cache lines as it can: thousands of rules are judged one after the
// other.
type nativeAtom struct {
	facts *vocabulary
	fact  int
	kind  factType
	op    cmpOp
	b     bool
	flip  bool // the constant is on the left: 5 < n is n > 5
	// constant is set for a part that reads no fact; b is its value.
	constant bool
	f        float64
	s        string
	set      []string // for in
	// left and right are set for a comparison of two dates or instants.
	left, right *timeTerm
}

// cmpOp is the comparison of a native atom.
type cmpOp uint8

// The comparisons: none (a boolean fact on its own), ==, !=, <, <=, >, >=
// and in.
const (
	cmpNone cmpOp = iota
	cmpEq
	cmpNe
	cmpLt
	cmpLe
	cmpGt
	cmpGe
	cmpIn
)

var cmpOps = map[string]cmpOp{"==": cmpEq, "!=": cmpNe, "<": cmpLt, "<=": cmpLe, ">": cmpGt, ">=": cmpGe, "in": cmpIn}

// timeTerm is a date or instant fact moved by calendar arithmetic
// (addYears, addMonths, addDays) and constant durations, in order.
type timeTerm struct {
	fact int
	ops  []timeOp
}

type timeOp struct {
	years, months, days int
	dur                 time.Duration
}

// reads returns the facts the atom reads.
func (a *nativeAtom) reads() factSet {
	var s factSet
	switch {
	case a.constant:
	case a.left != nil:
		s.add(a.left.fact)
		s.add(a.right.fact)
	default:
		s.add(a.fact)
	}
	return s
}

// native returns n as a native atom, or nil when it is not one.
func (c *exprCompiler) native(n ast.Node) *nativeAtom {
	v := c.kind.vocab
	if f, ok := c.factOf(n); ok && v.facts[f].Type == typeBool {
		return &nativeAtom{fact: f, kind: typeBool, facts: v}
	}
	bin, ok := n.(*ast.BinaryNode)
	if !ok {
		return nil
	}
	op, ok := cmpOps[bin.Operator]
	if !ok {
		return nil
	}
	a := &nativeAtom{op: op, facts: v}
	if l, ok := c.timeTerm(bin.Left); ok && a.op != cmpIn {
		if r, ok := c.timeTerm(bin.Right); ok {
			a.left, a.right, a.kind = &l, &r, typeDate
			return a
		}
	}
	f, ok := c.factOf(bin.Left)
	constant := bin.Right
	if !ok && bin.Operator != "in" {
		f, ok = c.factOf(bin.Right)
		constant, a.flip = bin.Left, true
	}
	if !ok {
		return nil
	}
	a.fact, a.kind = f, v.facts[f].Type
	if a.op == cmpIn {
		arr, ok := constant.(*ast.ArrayNode)
		if !ok || (a.kind != typeString) {
			return nil
		}
		for _, e := range arr.Nodes {
			s, ok := e.(*ast.StringNode)
			if !ok {
				return nil
			}
			a.set = append(a.set, s.Value)
		}
		return a
	}
	val, ok := c.constant(constant)
	if !ok {
		return nil
	}
	switch a.kind {
	case typeBool:
		a.b, ok = val.(bool)
		ok = ok && (a.op == cmpEq || a.op == cmpNe)
	case typeString:
		a.s, ok = val.(string)
		ok = ok && (a.op == cmpEq || a.op == cmpNe)
	case typeNumber, typeInteger:
		switch x := val.(type) {
		case int:
			a.f = float64(x)
		case float64:
			a.f = x
		default:
			ok = false
		}
	default:
		ok = false
	}
	if !ok {
		return nil
	}
	return a
}

// timeTerm returns n as a time term: a date or instant fact, inside
// addYears/addMonths/addDays(term, n) or plus or minus a constant duration.
func (c *exprCompiler) timeTerm(n ast.Node) (timeTerm, bool) {
	if f, ok := c.factOf(n); ok {
		t := c.kind.vocab.facts[f].Type
		return timeTerm{fact: f}, t == typeDate || t == typeInstant
	}
	switch x := n.(type) {
	case *ast.CallNode:
		if m, ok := x.Callee.(*ast.MemberNode); ok {
			return c.addDate(m, x.Arguments)
		}
		id, ok := x.Callee.(*ast.IdentifierNode)
		if !ok || len(x.Arguments) != 2 {
			return timeTerm{}, false
		}
		inner, ok := c.timeTerm(x.Arguments[0])
		k, ok2 := c.constant(x.Arguments[1])
		n, ok3 := k.(int)
		if !ok || !ok2 || !ok3 {
			return timeTerm{}, false
		}
		var op timeOp
		switch id.Value {
		case "addYears":
			op.years = n
		case "addMonths":
			op.months = n
		case "addDays":
			op.days = n
		default:
			return timeTerm{}, false
		}
		inner.ops = append(inner.ops, op)
		return inner, true
	case *ast.BinaryNode:
		if x.Operator != "+" && x.Operator != "-" {
			return timeTerm{}, false
		}
		term, ok := c.timeTerm(x.Left)
		d, ok2 := c.duration(x.Right)
		if (!ok || !ok2) && x.Operator == "+" {
			term, ok = c.timeTerm(x.Right)
			d, ok2 = c.duration(x.Left)
		}
		if !ok || !ok2 {
			return timeTerm{}, false
		}
		if x.Operator == "-" {
			d = -d
		}
		term.ops = append(term.ops, timeOp{dur: d})
		return term, true
	}
	return timeTerm{}, false
}

// addDate returns t.AddDate(years, months, days), the method of Go's
// time.Time, with constant arguments, as a time term.
func (c *exprCompiler) addDate(m *ast.MemberNode, args []ast.Node) (timeTerm, bool) {
	if p, ok := m.Property.(*ast.StringNode); !ok || p.Value != "AddDate" || len(args) != 3 {
		return timeTerm{}, false
	}
	inner, ok := c.timeTerm(m.Node)
	if !ok {
		return timeTerm{}, false
	}
	var n [3]int
	for i, a := range args {
		k, _ := c.constant(a) // nil when it is not one
		var ok bool
		if n[i], ok = k.(int); !ok {
			return timeTerm{}, false
		}
	}
	inner.ops = append(inner.ops, timeOp{years: n[0], months: n[1], days: n[2]})
	return inner, true
}

// duration returns the value of a constant duration: duration("24h"), or
// one times a whole number (a literal or a param).
func (c *exprCompiler) duration(n ast.Node) (time.Duration, bool) {
	switch x := n.(type) {
	case *ast.BuiltinNode:
		return constDuration(x.Name, x.Arguments)
	case *ast.CallNode:
		if id, ok := x.Callee.(*ast.IdentifierNode); ok {
			return constDuration(id.Value, x.Arguments)
		}
	case *ast.BinaryNode:
		if x.Operator != "*" {
			return 0, false
		}
		d, ok := c.duration(x.Left)
		k, ok2 := c.constant(x.Right)
		if !ok || !ok2 {
			d, ok = c.duration(x.Right)
			k, ok2 = c.constant(x.Left)
		}
		n, ok3 := k.(int)
		if ok && ok2 && ok3 {
			return d * time.Duration(n), true
		}
	}
	return 0, false
}

// factOf returns the fact a node names, if it is a plain fact reference.
func (c *exprCompiler) factOf(n ast.Node) (int, bool) {
	chain, ok := chainOf(n)
	if !ok {
		return 0, false
	}
	name := chain[0]
	for _, seg := range chain[1:] {
		name += "." + seg
	}
	f, ok := c.kind.vocab.byName[name]
	return f, ok
}

// constant returns the value of a literal or a param.
func (c *exprCompiler) constant(n ast.Node) (any, bool) {
	switch x := n.(type) {
	case *ast.BoolNode:
		return x.Value, true
	case *ast.StringNode:
		return x.Value, true
	case *ast.IntegerNode:
		return x.Value, true
	case *ast.FloatNode:
		return x.Value, true
	case *ast.UnaryNode:
		if x.Operator != "-" {
			return nil, false
		}
		switch v, _ := c.constant(x.Node); v := v.(type) {
		case int:
			return -v, true
		case float64:
			return -v, true
		}
	case *ast.MemberNode:
		chain, ok := chainOf(x)
		if ok && len(chain) == 2 && chain[0] == "params" {
			switch v := c.params[chain[1]].(type) {
			case bool, string, int, float64:
				return v, true
			}
		}
	}
	return nil, false
}

// eval judges the atom on facts, a pointer to the facts struct, in which its
// fact is known.
func (a *nativeAtom) eval(facts unsafe.Pointer) bool {
	if a.constant {
		return a.b
	}
	if a.left != nil {
		x, y := a.left.at(a.facts, facts), a.right.at(a.facts, facts)
		switch a.op {
		case cmpEq:
			return x.Equal(y)
		case cmpNe:
			return !x.Equal(y)
		case cmpLt:
			return x.Before(y)
		case cmpLe:
			return !x.After(y)
		case cmpGt:
			return x.After(y)
		}
		return !x.Before(y)
	}
	p := a.facts.pointer(facts, a.fact)
	switch a.kind {
	case typeBool:
		v := *(*bool)(p)
		if a.op == cmpNone {
			return v
		}
		return (v == a.b) == (a.op == cmpEq)
	case typeString:
		v := *(*string)(p)
		if a.op == cmpIn {
			return slices.Contains(a.set, v)
		}
		return (v == a.s) == (a.op == cmpEq)
	}
	var v float64
	if a.kind == typeInteger {
		v = float64(*(*int)(p))
	} else {
		v = *(*float64)(p)
	}
	x, y := v, a.f
	if a.flip {
		x, y = y, x
	}
	switch a.op {
	case cmpEq:
		return x == y
	case cmpNe:
		return x != y
	case cmpLt:
		return x < y
	case cmpLe:
		return x <= y
	case cmpGt:
		return x > y
	}
	return x >= y
}

// pointer returns the address of the value of fact i in the facts struct at
// base, or nil when the fact (or a group on the way to it) is unknown.
func (v *vocabulary) pointer(base unsafe.Pointer, i int) unsafe.Pointer {
	for _, off := range v.facts[i].offsets {
		if base = *(*unsafe.Pointer)(unsafe.Add(base, off)); base == nil {
			return nil
		}
	}
	return base
}

// at returns the term's value for the facts struct at base.
func (t *timeTerm) at(v *vocabulary, base unsafe.Pointer) time.Time {
	x := *(*time.Time)(v.pointer(base, t.fact))
	for _, op := range t.ops {
		if op.dur != 0 {
			x = x.Add(op.dur)
		} else {
			x = AddDate(x, op.years, op.months, op.days)
		}
	}
	return x
}

// numTerm is a then: expression of the shape fact OP constant (or constant
// OP fact) over a number fact, such as patient.weightKg * params.cellsPerKg:
// computed in Go, in float64 as expr computes it.
type numTerm struct {
	fact int
	op   string // + - * /
	k    float64
	flip bool // the constant is on the left
}

// numTerm returns n as a numTerm, or nil.
func (c *exprCompiler) numTerm(n ast.Node) *numTerm {
	bin, ok := n.(*ast.BinaryNode)
	if !ok || (bin.Operator != "+" && bin.Operator != "-" && bin.Operator != "*" && bin.Operator != "/") {
		return nil
	}
	t := &numTerm{op: bin.Operator}
	f, ok := c.factOf(bin.Left)
	k, ok2 := c.constant(bin.Right)
	if !ok || !ok2 {
		f, ok = c.factOf(bin.Right)
		k, ok2 = c.constant(bin.Left)
		t.flip = true
	}
	if !ok || !ok2 || c.kind.vocab.facts[f].Type != typeNumber {
		return nil
	}
	switch k := k.(type) {
	case int:
		t.k = float64(k)
	case float64:
		t.k = k
	default:
		return nil
	}
	if t.op == "/" && ((!t.flip && t.k == 0) || t.flip) {
		return nil // leave division by a fact, or by zero, to expr
	}
	t.fact = f
	return t
}

func (t *numTerm) eval(v *vocabulary, base unsafe.Pointer) float64 {
	x, y := *(*float64)(v.pointer(base, t.fact)), t.k
	if t.flip {
		x, y = y, x
	}
	switch t.op {
	case "+":
		return x + y
	case "-":
		return x - y
	case "*":
		return x * y
	}
	return x / y
}
