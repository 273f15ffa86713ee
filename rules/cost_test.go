package rules

import (
	"testing"

	"github.com/expr-lang/expr/parser"
)

func TestRuleCost(t *testing.T) {
	params := map[string]any{
		"xs":  make([]any, 1000),
		"m":   map[string]any{"a": 1, "b": 2},
		"xss": []any{[]any{1, 2, 3}, []any{4}},
		"n":   3,
	}
	tests := []struct {
		src    string
		lo, hi int64 // the estimate must lie within
	}{
		{"a", 1, 1},
		{"a && b || n > params.n", 5, 10},
		{"any(params.xs, # > n)", 1000 * 4, 1000*4 + 10},
		{"any(params.xs, any(params.xs, # > n))", 1000 * 1000 * 4, 1000*1000*5 + 2000},
		{"any(params.xs, any(params.xs, any(params.xs, # > n)))", 1e9 * 4, 1e9*5 + 2e6},
		{"any(params.xss, any(#, # > n))", 2 * 3 * 4, 2*3*4 + 20},
		{"any(params.m, # > n)", 2 * 4, 2*4 + 10},
		{"n in params.xs", 1000, 1010},
		{"any(filter(params.xs, # > 1), # == n)", 2 * 1000 * 4, 2*1000*4 + 20},
		{"any(map(params.xss, #), any(#, # > n))", 2*2 + 2*3*4, 2*2 + 2*3*4 + 30},
		{"let ys = params.xs; any(ys, # > n)", 1000 * 4, 1000*4 + 10},
		{"a ? any(params.xs, # > n) : false", 1000 * 4, 1000*4 + 10},
		{"any(1..10, # > n)", 10 * 5, 10*5 + 20},
		{"any(0..n, # > 1)", maxRunSize * 4, maxRunSize*5 + 10},
		{"any(split(s, \",\"), # == \"x\")", maxRunSize * 4, maxRunSize*5 + 10},
		{"any(params.xs + params.xs, # > n)", 2000 * 4, 2000*5 + 10},
		{"any(sort(params.xs), # > n)", 1000*10 + 1000*4, 1000*10 + 1000*5 + 2000},
		{"any(unknownList, any(unknownList, # > n))", maxRunSize * maxRunSize * 4, maxRunSize*maxRunSize*5 + 2*maxRunSize},
		{"any(params.xs, any(params.xs, any(params.xs, any(params.xs, any(params.xs, any(params.xs, any(params.xs, # > n)))))))", maxCost, maxCost},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			tree, err := parser.Parse(tt.src)
			if err != nil {
				t.Fatal(err)
			}
			if got := ruleCost(tree.Node, params); got < tt.lo || got > tt.hi {
				t.Errorf("cost %d, want %d..%d", got, tt.lo, tt.hi)
			}
		})
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -1000: "-1,000", -100: "-100"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}
