package rules

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

//go:embed schema/ruleset.schema.json
var schemaJSON []byte

// Schema returns the JSON Schema (draft 2020-12) of rule files, the file
// rules/schema/ruleset.schema.json that editors can use.
func Schema() []byte { return bytes.Clone(schemaJSON) }

const schemaURL = "https://github.com/reocell/celltherapy/rules/schema/ruleset.schema.json"

// schemaDoc is a compiled schema and its source, kept to name the keys an
// object allows when an unknown one is found.
type schemaDoc struct {
	schema *jsonschema.Schema
	raw    map[string]any // source documents by URL
}

func compileSchema(url string, src []byte, fragment string) (*schemaDoc, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(src))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	if err := c.AddResource(url, doc); err != nil {
		return nil, err
	}
	sch, err := c.Compile(url + fragment)
	if err != nil {
		return nil, err
	}
	return &schemaDoc{schema: sch, raw: map[string]any{url: doc}}, nil
}

// The two shapes of rule file, compiled once.
var (
	rulesetSchema  = sync.OnceValues(func() (*schemaDoc, error) { return compileSchema(schemaURL, schemaJSON, "#/$defs/ruleset") })
	testFileSchema = sync.OnceValues(func() (*schemaDoc, error) { return compileSchema(schemaURL, schemaJSON, "#/$defs/testFile") })
)

var printer = message.NewPrinter(language.English)

// validate checks d against s and reports each violation at the position
// of the offending value.
func (d *document) validate(s *schemaDoc, errs *ErrorList) bool {
	err := s.schema.Validate(d.value)
	if err == nil {
		return true
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		errs.add(Pos{File: d.file, Line: 1, Col: 1}, CodeSchema, "%v", err)
		return false
	}
	for _, leaf := range leaves(ve, nil) {
		ptr := ""
		for _, seg := range leaf.InstanceLocation {
			ptr += "/" + escapePointer(seg)
		}
		d.schemaError(s, leaf, ptr, errs)
	}
	return false
}

func leaves(ve *jsonschema.ValidationError, out []*jsonschema.ValidationError) []*jsonschema.ValidationError {
	if len(ve.Causes) == 0 {
		return append(out, ve)
	}
	for _, c := range ve.Causes {
		out = leaves(c, out)
	}
	return out
}

func (d *document) schemaError(s *schemaDoc, ve *jsonschema.ValidationError, ptr string, errs *ErrorList) {
	where := strings.TrimPrefix(ptr, "/")
	if where == "" {
		where = "the file"
	}
	switch k := ve.ErrorKind.(type) {
	case *kind.AdditionalProperties:
		allowed := s.allowedKeys(ve.SchemaURL)
		for _, p := range k.Properties {
			msg := fmt.Sprintf("unknown key %q%s", p, didYouMean(p, allowed))
			if len(allowed) > 0 {
				msg += "; allowed here: " + strings.Join(allowed, ", ")
			}
			errs.add(d.keyAt(ptr+"/"+escapePointer(p)), CodeSchema, "%s", msg)
		}
	case *kind.Required:
		for _, m := range k.Missing {
			errs.add(d.at(ptr), CodeSchema, "missing required key %q in %s", m, where)
		}
	case *kind.Type:
		errs.add(d.at(ptr), CodeSchema, "%s", typeMessage(where, d.valueAt(ptr), k))
	case *kind.Pattern:
		if strings.HasSuffix(ve.SchemaURL, "/params/propertyNames") {
			return // the loader reports a bad param name at its key
		}
		errs.add(d.at(ptr), CodeSchema, "%s: %q is not a valid name: use lower-case letters, digits and hyphens, starting with a letter", where, k.Got)
	default:
		errs.add(d.at(ptr), CodeSchema, "%s: %s", where, ve.ErrorKind.LocalizedString(printer))
	}
}

// allowedKeys returns the properties declared by the schema object whose
// additionalProperties keyword is at schemaURL.
func (s *schemaDoc) allowedKeys(schemaURL string) []string {
	base, frag, _ := strings.Cut(schemaURL, "#")
	var node any = s.raw[base]
	frag = strings.TrimSuffix(frag, "/additionalProperties")
	for _, seg := range strings.Split(strings.TrimPrefix(frag, "/"), "/") {
		if seg == "" {
			continue
		}
		m, ok := node.(map[string]any)
		if !ok {
			return nil
		}
		node = m[unescapePointer(seg)]
	}
	m, _ := node.(map[string]any)
	props, _ := m["properties"].(map[string]any)
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
