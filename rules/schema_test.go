package rules

import (
	"bytes"
	"testing"
)

// TestEditorSchema checks the schema file as an editor uses it, from its top:
// a ruleset and a standalone test file are both valid, and a file that is
// neither is not.
func TestEditorSchema(t *testing.T) {
	top, err := compileSchema(schemaURL, Schema(), "")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		src   string
		valid bool
	}{
		{"ruleset: a\nversion: \"1\"\ndecision: b\nrules: [{id: r, title: T, when: x, message: {en: m}}]\n", true},
		{"ruleset: a\ntests: [{name: n, asOf: 2026-01-01, facts: {}, expect: {fired: []}}]\n", true},
		{"ruleset: a\nversion: \"1\"\n", false},
	} {
		var errs ErrorList
		d := parseDocument("f.yaml", []byte(tt.src), &errs)
		if d == nil {
			t.Fatal(errs)
		}
		if got := d.validate(top, &errs); got != tt.valid {
			t.Errorf("%q: valid %v, want %v: %v", tt.src, got, tt.valid, errs)
		}
	}
	if !bytes.Equal(Schema(), schemaJSON) || &Schema()[0] == &schemaJSON[0] {
		t.Error("Schema must return a copy of the schema file")
	}
}
