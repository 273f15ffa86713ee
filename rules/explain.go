package rules

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// A failed rule test is read by clinicians: each difference is one line,
// "key: expected X, got Y", at the key (or the element of a list) where the
// decision and the test part, with values written as in the rule files.

// explainSet says how the rule ids or facts got differ from the set want.
func explainSet(key string, want, got []string) []string {
	if slices.Equal(want, got) {
		return nil
	}
	line := fmt.Sprintf("%s: expected %s, got %s", key, listText(want), listText(got))
	var notGot, notWanted []string
	for _, w := range want {
		if !slices.Contains(got, w) {
			notGot = append(notGot, w)
		}
	}
	for _, g := range got {
		if !slices.Contains(want, g) {
			notWanted = append(notWanted, g)
		}
	}
	var parts []string
	if len(notGot) > 0 {
		parts = append(parts, "not there: "+strings.Join(notGot, ", "))
	}
	if len(notWanted) > 0 {
		parts = append(parts, "not expected: "+strings.Join(notWanted, ", "))
	}
	if len(parts) > 0 {
		line += " (" + strings.Join(parts, "; ") + ")"
	}
	return []string{line}
}

// explainValue compares the decision's value got with the test's want at
// path, and says where they differ. got holds only the keys want names
// (see project).
func explainValue(path string, want, got any) []string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			break
		}
		var out []string
		for _, k := range slices.Sorted(maps.Keys(w)) {
			out = append(out, explainValue(path+"."+k, w[k], g[k])...)
		}
		return out
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			break
		}
		var out []string
		for i := range w {
			out = append(out, explainValue(path+"["+strconv.Itoa(i)+"]", w[i], g[i])...)
		}
		return out
	}
	if equalValues(want, got) {
		return nil
	}
	return []string{fmt.Sprintf("%s: expected %s, got %s", path, valueText(want), valueText(got))}
}

func equalValues(a, b any) bool {
	return valueText(a) == valueText(b)
}

// valueText writes a value as a clinician wrote it in the test: text
// without quotes, lists in brackets, mappings in braces, nothing for null.
func valueText(v any) string {
	switch x := v.(type) {
	case nil:
		return "nothing"
	case string:
		if x == "" {
			return `""`
		}
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case []any:
		items := make([]string, len(x))
		for i, e := range x {
			items[i] = valueText(e)
		}
		if len(items) == 0 {
			return "[] (none)"
		}
		return "[" + strings.Join(items, ", ") + "]"
	case map[string]any:
		var items []string
		for _, k := range slices.Sorted(maps.Keys(x)) {
			items = append(items, k+": "+valueText(x[k]))
		}
		return "{" + strings.Join(items, ", ") + "}"
	}
	return fmt.Sprint(v)
}

func listText(list []string) string {
	if len(list) == 0 {
		return "none"
	}
	return "[" + strings.Join(list, ", ") + "]"
}
