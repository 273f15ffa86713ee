package yamlpos

import (
	"fmt"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

func convert(t *testing.T, src string, opts Options) (*Doc, []string) {
	t.Helper()
	var root yaml.Node
	if err := yaml.Unmarshal([]byte(src), &root); err != nil {
		t.Fatal(err)
	}
	var problems []string
	d := Convert(&root, opts, func(n *yaml.Node, code, msg string) {
		problems = append(problems, fmt.Sprintf("%d:%d %s %s", n.Line, n.Column, code, msg))
	})
	return d, problems
}

func TestPositions(t *testing.T) {
	d, problems := convert(t, "a:\n  b: [1, x]\n  c~/d: true\n", Options{})
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	if n := d.At("/a/b/1"); n == nil || n.Line != 2 || n.Column != 10 {
		t.Errorf("At(/a/b/1) = %+v", n)
	}
	if n := d.KeyAt("/a/" + EscapePointer("c~/d")); n == nil || n.Line != 3 || n.Column != 3 {
		t.Errorf("KeyAt = %+v", n)
	}
	if n := d.At("/a/b/7"); n == nil || n.Line != 2 {
		t.Errorf("At of a missing element should give its list, got %+v", n)
	}
}

func TestProblems(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		opts      Options
		want      string
	}{
		{"duplicate key", "a: 1\nb: 2\na: 3\n", Options{}, `3:1 duplicate-key key "a" is already defined at line 1; remove one of them`},
		{"alias refused", "a: &x 1\nb: *x\n", Options{NoAliases: true, AliasMessage: "no aliases"}, "2:4 syntax no aliases"},
		{"merge refused", "a: 1\n<<: {b: 2}\n", Options{NoAliases: true, AliasMessage: "no aliases"}, "2:1 syntax no aliases"},
		{"not finite", "a: .inf\n", Options{}, "1:4 schema .inf is not a finite number"},
		{"too deep", strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1), Options{}, fmt.Sprintf("1:%d syntax values nested deeper than %d levels (or an alias that contains itself)", MaxDepth, MaxDepth)},
	} {
		_, problems := convert(t, tc.src, tc.opts)
		if len(problems) != 1 || problems[0] != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, problems, tc.want)
		}
	}
	// Aliases are followed where allowed, and count towards MaxNodes.
	d, problems := convert(t, "a: &x {k: 1}\nb: *x\n", Options{})
	if len(problems) > 0 || d.Value.(map[string]any)["b"].(map[string]any)["k"] != 1 {
		t.Errorf("alias: %v %v", problems, d.Value)
	}
	var src strings.Builder
	src.WriteString("a: &a [" + strings.Repeat("0,", 999) + "0]\n")
	prev := "a"
	for i := range 5 {
		name := fmt.Sprintf("b%d", i)
		fmt.Fprintf(&src, "%s: &%s [%s]\n", name, name, strings.TrimSuffix(strings.Repeat("*"+prev+",", 10), ","))
		prev = name
	}
	if _, problems := convert(t, src.String(), Options{}); len(problems) != 1 || !strings.Contains(problems[0], "more than 200000 values") {
		t.Errorf("alias bomb: %q", problems)
	}
}
