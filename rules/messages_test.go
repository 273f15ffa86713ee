package rules_test

import (
	"testing"

	"github.com/reocell/celltherapy/rules"
)

// TestBrokenRuleFileComesFirst checks that when a rule file fails to load,
// the first problem reported is about that file, and its test file is not
// also reported as having no ruleset.
func TestBrokenRuleFileComesFirst(t *testing.T) {
	goodTests := "ruleset: t\ntests:\n  - {name: x, asOf: 2026-01-01, facts: {a: true}, expect: {fired: [r]}}\n"
	badTests := "ruleset: t\ntests:\n  - {name: x, asOf: 2026-01-01, facts: {a: true}, expect: {fired: [r]}, extra: 1}\n"
	tests := []struct {
		name      string
		rules     string
		testFile  string
		wantCodes []rules.Code // in order
	}{
		{"syntax error", header + "rules:\n  - id: r\n\ttitle: T\n", goodTests, []rules.Code{rules.CodeSyntax}},
		{"syntax error, name unreadable", "ruleset: [\n", goodTests, []rules.Code{rules.CodeSyntax}},
		{"unknown fact", header + "rules: [{id: r, title: T, when: zz, message: {en: m}}]\n", goodTests, []rules.Code{rules.CodeUnknownFact}},
		{"tests broken too", header + "rules:\n  - id: r\n\ttitle: T\n", badTests, []rules.Code{rules.CodeSyntax, rules.CodeSchema}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := load(file("t.test.yaml", tt.testFile), file("t.yaml", tt.rules))
			p := rules.Problems(err)
			if len(p) != len(tt.wantCodes) {
				t.Fatalf("got %d problems, want %v:\n%v", len(p), tt.wantCodes, err)
			}
			if p[0].Pos.File != "t.yaml" {
				t.Errorf("first problem is about %s, want t.yaml:\n%v", p[0].Pos.File, err)
			}
			for i, want := range tt.wantCodes {
				if p[i].Code != want {
					t.Errorf("problem %d: code %s, want %s:\n%v", i, p[i].Code, want, err)
				}
			}
		})
	}
}

// TestLoaderDecisionLoadsOneKind checks that a Loader with Decision set
// skips test files and rule files of other kinds, and the ruleset's own
// tests.
func TestLoaderDecisionLoadsOneKind(t *testing.T) {
	l := &rules.Loader{Kinds: []*rules.Kind{testKind}, Decision: "test"}
	set, err := l.Load(
		file("t.yaml", header+"rules: [{id: r, title: T, when: a, message: {en: m}}]\ntests:\n  - {name: x, asOf: 2026-01-01, facts: {zz: true}, expect: {fired: [r]}}\n"),
		file("t.test.yaml", "ruleset: t\ntests:\n  - {name: x, facts: {zz: 1}, expect: {fired: [nope]}}\n"),
		file("other.yaml", "ruleset: o\nversion: \"1\"\ndecision: therapy\nrules: [{id: r, title: T, when: zz, message: {en: m}}]\n"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Rulesets()) != 1 || set.Ruleset("t") == nil || len(set.Ruleset("t").Tests()) != 0 {
		t.Errorf("loaded %v, want ruleset t alone without tests", set.Rulesets())
	}
	// Without Decision the same files are checked in full.
	if _, err := load(file("t.test.yaml", "ruleset: t\ntests:\n  - {name: x, facts: {zz: 1}, expect: {fired: [nope]}}\n"), file("t.yaml", header+"rules: [{id: r, title: T, when: a, message: {en: m}}]\n")); err == nil {
		t.Error("broken tests loaded without Decision")
	}
}

// TestYAMLSyntaxPositions checks that a YAML syntax error is reported at the
// line (and, for indentation, the column) where the file goes wrong, not
// where the construct around it began.
func TestYAMLSyntaxPositions(t *testing.T) {
	const ok = header + "rules:\n  - id: r\n    title: T\n    when: a\n    message: {en: m}\n  - id: s\n    title: S\n"
	tests := []struct {
		name string
		src  string
		want string // line:col
	}{
		{"key indented less than its siblings", ok + "   when: b\n    message: {en: m}\n", "11:4"},
		{"key indented more than its sibling", ok + "      when: b\n    message: {en: m}\n", "11:7"},
		{"tab in the indentation", ok + "\twhen: b\n    message: {en: m}\n", "11:1"},
		{"tab after spaces", ok + "  \t  when: b\n    message: {en: m}\n", "11:3"},
		{"list item indented less", ok + "    when: b\n    message: {en: m}\n - id: u\n", "13:2"},
		{"unclosed quote", ok + "    when: \"b\n    message: {en: m}\n", "11:5"},
		{"after a quoted text over several lines", header + "title: \"a title\n  over two lines\"\nrules:\n  - id: r\n   title: T\n", "8:4"},
		{"after a flow mapping over several lines", header + "params: {a: 1,\n  b: 2}\nrules:\n  - id: r\n\ttitle: T\n", "8:1"},
		{"in a second document", header + "rules: []\n---\na: [\n", "6:1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := load(file("f.yaml", tt.src))
			p := rules.Problems(err)
			if len(p) != 1 || p[0].Code != rules.CodeSyntax {
				t.Fatalf("got %v, want one syntax error", err)
			}
			if got := p[0].Pos.String(); got != "f.yaml:"+tt.want {
				t.Errorf("at %s, want f.yaml:%s: %v", got, tt.want, err)
			}
		})
	}
}
