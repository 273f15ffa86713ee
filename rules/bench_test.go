package rules_test

import (
	"fmt"
	"strings"
	"testing"
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
