package rules

import (
	"context"
	"fmt"
	"reflect"
	"unsafe"

	"github.com/expr-lang/expr/vm"
)

// evaluate runs every rule against facts, a pointer to the facts struct of
// the ruleset's kind; nil fields are unknown. A rule whose facts are all
// known runs its compiled condition as a whole; otherwise its condition is
// judged in strong Kleene logic over its parts. Facts that
// vocabulary.Validate refuses are an error (FieldErrors) before any rule
// runs; a rule that fails, or that ctx or the ruleset's cost budget stops,
// is a *RuleError. It is safe for concurrent use.
func (rs *Ruleset) evaluate(ctx context.Context, facts any) (*evaluation, error) {
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

	ev := &evaluation{Ruleset: rs, Results: make([]result, len(rs.rules))}
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
func (run *evalRun) judge(ctx context.Context, ev *evaluation) (detailSizes, error) {
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
			res.Status = statusClear
		case triUnknown:
			res.Status = statusUndetermined
			n.details++
			n.unknowns += rs.conds[i].reads.minus(run.known).count()
		case triTrue:
			res.Status = statusFired
			n.details++
			n.evidence += r.reads.intersect(run.known).count()
			n.thens += len(r.thenOrder)
		}
	}
	return n, nil
}

// detail gives the fired rules their evidence and then: values, and the
// undetermined ones the facts they miss.
func (run *evalRun) detail(ev *evaluation, n detailSizes) error {
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
		if res.Status == statusClear {
			continue
		}
		res.More, more = &more[0], more[1:]
		if res.Status == statusUndetermined {
			var missing factSet
			res.Rule.when.tree.missing(run.machine, run.facts, run.base, &run.known, &missing)
			if run.m != nil && run.m.stopped != nil { // missing ignores errors: look
				return rs.ruleError(res.Rule, run.m, "", run.m.stopped)
			}
			names, res.More.Missing = rs.kind.vocab.appendNames(names, missing)
			continue
		}
		start := len(evBuf)
		evBuf = rs.evidence(evBuf, run.s, res.Rule.reads.intersect(run.known))
		res.More.Evidence = evBuf[start:len(evBuf):len(evBuf)]
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
func (rs *Ruleset) then(machine *vm.VM, m *meter, res *result, buf []thenValue, facts any, base unsafe.Pointer, known factSet) ([]thenValue, error) {
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
		buf = append(buf, thenValue{Key: key, Value: v})
	}
	if len(buf) > start {
		res.More.Then = buf[start:len(buf):len(buf)]
	}
	res.More.Missing = rs.kind.vocab.namesOf(missing)
	return buf, nil
}

// appendNames appends the names of the facts of s to buf, and returns buf
// and the names appended (nil for none). The names of many rules share one
// backing array: an evaluation with thousands of undetermined rules makes
// one allocation for them, not one per rule, which kept the garbage
// collector busy in proportion to the size of the ruleset.
func (v *vocabulary) appendNames(buf []string, s factSet) (all, names []string) {
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

func (v *vocabulary) namesOf(s factSet) []string {
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
