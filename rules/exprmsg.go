package rules

import (
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"time"

	"github.com/expr-lang/expr/ast"
)

// The expression checker speaks Go: "mismatched types time.Time and int",
// "(type *eligibility.Oncology)". A clinician reads dates, numbers, text and
// booleans, so every message about an expression is put in those words, and
// where a usual mistake is recognised, the message says how to fix it.

// timeWord is what the facts of a kind that are Go time.Time values are
// called in messages: date, instant, or "date or instant" when the kind has
// both.
func timeWord(v *vocabulary) string {
	var date, instant bool
	for _, f := range v.factList() {
		date = date || f.Type == typeDate
		instant = instant || f.Type == typeInstant
	}
	if instant && !date {
		return "instant"
	}
	if instant {
		return "date or instant"
	}
	return "date"
}

// typeName names the type t for a clinician.
func typeName(t reflect.Type, timeWord string) string {
	if t == nil {
		return "value"
	}
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == timeType:
		return timeWord
	case t == durationType:
		return "duration"
	}
	switch t.Kind() {
	case reflect.Bool:
		return "boolean (true or false)"
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "whole number"
	case reflect.Float64, reflect.Float32:
		return "number"
	case reflect.String:
		return "text"
	case reflect.Slice, reflect.Array:
		return "list"
	case reflect.Map:
		return "mapping"
	case reflect.Struct:
		return "group of facts"
	case reflect.Interface:
		return "value"
	}
	return "value"
}

var durationType = reflect.TypeFor[time.Duration]()

// goTypeRE matches the Go type names that the expression checker puts in
// its messages.
var goTypeRE = regexp.MustCompile(`\*?(?:\[\])*(?:map\[[^\]]*\](?:interface \{\}|\S+)|interface \{\}|time\.Time|time\.Duration|\*[a-z]\w*\.\w+|[a-z][a-z0-9]*\.[A-Z]\w*|\b(?:bool|int|int64|float64|string|uint8)\b)`)

// plainTypes rewrites the Go type names in msg in plain words.
func plainTypes(msg, timeWord string) string {
	return goTypeRE.ReplaceAllStringFunc(msg, func(s string) string {
		s = strings.TrimPrefix(s, "*")
		switch {
		case strings.HasPrefix(s, "[]"):
			return "list"
		case strings.HasPrefix(s, "map["):
			return "mapping"
		}
		switch s {
		case "time.Time":
			return timeWord
		case "time.Duration":
			return "duration"
		case "bool":
			return "boolean"
		case "int", "int64":
			return "whole number"
		case "float64":
			return "number"
		case "string", "uint8":
			return "text"
		case "interface {}":
			return "value"
		}
		return "group of facts" // a struct of the facts, such as eligibility.Oncology
	})
}

var mismatchRE = regexp.MustCompile(`^invalid operation: (\S+) \(mismatched types (.+) and (.+)\)$`)

// exprMessage puts a message of the expression checker in plain words, with
// a hint towards the fix for the usual mistakes. right is set when the
// offending operand is the right one of the operator: x in pregnant && x.
func exprMessage(msg, timeWord string) (out string, right bool) {
	m := mismatchRE.FindStringSubmatch(msg)
	if m == nil {
		return strings.TrimSpace(plainTypes(msg, timeWord)), false
	}
	op, a, b := m[1], plainTypes(m[2], timeWord), plainTypes(m[3], timeWord)
	logical := op == "&&" || op == "||" || op == "and" || op == "or"
	right = logical && a == "boolean"
	out = op + " cannot combine " + withArticle(a) + " with " + withArticle(b)
	has := func(s string) bool { return a == s || b == s }
	isNumber := has("number") || has("whole number")
	switch {
	case (has("date") || has("instant") || has("date or instant")) && isNumber:
		out += "; compare a date with a date: shift one with addDays(d, n), addMonths(d, n) or addYears(d, n)"
	case has("boolean") && logical:
		out += "; both sides of " + op + " must be true or false: compare the other side with something (==, <, >=, in ...)"
	case has("boolean"):
		out += "; a yes/no fact is true or false: use it on its own (fact), negated (!fact), or compare it with true or false"
	case has("text") && isNumber:
		out += "; write numbers without quotes"
	}
	return out, right
}

// withArticle puts "a" or "an" before a type name that needs one.
func withArticle(name string) string {
	switch {
	case name == "text":
		return name
	case strings.HasPrefix(name, "instant"):
		return "an " + name
	}
	return "a " + name
}

// operandStart returns the offset where the expression whose operator is at
// offset begins (its leftmost identifier or literal), or with right where
// its right operand begins. A type error is found at the operator, but the
// clinician needs to see the name that does not fit.
func operandStart(root ast.Node, offset int, right bool) int {
	var f operatorFinder
	f.offset = offset
	ast.Walk(&root, &f)
	if f.found == nil {
		return offset
	}
	var l leftmost
	l.from = offset
	if right {
		l.from = f.found.(*ast.BinaryNode).Right.Location().From
		ast.Walk(&f.found.(*ast.BinaryNode).Right, &l)
		return l.from
	}
	ast.Walk(&f.found, &l)
	return l.from
}

type operatorFinder struct {
	offset int
	found  ast.Node
}

func (f *operatorFinder) Visit(n *ast.Node) {
	if b, ok := (*n).(*ast.BinaryNode); ok && f.found == nil && b.Location().From == f.offset {
		f.found = b
	}
}

type leftmost struct{ from int }

func (l *leftmost) Visit(n *ast.Node) {
	if from := (*n).Location().From; from < l.from && from >= 0 {
		l.from = from
	}
}

var tokenRE = regexp.MustCompile(`unexpected token (\w+)(?:\("((?:[^"\\]|\\.)*)"\))?`)

// syntaxMessage puts a message of the expression parser in plain words:
// "unexpected token Operator("=")" becomes "= is not an operator ...".
func syntaxMessage(msg string) string {
	if strings.Contains(msg, "literal not terminated") {
		return "text in quotes is not closed: add the closing quote"
	}
	m := tokenRE.FindStringSubmatch(msg)
	if m == nil {
		return msg
	}
	kind, value := m[1], m[2]
	switch {
	case kind == "EOF":
		return "the expression ends too early: something is missing after its last operator, or a bracket or quote is not closed"
	case kind == "Operator" && value == "=":
		return "= is not an operator here: to compare, write =="
	case kind == "Operator":
		return fmt.Sprintf("%s is not expected here: an operator needs a value on each side", value)
	case kind == "Bracket":
		return fmt.Sprintf("%s is not expected here: check that brackets open and close in pairs", value)
	}
	return fmt.Sprintf("%q is not expected here", value)
}

// unclosedQuote returns the rune offset of the quote that opens text left
// unclosed in src, or -1 when every quoted text is closed.
func unclosedQuote(src string) int {
	open, at := rune(0), -1
	escaped := false
	for i, r := range []rune(src) {
		switch {
		case open == 0 && (r == '"' || r == '\'' || r == '`'):
			open, at = r, i
		case open != 0 && escaped:
			escaped = false
		case open != 0 && r == '\\' && open != '`':
			escaped = true
		case open != 0 && r == open:
			open, at = 0, -1
		}
	}
	return at
}
