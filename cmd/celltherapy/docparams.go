package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The medical board reads params as tables: simple values in one table of
// param and value, and each param that is a list of records (a monitoring
// schedule) or a mapping as a table of its own, never as Go's rendering of
// maps and slices.

// writeParams writes the params section of a ruleset's document.
func writeParams(w io.Writer, params map[string]any, h docWords, mark func(string) string) {
	if len(params) == 0 {
		return
	}
	names := slices.Sorted(maps.Keys(params))
	fmt.Fprintf(w, "## %s\n\n", h.params)
	var simple, tables []string
	for _, name := range names {
		if isTable(params[name]) {
			tables = append(tables, name)
		} else {
			simple = append(simple, name)
		}
	}
	if len(simple) > 0 {
		fmt.Fprintf(w, "| %s | %s |\n| --- | --- |\n", h.param, h.value)
		for _, name := range simple {
			fmt.Fprintf(w, "| `%s` | %s%s |\n", name, cell(params[name]), mark("params."+name))
		}
		fmt.Fprintln(w)
	}
	for _, name := range tables {
		fmt.Fprintf(w, "### %s `%s`%s\n\n", capitalized(h.param), name, mark("params."+name))
		writeTable(w, params[name])
		fmt.Fprintln(w)
	}
}

// isTable reports whether v reads best as a table of its own: a mapping, or
// a list of mappings.
func isTable(v any) bool {
	switch x := v.(type) {
	case map[string]any:
		return len(x) > 0
	case []any:
		for _, e := range x {
			if _, ok := e.(map[string]any); !ok {
				return false
			}
		}
		return len(x) > 0
	}
	return false
}

func writeTable(w io.Writer, v any) {
	switch x := v.(type) {
	case map[string]any:
		fmt.Fprintf(w, "| key | value |\n| --- | --- |\n")
		for _, k := range slices.Sorted(maps.Keys(x)) {
			fmt.Fprintf(w, "| `%s` | %s |\n", k, cell(x[k]))
		}
	case []any:
		cols := columns(x)
		fmt.Fprintf(w, "| %s |\n|%s\n", strings.Join(cols, " | "), strings.Repeat(" --- |", len(cols)))
		for _, e := range x {
			row := e.(map[string]any)
			cells := make([]string, len(cols))
			for i, c := range cols {
				cells[i] = cell(row[c])
			}
			fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | "))
		}
	}
}

// columns returns the keys of a list of records: id first when there is
// one, then the others in alphabetical order.
func columns(records []any) []string {
	seen := map[string]bool{}
	for _, e := range records {
		for k := range e.(map[string]any) {
			seen[k] = true
		}
	}
	cols := slices.Sorted(maps.Keys(seen))
	if i := slices.Index(cols, "id"); i > 0 {
		cols = append([]string{"id"}, slices.Delete(cols, i, i+1)...)
	}
	return cols
}

// cell writes a value for a table cell: numbers as written, lists as
// "a, b", mappings as "key: value; key: value", nothing as a blank.
func cell(v any) string {
	return strings.ReplaceAll(plain(v), "|", `\|`)
}

// number writes n as written by people: 50,000,000 rather than 5e+07.
func number(n float64) string {
	s := strconv.FormatFloat(n, 'f', -1, 64)
	whole, frac, _ := strings.Cut(s, ".")
	sign := ""
	if strings.HasPrefix(whole, "-") {
		sign, whole = "-", whole[1:]
	}
	if len(whole) > 4 {
		var b strings.Builder
		for i, r := range whole {
			if i > 0 && (len(whole)-i)%3 == 0 {
				b.WriteByte(',')
			}
			b.WriteRune(r)
		}
		whole = b.String()
	}
	if frac != "" {
		return sign + whole + "." + frac
	}
	return sign + whole
}

func plain(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return strings.Join(strings.Fields(x), " ")
	case float64:
		return number(x)
	case int:
		return number(float64(x))
	case bool:
		if x {
			return "yes"
		}
		return "no"
	case []any:
		items := make([]string, len(x))
		for i, e := range x {
			items[i] = plain(e)
		}
		return strings.Join(items, ", ")
	case map[string]any:
		var items []string
		for _, k := range slices.Sorted(maps.Keys(x)) {
			items = append(items, k+": "+plain(x[k]))
		}
		return strings.Join(items, "; ")
	}
	return fmt.Sprint(v)
}

// capitalized returns s with its first letter in upper case, for a heading.
func capitalized(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}
