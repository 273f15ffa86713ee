package rules_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/reocell/celltherapy/rules"
	"github.com/reocell/celltherapy/rules/lint"
	"github.com/reocell/celltherapy/rules/ruleskit"
)

// analysisSrc is a ruleset that Analyze finds nothing wrong with; each
// case of TestAnalyze changes one part of it.
var analysisSrc = header + `params:
  limit: 3
questions:
  a: {en: A}
  b: {en: B}
  color: {en: Color}
  n: {en: N}
rules:
  - id: r1
    title: T
    when: a || b
    message: {en: m}
  - id: r2
    title: T
    when: color == "red" && n > params.limit
    message: {en: m}
  - id: always
    title: T
    when: true
    message: {en: m}
  - id: also-always
    title: T
    when: true
    message: {en: m}
`

func TestAnalyze(t *testing.T) {
	tests := []struct {
		name     string
		old, new string   // replaced in analysisSrc
		want     []string // "line:col code", in order
		message  string   // in the first warning
	}{
		{name: "clean ruleset stays quiet"},
		{name: "param no rule reads", old: "  limit: 3\n", new: "  limit: 3\n  spare: 1\n",
			want: []string{"6:3 unused-param"}, message: "param spare is not read by any rule"},
		{name: "param read only by a then: expression is read", old: "  limit: 3\n", new: "  limit: 3\n  days: 1\n",
			want: nil},
		{name: "question for a fact no rule reads", old: "  n: {en: N}\n", new: "  n: {en: N}\n  c: {en: C}\n",
			want: []string{"11:3 unused-question"}, message: "question for fact c"},
		{name: "fact read without a question", old: "  b: {en: B}\n", new: "",
			want: []string{"13:11 no-question"}, message: "rule r1 reads fact b, which has no question"},
		{name: "enum fact compared with a value outside its enum", old: `color == "red"`, new: `color == "blue"`,
			want: []string{"18:11 never-true"}, message: `"blue" is not one of the values of color (red, green)`},
		{name: "enum fact not equal to a value outside its enum", old: `color == "red" && n > params.limit`, new: `color != "blue" || a`,
			want: []string{"18:11 always-true"}, message: `"blue" is not one of the values of color`},
		{name: "in a list of every value of the enum", old: `color == "red" && n > params.limit`, new: `color in ["green", "red"]`,
			want: []string{"18:11 always-true"}, message: "these are all the values of color"},
		{name: "in a list of none of the values", old: `color == "red" && n > params.limit`, new: `color in ["blue"] && a`,
			want: []string{"18:11 never-true"}, message: "none of these is a value of color"},
		{name: "whole number compared with a fraction", old: `color == "red" && n > params.limit`, new: `group.count == 2.5`,
			want: []string{"18:11 never-true"}, message: "group.count is a whole number"},
		{name: "a date compared with itself", old: `color == "red" && n > params.limit`, new: `color == "red" && group.day < group.day`,
			want: []string{"18:11 never-true"}, message: "group.day < group.day compares a value with itself"},
		{name: "a part and its negation", old: "a || b", new: "a || !a",
			want: []string{"14:11 always-true"}, message: "whatever the values of the facts it reads"},
		{name: "a contradiction", old: "a || b", new: "b && !b && a",
			want: []string{"14:11 never-true"}},
		{name: "a param that switches a rule off", old: `color == "red" && n > params.limit`, new: `a && params.limit > 5`,
			want: []string{"18:11 never-true"}, message: "params.limit > 5 is always false"},
		{name: "two rules with the same condition", old: `color == "red" && n > params.limit`, new: "(a ||\n      b)",
			want: []string{"18:11 duplicate-condition"}, message: "rule r2 has the same condition as rule r1 (line 12)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := analysisSrc
			if tt.old != "" {
				if !strings.Contains(src, tt.old) {
					t.Fatalf("source lacks %q", tt.old)
				}
				src = strings.Replace(src, tt.old, tt.new, 1)
			}
			if tt.name == "param read only by a then: expression is read" {
				src += "  - {id: r5, title: T, when: a, then: {until: 'addDays(asOf, params.days)'}, message: {en: m}}\n"
			}
			set, err := load(file("t.yaml", src))
			if err != nil {
				t.Fatalf("%v\n%s", err, src)
			}
			// A change may also leave a fact or param unread; each case
			// checks the warnings of the kind it is about.
			var got []string
			var first *lint.Warning
			for _, w := range lint.Analyze(set) {
				if tt.want != nil && !strings.HasSuffix(tt.want[0], " "+string(w.Code)) {
					continue
				}
				if first == nil {
					first = &w
				}
				got = append(got, fmt.Sprintf("%d:%d %s", w.Pos.Line, w.Pos.Col, w.Code))
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("warnings:\n%s\nwant:\n%s\nall: %v", strings.Join(got, "\n"), strings.Join(tt.want, "\n"), lint.Analyze(set))
			}
			if first != nil && (!strings.Contains(first.Message, tt.message) || !strings.HasPrefix(first.String(), "t.yaml:")) {
				t.Errorf("warning %q lacks %q", first, tt.message)
			}
		})
	}
}

// TestAnalyzeCountsWhatTheKindReads checks that a param or question the
// kind's own code reads (a field of its params type, Spec.Reads) is not
// reported unused.
func TestAnalyzeCountsWhatTheKindReads(t *testing.T) {
	src := strings.Replace(analysisSrc, "  limit: 3\n", "  limit: 3\n  spare: 1\n", 1)
	src = strings.Replace(src, "  n: {en: N}\n", "  n: {en: N}\n  c: {en: C}\n", 1)
	type spareParams struct {
		Spare int `json:"spare"`
	}
	noDecision := func(context.Context, *rules.Ruleset, testFacts, ...rules.Option) (any, error) { return nil, nil }
	for _, tt := range []struct {
		kind rules.Kind
		want int
	}{
		{ruleskit.MustKind(ruleskit.Spec[testFacts, any]{Then: testThen{}, Params: map[string]any{}, Name: "test", Decide: noDecision}), 2},
		{ruleskit.MustKind(ruleskit.Spec[testFacts, any]{Then: testThen{}, Params: spareParams{}, Name: "test", Decide: noDecision, Reads: []string{"c"}}), 0},
	} {
		set, err := (&rules.Loader{Kinds: []rules.Kind{tt.kind}}).Load(file("t.yaml", src))
		if err != nil {
			t.Fatal(err)
		}
		if got := lint.Analyze(set); len(got) != tt.want {
			t.Errorf("kind %T: warnings %v, want %d", tt.kind, got, tt.want)
		}
	}
	if _, err := ruleskit.NewKind(ruleskit.Spec[testFacts, any]{Then: testThen{}, Params: map[string]any{}, Name: "x", Decide: noDecision, Reads: []string{"nothere"}}); err == nil {
		t.Error("a kind that reads an unknown fact was accepted")
	}
}
