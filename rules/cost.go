package rules

import (
	"math"
	"math/bits"

	"github.com/expr-lang/expr/ast"
)

// defaultMaxRuleCost is the worst-case cost a rule may have when the rules
// load, unless Loader.MaxRuleCost says otherwise. A cost is a count of
// expression steps: one per operation, and a loop costs the number of
// elements it may visit times the cost of its body. One million steps run in
// tens of milliseconds; the clinic's rules cost well under a hundred each,
// while three nested loops over a 1,000-element list cost a billion.
const defaultMaxRuleCost = 1_000_000

// maxRunSize is the largest list an expression can build while it runs:
// the memory budget Evaluate gives expr's machine (a range such as 1..n
// with n from a fact, or a list split from a string). The cost estimate
// assumes it for every list whose length is not known when the rules load,
// so that one loop over such a list fits the default budget and two nested
// ones do not. A clinic's rules never need lists anywhere near as long.
const maxRunSize = 100_000

// maxCost is where costs saturate, far beyond any budget.
const maxCost = math.MaxInt64 / 4

// costEstimator estimates the worst-case cost of an expression from its
// syntax tree, in the spirit of CEL's cost estimator: params are constants,
// so the length of a param list or map is known, and nested loops multiply.
type costEstimator struct {
	params map[string]any
	// elems is, for each enclosing loop, the shape of its elements: what #
	// stands for.
	elems [][]int64
	vars  map[string][]int64 // shapes of let variables
	// shallow counts a loop inside the expression as its list alone, not
	// its iterations: the weight of one step of an enclosing loop, whose
	// inner loops charge their own steps at run time.
	shallow bool
}

// estimate is the cost of a node and, for a list or map, its shape:
// shape[0] is its greatest length, shape[1] the greatest length of its
// elements, and so on. A missing level is unknown (maxRunSize).
type estimate struct {
	cost  int64
	shape []int64
}

func at(shape []int64, i int) int64 {
	if i < len(shape) {
		return shape[i]
	}
	return maxRunSize
}

func add(a, b int64) int64 { return min(a+b, maxCost) }

func mul(a, b int64) int64 {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	if hi != 0 || lo > maxCost {
		return maxCost
	}
	return int64(lo)
}

// ruleCost returns the worst-case cost of the expression n.
func ruleCost(n ast.Node, params map[string]any) int64 {
	e := &costEstimator{params: params}
	return e.node(n).cost
}

// stepWeight returns the cost of one step of a loop whose body is n, its
// own inner loops counted as their lists only.
func stepWeight(n ast.Node) int64 {
	e := &costEstimator{shallow: true, elems: [][]int64{nil}}
	return max(1, e.node(n).cost)
}

// shapeOf returns the shape of a constant: a param or a literal.
func shapeOf(v any) []int64 {
	var kids []any
	switch x := v.(type) {
	case []any:
		kids = x
	case map[string]any:
		for _, k := range x {
			kids = append(kids, k)
		}
	case []string:
		return []int64{int64(len(x)), 0}
	case []int:
		return []int64{int64(len(x)), 0}
	case []float64:
		return []int64{int64(len(x)), 0}
	default:
		return []int64{0}
	}
	shape := []int64{int64(len(kids))}
	var inner []int64
	for _, k := range kids {
		inner = widest(inner, shapeOf(k))
	}
	return append(shape, inner...)
}

// widest is the level-by-level maximum of two shapes; a level only one of
// them knows is unknown.
func widest(a, b []int64) []int64 {
	if a == nil {
		return b
	}
	if b == nil {
		return a
	}
	out := make([]int64, min(len(a), len(b)))
	for i := range out {
		out[i] = max(a[i], b[i])
	}
	return out
}

func (e *costEstimator) node(n ast.Node) estimate {
	switch x := n.(type) {
	case nil:
		return estimate{}
	case *ast.ConstantNode:
		return estimate{cost: 1, shape: shapeOf(x.Value)}
	case *ast.PointerNode:
		if x.Name == "" && len(e.elems) > 0 {
			return estimate{cost: 1, shape: e.elems[len(e.elems)-1]}
		}
		return estimate{cost: 1}
	case *ast.IdentifierNode:
		return estimate{cost: 1, shape: e.vars[x.Value]}
	case *ast.MemberNode:
		return e.member(x)
	case *ast.ArrayNode:
		return e.list(x.Nodes)
	case *ast.MapNode:
		var values []ast.Node
		for _, p := range x.Pairs {
			if p, ok := p.(*ast.PairNode); ok {
				values = append(values, p.Value)
			}
		}
		return e.list(values)
	case *ast.BuiltinNode:
		return e.builtin(x)
	case *ast.BinaryNode:
		return e.binary(x)
	case *ast.ConditionalNode:
		c, a, b := e.node(x.Cond), e.node(x.Exp1), e.node(x.Exp2)
		return estimate{cost: add(add(c.cost, max(a.cost, b.cost)), 1), shape: widest(a.shape, b.shape)}
	case *ast.VariableDeclaratorNode:
		return e.let(x)
	case *ast.SequenceNode:
		var out estimate
		for _, k := range x.Nodes {
			est := e.node(k)
			out = estimate{cost: add(out.cost, est.cost), shape: est.shape}
		}
		return out
	case *ast.SliceNode:
		s := e.node(x.Node)
		return estimate{cost: add(add(add(s.cost, e.node(x.From).cost), e.node(x.To).cost), at(s.shape, 0)), shape: s.shape}
	case *ast.ChainNode:
		return e.node(x.Node)
	case *ast.UnaryNode:
		return estimate{cost: add(e.node(x.Node).cost, 1)}
	case *ast.CallNode:
		c := e.node(x.Callee).cost
		for _, a := range x.Arguments {
			c = add(c, e.node(a).cost)
		}
		return estimate{cost: c}
	}
	// A literal, or a node this estimate does not know: one step per node.
	var count nodeCounter
	ast.Walk(&n, &count)
	return estimate{cost: int64(count)}
}

type nodeCounter int64

func (c *nodeCounter) Visit(*ast.Node) { *c++ }

// let is let NAME = VALUE; EXPR: NAME has VALUE's shape within EXPR.
func (e *costEstimator) let(x *ast.VariableDeclaratorNode) estimate {
	v := e.node(x.Value)
	old, had := e.vars[x.Name]
	if e.vars == nil {
		e.vars = map[string][]int64{}
	}
	e.vars[x.Name] = v.shape
	body := e.node(x.Expr)
	if had {
		e.vars[x.Name] = old
	} else {
		delete(e.vars, x.Name)
	}
	return estimate{cost: add(add(v.cost, body.cost), 1), shape: body.shape}
}

// member is params.NAME (a known shape), or an element of a list or map.
func (e *costEstimator) member(x *ast.MemberNode) estimate {
	if id, ok := x.Node.(*ast.IdentifierNode); ok && id.Value == "params" {
		if p, ok := x.Property.(*ast.StringNode); ok {
			if v, ok := e.params[p.Value]; ok {
				return estimate{cost: 1, shape: shapeOf(v)}
			}
		}
	}
	obj, prop := e.node(x.Node), e.node(x.Property)
	var shape []int64
	if len(obj.shape) > 1 {
		shape = obj.shape[1:]
	}
	return estimate{cost: add(add(obj.cost, prop.cost), 1), shape: shape}
}

func (e *costEstimator) list(nodes []ast.Node) estimate {
	c := int64(1)
	var inner []int64
	for i, k := range nodes {
		est := e.node(k)
		c = add(c, est.cost)
		if i == 0 {
			inner = est.shape
		} else {
			inner = widest(inner, est.shape)
		}
	}
	if len(nodes) > 0 && inner == nil {
		inner = []int64{0} // scalars: a known, flat shape
	}
	return estimate{cost: c, shape: append([]int64{int64(len(nodes))}, inner...)}
}

func (e *costEstimator) binary(x *ast.BinaryNode) estimate {
	l, r := e.node(x.Left), e.node(x.Right)
	c := add(add(l.cost, r.cost), 1)
	switch x.Operator {
	case "in", "not in":
		return estimate{cost: add(c, at(r.shape, 0))}
	case "..":
		n := int64(maxRunSize)
		from, ok1 := x.Left.(*ast.IntegerNode)
		to, ok2 := x.Right.(*ast.IntegerNode)
		if ok1 && ok2 {
			n = max(0, min(int64(to.Value)-int64(from.Value)+1, maxRunSize))
		}
		return estimate{cost: add(c, n), shape: []int64{n, 0}}
	case "+":
		if l.shape != nil && r.shape != nil { // list concatenation
			return estimate{cost: add(c, add(at(l.shape, 0), at(r.shape, 0))), shape: concatShape(l.shape, r.shape)}
		}
	}
	return estimate{cost: c}
}

func concatShape(a, b []int64) []int64 {
	inner := widest(a[min(1, len(a)):], b[min(1, len(b)):])
	return append([]int64{min(add(at(a, 0), at(b, 0)), maxRunSize)}, inner...)
}

// loops are the builtins that run a predicate once per element of a list.
var loops = map[string]bool{
	"all": true, "none": true, "any": true, "one": true, "filter": true, "map": true,
	"find": true, "findIndex": true, "findLast": true, "findLastIndex": true,
	"count": true, "sum": true, "groupBy": true, "sortBy": true, "reduce": true,
}

// linear are the builtins whose work grows with the length of their first
// argument.
var linear = map[string]bool{
	"join": true, "max": true, "min": true, "mean": true, "median": true, "sum": true,
	"keys": true, "values": true, "toPairs": true, "fromPairs": true, "reverse": true,
	"uniq": true, "concat": true, "flatten": true, "sort": true, "toJSON": true, "take": true,
}

func (e *costEstimator) builtin(x *ast.BuiltinNode) estimate {
	if loops[x.Name] && len(x.Arguments) >= 2 {
		if pred, ok := x.Arguments[1].(*ast.PredicateNode); ok {
			return e.loop(x, pred)
		}
	}
	c := int64(1)
	var first estimate
	for i, a := range x.Arguments {
		est := e.node(a)
		if i == 0 {
			first = est
		}
		c = add(c, est.cost)
	}
	if len(x.Arguments) == 0 || !linear[x.Name] {
		if x.Name == "split" || x.Name == "splitAfter" {
			return estimate{cost: c, shape: []int64{maxRunSize, 0}}
		}
		return estimate{cost: c}
	}
	n := at(first.shape, 0)
	c = add(c, n)
	switch x.Name {
	case "sort":
		c = add(c, mul(n, int64(bits.Len64(uint64(n)))))
		return estimate{cost: c, shape: first.shape}
	case "reverse", "uniq", "take":
		return estimate{cost: c, shape: first.shape}
	case "keys", "values", "toPairs":
		return estimate{cost: c, shape: []int64{n}}
	case "concat":
		shape := first.shape
		for _, a := range x.Arguments[1:] {
			s := e.node(a).shape
			c = add(c, at(s, 0))
			shape = concatShape(shape, s)
		}
		return estimate{cost: c, shape: shape}
	case "flatten":
		return estimate{cost: add(c, mul(n, at(first.shape, 1))), shape: []int64{min(mul(n, at(first.shape, 1)), maxRunSize)}}
	}
	return estimate{cost: c}
}

// loop is a builtin that runs pred for every element of its first argument:
// the list's cost, then its length times the cost of one step.
func (e *costEstimator) loop(x *ast.BuiltinNode, pred *ast.PredicateNode) estimate {
	list := e.node(x.Arguments[0])
	n := at(list.shape, 0)
	var elem []int64
	if len(list.shape) > 1 {
		elem = list.shape[1:]
	}
	e.elems = append(e.elems, elem)
	body := e.node(pred.Node)
	e.elems = e.elems[:len(e.elems)-1]
	c := add(list.cost, 1)
	for _, a := range x.Arguments[2:] {
		c = add(c, e.node(a).cost)
	}
	if !e.shallow {
		c = add(c, mul(n, add(body.cost, 1)))
	}
	switch x.Name {
	case "filter", "sortBy":
		return estimate{cost: c, shape: list.shape}
	case "map":
		return estimate{cost: c, shape: append([]int64{n}, body.shape...)}
	case "groupBy":
		return estimate{cost: c, shape: append([]int64{n}, list.shape...)}
	}
	return estimate{cost: c}
}
