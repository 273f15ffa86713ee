package fhir_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// FHIR.js (the npm package "fhir", pinned in .ci/run) validates a resource
// against the R4 structure definitions: required elements, element types
// and cardinality, and codes of required value sets, which the R4 JSON
// Schema does not check. The tests run it with node on the bundles.

// npmModules returns the node_modules .ci/run installs into.
func npmModules() string {
	if p := os.Getenv("CELLTHERAPY_NPM_MODULES"); p != "" {
		return p
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".cache", "celltherapy-npm", "node_modules")
}

// fhirjsMessage is one message of a FHIR.js validation.
type fhirjsMessage struct {
	Location, ResourceID, Severity, Message string
}

// fhirjs validates raw with FHIR.js. Without node or the package the test
// is skipped, saying why, except under CI=true, where it fails.
func fhirjs(t *testing.T, raw []byte) (valid bool, msgs []fhirjsMessage) {
	t.Helper()
	node, err := exec.LookPath("node")
	if err == nil {
		_, err = os.Stat(filepath.Join(npmModules(), "fhir", "package.json"))
	}
	if err != nil {
		if os.Getenv("CI") != "true" {
			t.Skipf("FHIR.js is not installed (%v): run the npm install line of .ci/run", err)
		}
		t.Fatalf("FHIR.js: %v", err)
	}
	cmd := exec.Command(node, filepath.Join("testdata", "validate-r4.js"))
	cmd.Env = append(os.Environ(), "NODE_PATH="+npmModules())
	cmd.Stdin = bytes.NewReader(raw)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("FHIR.js: %v: %s", err, stderr.String())
	}
	var res struct {
		Valid    bool            `json:"valid"`
		Messages []fhirjsMessage `json:"messages"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("FHIR.js output %q: %v", out, err)
	}
	return res.Valid, res.Messages
}

// tolerated are the FHIR.js messages an export may give: a code outside an
// example or extensible value set (our stage and order codes, the SNOMED CT
// route codes FHIR.js has no expansion of), and a value set it cannot find.
var tolerated = regexp.MustCompile(`^(Code ".*" \(.*\) not found in value set|Value set ".*" could not be found\.)$`)

// TestCaseBundleFHIRjs validates each case's bundle with FHIR.js: valid,
// with no error and no warning but a code outside a non-required value set.
func TestCaseBundleFHIRjs(t *testing.T) {
	cases := []struct {
		name  string
		steps []step
	}{
		{"booked", booked}, {"cancelled", cancelled}, {"declined", declined}, {"refused", refused}, {"in preparation", preparing},
		{"withdrawn", withdrawn}, {"donor", donor}, {"completed", completed}, {"culture failed", cultureFailed},
		{"revising", revising},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			x := export(t, "case-"+strings.ReplaceAll(tt.name, " ", "-"), tt.steps)
			valid, msgs := fhirjs(t, x.raw)
			if !valid {
				t.Error("FHIR.js finds the bundle invalid")
			}
			for _, m := range msgs {
				if m.Severity == "error" || !tolerated.MatchString(m.Message) {
					t.Errorf("%s %s: %s", m.Severity, m.Location, m.Message)
				}
			}
		})
	}
}

// TestFHIRjsRefuses shows FHIR.js fails what the export could get wrong.
func TestFHIRjsRefuses(t *testing.T) {
	tests := []struct{ name, resource string }{
		{"a Task status of another value set", `{"resourceType": "Task", "status": "booked", "intent": "order"}`},
		{"a Task without its intent", `{"resourceType": "Task", "status": "completed"}`},
		{"a Consent without its category", `{"resourceType": "Consent", "status": "active", "scope": {"text": "treatment"}}`},
		{"a CarePlan status of another value set", `{"resourceType": "CarePlan", "status": "booked", "intent": "plan", "subject": {"reference": "urn:uuid:1"}}`},
		{"a Procedure without its subject", `{"resourceType": "Procedure", "status": "completed"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			valid, msgs := fhirjs(t, []byte(tt.resource))
			if valid {
				t.Errorf("FHIR.js accepts %s: %v", tt.resource, msgs)
			}
		})
	}
}
