package rules_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/reocell/celltherapy/rules/ruleskit"
)

// generated returns a ruleset of n rules of varied shape.
func generated(n int) []byte {
	var b strings.Builder
	b.WriteString(header + "params: {limit: 3, days: 30}\nrules:\n")
	shapes := []string{
		"a || (b && n > params.limit)",
		"group.day >= asOf.AddDate(0, 0, -params.days) && c",
		"color in [\"red\", \"green\"] && not b",
		"group.count > %d || a",
	}
	for i := range n {
		when := shapes[i%len(shapes)]
		if strings.Contains(when, "%d") {
			when = fmt.Sprintf(when, i)
		}
		fmt.Fprintf(&b, "  - id: rule-%d\n    title: Rule %d\n    when: '%s'\n    message: {en: Rule %d fired.}\n    source: generated\n", i, i, when, i)
	}
	return []byte(b.String())
}

// BenchmarkLoad1000 loads and compiles a ruleset of 1,000 rules.
func BenchmarkLoad1000(b *testing.B) {
	src := generated(1000)
	b.ReportAllocs()
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		if _, err := load(file("gen.yaml", string(src))); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoadSyntaxError loads a 5,000-line rule file broken on its
// last rule, the worst place for finding the line that breaks it, beside
// the same file unbroken.
func BenchmarkLoadSyntaxError(b *testing.B) {
	var src strings.Builder
	src.WriteString(header + "rules:\n")
	for i := range 1000 {
		fmt.Fprintf(&src, "  - id: r%d\n    title: \"T\n      over two lines\"\n    when: a\n    message: {en: m}\n", i)
	}
	good := src.String()
	bad := strings.TrimSuffix(good, "    message: {en: m}\n") + "   message: {en: m}\n"
	for _, c := range []struct{ name, src string }{{"unbroken", good}, {"broken", bad}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, err := load(file("f.yaml", c.src))
				if (err != nil) != (c.name == "broken") {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkEvaluateRules evaluates generated rulesets of growing size, with
// every fact known and with half of them unknown; ns/rule is the cost per
// rule, which should not grow with the ruleset.
func BenchmarkEvaluateRules(b *testing.B) {
	day := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	asOf := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	known := &testFacts{AsOf: &asOf, A: new(false), B: new(true), C: new(false), N: new(2.0), Color: new("green"),
		Group: &testGroup{Day: &day, Count: new(5)}}
	half := &testFacts{AsOf: &asOf, B: new(true), N: new(2.0), Group: &testGroup{Day: &day}}
	for _, n := range []int{10, 1000, 10000} {
		set, err := load(file("gen.yaml", string(generated(n))))
		if err != nil {
			b.Fatal(err)
		}
		rs := set.Ruleset("t")
		for _, facts := range []struct {
			name  string
			facts *testFacts
		}{{"known", known}, {"halfUnknown", half}} {
			b.Run(fmt.Sprintf("%d/%s", n, facts.name), func(b *testing.B) {
				ctx := context.Background()
				b.ReportAllocs()
				for b.Loop() {
					if _, err := ruleskit.Evaluate(ctx, rs, facts.facts); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/rule")
			})
		}
	}
}
