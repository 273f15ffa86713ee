package rules

import (
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/expr-lang/expr/vm"
)

// build turns a ruleset document into a Ruleset, or reports why it cannot.
func (l *Loader) build(d *document, src []byte, errs *ErrorList) *Ruleset {
	base, err := rulesetSchema()
	if err != nil {
		errs.add(Pos{File: d.file}, CodeSchema, "internal: %v", err)
		return nil
	}
	before := len(*errs)
	d.validate(base, errs)
	top, _ := d.value.(map[string]any)
	public := l.kindOf(d, top, errs)
	if public == nil {
		return nil
	}
	kind := public.base()
	if kind.schema != nil {
		s, _ := kind.schema()
		d.validate(s, errs)
	}
	rs := newRuleset(d, top, src, public)
	rs.setParams(d, top, errs, len(*errs) == before)
	rs.setQuestions(d, top, errs)
	rs.budget = l.evalBudget()
	c := &exprCompiler{doc: d, kind: kind, params: rs.params, errs: errs, exprOnly: l.exprOnly, maxCost: l.maxRuleCost(), meters: &rs.meters}
	ruleList, _ := top["rules"].([]any)
	seen := map[string]*Rule{}
	for i, item := range ruleList {
		if m, ok := item.(map[string]any); ok {
			rs.addRule(c, "/rules/"+strconv.Itoa(i), m, seen, before)
		}
	}
	rs.metered = c.loops
	// pack copies the rules into one block: what indexes them by pointer
	// comes after it.
	rs.pack()
	parseUnconfirmed(d, rs, errs)
	parseLocales(d, rs, errs)
	if l.Decision == "" {
		parseTests(d, rs, errs)
	}
	if len(*errs) > before {
		return nil
	}
	return rs
}

// kindOf returns the loader's kind the document names in decision:, or
// reports that there is none.
func (l *Loader) kindOf(d *document, top map[string]any, errs *ErrorList) Kind {
	decision, _ := top["decision"].(string)
	if k := l.kind(decision); k != nil {
		return k
	}
	if decision != "" {
		names := make([]string, len(l.Kinds))
		for i, k := range l.Kinds {
			names[i] = k.Name()
		}
		errs.add(d.at("/decision"), CodeUnknownKind, "unknown decision %q%s; known: %s", decision, didYouMean(decision, names), strings.Join(names, ", "))
	}
	return nil
}

// newRuleset returns the ruleset of the document's header: its names, kind
// and the digest of its source bytes.
func newRuleset(d *document, top map[string]any, src []byte, kind Kind) *Ruleset {
	str := func(key string) string { s, _ := top[key].(string); return s }
	sum := sha256.Sum256(src)
	rs := &Ruleset{
		name:        str("ruleset"),
		version:     str("version"),
		title:       str("title"),
		description: str("description"),
		kind:        kind.base(),
		public:      kind,
		file:        d.file,
		digest:      "sha256:" + hex.EncodeToString(sum[:]),
		params:      map[string]any{},
		questions:   map[string]localized{},
		paramPos:    map[string]Pos{},
		questionPos: map[string]Pos{},
	}
	rs.vms.New = func() any { return &vm.VM{MemoryBudget: maxRunSize} }
	return rs
}

// setParams takes the document's params, and decodes them into the kind's
// params type when the schemas held (decode is false otherwise), so that a
// problem is reported once, at its position, in the schema's words.
func (rs *Ruleset) setParams(d *document, top map[string]any, errs *ErrorList, decode bool) {
	if params, ok := top["params"].(map[string]any); ok {
		d.checkParamNames(params, errs)
		rs.params = params
	}
	if decode {
		rs.paramsTyped = decodeParams(d, rs.kind.paramsType, rs.params, errs)
	}
	for name := range rs.params {
		rs.paramPos[name] = d.keyAt("/params/" + escapePointer(name))
	}
}

// setQuestions takes the document's questions, each for a fact of the kind.
func (rs *Ruleset) setQuestions(d *document, top map[string]any, errs *ErrorList) {
	qs, _ := top["questions"].(map[string]any)
	for fact, q := range qs {
		if _, known := rs.kind.vocab.byName[fact]; !known {
			errs.add(d.keyAt("/questions/"+escapePointer(fact)), CodeUnknownFact, "question for unknown fact %s%s", fact, didYouMean(fact, rs.kind.vocab.names()))
			continue
		}
		rs.questions[fact] = text(q)
		rs.questionPos[fact] = d.keyAt("/questions/" + escapePointer(fact))
	}
}

// addRule compiles the rule m at ptr and adds it to rs, or reports why it
// cannot. Its then: is decoded into the kind's type only while the file has
// no problem beyond the first before, so that each is reported once.
func (rs *Ruleset) addRule(c *exprCompiler, ptr string, m map[string]any, seen map[string]*Rule, before int) {
	d := c.doc
	r := &Rule{ruleset: rs, pos: d.at(ptr), whenPos: d.at(ptr + "/when"), message: text(m["message"]), then: map[string]any{}}
	r.id, _ = m["id"].(string)
	r.title, _ = m["title"].(string)
	if _, isText := m["title"].(map[string]any); isText {
		r.titles = text(m["title"])
		r.title = r.titles["en"]
	}
	r.description, _ = m["description"].(string)
	r.source, _ = m["source"].(string)
	if first, dup := seen[r.id]; dup && r.id != "" {
		c.errs.add(d.at(ptr+"/id"), CodeDuplicateRule, "rule id %s is already used at line %d; rule ids must be unique in a ruleset", r.id, first.pos.Line)
		return
	}
	seen[r.id] = r
	r.when = c.compile(ptr+"/when", nil, true)
	then, _ := m["then"].(map[string]any)
	if len(*c.errs) == before {
		r.setThenTyped(d, ptr, then, c.errs)
	}
	r.compileThen(c, ptr, then)
	if r.when == nil || !c.withinBudget(r, ptr) {
		return
	}
	r.reads = r.when.reads
	for _, p := range r.thenExprs {
		r.reads = r.reads.union(p.reads)
	}
	rs.rules = append(rs.rules, r)
}

// setThenTyped decodes the rule's then: into its kind's then: type.
func (r *Rule) setThenTyped(d *document, ptr string, then map[string]any, errs *ErrorList) {
	v, err := decodeThen(r.ruleset.kind, then)
	if err != nil {
		reportDecode(d, ptr+"/then", err, errs)
		return
	}
	r.thenTyped = v
}

// compileThen keeps the rule's literal then: values and compiles its
// expressions, in key order.
func (r *Rule) compileThen(c *exprCompiler, ptr string, then map[string]any) {
	for _, key := range slices.Sorted(maps.Keys(then)) {
		want, isExpr := r.ruleset.kind.thenExprs[key]
		if !isExpr {
			r.then[key] = then[key]
			continue
		}
		if then[key] == nil {
			continue
		}
		if p := c.compile(ptr+"/then/"+escapePointer(key), want, false); p != nil {
			if r.thenExprs == nil {
				r.thenExprs = map[string]*program{}
			}
			r.thenExprs[key] = p
			r.thenOrder = append(r.thenOrder, key) // keys come sorted
			r.thenProgs = append(r.thenProgs, p)
		}
	}
}
