package rules

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
)

// thenShape checks a kind's then: type and names its expression fields
// (ruleskit.Expr, told by exprType) by their then: key, with the type of
// the value each gives. A then: type is a struct whose exported fields have
// JSON names, or an empty struct for kinds whose rules need no then:.
func thenShape(t reflect.Type, exprType func(reflect.Type) (reflect.Type, bool)) (reflect.Type, map[string]reflect.Type, error) {
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
		if exprType == nil {
			continue
		}
		if v, ok := exprType(f.Type); ok {
			exprs[key] = v
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
// type, and gives each expression field its key. Expression values arrive
// as their source strings.
func decodeThen(k *kindBase, then map[string]any) (any, error) {
	t := k.thenType
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
		if _, isExpr := k.thenExprs[key]; isExpr && then[key] != nil {
			k.setExprKey(s.Field(i).Addr().Interface(), key)
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
