package recommendations

import (
	"reflect"
	"testing"
)

// TestFixedTextsInEveryLocale: the leaflet's and the calendar's own words
// exist in English and Russian, each its own.
func TestFixedTextsInEveryLocale(t *testing.T) {
	en, ru := reflect.ValueOf(english), reflect.ValueOf(russian)
	for i := range en.NumField() {
		name := en.Type().Field(i).Name
		if en.Field(i).String() == "" || ru.Field(i).String() == "" || (name != "locale" && en.Field(i).String() == ru.Field(i).String()) {
			t.Errorf("field %s: en %q, ru %q", name, en.Field(i).String(), ru.Field(i).String())
		}
	}
	if noRuleReason["en"] == "" || noRuleReason["ru"] == "" {
		t.Error("the reason of a triage no rule decided lacks a locale")
	}
	for route := range ruRoutes {
		if textsIn("ru").routeName(route) == route || textsIn("en").routeName(route) != route {
			t.Errorf("route %s", route)
		}
	}
}
