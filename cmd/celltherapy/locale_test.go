package main

import (
	"slices"
	"testing"
)

// TestDefaultRulesDeclareRussian: every default ruleset declares en and ru,
// so that the loader fails on any of its texts that lacks one (the loader's
// own tests show that it does).
func TestDefaultRulesDeclareRussian(t *testing.T) {
	set, err := loadRules(domains(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, rs := range set.Rulesets() {
		t.Run(rs.Name(), func(t *testing.T) {
			if !slices.Equal(rs.Locales(), []string{"en", "ru"}) {
				t.Errorf("locales %v, want [en ru]", rs.Locales())
			}
			for _, r := range rs.Rules() {
				if r.TitleIn("ru") == r.TitleIn("en") || r.Message("ru") == r.Message("en") {
					t.Errorf("rule %s has no Russian title or message", r.ID())
				}
			}
		})
	}
}
