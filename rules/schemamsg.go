package rules

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/santhosh-tekuri/jsonschema/v6/kind"
)

// jsonTypeWords names the JSON Schema types for a clinician who writes YAML.
var jsonTypeWords = map[string]string{
	"string":  "text",
	"number":  "a number",
	"integer": "a whole number",
	"boolean": "true or false",
	"object":  "a mapping (key: value lines)",
	"array":   "a list",
	"null":    "nothing",
}

func jsonTypeWord(t string) string {
	if w, ok := jsonTypeWords[t]; ok {
		return w
	}
	return t
}

var whenRE = regexp.MustCompile(`^rules/\d+/when$`)

// typeMessage says that the value at where has the wrong type, and how to
// fix it.
func typeMessage(where string, value any, k *kind.Type) string {
	got := jsonTypeWord(k.Got)
	if whenRE.MatchString(where) {
		what, example := "got "+got, "someFact > 5"
		switch value.(type) {
		case float64, int, string:
			what, example = fmt.Sprintf("%v is %s", value, got), fmt.Sprintf("someFact > %v", value)
		}
		return fmt.Sprintf("%s: %s, not a condition; write an expression over the facts that gives true or false, "+
			"such as a comparison (%s) or a yes/no fact on its own, or true for a rule that always applies", where, what, example)
	}
	want := make([]string, len(k.Want))
	for i, t := range k.Want {
		want[i] = jsonTypeWord(t)
	}
	msg := fmt.Sprintf("%s: want %s, got %s", where, strings.Join(want, " or "), got)
	if slices.Contains(k.Want, "string") && (k.Got == "number" || k.Got == "integer" || k.Got == "boolean") {
		msg += "; put the value in quotes to make it text"
	}
	return msg
}

var paramNameRE = regexp.MustCompile(`^[a-z][A-Za-z0-9]*$`)

// checkParamNames reports each param whose name is not camelCase, at its key.
func (d *document) checkParamNames(params map[string]any, errs *ErrorList) {
	for _, name := range slices.Sorted(maps.Keys(params)) {
		if paramNameRE.MatchString(name) {
			continue
		}
		msg := fmt.Sprintf("param name %q is not camelCase: start with a lower-case letter, then only letters and digits (no spaces, hyphens or underscores)", name)
		if s := camelCase(name); s != "" && s != name {
			msg += fmt.Sprintf(", such as %s", s)
		}
		errs.add(d.keyAt("/params/"+escapePointer(name)), CodeSchema, "%s", msg)
	}
}

// camelCase turns a name such as "Oncology-window years" into
// "oncologyWindowYears".
func camelCase(name string) string {
	words := strings.FieldsFunc(name, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	var b strings.Builder
	for i, w := range words {
		r := []rune(w)
		if i == 0 {
			r[0] = unicode.ToLower(r[0])
		} else {
			r[0] = unicode.ToUpper(r[0])
		}
		b.WriteString(string(r))
	}
	s := b.String()
	if !paramNameRE.MatchString(s) {
		return ""
	}
	return s
}
