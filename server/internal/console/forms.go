package console

import (
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/reocell/celltherapy/procedure"
)

// Field is one input of a command form, generated from the command's Go
// type: Name is its JSON path without "$." (such as "facts.oncology.active"),
// Kind how it is entered.
type Field struct {
	Name    string
	Kind    string // text, number, integer, datetime, date, checkbox, tristate, select, list
	Options []string
	Value   string
	Problem string // what the procedure said is wrong with it
	Facts   bool   // a patient fact: unknown unless answered
}

// ID is the field's element id in the form of command typ.
func (f Field) ID(typ string) string { return typ + "--" + strings.ReplaceAll(f.Name, ".", "-") }

// options are the allowed values of fields whose Go type does not list
// them (the procedure checks them), by the field's last JSON name.
var options = map[string][]string{
	"route":    {"intravenous", "intra-articular", "intrathecal", "subcutaneous", "local"},
	"therapy":  {"autologous", "allogeneic"},
	"source":   {"bone-marrow", "adipose"},
	"severity": {string(procedure.Mild), string(procedure.Moderate), string(procedure.Severe)},
	"result":   {string(procedure.Improved), string(procedure.Unchanged), string(procedure.Worsened)},
	"kind":     {string(procedure.Laboratory), string(procedure.Instrumental), string(procedure.Specialist)},
}

// listRows is how many rows a form offers for a list of structs (the
// diagnostic plan's measures); empty rows are left out.
const listRows = 3

var (
	timeType = reflect.TypeOf(time.Time{})
	headType = reflect.TypeOf(procedure.Header{})
)

// formFields returns the inputs of command cmd, in the order of its type.
func formFields(cmd procedure.Command) []Field {
	var out []Field
	walk(reflect.TypeOf(cmd).Elem(), "", false, &out)
	return out
}

func walk(t reflect.Type, prefix string, facts bool, out *[]Field) {
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if sf.Type == headType || !sf.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if sf.Anonymous && name == "" {
			walk(sf.Type, prefix, facts, out)
			continue
		}
		if name == "" {
			name = sf.Name
		}
		path := prefix + name
		fact := sf.Tag.Get("fact")
		ft := sf.Type
		isPtr := ft.Kind() == reflect.Pointer
		if isPtr {
			ft = ft.Elem()
		}
		f := Field{Name: path, Facts: facts || name == "facts" || name == "symptom"}
		switch {
		case ft == timeType && (fact == "date"):
			f.Kind = "date"
		case ft == timeType:
			f.Kind = "datetime"
		case ft.Kind() == reflect.Struct:
			walk(ft, path+".", f.Facts, out)
			continue
		case ft.Kind() == reflect.Bool && isPtr:
			f.Kind = "tristate"
		case ft.Kind() == reflect.Bool:
			f.Kind = "checkbox"
		case ft.Kind() == reflect.Float64:
			f.Kind = "number"
		case ft.Kind() == reflect.Int:
			f.Kind = "integer"
		case ft.Kind() == reflect.String && strings.HasPrefix(fact, "enum="):
			f.Kind, f.Options = "select", strings.Split(strings.TrimPrefix(fact, "enum="), "|")
		case ft.Kind() == reflect.String && name == "item":
			f.Kind = "select"
			for _, it := range procedure.ConsultationItems() {
				f.Options = append(f.Options, string(it))
			}
		case ft.Kind() == reflect.String && options[name] != nil:
			f.Kind, f.Options = "select", options[name]
		case ft.Kind() == reflect.String:
			f.Kind = "text"
		case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.String:
			f.Kind = "list"
		case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct:
			for row := 0; row < listRows; row++ {
				walk(ft.Elem(), fmt.Sprintf("%s.%d.", path, row), f.Facts, out)
			}
			continue
		default:
			continue
		}
		*out = append(*out, f)
	}
}

// commandJSON builds the command's JSON from a posted form: each field
// of the generated form converted to its JSON type, empty ones left out.
// A value that cannot be converted is a problem named by the field.
func commandJSON(typ procedure.CommandType, fields []Field, form url.Values, at time.Time, key string) ([]byte, map[string]string) {
	obj := map[string]any{"type": string(typ), "at": at.UTC().Format(time.RFC3339), "key": key}
	problems := map[string]string{}
	lists := map[string]bool{}
	for _, f := range fields {
		raw := strings.TrimSpace(form.Get(f.Name))
		var v any
		switch f.Kind {
		case "checkbox":
			if raw == "" {
				continue
			}
			v = raw == "true" || raw == "on"
		case "tristate":
			switch raw {
			case "true":
				v = true
			case "false":
				v = false
			default:
				continue
			}
		case "number", "integer":
			if raw == "" {
				continue
			}
			n, err := strconv.ParseFloat(raw, 64)
			if err != nil || (f.Kind == "integer" && n != float64(int64(n))) {
				problems[f.Name] = "is not a number"
				continue
			}
			v = n
		case "datetime":
			if raw == "" {
				continue
			}
			t, err := parseLocal(raw)
			if err != nil {
				problems[f.Name] = "is not a date and time, such as 2026-11-24T09:30"
				continue
			}
			v = t.Format(time.RFC3339)
		case "list":
			if raw == "" {
				continue
			}
			var items []any
			for _, s := range strings.Split(raw, ",") {
				if s = strings.TrimSpace(s); s != "" {
					items = append(items, s)
				}
			}
			v = items
		default:
			if raw == "" {
				continue
			}
			v = raw
		}
		set(obj, strings.Split(f.Name, "."), v, lists)
	}
	compact(obj, lists)
	data, _ := json.Marshal(obj)
	return data, problems
}

// set sets the value at path in obj, making the objects on the way; a
// numeric part makes a list row (compacted later).
func set(obj map[string]any, path []string, v any, lists map[string]bool) {
	m := obj
	for i, p := range path[:len(path)-1] {
		if _, err := strconv.Atoi(path[i+1]); err == nil && i+1 < len(path)-1 {
			lists[strings.Join(path[:i+1], ".")] = true
		}
		next, ok := m[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[p] = next
		}
		m = next
	}
	m[path[len(path)-1]] = v
}

// compact turns the rows of lists (objects keyed 0, 1, 2) into JSON lists
// in row order.
func compact(obj map[string]any, lists map[string]bool) {
	for path := range lists {
		parts := strings.Split(path, ".")
		m := obj
		for _, p := range parts[:len(parts)-1] {
			m, _ = m[p].(map[string]any)
			if m == nil {
				break
			}
		}
		if m == nil {
			continue
		}
		rows, _ := m[parts[len(parts)-1]].(map[string]any)
		var list []any
		for i := 0; i < listRows; i++ {
			if r, ok := rows[strconv.Itoa(i)]; ok {
				list = append(list, r)
			}
		}
		m[parts[len(parts)-1]] = list
	}
}

// parseLocal reads an <input type=datetime-local> value as UTC (the form
// says so), or an RFC 3339 instant.
func parseLocal(s string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", time.RFC3339} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("not a date and time: %q", s)
}

const localLayout = "2006-01-02T15:04"
