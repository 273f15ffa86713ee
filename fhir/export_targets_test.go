package fhir_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/reocell/celltherapy/fhir"
)

// The R4 StructureDefinitions as HL7 published them, from the npm package
// hl7.fhir.r4.examples@4.0.1 that .ci/run installs (outside the
// repository); npm unpacks its package/ folder as the module's root.
const r4ExamplesPackage = "hl7.fhir.r4.examples"

// r4Definitions returns the StructureDefinition of an R4 resource type.
// Without the package the test is skipped, saying why, except under
// CI=true, where it fails.
func r4Definition(t *testing.T, typ string) *structureDefinition {
	t.Helper()
	dir := filepath.Join(npmModules(), r4ExamplesPackage)
	sd, err := loadDefinition(dir, typ)
	if err != nil {
		if os.Getenv("CI") != "true" {
			t.Skipf("the R4 StructureDefinitions are not installed (%v): run the npm install line of .ci/run", err)
		}
		t.Fatalf("R4 StructureDefinitions: %v", err)
	}
	return sd
}

type structureDefinition struct {
	FHIRVersion string `json:"fhirVersion"`
	Snapshot    struct {
		Element []struct {
			Path string `json:"path"`
			Type []struct {
				Code          string   `json:"code"`
				TargetProfile []string `json:"targetProfile"`
			} `json:"type"`
		} `json:"element"`
	} `json:"snapshot"`
}

var definitions sync.Map // path -> *structureDefinition

func loadDefinition(dir, typ string) (*structureDefinition, error) {
	path := filepath.Join(dir, "StructureDefinition-"+typ+".json")
	if sd, ok := definitions.Load(path); ok {
		return sd.(*structureDefinition), nil
	}
	var pkg struct {
		Version string `json:"version"`
	}
	raw, err := os.ReadFile(filepath.Join(dir, "package.json"))
	if err == nil {
		err = json.Unmarshal(raw, &pkg)
	}
	if err != nil {
		return nil, err
	}
	if pkg.Version != "4.0.1" {
		return nil, os.ErrInvalid
	}
	raw, err = os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	sd := &structureDefinition{}
	if err := json.Unmarshal(raw, sd); err != nil {
		return nil, err
	}
	definitions.Store(path, sd)
	return sd, nil
}

// targets returns the resource types R4 allows a Reference at path to
// name; nil means any.
func (sd *structureDefinition) targets(path string) (allowed []string, found bool) {
	for _, e := range sd.Snapshot.Element {
		if e.Path != path {
			continue
		}
		for _, ty := range e.Type {
			if ty.Code != "Reference" {
				continue
			}
			for _, p := range ty.TargetProfile {
				name := p[strings.LastIndexByte(p, '/')+1:]
				if name == "Resource" {
					return nil, true
				}
				allowed = append(allowed, name)
			}
		}
		return allowed, true
	}
	return nil, false
}

// TestCaseBundleReferenceTargets checks every reference of every exported
// case against the target types R4 allows for its element.
func TestCaseBundleReferenceTargets(t *testing.T) {
	cases := map[string][]step{"booked": booked, "declined": declined, "refused": refused, "withdrawn": withdrawn,
		"donor": donor, "completed": completed, "culture-failed": cultureFailed, "revising": revising}
	checked := 0
	for name, steps := range cases {
		x := export(t, "case-"+name, steps)
		typeOf := map[string]string{}
		for _, e := range x.bundle["entry"].([]any) {
			e := e.(map[string]any)
			typeOf[e["fullUrl"].(string)] = e["resource"].(map[string]any)["resourceType"].(string)
		}
		for i, e := range x.bundle["entry"].([]any) {
			res := e.(map[string]any)["resource"].(map[string]any)
			typ := res["resourceType"].(string)
			sd := r4Definition(t, typ)
			elementRefs(res, typ, func(elem, ref string) {
				checked++
				allowed, found := sd.targets(elem)
				switch target := typeOf[ref]; {
				case !found:
					t.Errorf("%s entry[%d]: %s is not an element of R4 %s", name, i, elem, typ)
				case allowed != nil && !slices.Contains(allowed, target):
					t.Errorf("%s entry[%d]: %s names a %s; R4 allows %s", name, i, elem, target, strings.Join(allowed, ", "))
				}
			})
		}
	}
	if checked < 10 {
		t.Errorf("only %d references checked", checked)
	}
}

// elementRefs calls f with the element path (Type.element.child, without
// indices) of every Reference under v, leaving out extensions (whose
// valueReference may name any resource).
func elementRefs(v any, path string, f func(elem, ref string)) {
	switch v := v.(type) {
	case map[string]any:
		if s, ok := v["reference"].(string); ok {
			f(path, s)
			return
		}
		for k, w := range v {
			if k == "extension" || k == "modifierExtension" {
				continue
			}
			elementRefs(w, path+"."+k, f)
		}
	case []any:
		for _, w := range v {
			elementRefs(w, path, f)
		}
	}
}

// TestCaseBundlePatientUSCore checks what US Core Patient 6.1.0 requires
// of the exported Patient (no US Core package is reachable here, so the
// check is ours): an identifier with system and value, a gender of the
// administrative-gender codes, and a name with a family or given name or
// a data-absent-reason (us-core-6).
func TestCaseBundlePatientUSCore(t *testing.T) {
	p := export(t, "case-completed", completed).one(t, "Patient")
	ids, _ := p["identifier"].([]any)
	if len(ids) == 0 {
		t.Fatal("no identifier")
	}
	for _, id := range ids {
		id := id.(map[string]any)
		if id["system"] == nil || id["value"] == nil {
			t.Errorf("identifier %v: system and value are required", id)
		}
	}
	if g, _ := p["gender"].(string); !slices.Contains([]string{"male", "female", "other", "unknown"}, g) {
		t.Errorf("gender %q", g)
	}
	names, _ := p["name"].([]any)
	if len(names) == 0 {
		t.Fatal("no name")
	}
	for _, n := range names {
		n := n.(map[string]any)
		dar := false
		for _, e := range asSlice(n["extension"]) {
			if e := e.(map[string]any); e["url"] == fhir.DataAbsentReason && e["valueCode"] != nil {
				dar = true
			}
		}
		if n["family"] == nil && n["given"] == nil && !dar {
			t.Errorf("name %v: family, given or a data-absent-reason (us-core-6)", n)
		}
	}
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}
