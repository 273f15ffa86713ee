package rules_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/reocell/celltherapy/rules"
	"github.com/reocell/celltherapy/rules/rulestest"
)

const header = "ruleset: t\nversion: \"1\"\ndecision: test\n"

func TestLoadReportsProblemsAtTheirPosition(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string // "line:col code", in order
	}{
		{"yaml syntax", "ruleset: t\nrules: [\n", []string{"2:1 syntax"}},
		{"duplicate key", header + "decision: test\nrules: [{id: r, title: T, when: a, message: {en: m}}]\n", []string{"4:1 duplicate-key"}},
		{"unknown key", header + "rules:\n  - id: r\n    title: T\n    wen: a\n    message: {en: m}\n", []string{"5:5 schema", "7:5 schema"}},
		{"missing required key", header + "rules:\n  - id: r\n    title: T\n    message: {en: m}\n", []string{"5:5 schema"}},
		{"version as a number", "ruleset: t\nversion: 1.0\ndecision: test\nrules: [{id: r, title: T, when: a, message: {en: m}}]\n", []string{"2:10 schema"}},
		{"bad rule id", header + "rules: [{id: Bad_Id, title: T, when: a, message: {en: m}}]\n", []string{"4:14 schema"}},
		{"unknown decision", "ruleset: t\nversion: \"1\"\ndecision: tset\nrules: [{id: r, title: T, when: a, message: {en: m}}]\n", []string{"3:11 unknown-decision"}},
		{"duplicate rule id", header + "rules:\n  - {id: r, title: T, when: a, message: {en: m}}\n  - {id: r, title: T, when: b, message: {en: m}}\n", []string{"6:10 duplicate-rule"}},
		{"unknown fact", header + "rules:\n  - {id: r, title: T, when: a && bb, message: {en: m}}\n", []string{"5:34 unknown-fact"}},
		{"unknown fact in group", header + "rules:\n  - id: r\n    title: T\n    when: group.cuont > 1\n    message: {en: m}\n", []string{"7:17 unknown-fact"}},
		{"unknown param", header + "params: {limit: 3}\nrules:\n  - {id: r, title: T, when: n > params.limt, message: {en: m}}\n", []string{"6:40 unknown-param"}},
		{"type error", header + "rules:\n  - {id: r, title: T, when: n > \"x\", message: {en: m}}\n", []string{"5:29 type"}},
		{"not boolean", header + "rules:\n  - {id: r, title: T, when: n + 1, message: {en: m}}\n", []string{"5:29 not-boolean"}},
		{"expression syntax", header + "rules:\n  - {id: r, title: T, when: a &&, message: {en: m}}\n", []string{"5:32 syntax"}},
		{"error inside a folded block", header + "rules:\n  - id: r\n    title: T\n    when: >-\n      a &&\n      n > \"x\"\n    message: {en: m}\n", []string{"9:7 type"}},
		{"question for unknown fact", header + "questions: {aa: {en: q}}\nrules: [{id: r, title: T, when: a, message: {en: m}}]\n", []string{"4:13 unknown-fact"}},
		{"then expression of the wrong type", header + "rules:\n  - {id: r, title: T, when: a, then: {until: n + 1}, message: {en: m}}\n", []string{"5:46 type"}},
		{"now() is not allowed", header + "rules:\n  - {id: r, title: T, when: now() > asOf, message: {en: m}}\n", []string{"5:29 type"}},
		{"two documents", header + "rules: [{id: r, title: T, when: a, message: {en: m}}]\n---\nruleset: u\n", []string{"5:1 syntax"}},
		{"empty file", "", []string{"1:1 syntax"}},
		{"test facts of the wrong type", header + "rules: [{id: r, title: T, when: a, message: {en: m}}]\ntests:\n  - name: x\n    asOf: 2026-01-01\n    facts: {a: yes please, group: {day: 2026-02-30}}\n    expect: {fired: [r, q]}\n",
			[]string{"8:16 facts", "8:41 facts", "9:25 schema"}},
		{"test without asOf", header + "rules: [{id: r, title: T, when: a, message: {en: m}}]\ntests:\n  - {name: x, facts: {a: true}, expect: {fired: [r]}}\n", []string{"6:5 facts"}},
		{"alias bomb", "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n", []string{"syntax"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set, err := load(file("f.yaml", tt.src))
			if set != nil || err == nil {
				t.Fatalf("load succeeded, want %v", tt.want)
			}
			var list rules.ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("error %T is not an ErrorList: %v", err, err)
			}
			var got []string
			for _, e := range list {
				if e.Pos.File != "f.yaml" {
					t.Errorf("problem %q names file %q", e, e.Pos.File)
				}
				got = append(got, posCode(e))
			}
			if len(tt.want) == 1 && tt.want[0] == "syntax" {
				if len(list) != 1 || list[0].Code != rules.CodeSyntax {
					t.Fatalf("got %v, want one syntax error", list)
				}
				return
			}
			if strings.Join(got, ", ") != strings.Join(tt.want, ", ") {
				t.Errorf("got  %s\nwant %s\n%v", strings.Join(got, ", "), strings.Join(tt.want, ", "), err)
			}
		})
	}
}

func posCode(e *rules.Error) string {
	return strings.TrimPrefix(e.Pos.String(), e.Pos.File+":") + " " + string(e.Code)
}

func TestLoadSuggestsNames(t *testing.T) {
	_, err := load(file("f.yaml", header+"params: {limit: 3}\nrules:\n  - {id: r, title: T, when: group.cuont > params.limt, message: {en: m}}\n"))
	msg := err.Error()
	for _, want := range []string{"did you mean group.count?", "did you mean limit?"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error does not suggest %q:\n%s", want, msg)
		}
	}
}

func TestLoadCollectsEveryFileAndSortsProblems(t *testing.T) {
	_, err := load(
		file("b.yaml", header+"rules: [{id: r, title: T, when: zz, message: {en: m}}]\n"),
		file("a.yaml", "ruleset: u\nversion: \"1\"\ndecision: test\nrules: [{id: r, title: T, when: yy, message: {en: m}}, {id: s, title: T, when: xx, message: {en: m}}]\n"),
	)
	problems := rules.Problems(err)
	var files []string
	for _, p := range problems {
		files = append(files, p.Pos.String())
	}
	if got := strings.Join(files, " "); got != "a.yaml:4:33 a.yaml:4:80 b.yaml:4:33" {
		t.Errorf("problems at %s", got)
	}
}

func TestLoadStandaloneTests(t *testing.T) {
	rs := header + "rules: [{id: r, title: T, when: a, message: {en: m}}]\n"
	set, err := load(file("t.yaml", rs), file("t.test.yaml", "ruleset: t\ntests:\n  - {name: x, asOf: 2026-01-01, facts: {a: true}, expect: {fired: [r]}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(rulestest.Tests(set.Ruleset("t"))); n != 1 {
		t.Fatalf("%d tests, want 1", n)
	}
	_, err = load(file("t.yaml", rs), file("u.test.yaml", "ruleset: tt\ntests:\n  - {name: x, asOf: 2026-01-01, facts: {}, expect: {fired: []}}\n"))
	if p := rules.Problems(err); len(p) != 1 || p[0].Code != rules.CodeUnknownSet || p[0].Pos.String() != "u.test.yaml:1:10" {
		t.Fatalf("got %v, want unknown-ruleset at u.test.yaml:1:10", err)
	}
}

func TestRulesetDigestAndMetadata(t *testing.T) {
	src := header + "title: Test\nrules: [{id: r, title: T, when: a, message: {en: m, de: n}}]\n"
	set, err := load(file("t.yaml", src))
	if err != nil {
		t.Fatal(err)
	}
	rs := set.Ruleset("t")
	if got := rs.Digest(); got != "sha256:"+sha256hex(src) {
		t.Errorf("digest %s", got)
	}
	if rs.Version() != "1" || rs.Title() != "Test" || rs.Rule("r").Message("de") != "n" || rs.Rule("r").Message("fr") != "m" {
		t.Errorf("metadata: %+v", rs.Ref())
	}
	other, _ := load(file("t.yaml", src+"# a comment changes the digest\n"))
	if other.Ruleset("t").Digest() == rs.Digest() {
		t.Error("digest does not follow the source bytes")
	}
}

func TestTestsOfABrokenRulesetAddNoProblem(t *testing.T) {
	_, err := load(
		file("t.yaml", header+"rules: [{id: r, title: T, when: zz, message: {en: m}}]\n"),
		file("t.test.yaml", "ruleset: t\ntests:\n  - {name: x, asOf: 2026-01-01, facts: {a: true}, expect: {fired: [r]}}\n"),
	)
	if p := rules.Problems(err); len(p) != 1 || p[0].Code != rules.CodeUnknownFact {
		t.Errorf("got %v, want only the unknown fact", err)
	}
}
