package rules

import (
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// Locales returns the languages the ruleset gives every text in (locales:
// in the file), "en" first; a ruleset that declares none has only "en".
func (rs *Ruleset) Locales() []string { return slices.Clone(rs.locales) }

// parseLocales reads locales: of d into rs and checks that every text of
// the ruleset is given in each: rule titles written as texts, messages,
// questions, and the ruleskit.Text values of the kind's params (such as the purpose
// of a scheduled contact). A missing translation is reported at the text.
func parseLocales(d *document, rs *Ruleset, errs *ErrorList) {
	rs.locales = []string{"en"}
	list, _ := d.valueAt("/locales").([]any)
	if len(list) > 0 && !slices.Contains(list, any("en")) {
		errs.add(d.at("/locales"), CodeLocale, "locales must include en: English is every text's fallback")
	}
	for _, l := range list {
		if s, ok := l.(string); ok && !slices.Contains(rs.locales, s) {
			rs.locales = append(rs.locales, s)
		}
	}
	if len(rs.locales) == 1 {
		return
	}
	check := func(ptr string, t localized) {
		for _, l := range rs.locales {
			if t[l] == "" {
				errs.add(d.at(ptr), CodeLocale, "this text has no %s: the ruleset declares locales %s; add %s: with the text in that language",
					l, strings.Join(rs.locales, ", "), l)
			}
		}
	}
	rules, _ := d.valueAt("/rules").([]any)
	for i, item := range rules {
		m, _ := item.(map[string]any)
		ptr := "/rules/" + strconv.Itoa(i)
		if _, isText := m["title"].(map[string]any); isText {
			check(ptr+"/title", text(m["title"]))
		}
		check(ptr+"/message", text(m["message"]))
	}
	for fact, q := range rs.questions {
		check("/questions/"+escapePointer(fact), q)
	}
	if rs.paramsTyped != nil {
		walkTexts(reflect.ValueOf(rs.paramsTyped), rs.kind.textType, "/params", check)
	}
}

var localizedType = reflect.TypeFor[localized]()

// walkTexts calls f with the JSON pointer of every text in v (a value of
// type textType, ruleskit.Text), a value decoded from a rule file (struct
// fields by their JSON names).
func walkTexts(v reflect.Value, textType reflect.Type, ptr string, f func(string, localized)) {
	if textType != nil && v.Type() == textType {
		f(ptr, v.Convert(localizedType).Interface().(localized))
		return
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			walkTexts(v.Elem(), textType, ptr, f)
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			walkTexts(v.Index(i), textType, ptr+"/"+strconv.Itoa(i), f)
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			if k.Kind() == reflect.String {
				walkTexts(v.MapIndex(k), textType, ptr+"/"+escapePointer(k.String()), f)
			}
		}
	case reflect.Struct:
		for i := range v.NumField() {
			sf := v.Type().Field(i)
			if !sf.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			if name == "" {
				name = sf.Name
			}
			walkTexts(v.Field(i), textType, ptr+"/"+escapePointer(name), f)
		}
	}
}
