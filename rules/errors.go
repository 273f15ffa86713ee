package rules

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Pos is a position in a rule file: the file name as given to the loader,
// a 1-based line and a 1-based column. The zero Pos means "no position".
type Pos struct {
	File string
	Line int
	Col  int
}

// String formats the position as file:line:col, leaving out what is unknown.
func (p Pos) String() string {
	switch {
	case p.Line == 0:
		return p.File
	case p.Col == 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

func (p Pos) compare(q Pos) int {
	return cmp.Or(cmp.Compare(fileOrder(p.File), fileOrder(q.File)), cmp.Compare(p.Line, q.Line), cmp.Compare(p.Col, q.Col))
}

// fileOrder sorts a rule file's problems before those of its test file
// (x.yaml before x.test.yaml): a clinician fixes the rules first.
func fileOrder(name string) string {
	if isTestFile(name) {
		return fileStem(name) + "\x00" + "1" + name
	}
	return fileStem(name) + "\x00" + "0" + name
}

// Code classifies a problem found while loading rules, so that callers and
// tests can tell problems apart without reading their messages.
type Code string

// The codes a load can report; those of problems in test files are
// rulestest's (rulestest.CodeFacts, rulestest.CodeExpect).
const (
	CodeIO            Code = "io"            // a file could not be read
	CodeSyntax        Code = "syntax"        // YAML syntax
	CodeDuplicateKey  Code = "duplicate-key" // the same key twice in one YAML mapping
	CodeSchema        Code = "schema"        // the file does not match the rule file schema
	CodeUnknownKind   Code = "unknown-decision"
	CodeDuplicateRule Code = "duplicate-rule" // two rules with one id
	CodeDuplicateSet  Code = "duplicate-ruleset"
	CodeUnknownFact   Code = "unknown-fact"  // an expression or question names no fact of the vocabulary
	CodeUnknownParam  Code = "unknown-param" // an expression names no param of the ruleset
	CodeType          Code = "type"          // an expression does not type-check
	CodeNotBoolean    Code = "not-boolean"   // a condition whose result is not a boolean
	CodeUnknownSet    Code = "unknown-ruleset"
	CodeUnconfirmed   Code = "unconfirmed" // an unconfirmed: entry names no value of the ruleset
	CodeLocale        Code = "locale"      // a text lacks a locale the ruleset declares
	CodeCost          Code = "cost"        // a rule's worst-case cost is over the loader's budget
)

// The codes of problems in test files, exported by rulestest.
const (
	codeFacts  Code = "facts"  // facts in a test do not fit the vocabulary
	codeExpect Code = "expect" // a test expects a key or an outcome its decision never has
)

// Error is one problem at one position.
type Error struct {
	Pos     Pos
	Code    Code
	Message string
}

func (e *Error) Error() string {
	if e.Pos == (Pos{}) {
		return e.Message
	}
	return e.Pos.String() + ": " + e.Message
}

// ErrorList is every problem a load found. It is sorted by position once
// complete, and is returned as an error only when it is not empty (see Err).
type ErrorList []*Error

func (l *ErrorList) add(pos Pos, code Code, format string, args ...any) {
	*l = append(*l, &Error{Pos: pos, Code: code, Message: fmt.Sprintf(format, args...)})
}

// Error joins the problems, one per line.
func (l ErrorList) Error() string {
	var b strings.Builder
	for i, e := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// sort orders the problems by file, line and column, and drops exact repeats.
func (l *ErrorList) sort() {
	slices.SortStableFunc(*l, func(a, b *Error) int {
		return cmp.Or(a.Pos.compare(b.Pos), strings.Compare(a.Message, b.Message))
	})
	*l = slices.CompactFunc(*l, func(a, b *Error) bool {
		return a.Pos == b.Pos && a.Code == b.Code && a.Message == b.Message
	})
}

// Err returns the sorted list as an error, or nil when it is empty.
func (l ErrorList) Err() error {
	if len(l) == 0 {
		return nil
	}
	l.sort()
	return l
}

// Problems returns the individual problems in err: the entries of an
// ErrorList, a single *Error, or nil when err carries neither.
func Problems(err error) []*Error {
	var list ErrorList
	if errors.As(err, &list) {
		return list
	}
	var one *Error
	if errors.As(err, &one) {
		return []*Error{one}
	}
	return nil
}
