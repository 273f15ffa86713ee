package rules

import (
	"unsafe"

	"github.com/expr-lang/expr/vm"
)

// Strong Kleene logic over a condition split at its logical operators.

// tri is a truth value of strong Kleene logic.
type tri uint8

const (
	triFalse tri = iota
	triTrue
	triUnknown
)

func triOf(b bool) tri {
	if b {
		return triTrue
	}
	return triFalse
}

type kop uint8

const (
	opAtom kop = iota
	opAnd
	opOr
	opNot
	opCond
)

// knode is a condition as logical operators over atoms. An atom is judged
// natively when it can be (see nativeAtom), else by its expr program.
type knode struct {
	op      kop
	a, b, c *knode
	atom    *program
	native  *nativeAtom
	src     string // of an atom, as parsed: for Analyze
}

func (n *knode) allNative() bool {
	switch n.op {
	case opAtom:
		return n.native != nil
	case opNot:
		return n.a.allNative()
	case opCond:
		return n.c.allNative() && n.a.allNative() && n.b.allNative()
	}
	return n.a.allNative() && n.b.allNative()
}

// eval judges the condition in strong Kleene logic. An atom that reads an
// unknown fact is unknown; false && x is false and true || x is true whatever
// x is.
func (n *knode) eval(machine *vm.VM, facts any, base unsafe.Pointer, known *factSet) (tri, error) {
	switch n.op {
	case opAtom:
		if !n.known(known) {
			return triUnknown, nil
		}
		if n.native != nil {
			return triOf(n.native.eval(base)), nil
		}
		b, err := runBool(machine, n.atom, facts)
		return triOf(b), err
	case opNot:
		v, err := n.a.eval(machine, facts, base, known)
		if v != triUnknown {
			v = 1 - v
		}
		return v, err
	case opAnd, opOr:
		decisive := triFalse
		if n.op == opOr {
			decisive = triTrue
		}
		a, err := n.a.eval(machine, facts, base, known)
		if err != nil || a == decisive {
			return a, err
		}
		b, err := n.b.eval(machine, facts, base, known)
		switch {
		case err != nil || b == decisive:
			return b, err
		case a == triUnknown || b == triUnknown:
			return triUnknown, nil
		}
		return a, nil
	default: // opCond
		c, err := n.c.eval(machine, facts, base, known)
		switch {
		case err != nil:
			return 0, err
		case c == triTrue:
			return n.a.eval(machine, facts, base, known)
		case c == triFalse:
			return n.b.eval(machine, facts, base, known)
		}
		a, err := n.a.eval(machine, facts, base, known)
		if err != nil {
			return 0, err
		}
		b, err := n.b.eval(machine, facts, base, known)
		if err != nil {
			return 0, err
		}
		if a == b && a != triUnknown {
			return a, nil
		}
		return triUnknown, nil
	}
}

// missing adds to out the unknown facts of the parts that keep n, which
// eval found unknown, open: the parts outweighed by a known one are left out.
// It runs only for undetermined rules, so that eval need not carry sets.
func (n *knode) missing(machine *vm.VM, facts any, base unsafe.Pointer, known *factSet, out *factSet) {
	unknown := func(k *knode) bool {
		v, _ := k.eval(machine, facts, base, known)
		return v == triUnknown
	}
	switch n.op {
	case opAtom:
		*out = out.union(n.reads().minus(*known))
	case opNot:
		n.a.missing(machine, facts, base, known, out)
	case opAnd, opOr:
		for _, k := range []*knode{n.a, n.b} {
			if unknown(k) {
				k.missing(machine, facts, base, known, out)
			}
		}
	default: // opCond
		c, _ := n.c.eval(machine, facts, base, known)
		switch c {
		case triTrue:
			n.a.missing(machine, facts, base, known, out)
			return
		case triFalse:
			n.b.missing(machine, facts, base, known, out)
			return
		}
		for _, k := range []*knode{n.c, n.a, n.b} {
			if unknown(k) {
				k.missing(machine, facts, base, known, out)
			}
		}
	}
}
