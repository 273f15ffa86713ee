package rules_test

import (
	"context"
	"testing"

	"github.com/reocell/celltherapy/rules"
	"github.com/reocell/celltherapy/rules/ruleskit"
)

// FuzzLoad feeds the loader any bytes: it must return an error or a usable
// ruleset, never panic or hang.
func FuzzLoad(f *testing.F) {
	f.Add([]byte(header + "rules: [{id: r, title: T, when: a || b, message: {en: m}}]\n"))
	f.Add([]byte(header + "params: {limit: 3}\nrules:\n  - id: r\n    title: T\n    when: >-\n      n > params.limit &&\n      group.day >= asOf\n    then: {until: 'asOf.AddDate(0, 0, 1)'}\n    message: {en: m}\ntests:\n  - {name: x, asOf: 2026-01-01, facts: {a: true}, expect: {fired: [r]}}\n"))
	f.Add([]byte("a: &a [*a]\n"))
	f.Add([]byte("ruleset: t\ntests: [{name: x, facts: {}, expect: {fired: []}}]\n"))
	f.Add([]byte("- [\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		set, err := load(file("f.yaml", string(src)))
		if err != nil {
			return
		}
		for _, rs := range set.Rulesets() {
			if _, err := ruleskit.Evaluate(context.Background(), rs, &testFacts{}); err != nil {
				t.Logf("evaluate: %v", err) // run-time errors (e.g. division by zero) are errors, not panics
			}
		}
	})
}

// FuzzDecodeJSON feeds the facts decoder any bytes.
func FuzzDecodeJSON(f *testing.F) {
	f.Add([]byte(`{"a": true, "group": {"day": "2024-02-29", "count": 3}}`))
	f.Add([]byte(`{"color": "red", "n": 1e308}`))
	f.Add([]byte(`[{"a":`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var facts testFacts
		if err := rules.VocabDecodeJSON(testKind, data, &facts); err != nil {
			return
		}
		var again testFacts
		if err := rules.VocabDecodeValue(testKind, rules.VocabPlain(testKind, &facts), &again); err != nil {
			t.Fatalf("decoded facts do not decode again: %v", err)
		}
	})
}
