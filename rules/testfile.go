package rules

import (
	"errors"
	"fmt"
	"maps"
	"reflect"
	"strconv"
	"strings"
)

// test is one test case of a ruleset: facts, and what the decision must be.
type test struct {
	name    string
	pos     Pos
	ruleset *Ruleset
	facts   any // pointer to the kind's facts struct
	expect  map[string]any
}

// parseTests adds the tests: of d to rs, checking their facts against the
// vocabulary, and the rule ids, facts, keys and outcome their expectations
// name.
func parseTests(d *document, rs *Ruleset, errs *ErrorList) {
	list, _ := d.valueAt("/tests").([]any)
	names := map[string]Pos{}
	for _, r := range rs.tests {
		names[r.name] = r.pos
	}
	for i, item := range list {
		ptr := "/tests/" + strconv.Itoa(i)
		m, ok := item.(map[string]any)
		if !ok {
			continue
		}
		t := &test{pos: d.at(ptr), ruleset: rs, facts: reflect.New(rs.kind.vocab.typ).Interface()}
		t.name, _ = m["name"].(string)
		t.expect, _ = m["expect"].(map[string]any)
		if first, dup := names[t.name]; dup {
			errs.add(d.at(ptr+"/name"), CodeSchema, "test name %q is already used at %s; give each test its own name", t.name, first)
			continue
		}
		names[t.name] = t.pos
		decodeTestFacts(d, ptr, m, t, errs)
		checkTestExpect(d, ptr, t, errs)
		rs.tests = append(rs.tests, t)
	}
}

// decodeTestFacts decodes the facts of the test m at ptr into t, with its
// asOf: when the kind has that fact.
func decodeTestFacts(d *document, ptr string, m map[string]any, t *test, errs *ErrorList) {
	rs, v := t.ruleset, t.ruleset.kind.vocab
	_, hasAsOf := v.byName["asOf"]
	facts, _ := m["facts"].(map[string]any)
	if asOf, ok := m["asOf"]; ok {
		switch {
		case !hasAsOf:
			errs.add(d.keyAt(ptr+"/asOf"), codeFacts, "decision %s has no asOf fact; give the time facts it has under facts:", rs.kind.name)
		case facts["asOf"] != nil:
			errs.add(d.keyAt(ptr+"/asOf"), codeFacts, "asOf is given twice, here and under facts:; keep one")
		default:
			facts = maps.Clone(facts)
			if facts == nil {
				facts = map[string]any{}
			}
			facts["asOf"] = asOf
		}
	} else if hasAsOf && facts["asOf"] == nil {
		errs.add(d.at(ptr), codeFacts, "test %q has no asOf; add asOf: YYYY-MM-DD so that it gives the same result on every day", t.name)
	}
	err := v.decodeValue(facts, t.facts)
	if err == nil {
		return
	}
	var fe FieldErrors
	if !errors.As(err, &fe) {
		errs.add(d.at(ptr+"/facts"), codeFacts, "%v", err)
		return
	}
	for _, e := range fe {
		p := ptr + "/facts" + strings.ReplaceAll(strings.TrimPrefix(e.Path, "$"), ".", "/")
		if e.Path == "$.asOf" && m["asOf"] != nil {
			p = ptr + "/asOf"
		}
		errs.add(d.at(p), codeFacts, "%s: %s", strings.TrimPrefix(e.Path, "$."), e.Message)
	}
}

// checkTestExpect checks what the test t at ptr expects: rule ids that are
// rules of its ruleset, facts of its vocabulary, and keys and an outcome its
// decision has.
func checkTestExpect(d *document, ptr string, t *test, errs *ErrorList) {
	rs, v := t.ruleset, t.ruleset.kind.vocab
	ruleIDs := make([]string, len(rs.rules))
	for i, r := range rs.rules {
		ruleIDs[i] = r.id
	}
	for _, key := range []string{"fired", "clear", "undetermined"} {
		ids, _ := t.expect[key].([]any)
		for j, id := range ids {
			if s, _ := id.(string); rs.Rule(s) == nil {
				errs.add(d.at(fmt.Sprintf("%s/expect/%s/%d", ptr, key, j)), CodeSchema, "no rule %q in ruleset %s%s", s, rs.name, didYouMean(s, ruleIDs))
			}
		}
	}
	missing, _ := t.expect["missing"].([]any)
	for j, f := range missing {
		if s, _ := f.(string); !v.has(s) {
			errs.add(d.at(fmt.Sprintf("%s/expect/missing/%d", ptr, j)), CodeUnknownFact, "unknown fact %s%s", s, didYouMean(s, v.names()))
		}
	}
	checkExpect(d, ptr+"/expect", t.expect, rs.kind, errs)
}
