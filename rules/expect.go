package rules

import (
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// The keys a test's expect may name besides the decision's own: sets of
// rule ids and of facts, which the test runner compares itself.
var runnerKeys = []string{"clear", "fired", "missing", "undetermined"}

// checkExpect reports the keys of a test's expect (at ptr) that its kind's
// decision does not have, at any depth, and an outcome the kind never
// gives, each with a did-you-mean. A typo there would otherwise make the
// test fail, or pass without checking anything.
func checkExpect(d *document, ptr string, expect map[string]any, k *kindBase, errs *ErrorList) {
	if k.decision != nil {
		for _, key := range slices.Sorted(maps.Keys(expect)) {
			if slices.Contains(runnerKeys, key) {
				continue
			}
			checkKeys(d, ptr+"/"+escapePointer(key), key, expect[key], k.decision, key, errs)
		}
		top := append(jsonKeys(k.decision), runnerKeys...)
		slices.Sort(top)
		top = slices.Compact(top)
		for key := range expect {
			if !slices.Contains(top, key) {
				errs.add(d.keyAt(ptr+"/"+escapePointer(key)), codeExpect, "expect: %s is not part of the %s decision%s; it has: %s",
					key, k.name, didYouMean(key, top), strings.Join(top, ", "))
			}
		}
	}
	outcome, ok := expect["outcome"].(string)
	if ok && len(k.outcomes) > 0 && !slices.Contains(k.outcomes, outcome) {
		errs.add(d.at(ptr+"/outcome"), codeExpect, "outcome %s is not one the %s decision gives%s; it gives: %s",
			outcome, k.name, didYouMean(outcome, k.outcomes), strings.Join(k.outcomes, ", "))
	}
}

// checkKeys checks the value v of the test at ptr (the decision's key path
// where) against the field named key of the struct type parent.
func checkKeys(d *document, ptr, where string, v any, parent reflect.Type, key string, errs *ErrorList) {
	t, ok := jsonField(parent, key)
	if !ok {
		return // reported by the caller
	}
	t = deepElem(t)
	switch x := v.(type) {
	case []any:
		if t.Kind() != reflect.Slice && t.Kind() != reflect.Array {
			return
		}
		elem := deepElem(t.Elem())
		for i, item := range x {
			if m, ok := item.(map[string]any); ok && isPlainStruct(elem) {
				checkObject(d, ptr+"/"+strconv.Itoa(i), where+"["+strconv.Itoa(i)+"]", m, elem, errs)
			}
		}
	case map[string]any:
		if isPlainStruct(t) {
			checkObject(d, ptr, where, x, t, errs)
		}
	}
}

func checkObject(d *document, ptr, where string, m map[string]any, t reflect.Type, errs *ErrorList) {
	keys := jsonKeys(t)
	for _, key := range slices.Sorted(maps.Keys(m)) {
		if !slices.Contains(keys, key) {
			errs.add(d.keyAt(ptr+"/"+escapePointer(key)), codeExpect, "expect: %s has no key %s%s; it has: %s",
				where, key, didYouMean(key, keys), strings.Join(keys, ", "))
			continue
		}
		checkKeys(d, ptr+"/"+escapePointer(key), where+"."+key, m[key], t, key, errs)
	}
}

func deepElem(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

var marshalerType = reflect.TypeFor[json.Marshaler]()

// isPlainStruct reports whether t is a struct encoded field by field, whose
// JSON keys its fields tell.
func isPlainStruct(t reflect.Type) bool {
	return t.Kind() == reflect.Struct && !t.Implements(marshalerType) && !reflect.PointerTo(t).Implements(marshalerType)
}

// jsonKeys returns the JSON keys of the struct type t, sorted, embedded
// structs' keys included.
func jsonKeys(t reflect.Type) []string {
	t = deepElem(t)
	var keys []string
	for _, f := range reflect.VisibleFields(t) {
		if name, ok := jsonKey(f); ok {
			keys = append(keys, name)
		}
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}

func jsonField(t reflect.Type, key string) (reflect.Type, bool) {
	t = deepElem(t)
	if t.Kind() != reflect.Struct {
		return nil, false
	}
	for _, f := range reflect.VisibleFields(t) {
		if name, ok := jsonKey(f); ok && name == key {
			return f.Type, true
		}
	}
	return nil, false
}

// jsonKey returns the key encoding/json gives the field f, if any.
func jsonKey(f reflect.StructField) (string, bool) {
	if !f.IsExported() || (f.Anonymous && deepElem(f.Type).Kind() == reflect.Struct && f.Tag.Get("json") == "") {
		return "", false // unexported, or embedded: its fields are visible
	}
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	switch name {
	case "-":
		return "", false
	case "":
		return f.Name, true
	}
	return name, true
}
