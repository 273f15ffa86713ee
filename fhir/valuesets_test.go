package fhir

import (
	"encoding/json"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/reocell/celltherapy/rules"
)

const icd10cm = "http://hl7.org/fhir/sid/icd-10-cm"

// facts screens one active, confirmed condition per coding with the
// default tables and returns the facts as JSON (asOf left out).
func factsOf(t *testing.T, m *Mapper, resources ...string) (string, *Extract) {
	t.Helper()
	x, err := m.FromBundle(bundleOf(resources...), Options{AsOf: asOf})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(x.Facts)
	if err != nil {
		t.Fatal(err)
	}
	var facts map[string]any
	if err := json.Unmarshal(raw, &facts); err != nil {
		t.Fatal(err)
	}
	delete(facts, "asOf")
	raw, _ = json.Marshal(facts)
	return string(raw), x
}

// TestDefaultValueSets checks that the shipped tables hold the codes EHRs
// record for each fact, by range, prefix or code, in WHO ICD-10 and
// ICD-10-CM alike, and what they leave out.
func TestDefaultValueSets(t *testing.T) {
	tests := []struct {
		system, code string
		want         string // the facts of one active, confirmed Condition
	}{
		// Cancer: a category matches its children, in both ICD-10 systems.
		{icd10cm, "C50.911", `{"oncology":{"active":true}}`},
		{icd10cm, "C34.90", `{"oncology":{"active":true}}`},
		{icd10, "C34.9", `{"oncology":{"active":true}}`},
		{icd10cm, "C4A.9", `{"oncology":{"active":true}}`},
		{icd10, "C97", `{"oncology":{"active":true}}`},
		{icd10cm, "c92.00", `{"oncology":{"active":true}}`},
		{sct, "254637007", `{"oncology":{"active":true}}`},
		{sct, "91861009", `{"oncology":{"active":true}}`},
		{sct, "109838007", `{"oncology":{"active":true}}`},
		{sct, "424132000", `{"oncology":{"active":true}}`},
		{sct, "314994000", `{"oncology":{"active":true}}`},
		{sct, "94260004", `{"oncology":{"active":true}}`},
		{sct, "93761005", `{"oncology":{"active":true}}`},
		{sct, "254632001", `{"oncology":{"active":true}}`},
		{sct, "67811000119102", `{"oncology":{"active":true}}`},
		// In situ: asked, not assumed.
		{icd10cm, "D05.10", `{}`},
		{icd10, "D09.9", `{}`},
		// Benign neoplasms: not cancer.
		{icd10, "D10.0", `{}`},
		// Pregnancy, without the puerperium and sequelae.
		{icd10cm, "O09.891", `{"pregnant":true}`},
		{icd10cm, "O9A.111", `{"pregnant":true}`},
		{icd10cm, "Z3A.20", `{"pregnant":true}`},
		{icd10cm, "Z34.90", `{"pregnant":true}`},
		{icd10, "Z33", `{"pregnant":true}`},
		{icd10cm, "Z33.1", `{"pregnant":true}`},
		{icd10cm, "O85", `{}`},
		{icd10cm, "O92.5", `{}`},
		{icd10cm, "O94", `{}`},
		{icd10, "O99.8", `{"pregnant":true}`},
		// HIV, immunodeficiency, clotting.
		{icd10, "B22.7", `{"hiv":true}`},
		{icd10cm, "B20", `{"hiv":true}`},
		{icd10cm, "Z21", `{"hiv":true}`},
		{icd10cm, "D84.821", `{"immunodeficiency":true}`},
		{icd10, "D80.0", `{"immunodeficiency":true}`},
		{icd10cm, "D68.01", `{"clottingDisorder":true}`},
		{icd10, "D65", `{"clottingDisorder":true}`},
		{icd10cm, "D69.6", `{"clottingDisorder":true}`},
		// Inflammation in SNOMED CT too.
		{sct, "233604007", `{"acuteInflammation":true}`},
		{sct, "91302008", `{"acuteInflammation":true}`},
		{icd10cm, "A41.9", `{"acuteInflammation":true}`},
		{icd10cm, "J18.9", `{"acuteInflammation":true}`},
		// Schizophrenia and psychoses: asked, never true on their own.
		{icd10, "F20.0", `{}`},
		{icd10cm, "F29", `{}`},
		{icd10, "F23.9", `{}`},
		{sct, "58214004", `{}`},
		// A WHO code is not an ICD-10-CM code: the systems stay apart.
		{icd10cm, "F05.9", `{}`},
	}
	m := NewMapper(nil)
	for _, tt := range tests {
		t.Run(tt.system[strings.LastIndexByte(tt.system, '/')+1:]+" "+tt.code, func(t *testing.T) {
			got, _ := factsOf(t, m, cond("c1", tt.system, tt.code, "active", "confirmed", ""))
			if got != tt.want {
				t.Errorf("facts %s, want %s", got, tt.want)
			}
		})
	}
}

// TestAskCodesNeverTrue checks that a code of an ask: set leaves its fact
// unknown, outranking a screening "no", and never makes it true.
func TestAskCodesNeverTrue(t *testing.T) {
	m := NewMapper(nil)
	no := obs("o1", screenQ, "mental-state-unstable", "final", "2026-11-20", `"valueBoolean":false`)
	yes := obs("o1", screenQ, "mental-state-unstable", "final", "2026-11-20", `"valueBoolean":true`)
	got, x := factsOf(t, m, cond("c1", icd10, "F20.0", "active", "confirmed", ""), no)
	if got != `{}` || len(x.Open["mentalStateUnstable"]) != 1 || x.Open["mentalStateUnstable"][0].Reference != "Condition/c1" {
		t.Errorf("schizophrenia and a screening no: facts %s, open %v; want unknown, open by Condition/c1", got, x.Open)
	}
	if got, _ := factsOf(t, m, cond("c1", icd10, "F20.0", "active", "confirmed", ""), yes); got != `{"mentalStateUnstable":true}` {
		t.Errorf("schizophrenia and a screening yes: facts %s", got)
	}
	if got, _ := factsOf(t, m, no); got != `{"mentalStateUnstable":false}` {
		t.Errorf("a screening no alone: facts %s", got)
	}
}

// TestRecordOutranksNo checks that an active record that is neither
// confirmed nor refuted keeps its fact from being false.
func TestRecordOutranksNo(t *testing.T) {
	m := NewMapper(nil)
	no := obs("o1", screenQ, "oncology-active", "final", "2026-11-20", `"valueBoolean":false`)
	for _, ver := range []string{"provisional", "differential", "unconfirmed", ""} {
		got, x := factsOf(t, m, cond("c1", sct, "254637007", "active", ver, ""), no)
		if got != `{}` || len(x.Open["oncology.active"]) != 1 {
			t.Errorf("verification %q and a screening no: facts %s, open %v; want unknown", ver, got, x.Open)
		}
	}
	for _, ver := range []string{"refuted", "entered-in-error"} {
		if got, _ := factsOf(t, m, cond("c1", sct, "254637007", "active", ver, ""), no); got != `{"oncology":{"active":false}}` {
			t.Errorf("verification %q and a screening no: facts %s; want the no to stand", ver, got)
		}
	}
	if got, _ := factsOf(t, m, cond("c1", sct, "254637007", "resolved", "provisional", ""), no); got != `{"oncology":{"active":false}}` {
		t.Errorf("a resolved provisional record and a no: facts %s", got)
	}
}

// TestUnreviewedRecords checks that an active record no set holds is
// listed, and that reviewed and contraindication codes are not.
func TestUnreviewedRecords(t *testing.T) {
	m := NewMapper(nil)
	_, x := factsOf(t, m,
		cond("c1", sct, "59621000", "active", "confirmed", ""),             // hypertension: reviewed
		cond("c2", icd10cm, "M17.11", "active", "confirmed", ""),           // osteoarthritis of the knee: reviewed range
		cond("c3", sct, "254637007", "active", "confirmed", ""),            // lung cancer: a contraindication
		cond("c4", sct, "44054006", "active", "confirmed", ""),             // diabetes: in no set
		cond("c5", sct, "44054006", "resolved", "confirmed", ""),           // resolved: not listed
		cond("c6", sct, "195662009", "active", "refuted", ""),              // refuted: not listed
		med("m1", "C10AA05", "active", ""),                                 // atorvastatin: in no set
		med("m2", "L02BG03", "active", `"effectiveDateTime":"2026-01-01"`), // anastrozole: a treatment
	)
	var got []string
	for _, u := range x.Unreviewed {
		got = append(got, u.Reference+" "+u.Coding[0].Code)
	}
	if want := "Condition/c4 44054006,MedicationStatement/m1 C10AA05"; strings.Join(got, ",") != want {
		t.Errorf("unreviewed %q, want %q", got, want)
	}
}

func vsJSON(contains string) string {
	return `{"resourceType":"ValueSet","url":"http://example.org/ValueSet/cancer","version":"2025-05",` +
		`"expansion":{"timestamp":"2025-05-01T00:00:00Z","contains":[` + contains + `]}}`
}

const includeTables = `codes: clinic
version: "1"
systems:
  sct: [http://snomed.info/sct]
tables:
  - fact: oncology.active
    resource: Condition
    status: unconfirmed
    source: test
    include: [valuesets/cancer.json]
`

// TestIncludeValueSet checks that a table's value set file is read with
// its expansion, nested contains included, abstract groups left out, and
// that its bytes are part of the digest.
func TestIncludeValueSet(t *testing.T) {
	fsys := fstest.MapFS{
		"rules/codes.yaml": {Data: []byte(includeTables)},
		"rules/valuesets/cancer.json": {Data: []byte(vsJSON(`{"system":"http://snomed.info/sct","code":"363346000","display":"Malignant neoplastic disease",` +
			`"contains":[{"system":"http://snomed.info/sct","code":"254637007","display":"NSCLC"}]},` +
			`{"abstract":true,"system":"http://snomed.info/sct","code":"999","display":"a grouper"}`))},
	}
	c, err := LoadCodesFS(fsys, "rules/codes.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if n := c.Counts()[0]; n.Fact != "oncology.active" || n.Codes != 2 {
		t.Errorf("counts %v, want 2 codes for oncology.active", n)
	}
	m := NewMapper(c)
	for code, want := range map[string]string{"254637007": `{"oncology":{"active":true}}`, "999": `{}`} {
		if got, _ := factsOf(t, m, cond("c1", sct, code, "active", "confirmed", "")); got != want {
			t.Errorf("%s: facts %s, want %s", code, got, want)
		}
	}
	e := c.Entries()[0]
	if e.Include != "valuesets/cancer.json" || !strings.Contains(e.Source, "http://example.org/ValueSet/cancer|2025-05") {
		t.Errorf("entry %+v: want its value set named", e)
	}
	fsys["rules/valuesets/cancer.json"] = &fstest.MapFile{Data: []byte(vsJSON(`{"system":"http://snomed.info/sct","code":"363346000"}`))}
	c2, err := LoadCodesFS(fsys, "rules/codes.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if c2.Digest() == c.Digest() {
		t.Error("the digest does not change with the value set file")
	}
}

func TestIncludeProblems(t *testing.T) {
	tests := []struct {
		name, tables, vs string
		want             string // the one problem, as file:line:col: message
	}{
		{"not JSON", includeTables, "{\n  \"resourceType\": \"ValueSet\",\n  oops\n}", "rules/valuesets/cancer.json:3:4: value set: invalid character 'o'"},
		{"not a ValueSet", includeTables, `{"resourceType":"CodeSystem"}`, `rules/valuesets/cancer.json: resourceType: want ValueSet, got "CodeSystem"`},
		{"no expansion", includeTables, `{"resourceType":"ValueSet","compose":{}}`, "rules/valuesets/cancer.json: expansion: missing; export the value set expanded"},
		{"a code without its system", includeTables, vsJSON(`{"system":"http://snomed.info/sct","code":"1"},{"code":"2"}`), "rules/valuesets/cancer.json: expansion.contains[1].system: missing"},
		{"a wrong JSON type", includeTables, `{"resourceType":"ValueSet","expansion":{"contains":[{"code":2}]}}`, "rules/valuesets/cancer.json:1:62: value set: expansion.contains.code: want a JSON string"},
		{"a file that is not there", strings.Replace(includeTables, "cancer.json", "missing.json", 1), "", "rules/codes.yaml:10:15: include \"valuesets/missing.json\": open rules/valuesets/missing.json"},
		{"a file above the rules", strings.Replace(includeTables, "valuesets/cancer.json", "../cancer.json", 1), "", `rules/codes.yaml:10:15: include "../cancer.json": name a file beside the code tables`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{"rules/codes.yaml": {Data: []byte(tt.tables)}, "rules/valuesets/cancer.json": {Data: []byte(tt.vs)}}
			_, err := LoadCodesFS(fsys, "rules/codes.yaml")
			problems := rules.Problems(err)
			if len(problems) != 1 || !strings.HasPrefix(problems[0].Error(), tt.want) {
				t.Errorf("problems %v, want one starting %q", err, tt.want)
			}
		})
	}
	if _, err := LoadCodes("codes.yaml", []byte(includeTables)); err == nil || !strings.Contains(err.Error(), "loaded without its directory") {
		t.Errorf("LoadCodes with include: %v", err)
	}
}

func TestRangeProblems(t *testing.T) {
	tables := func(entry string) string {
		return "codes: c\nversion: \"1\"\nsystems:\n  icd10: [http://hl7.org/fhir/sid/icd-10]\n  sct: [http://snomed.info/sct]\n" +
			"tables:\n  - fact: hiv\n    resource: Condition\n    status: unconfirmed\n    source: test\n    codes:\n      - " + entry + "\n"
	}
	tests := []struct{ entry, want string }{
		{`{system: icd10, range: C97-C00, display: x}`, `12:32: range "C97-C00": its ends must have as many characters and the first come first`},
		{`{system: icd10, range: C00, display: x}`, `12:32: range "C00": want FIRST-LAST`},
		{`{system: icd10, range: C00-C9, display: x}`, `12:32: range "C00-C9": its ends must have`},
		{`{system: icd10, prefix: "3x", display: x}`, `12:33: prefix "3x": want an ICD-10 code`},
		{`{system: sct, range: "1-2", display: x}`, `12:18: system sct stands for http://snomed.info/sct: ranges and prefixes are for ICD-10`},
		{`{system: icd10, code: C00, range: C00-C01, display: x}`, `12:9: tables/0/codes/0: `},
	}
	for _, tt := range tests {
		_, err := LoadCodes("codes.yaml", []byte(tables(tt.entry)))
		problems := rules.Problems(err)
		if len(problems) != 1 || !strings.HasPrefix(problems[0].Error(), "codes.yaml:"+tt.want) {
			t.Errorf("%s: problems %v, want one starting %q", tt.entry, err, tt.want)
		}
	}
}

// TestICD10CMHeaderWarning checks that an ICD-10-CM category header listed
// as a code is a warning at its position, and a WHO code or a prefix is not.
func TestICD10CMHeaderWarning(t *testing.T) {
	src := "codes: c\nversion: \"1\"\nsystems:\n  icd10: [http://hl7.org/fhir/sid/icd-10]\n  icd10cm: [http://hl7.org/fhir/sid/icd-10-cm]\n" +
		"tables:\n  - fact: oncology.active\n    resource: Condition\n    status: unconfirmed\n    source: test\n    codes:\n" +
		"      - {system: icd10cm, code: C50.9, display: breast}\n" +
		"      - {system: icd10, code: C50.9, display: breast}\n" +
		"      - {system: icd10cm, prefix: C34.9, display: lung}\n" +
		"      - {system: icd10cm, code: C34.90, display: lung}\n"
	c, err := LoadCodes("codes.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range c.Warnings() {
		got = append(got, w.String())
	}
	if len(got) != 1 || !strings.HasPrefix(got[0], "codes.yaml:12:33: warning: ICD-10-CM C50.9 is a category header") || !strings.Contains(got[0], "FY2025") {
		t.Errorf("warnings %q", got)
	}
	if w := DefaultCodes().Warnings(); len(w) != 0 {
		t.Errorf("the default tables list category headers: %v", w)
	}
	if !icd10cmHeaders()["C34.9"] || !icd10cmHeaders()["Z33"] || icd10cmHeaders()["C34.90"] {
		t.Error("the shipped header list is not read")
	}
}

// TestDefaultCountsGrew keeps the shipped tables from shrinking back to
// lists: every Condition fact has ICD-10 ranges or prefixes in both
// systems, and SNOMED CT codes.
func TestDefaultCountsGrew(t *testing.T) {
	for _, n := range DefaultCodes().Counts() {
		switch n.Fact {
		case "oncology.active", "pregnant", "hiv", "immunodeficiency", "clottingDisorder", "acuteInflammation":
			if n.Ranges+n.Prefixes < 2 {
				t.Errorf("%v: want ICD-10 and ICD-10-CM ranges", n)
			}
		case "mentalStateUnstable":
			if n.Ask < 2 {
				t.Errorf("%v: want F20-F29 to ask in both systems", n)
			}
		}
		if n.Fact != "" && n.Codes == 0 {
			t.Errorf("%v: no codes", n)
		}
	}
}
