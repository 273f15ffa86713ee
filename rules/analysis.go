package rules

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/expr-lang/expr/ast"
)

// warningCode classifies a warning, so that tools and tests can tell
// warnings apart without reading their messages.
type warningCode string

// The warnings Analyze gives.
const (
	warnUnusedParam        warningCode = "unused-param"        // a param no rule reads
	warnUnusedQuestion     warningCode = "unused-question"     // a question for a fact no rule reads
	warnNoQuestion         warningCode = "no-question"         // a fact a rule reads that has no question
	warnNeverTrue          warningCode = "never-true"          // a condition no facts can make true
	warnAlwaysTrue         warningCode = "always-true"         // a condition true whatever the facts it reads
	warnDuplicateCondition warningCode = "duplicate-condition" // two rules of a ruleset with one condition
)

// warning is something in a ruleset that loads and runs but is probably a
// mistake, at its position in the rule file.
type warning struct {
	Pos     Pos
	Code    warningCode
	Message string
}

// Analyze looks through every ruleset of set for what loads but is likely a
// mistake: params no rule reads, questions for facts no rule reads, facts
// read without a question (an undetermined decision could not say what to
// ask), conditions that the facts' types, enumerations and the params make
// never true or always true, and rules of one ruleset with the same
// condition. It works on what loading computed (the facts and params each
// expression reads, the split condition), and returns the warnings sorted
// by position.
//
// A condition that reads no fact at all (when: true, or params alone) is
// taken as meant: it says the rule always, or never, applies.
func analyze(set *Set) []warning {
	var out []warning
	for _, rs := range set.rulesets {
		out = append(out, rs.analyzeReads()...)
		out = append(out, rs.analyzeConditions()...)
	}
	slices.SortStableFunc(out, func(a, b warning) int { return a.Pos.compare(b.Pos) })
	return out
}

// analyzeReads compares what the rules read with the params and questions
// the ruleset declares.
func (rs *Ruleset) analyzeReads() []warning {
	var out []warning
	paramsRead := map[string]bool{}
	for _, name := range rs.kind.decideParams {
		paramsRead[name] = true
	}
	read := rs.kind.decideReads
	firstReader := map[int]*Rule{}
	for _, r := range rs.rules {
		progs := append([]*program{r.when}, r.thenProgs...)
		for _, p := range progs {
			for _, name := range p.params {
				paramsRead[name] = true
			}
		}
		read = read.union(r.reads)
		for i := range rs.kind.vocab.facts {
			if r.reads.has(i) && firstReader[i] == nil {
				firstReader[i] = r
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(rs.params)) {
		if !paramsRead[name] {
			out = append(out, warning{Pos: rs.paramPos[name], Code: warnUnusedParam,
				Message: fmt.Sprintf("param %s is not read by any rule of ruleset %s, nor by the %s decision itself; remove it, or use it as params.%s", name, rs.name, rs.kind.name, name)})
		}
	}
	vocab := rs.kind.vocab
	for _, fact := range slices.Sorted(maps.Keys(rs.questions)) {
		if !read.has(vocab.byName[fact]) {
			out = append(out, warning{Pos: rs.questionPos[fact], Code: warnUnusedQuestion,
				Message: fmt.Sprintf("question for fact %s, which neither a rule of ruleset %s nor the %s decision reads; it is never asked", fact, rs.name, rs.kind.name)})
		}
	}
	for i, f := range vocab.facts {
		r := firstReader[i]
		if r == nil || f.Name == "asOf" {
			// asOf is never missing: a decision without it is made as of today.
			continue
		}
		if _, ok := rs.questions[f.Name]; !ok {
			out = append(out, warning{Pos: r.whenPos, Code: warnNoQuestion,
				Message: fmt.Sprintf("rule %s reads fact %s, which has no question; when it is unknown the decision cannot say what to ask: add it under questions:", r.id, f.Name)})
		}
	}
	return out
}

// analyzeConditions looks for conditions that cannot change with the facts
// and for rules that share a condition.
func (rs *Ruleset) analyzeConditions() []warning {
	var out []warning
	seen := map[string]*Rule{}
	for _, r := range rs.rules {
		if r.when.reads.empty() {
			continue // when: true and the like are meant
		}
		if first := seen[r.when.canon]; first != nil {
			out = append(out, warning{Pos: r.whenPos, Code: warnDuplicateCondition,
				Message: fmt.Sprintf("rule %s has the same condition as rule %s (line %d); merge them, or tell them apart", r.id, first.id, first.pos.Line)})
		} else {
			seen[r.when.canon] = r
		}
		values, why, ok := r.when.tree.outcomes()
		if !ok {
			continue
		}
		because := "whatever the values of the facts it reads"
		if len(why) > 0 {
			because = strings.Join(why, "; ")
		}
		switch values {
		case canFalse:
			out = append(out, warning{Pos: r.whenPos, Code: warnNeverTrue,
				Message: fmt.Sprintf("the condition of rule %s can never be true, so the rule never fires: %s", r.id, because)})
		case canTrue:
			out = append(out, warning{Pos: r.whenPos, Code: warnAlwaysTrue,
				Message: fmt.Sprintf("the condition of rule %s is always true once its facts are known, so the rule fires for every patient: %s", r.id, because)})
		}
	}
	return out
}

// truths is the set of values a condition or part can take: canFalse,
// canTrue or both.
type truths uint8

const (
	canFalse truths = 1 << iota
	canTrue
)

// maxAtoms bounds the parts of one condition whose values are tried
// together (2^maxAtoms combinations).
const maxAtoms = 12

// outcomes returns the values the condition n can take once its facts are
// known, trying every combination of values of its parts (a part written
// twice takes one value, so a || !a is seen to be always true), and the
// reasons parts are limited to one value. ok is false when n has too many
// parts to try.
func (n *knode) outcomes() (values truths, why []string, ok bool) {
	var atoms []*knode
	index := map[string]int{}
	n.walkAtoms(func(a *knode) {
		if _, dup := index[a.src]; !dup {
			index[a.src] = len(atoms)
			atoms = append(atoms, a)
		}
	})
	if len(atoms) > maxAtoms {
		return 0, nil, false
	}
	allowed := make([]truths, len(atoms))
	for i, a := range atoms {
		var reason string
		allowed[i], reason = a.atomTruths()
		if reason != "" {
			why = append(why, reason)
		}
	}
	value := make([]bool, len(atoms))
	var try func(i int)
	try = func(i int) {
		if i == len(atoms) {
			if n.decide(index, value) {
				values |= canTrue
			} else {
				values |= canFalse
			}
			return
		}
		for _, b := range []bool{false, true} {
			if allowed[i]&truthOf(b) != 0 {
				value[i] = b
				try(i + 1)
			}
		}
	}
	try(0)
	return values, why, true
}

func truthOf(b bool) truths {
	if b {
		return canTrue
	}
	return canFalse
}

func (n *knode) walkAtoms(f func(*knode)) {
	if n.op == opAtom {
		f(n)
		return
	}
	for _, k := range []*knode{n.c, n.a, n.b} {
		if k != nil {
			k.walkAtoms(f)
		}
	}
}

// decide evaluates n in two-valued logic, each atom taking value[index[src]].
func (n *knode) decide(index map[string]int, value []bool) bool {
	switch n.op {
	case opAtom:
		return value[index[n.src]]
	case opNot:
		return !n.a.decide(index, value)
	case opAnd:
		return n.a.decide(index, value) && n.b.decide(index, value)
	case opOr:
		return n.a.decide(index, value) || n.b.decide(index, value)
	}
	if n.c.decide(index, value) {
		return n.a.decide(index, value)
	}
	return n.b.decide(index, value)
}

// atomTruths returns the values an atom can take given its fact's type and
// enumeration and the params, and why when that is one value only.
func (n *knode) atomTruths() (truths, string) {
	a := n.native
	if a == nil {
		return canFalse | canTrue, ""
	}
	if a.left != nil {
		if !slices.Equal(a.left.ops, a.right.ops) || a.left.fact != a.right.fact {
			return canFalse | canTrue, ""
		}
		b := a.op == cmpEq || a.op == cmpLe || a.op == cmpGe
		return truthOf(b), fmt.Sprintf("%s compares a value with itself", n.src)
	}
	if a.constant {
		return truthOf(a.b), fmt.Sprintf("%s is always %v", n.src, a.b)
	}
	f := a.facts.facts[a.fact]
	switch {
	case a.kind == typeString && len(f.Enum) > 0 && (a.op == cmpEq || a.op == cmpNe):
		if !slices.Contains(f.Enum, a.s) {
			return truthOf(a.op == cmpNe), fmt.Sprintf("%s: %q is not one of the values of %s (%s)", n.src, a.s, f.Name, strings.Join(f.Enum, ", "))
		}
		if len(f.Enum) == 1 {
			return truthOf(a.op == cmpEq), fmt.Sprintf("%s: %s has no other value", n.src, f.Name)
		}
	case a.kind == typeString && len(f.Enum) > 0 && a.op == cmpIn:
		in := 0
		for _, v := range f.Enum {
			if slices.Contains(a.set, v) {
				in++
			}
		}
		switch in {
		case 0:
			return canFalse, fmt.Sprintf("%s: none of these is a value of %s (%s)", n.src, f.Name, strings.Join(f.Enum, ", "))
		case len(f.Enum):
			return canTrue, fmt.Sprintf("%s: these are all the values of %s", n.src, f.Name)
		}
	case a.kind == typeInteger && (a.op == cmpEq || a.op == cmpNe) && a.f != float64(int64(a.f)):
		return truthOf(a.op == cmpNe), fmt.Sprintf("%s: %s is a whole number", n.src, f.Name)
	}
	return canFalse | canTrue, ""
}

// paramsRead returns the names of the params the expression reads, sorted.
func paramsRead(root ast.Node) []string {
	r := refCollector{inner: map[ast.Node]bool{}, lets: map[string]bool{}}
	ast.Walk(&root, &r)
	var out []string
	for _, n := range r.chains {
		chain, _ := chainOf(n)
		if r.inner[n] || len(chain) < 2 || chain[0] != "params" || r.lets["params"] {
			continue
		}
		out = append(out, chain[1])
	}
	slices.Sort(out)
	return slices.Compact(out)
}
