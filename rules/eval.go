package rules

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"unsafe"

	"github.com/expr-lang/expr/vm"
)

// Status is what a rule came to for one set of facts.
type Status uint8

// The three outcomes of a rule, in strong Kleene logic.
const (
	Clear        Status = iota // the condition is false
	Fired                      // the condition is true
	Undetermined               // unknown facts keep the condition open
)

func (s Status) String() string {
	return [...]string{"clear", "fired", "undetermined"}[s]
}

// MarshalText writes the status as clear, fired or undetermined.
func (s Status) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// FactValue is one fact a rule read, with its value: bool, float64, int,
// string, Date (a date fact) or time.Time (an instant).
type FactValue struct {
	Fact  string
	Value any
}

// Evidence is the known facts a fired rule read, in vocabulary order. It
// encodes as a JSON object from fact to value.
type Evidence []FactValue

// Value returns the value of fact in the evidence.
func (e Evidence) Value(fact string) (any, bool) {
	for _, fv := range e {
		if fv.Fact == fact {
			return fv.Value, true
		}
	}
	return nil, false
}

// MarshalJSON writes the evidence as an object, facts in vocabulary order.
// Fact names that need no escaping, booleans, whole numbers and dates are
// written directly: evidence is in every finding, and encoding each part
// through encoding/json was a large share of writing a batch of decisions.
func (e Evidence) MarshalJSON() ([]byte, error) {
	buf := make([]byte, 0, 2+32*len(e))
	buf = append(buf, '{')
	for i, fv := range e {
		if i > 0 {
			buf = append(buf, ',')
		}
		var err error
		if buf, err = appendJSON(buf, fv.Fact); err != nil {
			return nil, err
		}
		buf = append(buf, ':')
		if buf, err = appendJSON(buf, fv.Value); err != nil {
			return nil, err
		}
	}
	return append(buf, '}'), nil
}

// appendJSON appends v as JSON, as json.Marshal writes it.
func appendJSON(buf []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case bool:
		return strconv.AppendBool(buf, x), nil
	case int:
		return strconv.AppendInt(buf, int64(x), 10), nil
	case Date:
		if y := x.Year(); y >= minDateYear && y <= maxDateYear {
			return x.appendJSON(buf), nil
		}
	case string:
		if plainName(x) {
			return append(append(append(buf, '"'), x...), '"'), nil
		}
	}
	raw, err := json.Marshal(v)
	return append(buf, raw...), err
}

// plainName reports whether s is made of characters JSON never escapes
// (letters, digits, '.', '-', '_').
func plainName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// Result is what one rule came to.
type Result struct {
	Rule   *Rule
	Status Status
	more   *resultDetail // for a fired or undetermined rule
}

// resultDetail is what only fired and undetermined rules carry; clear rules,
// usually most of them, carry nothing, which keeps an evaluation small.
type resultDetail struct {
	missing  []string
	evidence Evidence
	then     []thenValue
}

// Missing names, for an undetermined rule, the unknown facts that keep it
// open (facts whose part of the condition was outweighed by a known one are
// left out). For a fired rule it names the unknown facts that a then:
// expression needed, whose value is therefore absent.
func (r *Result) Missing() []string {
	if r.more == nil {
		return nil
	}
	return r.more.missing
}

// Evidence returns, for a fired rule, the known facts the rule reads, in its
// condition or its then: expressions.
func (r *Result) Evidence() Evidence {
	if r.more == nil {
		return nil
	}
	return r.more.evidence
}

type thenValue struct {
	key   string
	value any
}

// then returns the value of then.KEY for a fired rule: the literal of the
// rule file, or the value its expression gave. ok is false when the rule
// has no such key or its expression read unknown facts.
func (r *Result) then(key string) (v any, ok bool) {
	if r.more != nil {
		for _, tv := range r.more.then {
			if tv.key == key {
				return tv.value, true
			}
		}
	}
	if _, isExpr := r.Rule.thenExprs[key]; isExpr {
		return nil, false
	}
	v, ok = r.Rule.then[key]
	return v, ok
}

// Evaluation is the outcome of every rule of a ruleset for one set of facts,
// in the order of the rule file.
type Evaluation struct {
	Ruleset *Ruleset
	Results []Result
}

// Fired returns the results of the rules that fired.
func (e *Evaluation) Fired() []*Result { return e.with(Fired) }

// Undetermined returns the results of the rules left open by unknown facts.
func (e *Evaluation) Undetermined() []*Result { return e.with(Undetermined) }

func (e *Evaluation) with(s Status) []*Result {
	var out []*Result
	for i := range e.Results {
		if e.Results[i].Status == s {
			out = append(out, &e.Results[i])
		}
	}
	return out
}

// Count returns how many rules came to s.
func (e *Evaluation) Count(s Status) int {
	n := 0
	for i := range e.Results {
		if e.Results[i].Status == s {
			n++
		}
	}
	return n
}

// evaluate runs every rule against facts, a pointer to the facts struct of
// the ruleset's kind; nil fields are unknown. A rule whose facts are all
// known runs its compiled condition as a whole; otherwise its condition is
// judged in strong Kleene logic over its parts. Facts that
// Vocabulary.Validate refuses are an error (FactErrors) before any rule
// runs; a rule that fails, or that ctx or the ruleset's cost budget stops,
// is a *RuleError. It is safe for concurrent use.
func (rs *Ruleset) evaluate(ctx context.Context, facts any) (*Evaluation, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rv := reflect.ValueOf(facts)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Type().Elem() != rs.kind.vocab.typ {
		return nil, fmt.Errorf("rules: ruleset %s evaluates *%s, not %T", rs.name, rs.kind.vocab.typ, facts)
	}
	if err := rs.kind.vocab.validate(rv.UnsafePointer()); err != nil {
		return nil, err
	}
	rv, m, stop := rs.startMeter(ctx, rv)
	if m != nil {
		defer stop()
		facts = rv.Interface() // the meter's own copy
	}
	run := evalRun{rs: rs, m: m, facts: facts, s: rv.Elem(), base: rv.UnsafePointer()}
	run.known = rs.kind.vocab.known(run.s)
	run.machine = rs.vms.Get().(*vm.VM)
	defer rs.vms.Put(run.machine)

	ev := &Evaluation{Ruleset: rs, Results: make([]Result, len(rs.rules))}
	sizes, err := run.judge(ctx, ev)
	if err != nil || sizes.details == 0 {
		return ev, err
	}
	return ev, run.detail(ev, sizes)
}

// evalRun is one evaluation under way: what judging and detailing the
// rules share.
type evalRun struct {
	rs      *Ruleset
	m       *meter // nil unless the ruleset has loops to meter
	machine *vm.VM
	facts   any // pointer to the facts struct
	s       reflect.Value
	base    unsafe.Pointer
	known   factSet
}

// detailSizes counts what the fired and undetermined rules will need, so
// that detail allocates each kind of detail once.
type detailSizes struct {
	details, evidence, thens, unknowns int
}

// judge gives every rule its status: fired, clear or undetermined.
func (run *evalRun) judge(ctx context.Context, ev *Evaluation) (detailSizes, error) {
	rs := run.rs
	var n detailSizes
	for i, r := range rs.rules {
		res := &ev.Results[i]
		res.Rule = r
		if err := rs.between(ctx, i); err != nil {
			return n, err
		}
		var value tri
		var err error
		// The condition is read from rs.conds, not through r: a rule that
		// comes to clear is then never read at all.
		if when := &rs.conds[i]; !when.native && when.reads.within(&run.known) {
			var b bool
			b, err = runBool(run.machine, r.when, run.facts)
			value = triOf(b)
		} else {
			value, err = when.tree.eval(run.machine, run.facts, run.base, &run.known)
		}
		if err != nil {
			return n, rs.ruleError(r, run.m, "", err)
		}
		switch value {
		case triFalse:
			res.Status = Clear
		case triUnknown:
			res.Status = Undetermined
			n.details++
			n.unknowns += rs.conds[i].reads.minus(run.known).count()
		case triTrue:
			res.Status = Fired
			n.details++
			n.evidence += r.reads.intersect(run.known).count()
			n.thens += len(r.thenOrder)
		}
	}
	return n, nil
}

// detail gives the fired rules their evidence and then: values, and the
// undetermined ones the facts they miss.
func (run *evalRun) detail(ev *Evaluation, n detailSizes) error {
	rs := run.rs
	more := make([]resultDetail, n.details)
	// The evidence and then: values of all fired rules share one backing
	// array each: a screening with findings allocates two slices, not two
	// per finding.
	evBuf := make(Evidence, 0, n.evidence)
	var thenBuf []thenValue
	if n.thens > 0 {
		thenBuf = make([]thenValue, 0, n.thens)
	}
	// The missing facts of all undetermined rules, at most the unknown
	// facts their conditions read.
	names := make([]string, 0, n.unknowns)
	for i := range ev.Results {
		res := &ev.Results[i]
		if res.Status == Clear {
			continue
		}
		res.more, more = &more[0], more[1:]
		if res.Status == Undetermined {
			var missing factSet
			res.Rule.when.tree.missing(run.machine, run.facts, run.base, &run.known, &missing)
			if run.m != nil && run.m.stopped != nil { // missing ignores errors: look
				return rs.ruleError(res.Rule, run.m, "", run.m.stopped)
			}
			names, res.more.missing = rs.kind.vocab.appendNames(names, missing)
			continue
		}
		start := len(evBuf)
		evBuf = rs.evidence(evBuf, run.s, res.Rule.reads.intersect(run.known))
		res.more.evidence = evBuf[start:len(evBuf):len(evBuf)]
		var err error
		if thenBuf, err = rs.then(run.machine, run.m, res, thenBuf, run.facts, run.base, run.known); err != nil {
			return err
		}
	}
	return nil
}

// evidence appends the known facts a fired rule read to buf.
func (rs *Ruleset) evidence(buf Evidence, s reflect.Value, facts factSet) Evidence {
	for i := range rs.kind.vocab.facts {
		if facts.has(i) {
			buf = append(buf, FactValue{Fact: rs.kind.vocab.facts[i].Name, Value: rs.kind.vocab.typed(s, i)})
		}
	}
	return buf
}

// then computes the then: expressions of a fired rule into buf, and names
// the unknown facts that kept any of them from a value.
func (rs *Ruleset) then(machine *vm.VM, m *meter, res *Result, buf []thenValue, facts any, base unsafe.Pointer, known factSet) ([]thenValue, error) {
	var missing factSet
	start := len(buf)
	for j, p := range res.Rule.thenProgs {
		key := res.Rule.thenOrder[j]
		if unknown := p.reads.minus(known); !unknown.empty() {
			missing = missing.union(unknown)
			continue
		}
		v := p.value
		if p.num != nil {
			v = p.num.eval(rs.kind.vocab, base)
		} else if !p.constant {
			out, err := machine.Run(p.prog, facts)
			if err != nil {
				return buf, rs.ruleError(res.Rule, m, key, err)
			}
			v = convertTo(deref(out), p.want)
		}
		if err := checkThen(v); err != nil {
			return buf, rs.ruleError(res.Rule, m, key, err)
		}
		buf = append(buf, thenValue{key: key, value: v})
	}
	if len(buf) > start {
		res.more.then = buf[start:len(buf):len(buf)]
	}
	res.more.missing = rs.kind.vocab.namesOf(missing)
	return buf, nil
}

// appendNames appends the names of the facts of s to buf, and returns buf
// and the names appended (nil for none). The names of many rules share one
// backing array: an evaluation with thousands of undetermined rules makes
// one allocation for them, not one per rule, which kept the garbage
// collector busy in proportion to the size of the ruleset.
func (v *Vocabulary) appendNames(buf []string, s factSet) (all, names []string) {
	start := len(buf)
	for i := range v.facts {
		if s.has(i) {
			buf = append(buf, v.facts[i].Name)
		}
	}
	if len(buf) == start {
		return buf, nil
	}
	return buf, buf[start:len(buf):len(buf)]
}

func (v *Vocabulary) namesOf(s factSet) []string {
	if s.empty() {
		return nil
	}
	var out []string
	for i := range v.facts {
		if s.has(i) {
			out = append(out, v.facts[i].Name)
		}
	}
	return out
}

func runBool(machine *vm.VM, p *program, facts any) (bool, error) {
	out, err := machine.Run(p.prog, facts)
	if err != nil {
		return false, err
	}
	b, ok := out.(bool)
	if bp, isPtr := out.(*bool); isPtr && bp != nil {
		b, ok = *bp, true
	}
	if !ok {
		return false, fmt.Errorf("condition %s gave %T, not true or false", p, out)
	}
	return b, nil
}

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

// deref returns the value a fact pointer points to, for an expression that
// is a fact on its own.
// convertTo gives v as a value of type t when it is of another type that
// converts to t (an int for a float64); otherwise v as it is.
func convertTo(v any, t reflect.Type) any {
	if t == nil || v == nil {
		return v
	}
	rv := reflect.ValueOf(v)
	if rv.Type() == t || !rv.CanConvert(t) {
		return v
	}
	return rv.Convert(t).Interface()
}

func deref(v any) any {
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return nil
		}
		return rv.Elem().Interface()
	}
	return v
}
