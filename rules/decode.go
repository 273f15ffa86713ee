package rules

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"slices"
	"strings"
	"time"
)

// FieldError is a problem with one value of an input, at its JSON path
// (such as $.oncology.lastTreatmentEnd in a set of facts, or
// $.measures[1].name in a case command), or for a value outside the body,
// the header or parameter it names (Idempotency-Key). It is the one type
// for a bad field from the domain to the wire: a kind's facts report it,
// procedure.InvalidError lists it, and the API's error body encodes it as
// {"path": ..., "message": ...}.
type FieldError struct {
	Path    string `json:"path"`
	Message string `json:"message"`
	err     error  // the cause, for errors.Is (ErrFactsTooLarge)
}

func (e *FieldError) Error() string { return e.Path + ": " + e.Message }

// Unwrap returns the cause of the problem, when it has one.
func (e *FieldError) Unwrap() error { return e.err }

// FieldErrors is every problem found in one input, in path order.
type FieldErrors []*FieldError

func (l FieldErrors) Error() string {
	msgs := make([]string, len(l))
	for i, e := range l {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// Unwrap returns the problems, for errors.Is and errors.As.
func (l FieldErrors) Unwrap() []error {
	out := make([]error, len(l))
	for i, e := range l {
		out[i] = e
	}
	return out
}

func (l *FieldErrors) add(path, format string, args ...any) {
	*l = append(*l, &FieldError{Path: path, Message: fmt.Sprintf(format, args...)})
}

func (l FieldErrors) err() error {
	if len(l) == 0 {
		return nil
	}
	slices.SortStableFunc(l, func(a, b *FieldError) int { return strings.Compare(a.Path, b.Path) })
	return l
}

// decodeJSON decodes a JSON object of facts into dst, a pointer to the
// vocabulary's struct. It is strict: unknown names, duplicate names, wrong
// types, values outside an enumeration or a fact's range, impossible dates
// and dates outside firstFactYear..lastFactYear are errors, all reported
// together as FieldErrors naming each offender's JSON path. An absent name or
// null leaves the fact unknown. Data longer than DefaultMaxFactsBytes is
// refused (see DecodeReader for another limit).
func (v *vocabulary) decodeJSON(data []byte, dst any) error {
	if rv := reflect.ValueOf(dst); int64(len(data)) <= DefaultMaxFactsBytes && rv.Kind() == reflect.Pointer && !rv.IsNil() && rv.Elem().Type() == v.typ && rv.Elem().IsZero() {
		// Well-formed facts take the fast path; anything it does not take,
		// or that fails the checks of facts built in Go, is decoded again
		// with care, which names every problem.
		if v.decodeFast(data, rv.Elem()) && v.validateAny(dst) == nil {
			return nil
		}
		rv.Elem().SetZero() // what the fast path set; the careful path starts afresh
	}
	return v.decodeCareful(data, dst)
}

// decodeCareful is DecodeJSON without the fast path: it reads the JSON token
// by token, within the size limit, and reports every problem.
func (v *vocabulary) decodeCareful(data []byte, dst any) error {
	return v.decodeReader(bytes.NewReader(data), dst, 0)
}

func (v *vocabulary) decodeFrom(r io.Reader, dst any) error {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	var errs FieldErrors
	val, err := readJSON(dec, "$", &errs)
	if err != nil {
		return FieldErrors{{Path: "$", Message: "not valid JSON: " + err.Error()}}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return FieldErrors{{Path: "$", Message: "more than one JSON value; send a single object"}}
	}
	if err := errs.err(); err != nil {
		return err
	}
	return v.decodeValue(val, dst)
}

// decodeValue decodes facts given as plain data (nested map[string]any, as
// from YAML or encoding/json) into dst, with the checks of DecodeJSON.
func (v *vocabulary) decodeValue(val any, dst any) error {
	rv := reflect.ValueOf(dst)
	if rv.Kind() != reflect.Pointer || rv.Elem().Type() != v.typ {
		return fmt.Errorf("rules: decode into %T, want *%s", dst, v.typ)
	}
	var errs FieldErrors
	if val != nil {
		v.decodeGroup(val, rv.Elem(), v.root, "", "$", &errs)
	}
	return errs.err()
}

func (v *vocabulary) decodeGroup(val any, dst reflect.Value, fields []vfield, prefix, path string, errs *FieldErrors) {
	obj, ok := val.(map[string]any)
	if !ok {
		errs.add(path, "want an object of facts, got %s", describe(val))
		return
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		i := slices.IndexFunc(fields, func(f vfield) bool { return f.name == k })
		if i < 0 {
			name := prefix + k
			errs.add(path+"."+k, "unknown fact %s%s", name, didYouMean(name, v.names()))
			continue
		}
		f, field := fields[i], dst.Field(fields[i].index)
		if obj[k] == nil {
			continue
		}
		if f.fact >= 0 {
			v.decodeFact(obj[k], f.fact, field, path+"."+k, errs)
			continue
		}
		p := reflect.New(field.Type().Elem())
		v.decodeGroup(obj[k], p.Elem(), f.fields, prefix+k+".", path+"."+k, errs)
		field.Set(p)
	}
}

func (v *vocabulary) decodeFact(val any, i int, field reflect.Value, path string, errs *FieldErrors) {
	f := v.facts[i]
	var out any
	switch f.Type {
	case typeBool:
		b, ok := val.(bool)
		if !ok {
			errs.add(path, "want true or false, got %s", describe(val))
			return
		}
		out = b
	case typeNumber, typeInteger:
		n, ok := number(val)
		if !ok {
			errs.add(path, "want a number, got %s", describe(val))
			return
		}
		if f.Type == typeNumber {
			out = n
			break
		}
		if n != math.Trunc(n) || math.Abs(n) > 1<<53 {
			errs.add(path, "want a whole number, got %v", n)
			return
		}
		out = int(n)
	case typeString:
		s, ok := val.(string)
		if !ok {
			errs.add(path, "want a string, got %s", describe(val))
			return
		}
		if len(f.Enum) > 0 && !slices.Contains(f.Enum, s) {
			errs.add(path, "%q is not one of %s%s", s, strings.Join(f.Enum, ", "), didYouMean(s, f.Enum))
			return
		}
		out = s
	case typeDate:
		s, ok := val.(string)
		if !ok {
			errs.add(path, "want a date as \"YYYY-MM-DD\", got %s", describe(val))
			return
		}
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			errs.add(path, "%q is not a date: want YYYY-MM-DD, a real calendar day", s)
			return
		}
		out = t
	case typeInstant:
		s, ok := val.(string)
		if !ok {
			errs.add(path, "want an instant such as \"2026-11-24T09:30:00+01:00\", got %s", describe(val))
			return
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			errs.add(path, "%q is not an RFC 3339 instant such as 2026-11-24T09:30:00+01:00", s)
			return
		}
		out = t
	}
	if msg := v.outOfBounds(i, out); msg != "" {
		errs.add(path, "%s", msg)
		return
	}
	p := reflect.New(field.Type().Elem())
	p.Elem().Set(reflect.ValueOf(out).Convert(p.Elem().Type()))
	field.Set(p)
}

func number(val any) (float64, bool) {
	switch n := val.(type) {
	case json.Number:
		f, err := n.Float64()
		return f, err == nil && !math.IsInf(f, 0)
	case float64:
		return n, true
	case int64:
		return float64(n), true
	case int:
		return float64(n), true
	}
	return 0, false
}

func describe(val any) string {
	switch x := val.(type) {
	case nil:
		return "null"
	case bool:
		return fmt.Sprint(x)
	case string:
		return fmt.Sprintf("the string %q", x)
	case json.Number, float64, int64, int:
		return fmt.Sprintf("the number %v", x)
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", val)
}

// maxJSONDepth bounds nesting so that hostile input cannot exhaust the stack.
const maxJSONDepth = 64

// readJSON reads one JSON value token by token, so that a name given twice in
// one object is reported (encoding/json keeps the last silently).
func readJSON(dec *json.Decoder, path string, errs *FieldErrors) (any, error) {
	return readJSONDepth(dec, path, errs, 0)
}

func readJSONDepth(dec *json.Decoder, path string, errs *FieldErrors, depth int) (any, error) {
	if depth > maxJSONDepth {
		return nil, fmt.Errorf("nested deeper than %d levels", maxJSONDepth)
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			obj := map[string]any{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k := kt.(string)
				val, err := readJSONDepth(dec, path+"."+k, errs, depth+1)
				if err != nil {
					return nil, err
				}
				if _, dup := obj[k]; dup {
					errs.add(path+"."+k, "given twice; keep one")
				}
				obj[k] = val
			}
			_, err := dec.Token()
			return obj, err
		case '[':
			// No fact is a list: its elements are read, to check the
			// syntax, but not kept, so that memory does not grow with them.
			for i := 0; dec.More(); i++ {
				if _, err := readJSONDepth(dec, path, errs, depth+1); err != nil {
					return nil, err
				}
			}
			_, err := dec.Token()
			return []any{}, err
		}
	}
	return tok, nil
}
