package rules_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/reocell/celltherapy/rules"
	"github.com/reocell/celltherapy/rules/ruleskit"
	"github.com/reocell/celltherapy/rules/rulestest"
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
	l := &rules.Loader{Kinds: []rules.Kind{testKind}, Decision: "test"}
	set, err := l.Load(
		file("t.yaml", header+"rules: [{id: r, title: T, when: a, message: {en: m}}]\ntests:\n  - {name: x, asOf: 2026-01-01, facts: {zz: true}, expect: {fired: [r]}}\n"),
		file("t.test.yaml", "ruleset: t\ntests:\n  - {name: x, facts: {zz: 1}, expect: {fired: [nope]}}\n"),
		file("other.yaml", "ruleset: o\nversion: \"1\"\ndecision: therapy\nrules: [{id: r, title: T, when: zz, message: {en: m}}]\n"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Rulesets()) != 1 || set.Ruleset("t") == nil || len(rulestest.Tests(set.Ruleset("t"))) != 0 {
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

// goTypeRE matches Go type names, which a clinician should never read.
var goTypeRE = regexp.MustCompile(`time\.Time|time\.Duration|\*bool|\bbool\b|float64|\bint\b|\bint64\b|interface \{\}|map\[|\[\]|\b[a-z]+_test\.\w+|\b[a-z]+\.[A-Z]\w*`)

// TestExpressionMessages checks where expression problems are reported (at
// the start of the name that does not fit) and that they speak of dates,
// numbers, text and booleans, never of Go types.
func TestExpressionMessages(t *testing.T) {
	tests := []struct {
		name string
		when string // on line 6 after "    when: ", so column 11 is its first character
		want string // line:col code
	}{
		{"unknown group", "a && foo.bar", "6:16 unknown-fact"},
		{"unknown fact in a known group", "a && group.cuont > 1", "6:22 unknown-fact"},
		{"date compared with a number", "a && group.day > 3", "6:16 type"},
		{"boolean plus a number", "a + 1 > 2", "6:11 type"},
		{"non-boolean right of &&", "a && group.day", "6:16 type"},
		{"non-boolean left of ||", "group.count || a", "6:11 type"},
		{"boolean compared with text", `a == "yes"`, "6:11 type"},
		{"instant compared with a number", "a && group.at < 5", "6:16 type"},
		{"a group where a value is wanted", "len(group) > 1", "6:11 type"},
		{"wrong argument to a calendar function", "addYears(asOf, 1.5) > asOf", "6:26 type"},
		{"condition gives a date", "group.day", "6:11 not-boolean"},
		{"condition gives a number", "n", "6:11 not-boolean"},
		{"condition gives text", `color`, "6:11 not-boolean"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := load(file("f.yaml", header+"rules:\n  - id: r\n    when: "+tt.when+"\n    title: T\n    message: {en: m}\n"))
			p := rules.Problems(err)
			if len(p) != 1 {
				t.Fatalf("got %v, want one problem", err)
			}
			if got := posCode(p[0]); got != tt.want {
				t.Errorf("got %s, want %s: %v", got, tt.want, p[0])
			}
			if m := goTypeRE.FindString(p[0].Message); m != "" {
				t.Errorf("message names the Go type %q: %s", m, p[0].Message)
			}
		})
	}
}

// TestWhenNotAnExpression checks that when: 42 is reported as something
// that is not a condition, with advice that leads to one (not to quoting
// the number, which only gives another error).
func TestWhenNotAnExpression(t *testing.T) {
	for _, v := range []string{"42", "[a, b]", "{a: 1}"} {
		t.Run(v, func(t *testing.T) {
			_, err := load(file("f.yaml", header+"rules:\n  - id: r\n    when: "+v+"\n    title: T\n    message: {en: m}\n"))
			p := rules.Problems(err)
			if len(p) != 1 || posCode(p[0]) != "6:11 schema" {
				t.Fatalf("got %v, want one schema problem at 6:11", err)
			}
			if msg := p[0].Message; strings.Contains(msg, "quotes") || !strings.Contains(msg, "true or false") {
				t.Errorf("advice does not lead to a condition: %s", msg)
			}
		})
	}
}

// TestParamNames checks that a param name that is not camelCase is reported
// at its key, saying what a name must be, with the camelCase spelling.
func TestParamNames(t *testing.T) {
	src := header + "params:\n  okName: 1\n  Window-years: 5\n  max_dose: 2\nrules: [{id: r, title: T, when: a, message: {en: m}}]\n"
	_, err := load(file("f.yaml", src))
	p := rules.Problems(err)
	if len(p) != 2 {
		t.Fatalf("got %v, want two problems", err)
	}
	for i, want := range []struct{ pos, suggest string }{{"6:3", "windowYears"}, {"7:3", "maxDose"}} {
		if got := strings.TrimPrefix(p[i].Pos.String(), "f.yaml:"); got != want.pos || p[i].Code != rules.CodeSchema {
			t.Errorf("problem %d at %s (%s), want %s: %v", i, got, p[i].Code, want.pos, p[i])
		}
		if msg := p[i].Message; !strings.Contains(msg, "camelCase") || !strings.Contains(msg, want.suggest) {
			t.Errorf("problem %d does not say what a param name must be, or suggest %s: %s", i, want.suggest, msg)
		}
	}
}

// TestExpectKeysAndOutcomes checks that the loader reports, with a
// did-you-mean, a test that expects a key its kind's decision does not
// have (at any depth) or an outcome the kind never gives.
func TestExpectKeysAndOutcomes(t *testing.T) {
	kind := ruleskit.MustKind(ruleskit.Spec[testFacts, testDecision]{Then: testThen{}, Params: map[string]any{},
		Name: "test",
		Decide: func(context.Context, *rules.Ruleset, testFacts, ...rules.Option) (testDecision, error) {
			return testDecision{}, nil
		},
		Outcomes: []string{"none", "some"},
	})
	tests := []struct {
		name    string
		expect  string
		want    string // line:col code, "" for none
		suggest string
	}{
		{"all known", "{outcome: some, fired: [r], findings: [{rule: r, title: T}]}", "", ""},
		{"unknown outcome", "{outcome: somme}", "6:62 expect", "some"},
		{"unknown key", "{outcme: some}", "6:53 expect", "outcome"},
		{"unknown key of a finding", "{findings: [{rule: r, titel: T}]}", "6:74 expect", "title"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := header + "rules: [{id: r, title: T, when: a, message: {en: m}}]\ntests:\n  - {name: x, asOf: 2026-01-01, facts: {}, expect: " + tt.expect + "}\n"
			_, err := (&rules.Loader{Kinds: []rules.Kind{kind}}).Load(file("f.yaml", src))
			p := rules.Problems(err)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("got %v, want no problem", err)
				}
				return
			}
			if len(p) != 1 || posCode(p[0]) != tt.want || !strings.Contains(p[0].Message, "did you mean "+tt.suggest+"?") {
				t.Errorf("got %v, want one problem at %s suggesting %s", err, tt.want, tt.suggest)
			}
		})
	}
}

// TestExpressionSyntaxMessages checks that expression syntax errors are
// reported where the expression goes wrong, in words rather than the
// parser's token names.
func TestExpressionSyntaxMessages(t *testing.T) {
	tests := []struct{ when, want string }{
		{"a &&", "6:15"},
		{"a = b", "6:14"},
		{"a || || b", "6:17"},
		{`color == "red`, "6:21"},
	}
	for _, tt := range tests {
		t.Run(tt.when, func(t *testing.T) {
			_, err := load(file("f.yaml", header+"rules:\n  - id: r\n    when: '"+tt.when+"'\n    title: T\n    message: {en: m}\n"))
			p := rules.Problems(err)
			if len(p) != 1 || posCode(p[0]) != tt.want+" syntax" {
				t.Fatalf("got %v, want one syntax problem at %s", err, tt.want)
			}
			if strings.Contains(p[0].Message, "token") || strings.Contains(p[0].Message, "literal") {
				t.Errorf("message speaks of the parser's tokens: %s", p[0].Message)
			}
		})
	}
}
