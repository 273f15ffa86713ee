package cdshooks

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSummaryAndMarkdown(t *testing.T) {
	tests := []struct {
		name, in string
		check    func(string) bool
	}{
		{"a short summary is kept", "MSC therapy contraindicated: Pregnancy", func(s string) bool { return s == "MSC therapy contraindicated: Pregnancy" }},
		{"a long summary is cut under 140 characters at a word", strings.Repeat("contraindication ", 20), func(s string) bool {
			return utf8.RuneCountInString(s) < 140 && strings.HasSuffix(s, "contraindication…")
		}},
		{"a long summary of Cyrillic letters counts characters, not bytes", strings.Repeat("противопоказание ", 20), func(s string) bool {
			return utf8.RuneCountInString(s) < 140 && utf8.ValidString(s)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := summary(tt.in); !tt.check(got) {
				t.Errorf("summary = %q (%d)", got, utf8.RuneCountInString(got))
			}
		})
	}
	if got := md("a|b *c* [x](javascript:y) <img>\nz"); got != `a\|b \*c\* \[x\](javascript:y) \<img\> z` {
		t.Errorf("md = %q", got)
	}
}
