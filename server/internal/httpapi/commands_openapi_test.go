package httpapi

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/reocell/celltherapy/eligibility"
	"github.com/reocell/celltherapy/procedure"
	"github.com/reocell/celltherapy/recommendations"
	"github.com/reocell/celltherapy/therapy"
)

var updateCommands = flag.Bool("update-commands", false, "rewrite the command schemas of openapi.json from the procedure's command types")

// The command bodies of openapi.json are generated from procedure's
// command structs (their JSON fields, types and which are required), with
// the constraints below that the procedure checks in code; this test fails
// when a command, a field or a constraint is missing or stale, and
// -update-commands rewrites them. Every schema carries an example that
// procedure.DecodeCommand accepts.
func TestCommandSchemasFollowTheProcedure(t *testing.T) {
	doc := decodeOrdered(t, OpenAPI())
	schemas := doc.get("components").(*object).get("schemas").(*object)
	want := commandSchemas(t)
	if *updateCommands {
		for _, kv := range want.kvs {
			schemas.set(kv.k, kv.v)
		}
		var buf bytes.Buffer
		writeOrdered(&buf, doc, "")
		buf.WriteByte('\n')
		if err := os.WriteFile("openapi.json", buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	for _, kv := range want.kvs {
		have := schemas.get(kv.k)
		if have == nil {
			t.Errorf("openapi.json has no schema %s; run go test ./server/internal/httpapi -run TestCommandSchemasFollowTheProcedure -update-commands", kv.k)
			continue
		}
		if a, b := plain(t, have), plain(t, kv.v); !reflect.DeepEqual(a, b) {
			t.Errorf("schema %s is stale; run go test ./server/internal/httpapi -run TestCommandSchemasFollowTheProcedure -update-commands\nhave %s\nwant %s", kv.k, a, b)
		}
	}
	// Every example in the document decodes as its command.
	for _, typ := range procedure.CommandTypes() {
		name := schemaName(typ)
		s, _ := schemas.get(name).(*object)
		if s == nil {
			continue
		}
		ex := plain(t, s.get("examples")).([]any)
		b, _ := json.Marshal(ex[0])
		cmd, err := procedure.DecodeCommand(b)
		if err != nil || cmd.Head().Type != typ {
			t.Errorf("the example of %s does not decode as it: %v", typ, err)
		}
	}
}

func schemaName(typ procedure.CommandType) string {
	c, _ := procedure.NewCommand(typ)
	return reflect.TypeOf(c).Elem().Name()
}

// commandSchemas returns the schema of every command, by its Go name, and
// Command: the oneOf of those a case's commands route takes.
func commandSchemas(t *testing.T) *object {
	out := &object{}
	one := &object{}
	var refs []any
	mapping := &object{}
	for _, typ := range procedure.CommandTypes() {
		c, _ := procedure.NewCommand(typ)
		name := schemaName(typ)
		ex, ok := commandExamples[typ]
		if !ok {
			t.Fatalf("command %s has no example in commandExamples", typ)
		}
		s := structSchema(t, typ, reflect.TypeOf(c).Elem())
		s.get("properties").(*object).set("expectedVersion", (&object{}).with("type", "integer").with("minimum", 0).
			with("description", "The case version the command is given against (as If-Match)."))
		s.set("examples", []any{decodeOrdered(t, []byte(ex))})
		obj := &object{}
		obj.set("type", "object")
		obj.set("description", "The "+string(typ)+" command (docs/procedure.md, Commands).")
		for _, kv := range s.kvs {
			if kv.k != "type" {
				obj.set(kv.k, kv.v)
			}
		}
		out.set(name, obj)
		if typ != procedure.CmdOpenCase {
			ref := "#/components/schemas/" + name
			refs = append(refs, (&object{}).with("$ref", ref))
			mapping.set(string(typ), ref)
		}
	}
	one.set("description", "A command to a case (docs/procedure.md, Commands), chosen by its type: every field with its type and constraints; the procedure checks the rest and names each bad field by its JSON path. expectedVersion, when given, is the case version the command is given against (as If-Match). open-case is given to POST /v1/cases instead.")
	one.set("oneOf", refs)
	one.set("discriminator", (&object{}).with("propertyName", "type").with("mapping", mapping))
	out.set("Command", one)
	return out
}

// constraints are what the procedure checks in code beyond a field's Go
// type, by command and JSON field ("*" for every command).
var constraints = map[string]map[string]*object{
	"*": {
		"at":  (&object{}).with("description", "When it happened (RFC 3339), in the years 1900 to 2199, not before the case's latest event."),
		"key": (&object{}).with("maxLength", 200).with("description", "Idempotency key: names this one command (see Idempotency-Key)."),
	},
	"open-case":             {"caseId": (&object{}).with("pattern", `^[A-Za-z0-9._:-]{1,100}$`).with("not", (&object{}).with("enum", []any{".", ".."}))},
	"record-consultation":   {"item": enum(procedure.ConsultationItems())},
	"record-consultation/*": {"kind": enum([]procedure.MeasureKind{procedure.Laboratory, procedure.Instrumental, procedure.Specialist})},
	"propose-plan": {
		"therapy":      enum([]string{"autologous", "allogeneic"}),
		"route":        enum(routeNames),
		"site":         (&object{}).with("description", "Required for every route but intravenous."),
		"cells":        (&object{}).with("exclusiveMinimum", 0),
		"procedures":   (&object{}).with("minimum", 1).with("maximum", 50),
		"intervalDays": (&object{}).with("minimum", 0).with("description", "Required, positive, with more than one procedure."),
	},
	"collect-biomaterial": {"source": enum([]string{"bone-marrow", "adipose"})},
	"release-product": {
		"cells":        (&object{}).with("exclusiveMinimum", 0),
		"checksPassed": (&object{}).with("const", true),
		"expires":      (&object{}).with("description", "When the product expires; left out, the release plus the param ProductViability."),
	},
	"administer": {
		"route": enum(routeNames),
		"site":  (&object{}).with("description", "The plan's site (compared without case and extra spaces)."),
		"cells": (&object{}).with("exclusiveMinimum", 0),
	},
	"review-side-effect":   {"report": (&object{}).with("minimum", 1)},
	"record-adverse-event": {"severity": enum([]procedure.Severity{procedure.Mild, procedure.Moderate, procedure.Severe})},
	"assess-effectiveness": {"result": enum([]procedure.Effect{procedure.Improved, procedure.Unchanged, procedure.Worsened})},
}

var routeNames = []string{"intravenous", "intra-articular", "intrathecal", "subcutaneous", "local"}

func enum[T ~string](vals []T) *object {
	out := make([]any, len(vals))
	for i, v := range vals {
		out[i] = string(v)
	}
	return (&object{}).with("enum", out)
}

// refs are the Go types whose schema is elsewhere in the document.
var refs = map[reflect.Type]string{
	reflect.TypeFor[eligibility.Facts]():       "#/components/schemas/EligibilityFacts",
	reflect.TypeFor[therapy.Facts]():           "#/components/schemas/TherapyFacts",
	reflect.TypeFor[recommendations.Symptom](): "#/components/schemas/TriageFacts/properties/symptom",
}

// structSchema is the object schema of a command struct's JSON fields
// (embedded structs inline): a field without omitempty is required.
func structSchema(t *testing.T, typ procedure.CommandType, st reflect.Type) *object {
	props, required := &object{}, []any{}
	var walk func(st reflect.Type, scope string)
	walk = func(st reflect.Type, scope string) {
		for f := range st.Fields() {
			if !f.IsExported() {
				continue
			}
			name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
			if f.Anonymous && name == "" {
				walk(f.Type, scope)
				continue
			}
			if name == "" || name == "-" {
				t.Fatalf("%s: field %s has no JSON name", typ, f.Name)
			}
			s := fieldSchema(t, typ, scope, f.Type)
			if f.Type.Kind() == reflect.String && f.Type != reflect.TypeFor[procedure.CommandType]() && opts != "omitempty" {
				s.set("minLength", 1)
			}
			if name == "type" {
				s = (&object{}).with("type", "string").with("const", string(typ))
			}
			for _, c := range []map[string]*object{constraints["*"], constraints[scope]} {
				if extra := c[name]; extra != nil {
					for _, kv := range extra.kvs {
						if kv.k == "enum" || kv.k == "const" {
							s.del("minLength")
						}
						s.set(kv.k, kv.v)
					}
				}
			}
			props.set(name, s)
			if opts != "omitempty" {
				required = append(required, name)
			}
		}
	}
	walk(st, string(typ))
	out := &object{}
	out.set("type", "object")
	out.set("required", required)
	out.set("properties", props)
	out.set("additionalProperties", false)
	return out
}

func fieldSchema(t *testing.T, typ procedure.CommandType, scope string, ft reflect.Type) *object {
	if ref, ok := refs[ft]; ok {
		return (&object{}).with("$ref", ref)
	}
	if ft.Kind() == reflect.Pointer {
		ft = ft.Elem()
	}
	switch {
	case ft == reflect.TypeFor[time.Time]():
		return (&object{}).with("type", "string").with("format", "date-time")
	case ft.Kind() == reflect.String:
		return (&object{}).with("type", "string")
	case ft.Kind() == reflect.Bool:
		return (&object{}).with("type", "boolean")
	case ft.Kind() == reflect.Int:
		return (&object{}).with("type", "integer")
	case ft.Kind() == reflect.Float64:
		return (&object{}).with("type", "number")
	case ft.Kind() == reflect.Slice:
		return (&object{}).with("type", "array").with("items", fieldSchema(t, typ, scope+"/*", ft.Elem()))
	case ft.Kind() == reflect.Struct:
		return structSchema(t, procedure.CommandType(scope), ft)
	}
	t.Fatalf("%s: a field of type %s has no schema", typ, ft)
	return nil
}

// commandExamples is one valid example of every command.
var commandExamples = map[procedure.CommandType]string{
	procedure.CmdOpenCase:            `{"type": "open-case", "at": "2026-11-02T09:00:00Z", "caseId": "case-1", "patient": "patient-17"}`,
	procedure.CmdBookAppointment:     `{"type": "book-appointment", "at": "2026-11-02T09:05:00Z", "reason": "left knee pain", "specialist": "orthopedist-2", "slot": "2026-11-05T10:00:00Z"}`,
	procedure.CmdCancelCase:          `{"type": "cancel-case", "at": "2026-11-03T09:00:00Z", "reason": "booked twice"}`,
	procedure.CmdRecordConsultation:  `{"type": "record-consultation", "at": "2026-11-05T10:50:00Z", "item": "diagnostic-plan", "text": "MRI", "measures": [{"id": "mri", "kind": "instrumental", "name": "MRI of the left knee"}]}`,
	procedure.CmdRecordMeasure:       `{"type": "record-measure-result", "at": "2026-11-12T08:00:00Z", "measure": "mri", "result": "cartilage wear, grade 2"}`,
	procedure.CmdCancelMeasure:       `{"type": "cancel-measure", "at": "2026-11-12T08:10:00Z", "measure": "cbc", "reason": "done last week elsewhere"}`,
	procedure.CmdScreen:              `{"type": "screen", "at": "2026-11-20T09:10:00Z", "facts": {"oncology": {"active": false, "everTreated": false}, "pregnant": false, "hiv": false}}`,
	procedure.CmdSelectTherapy:       `{"type": "select-therapy", "at": "2026-11-20T09:20:00Z", "facts": {"ownCells": {"sufficient": false}, "startBy": "2027-01-15", "condition": {"category": "orthopedic", "site": "left knee"}, "patient": {"weightKg": 78}}}`,
	procedure.CmdProposePlan:         `{"type": "propose-plan", "at": "2026-11-20T09:30:00Z", "therapy": "allogeneic", "route": "intra-articular", "site": "left knee", "cells": 50000000, "procedures": 2, "intervalDays": 7, "quorum": ["dr-a", "dr-b", "dr-c"]}`,
	procedure.CmdDecline:             `{"type": "decline", "at": "2026-11-20T09:30:00Z", "quorum": ["dr-a", "dr-b", "dr-c"], "reason": "cancer treatment less than five years ago"}`,
	procedure.CmdAgree:               `{"type": "agree", "at": "2026-11-21T10:00:00Z"}`,
	procedure.CmdRefuse:              `{"type": "refuse", "at": "2026-11-21T10:00:00Z", "reason": "two procedures are too many", "revise": true}`,
	procedure.CmdCollectBiomaterial:  `{"type": "collect-biomaterial", "at": "2026-11-23T10:00:00Z", "source": "bone-marrow"}`,
	procedure.CmdStartCulture:        `{"type": "start-culture", "at": "2026-11-23T12:00:00Z"}`,
	procedure.CmdFailCulture:         `{"type": "fail-culture", "at": "2026-12-10T12:00:00Z", "reason": "no growth after passage 2"}`,
	procedure.CmdAllocateLot:         `{"type": "allocate-lot", "at": "2026-11-22T10:00:00Z", "lot": "D-118"}`,
	procedure.CmdReleaseProduct:      `{"type": "release-product", "at": "2026-11-23T10:00:00Z", "lot": "D-118", "cells": 100000000, "checksPassed": true, "expires": "2027-02-21T10:00:00Z"}`,
	procedure.CmdAdminister:          `{"type": "administer", "at": "2026-11-25T09:30:00Z", "route": "intra-articular", "site": "left knee", "cells": 50000000, "lot": "D-118"}`,
	procedure.CmdReferToBoard:        `{"type": "refer-to-board", "at": "2026-11-25T09:40:00Z", "reason": "the dose must change"}`,
	procedure.CmdRecordContact:       `{"type": "record-contact", "at": "2026-11-26T11:00:00Z", "contact": "a1-day-1-call", "note": "feels well"}`,
	procedure.CmdRecordMissedContact: `{"type": "record-missed-contact", "at": "2026-11-28T11:00:00Z", "contact": "a1-day-3-call", "reason": "no answer; the week-1 visit covers it"}`,
	procedure.CmdReportSideEffect:    `{"type": "report-side-effect", "at": "2026-11-29T12:00:00Z", "symptom": {"name": "fever", "onset": "2026-11-25T20:00:00Z", "ongoing": true}}`,
	procedure.CmdReviewSideEffect:    `{"type": "review-side-effect", "at": "2026-11-29T13:00:00Z", "report": 26, "note": "seen; CRP normal"}`,
	procedure.CmdRecordAdverseEvent:  `{"type": "record-adverse-event", "at": "2026-12-03T10:00:00Z", "description": "swelling of the knee for two days", "severity": "mild"}`,
	procedure.CmdAssessEffectiveness: `{"type": "assess-effectiveness", "at": "2027-06-02T10:00:00Z", "result": "improved", "note": "walks without pain"}`,
	procedure.CmdComplete:            `{"type": "complete", "at": "2027-06-02T10:05:00Z"}`,
	procedure.CmdWithdraw:            `{"type": "withdraw", "at": "2026-11-30T12:00:00Z", "reason": "moved abroad"}`,
}

// object is a JSON object that keeps its keys' order, so that the
// document is rewritten with only the schemas changed.
type object struct{ kvs []kv }

type kv struct {
	k string
	v any
}

func (o *object) with(k string, v any) *object { o.set(k, v); return o }

func (o *object) get(k string) any {
	for _, kv := range o.kvs {
		if kv.k == k {
			return kv.v
		}
	}
	return nil
}

func (o *object) set(k string, v any) {
	for i := range o.kvs {
		if o.kvs[i].k == k {
			o.kvs[i].v = v
			return
		}
	}
	o.kvs = append(o.kvs, kv{k, v})
}

func (o *object) del(k string) {
	for i := range o.kvs {
		if o.kvs[i].k == k {
			o.kvs = append(o.kvs[:i], o.kvs[i+1:]...)
			return
		}
	}
}

// plain turns an ordered value into plain Go values, to compare.
func plain(t *testing.T, v any) any {
	var buf bytes.Buffer
	writeOrdered(&buf, v, "")
	var out any
	if err := json.Unmarshal(buf.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func decodeOrdered(t *testing.T, data []byte) *object {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var read func() any
	read = func() any {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		switch tok {
		case json.Delim('{'):
			o := &object{}
			for dec.More() {
				k, _ := dec.Token()
				o.kvs = append(o.kvs, kv{k.(string), read()})
			}
			dec.Token()
			return o
		case json.Delim('['):
			a := []any{}
			for dec.More() {
				a = append(a, read())
			}
			dec.Token()
			return a
		}
		return tok
	}
	return read().(*object)
}

// writeOrdered writes v as the document is formatted: two spaces of
// indent, no HTML escaping.
func writeOrdered(buf *bytes.Buffer, v any, indent string) {
	in := indent + "  "
	switch v := v.(type) {
	case *object:
		if len(v.kvs) == 0 {
			buf.WriteString("{}")
			return
		}
		buf.WriteString("{\n")
		for i, kv := range v.kvs {
			buf.WriteString(in)
			writeScalar(buf, kv.k)
			buf.WriteString(": ")
			writeOrdered(buf, kv.v, in)
			if i < len(v.kvs)-1 {
				buf.WriteByte(',')
			}
			buf.WriteByte('\n')
		}
		buf.WriteString(indent + "}")
	case []any:
		if len(v) == 0 {
			buf.WriteString("[]")
			return
		}
		buf.WriteString("[\n")
		for i, x := range v {
			buf.WriteString(in)
			writeOrdered(buf, x, in)
			if i < len(v)-1 {
				buf.WriteByte(',')
			}
			buf.WriteByte('\n')
		}
		buf.WriteString(indent + "]")
	default:
		writeScalar(buf, v)
	}
}

func writeScalar(buf *bytes.Buffer, v any) {
	if n, ok := v.(json.Number); ok {
		buf.WriteString(n.String())
		return
	}
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
	buf.Truncate(buf.Len() - 1)
}
