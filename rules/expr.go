package rules

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
)

// Expr is a then: value that is an expression, in a kind's then: type: the
// rule file gives its source, the loader compiles it (checking it gives a V),
// and a fired rule's Result holds its value. For example eligibility's
//
//	RescreenFrom rules.Expr[time.Time] `json:"rescreenFrom"`
//
// is written in a rule as rescreenFrom: addDays(oncology.lastTreatmentEnd, 1).
type Expr[V any] struct {
	key, src string
}

// Source returns the expression as written, or "" when the rule has none.
func (e Expr[V]) Source() string { return e.src }

// IsSet reports whether the rule gives this expression.
func (e Expr[V]) IsSet() bool { return e.key != "" }

// In returns the value the expression gave for a fired rule's result; ok is
// false when the rule has no such expression, did not fire, or the
// expression read unknown facts (Result.Missing names them).
func (e Expr[V]) In(r *Result) (v V, ok bool) {
	if e.key == "" {
		return v, false
	}
	x, ok := r.then(e.key)
	if !ok {
		return v, false
	}
	v, ok = x.(V)
	return v, ok
}

// MarshalJSON writes the expression's source.
func (e Expr[V]) MarshalJSON() ([]byte, error) { return json.Marshal(e.src) }

// UnmarshalJSON reads an expression's source; the loader compiles it.
func (e *Expr[V]) UnmarshalJSON(b []byte) error { return json.Unmarshal(b, &e.src) }

func (e *Expr[V]) setKey(key string)      { e.key = key }
func (*Expr[V]) resultType() reflect.Type { return reflect.TypeFor[V]() }

// exprField is what the loader sees of an Expr field of a then: type.
type exprField interface {
	setKey(key string)
	resultType() reflect.Type
}

var exprFieldType = reflect.TypeFor[exprField]()

// thenShape checks a kind's then: type and names its expression fields by
// their then: key. A then: type is a struct whose exported fields have JSON
// names, or an empty struct for kinds whose rules need no then:.
func thenShape(t reflect.Type) (reflect.Type, map[string]reflect.Type, error) {
	if t.Kind() != reflect.Struct {
		return nil, nil, fmt.Errorf("the then: type %s is not a struct", t)
	}
	exprs := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		key := jsonName(f)
		if key == "" {
			return nil, nil, fmt.Errorf("field %s of the then: type %s needs a json name", f.Name, t)
		}
		if reflect.PointerTo(f.Type).Implements(exprFieldType) {
			exprs[key] = reflect.New(f.Type).Interface().(exprField).resultType()
		}
	}
	return t, exprs, nil
}

// jsonName returns the JSON name of a struct field, or "" for "-".
func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	switch name {
	case "-":
		return ""
	case "":
		return f.Name
	}
	return name
}

// decodeThen decodes the literal then: of a rule into the kind's then:
// type, and gives each Expr field its key. Expression values arrive as
// their source strings.
func decodeThen(t reflect.Type, then map[string]any) (any, error) {
	v := reflect.New(t)
	if len(then) > 0 {
		if err := decodeInto(then, v.Interface(), true); err != nil {
			return nil, err
		}
	}
	s := v.Elem()
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		key := jsonName(f)
		if e, ok := s.Field(i).Addr().Interface().(exprField); ok {
			if _, given := then[key]; given && then[key] != nil {
				e.setKey(key)
			}
		}
	}
	return s.Interface(), nil
}

// decodeInto decodes plain data (as a rule file's YAML gives it) into dst;
// strict refuses names dst does not have.
func decodeInto(val any, dst any, strict bool) error {
	b, err := json.Marshal(val)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(dst); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return fmt.Errorf("%s: a %s does not fit here; give %s", strings.ReplaceAll(te.Field, ".", "/"), plainKind(te.Value), wanted(te.Type))
		}
		return errors.New(strings.TrimPrefix(err.Error(), "json: "))
	}
	return nil
}

// wanted says, for people, what a value of Go type t is written as.
func wanted(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "a whole number"
	case reflect.Float64, reflect.Float32:
		return "a number"
	case reflect.String:
		return "a text"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "a mapping"
	}
	return "another kind of value"
}

// plainKind names a JSON value kind for people.
func plainKind(v string) string {
	switch v {
	case "string":
		return "text"
	case "bool":
		return "boolean"
	case "array":
		return "list"
	case "object":
		return "map"
	}
	return v
}
