package fhir_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/reocell/celltherapy/fhir"
	"github.com/reocell/celltherapy/fhir/cdshooks"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// exported is a case's bundle as JSON, and its resources by type.
type exported struct {
	raw    []byte
	bundle map[string]any
	byType map[string][]map[string]any
}

func export(t *testing.T, caseID string, steps []step) exported {
	t.Helper()
	b, err := fhir.CaseBundle(history(t, caseID, steps), fhir.ExportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.MarshalIndent(b, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	x := exported{raw: raw, byType: map[string][]map[string]any{}}
	if err := json.Unmarshal(raw, &x.bundle); err != nil {
		t.Fatal(err)
	}
	for _, e := range x.bundle["entry"].([]any) {
		r := e.(map[string]any)["resource"].(map[string]any)
		typ := r["resourceType"].(string)
		x.byType[typ] = append(x.byType[typ], r)
	}
	return x
}

// one returns the only resource of a type, failing when there is not one.
func (x exported) one(t *testing.T, typ string) map[string]any {
	t.Helper()
	if n := len(x.byType[typ]); n != 1 {
		t.Fatalf("%d %s resources, want 1", n, typ)
	}
	return x.byType[typ][0]
}

// taskStatuses returns each stage's Task status.
func (x exported) taskStatuses() map[string]string {
	out := map[string]string{}
	for _, task := range x.byType["Task"] {
		code := task["code"].(map[string]any)["coding"].([]any)[0].(map[string]any)["code"].(string)
		out[code] = task["status"].(string)
	}
	return out
}

func TestCaseBundleStatuses(t *testing.T) {
	type want struct {
		appointment, carePlan, order, consent, product string
		tasks                                          map[string]string
	}
	tests := []struct {
		name  string
		steps []step
		want  want
	}{
		{"booked", booked, want{appointment: "booked", tasks: map[string]string{
			"booking": "completed", "consultation": "in-progress", "diagnostics": "requested", "board-review": "requested",
			"consent": "requested", "preparation": "requested", "administration": "requested", "follow-up": "requested"}}},
		{"cancelled before the consultation", cancelled, want{appointment: "cancelled", tasks: map[string]string{
			"booking": "completed", "consultation": "cancelled", "diagnostics": "cancelled", "follow-up": "cancelled"}}},
		{"no diagnostics needed", noMeasures, want{appointment: "fulfilled", tasks: map[string]string{
			"consultation": "completed", "diagnostics": "cancelled", "board-review": "in-progress", "consent": "requested"}}},
		{"declined", declined, want{appointment: "fulfilled", tasks: map[string]string{
			"booking": "completed", "consultation": "completed", "diagnostics": "completed", "board-review": "completed",
			"consent": "cancelled", "preparation": "cancelled", "administration": "cancelled", "follow-up": "cancelled"}}},
		{"awaiting consent", proposed, want{appointment: "fulfilled", carePlan: "draft", order: "draft", consent: "proposed",
			tasks: map[string]string{"board-review": "completed", "consent": "in-progress", "preparation": "requested"}}},
		{"refused", refused, want{appointment: "fulfilled", carePlan: "revoked", order: "revoked", consent: "rejected",
			tasks: map[string]string{"consent": "completed", "preparation": "cancelled"}}},
		{"in preparation", preparing, want{appointment: "fulfilled", carePlan: "active", order: "active", consent: "active",
			tasks: map[string]string{"consent": "completed", "preparation": "in-progress", "administration": "requested"}}},
		{"in culture", preparing, want{product: "unavailable", tasks: map[string]string{"preparation": "in-progress"}}},
		{"culture failed", cultureFailed, want{carePlan: "on-hold", order: "on-hold", consent: "active", product: "unavailable",
			tasks: map[string]string{"board-review": "in-progress", "consent": "requested", "preparation": "requested"}}},
		{"refused asking for a revision", revising, want{carePlan: "on-hold", order: "on-hold", consent: "rejected",
			tasks: map[string]string{"board-review": "in-progress", "consent": "requested", "preparation": "requested"}}},
		{"withdrawn in preparation", withdrawn, want{carePlan: "revoked", order: "revoked", consent: "inactive",
			tasks: map[string]string{"preparation": "cancelled", "administration": "cancelled"}}},
		{"donor lot released", donor, want{carePlan: "active", order: "active", consent: "active", product: "available",
			tasks: map[string]string{"preparation": "completed", "administration": "in-progress"}}},
		{"administering", administering, want{carePlan: "active", order: "active", product: "available",
			tasks: map[string]string{"administration": "in-progress", "follow-up": "requested"}}},
		{"completed", completed, want{appointment: "fulfilled", carePlan: "completed", order: "completed", consent: "active", product: "unavailable",
			tasks: map[string]string{
				"booking": "completed", "consultation": "completed", "diagnostics": "completed", "board-review": "completed",
				"consent": "completed", "preparation": "completed", "administration": "completed", "follow-up": "completed"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := export(t, "case-"+strings.ReplaceAll(tt.name, " ", "-"), tt.steps)
			check := func(typ, want string) {
				t.Helper()
				if want == "" {
					return
				}
				if got := x.one(t, typ)["status"]; got != want {
					t.Errorf("%s status %v, want %s", typ, got, want)
				}
			}
			check("Appointment", tt.want.appointment)
			check("CarePlan", tt.want.carePlan)
			check("ServiceRequest", tt.want.order)
			check("Consent", tt.want.consent)
			check("BiologicallyDerivedProduct", tt.want.product)
			// Neither validator checks CarePlan.intent (R4's care-plan-intent
			// is a subset of request-intent that both leave out).
			if tt.want.carePlan != "" && !slices.Contains([]any{"proposal", "plan", "order", "option"}, x.one(t, "CarePlan")["intent"]) {
				t.Errorf("CarePlan intent %v is not of R4's care-plan-intent", x.one(t, "CarePlan")["intent"])
			}
			got := x.taskStatuses()
			if len(got) != 8 {
				t.Errorf("%d stage tasks, want 8: %v", len(got), got)
			}
			for stage, want := range tt.want.tasks {
				if got[stage] != want {
					t.Errorf("Task %s status %s, want %s", stage, got[stage], want)
				}
			}
		})
	}
}

func TestCaseBundleNoPlanNoPlanResources(t *testing.T) {
	x := export(t, "case-booked", booked)
	for _, typ := range []string{"CarePlan", "ServiceRequest", "Consent", "Procedure", "BiologicallyDerivedProduct"} {
		if n := len(x.byType[typ]); n != 0 {
			t.Errorf("%d %s resources for a case only booked, want none", n, typ)
		}
	}
}

func TestCaseBundleEmptyHistory(t *testing.T) {
	if _, err := fhir.CaseBundle(nil, fhir.ExportOptions{}); !errors.Is(err, fhir.ErrNoHistory) {
		t.Fatalf("err = %v, want ErrNoHistory", err)
	}
}

func TestCaseBundleBadHistory(t *testing.T) {
	h := history(t, "case-bad", booked)
	h[1].Version = 5
	if _, err := fhir.CaseBundle(h, fhir.ExportOptions{}); err == nil || !strings.Contains(err.Error(), "case-bad/5") {
		t.Fatalf("err = %v, want one naming the event case-bad/5", err)
	}
}

// TestCaseBundleReferencesResolve checks that every reference of every
// case's bundle names an entry's fullUrl, that fullUrls are urn:uuid and
// unique, and that each resource's id is its fullUrl's uuid.
func TestCaseBundleReferencesResolve(t *testing.T) {
	cases := map[string][]step{"booked": booked, "declined": declined, "refused": refused, "withdrawn": withdrawn,
		"donor": donor, "completed": completed, "culture-failed": cultureFailed, "revising": revising}
	for name, steps := range cases {
		t.Run(name, func(t *testing.T) {
			x := export(t, "case-"+name, steps)
			urls := map[string]bool{}
			for i, e := range x.bundle["entry"].([]any) {
				e := e.(map[string]any)
				full := e["fullUrl"].(string)
				id := e["resource"].(map[string]any)["id"].(string)
				if full != "urn:uuid:"+id {
					t.Errorf("entry[%d]: fullUrl %s, resource id %s", i, full, id)
				}
				if urls[full] {
					t.Errorf("entry[%d]: fullUrl %s used twice", i, full)
				}
				urls[full] = true
			}
			refs := 0
			walk(x.bundle["entry"], "entry", func(path, ref string) {
				refs++
				if !urls[ref] {
					t.Errorf("%s: reference %q resolves to no entry", path, ref)
				}
			})
			if refs < len(urls) {
				t.Errorf("only %d references among %d resources", refs, len(urls))
			}
		})
	}
}

// walk calls f with every "reference" string under v and its JSON path.
func walk(v any, path string, f func(path, ref string)) {
	switch v := v.(type) {
	case map[string]any:
		for k, w := range v {
			if s, ok := w.(string); ok && k == "reference" {
				f(path+".reference", s)
				continue
			}
			walk(w, path+"."+k, f)
		}
	case []any:
		for i, w := range v {
			walk(w, path+"["+itoa(i)+"]", f)
		}
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestCaseBundleDeterministic(t *testing.T) {
	a := export(t, "case-7", completed)
	b := export(t, "case-7", completed)
	if !bytes.Equal(a.raw, b.raw) {
		t.Fatal("the same case exported twice gives different bundles")
	}
	other := export(t, "case-8", completed)
	if a.one(t, "CarePlan")["id"] == other.one(t, "CarePlan")["id"] {
		t.Error("two cases give their CarePlans the same id")
	}
}

func TestCaseBundleAdministration(t *testing.T) {
	x := export(t, "case-admin", completed)
	procs := x.byType["Procedure"]
	if len(procs) != 3 {
		t.Fatalf("%d Procedures, want a collection and two administrations", len(procs))
	}
	a := procs[1]
	if a["performedDateTime"] != "2026-12-21T09:30:00Z" {
		t.Errorf("performed %v", a["performedDateTime"])
	}
	raw, _ := json.Marshal(a)
	for _, want := range []string{`"code":"12130007"`, `"system":"http://snomed.info/sct"`, `"code":"{cells}"`, `"value":50000000`, `"text":"left knee"`} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("administration lacks %s: %s", want, raw)
		}
	}
	lot := x.one(t, "BiologicallyDerivedProduct")
	if got := lot["identifier"].([]any)[0].(map[string]any)["value"]; got != "A-2026-031" {
		t.Errorf("lot %v", got)
	}
	if _, bad := a["usedReference"]; bad {
		t.Error("usedReference names the lot: R4 allows Device, Medication and Substance only")
	}
	var used any
	for _, e := range a["extension"].([]any) {
		if e := e.(map[string]any); e["url"] == fhir.UsedExtension {
			used = e["extension"].([]any)[0].(map[string]any)["valueReference"].(map[string]any)["reference"]
		}
	}
	if used != "urn:uuid:"+lot["id"].(string) {
		t.Errorf("administration uses %v, want the lot in the R5 Procedure.used extension", used)
	}
	if lot["productCategory"] != "cells" || lot["quantity"] != float64(100000000) {
		t.Errorf("product %v", lot)
	}
	if src := lot["collection"].(map[string]any)["source"].(map[string]any)["reference"]; src != "urn:uuid:"+x.one(t, "Patient")["id"].(string) {
		t.Errorf("autologous product collected from %v, want the patient", src)
	}
}

func TestCaseBundleGolden(t *testing.T) {
	x := export(t, "case-1", completed)
	golden := filepath.Join("testdata", "export", "completed.bundle.json")
	if *update {
		if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, append(x.raw, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -run TestCaseBundleGolden -update)", err)
	}
	if !bytes.Equal(bytes.TrimSpace(want), x.raw) {
		t.Errorf("bundle differs from %s; run go test -run TestCaseBundleGolden -update and review the diff", golden)
	}
}

func TestCaseBundleDonorLot(t *testing.T) {
	x := export(t, "case-donor", donor)
	lot := x.one(t, "BiologicallyDerivedProduct")
	if got := lot["productCode"].(map[string]any)["text"]; !strings.Contains(got.(string), "allogeneic") {
		t.Errorf("product code %v, want allogeneic", got)
	}
	if src := lot["collection"].(map[string]any)["source"].(map[string]any); src["reference"] != nil || src["display"] != "donor" {
		t.Errorf("donor cells collected from %v, want the donor, not the patient", src)
	}
	if req := lot["request"].([]any)[0].(map[string]any)["reference"]; req != "urn:uuid:"+x.one(t, "ServiceRequest")["id"].(string) {
		t.Errorf("lot requested by %v, want the order", req)
	}
	// "local" has no one SNOMED CT code: the route is text only, unconfirmed.
	detail := x.one(t, "ServiceRequest")["orderDetail"].([]any)[0].(map[string]any)
	if detail["coding"] != nil || detail["text"] != "local" {
		t.Errorf("local route exported as %v, want the text only", detail)
	}
}

func TestCaseBundleRouteCodes(t *testing.T) {
	tests := []struct{ route, code string }{
		{"intravenous", "47625008"}, {"intra-articular", "12130007"}, {"intrathecal", "72607000"}, {"subcutaneous", "34206005"},
	}
	for _, tt := range tests {
		t.Run(tt.route, func(t *testing.T) {
			steps := clone(completed)
			for i := range steps {
				steps[i].cmd = strings.ReplaceAll(steps[i].cmd, `"route": "intra-articular"`, `"route": "`+tt.route+`"`)
			}
			steps[len(consulted)+1].cmd = strings.Replace(steps[len(consulted)+1].cmd, `"orthopedic"`, `"`+categoryFor(tt.route)+`"`, 1)
			x := export(t, "case-"+tt.route, steps)
			for _, p := range x.byType["Procedure"][1:] {
				ext := p["extension"].([]any)[0].(map[string]any)
				coding := ext["valueCodeableConcept"].(map[string]any)["coding"].([]any)[0].(map[string]any)
				if ext["url"] != fhir.RouteExtension || coding["system"] != "http://snomed.info/sct" || coding["code"] != tt.code {
					t.Errorf("route exported as %v, want SNOMED CT %s", ext, tt.code)
				}
			}
		})
	}
}

// categoryFor returns a condition category whose routes include route.
func categoryFor(route string) string {
	switch route {
	case "intravenous", "intrathecal":
		return "neurological"
	case "subcutaneous":
		return "dermatological"
	}
	return "orthopedic"
}

// TestMSCTherapyOrderIsTheCDSHooksCode keeps the exported order's code the
// one the CDS Hooks service recognises by default.
func TestMSCTherapyOrderIsTheCDSHooksCode(t *testing.T) {
	if got := cdshooks.DefaultOrderCodes(); len(got) != 1 || got[0] != fhir.MSCTherapyOrder() {
		t.Errorf("cdshooks.DefaultOrderCodes() = %v, fhir.MSCTherapyOrder() = %v", got, fhir.MSCTherapyOrder())
	}
}
