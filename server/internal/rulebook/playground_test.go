package rulebook

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"
)

func TestTryInThePlayground(t *testing.T) {
	shelf, err := Open("", Options{})
	if err != nil {
		t.Fatal(err)
	}
	src, err := shelf.Source("eligibility")
	if err != nil || !bytes.Contains(src, []byte("ruleset: msc-contraindications")) {
		t.Fatalf("the eligibility source: %v", err)
	}
	got := Try(context.Background(), src)
	if len(got.Problems) != 0 || got.Rules == 0 {
		t.Fatalf("the rules in force do not load in the playground: %v", got.Problems)
	}
	bad := bytes.Replace(src, []byte("oncologyWindowYears: 5"), []byte("oncologyWindowYears: [5"), 1)
	line := 1 + bytes.Count(src[:bytes.Index(src, []byte("oncologyWindowYears"))], []byte("\n"))
	got = Try(context.Background(), bad)
	if len(got.Problems) == 0 || !strings.HasPrefix(got.Problems[0], PlaygroundFile+":") {
		t.Fatalf("problems %v", got.Problems)
	}
	if !strings.Contains(strings.Join(got.Problems, "\n"), PlaygroundFile+":"+strconv.Itoa(line)+":") {
		t.Errorf("no problem at line %d: %v", line, got.Problems)
	}
	if shelf.Current().RulesOf("eligibility").Digest() == "" {
		t.Error("the rules in force changed")
	}
}
