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
