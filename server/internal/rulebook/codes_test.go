package rulebook

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/reocell/celltherapy/fhir"
)

// TestCodeTablesFromTheRulesDirectory checks that a rules directory's
// codes.yaml and the value sets it includes are loaded beside the rules
// (not read as rule files), reloaded with them, and that a bad one is
// refused at its position like a bad rule file.
func TestCodeTablesFromTheRulesDirectory(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "contraindications.yaml", eligibilityRules(t, "clinic-1"))
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Mapper().Codes().Digest(); got != fhir.DefaultCodes().Digest() {
		t.Errorf("without codes.yaml: digest %s, want the built-in tables'", got)
	}
	src := strings.Replace(string(fhir.DefaultCodesYAML()), "version: \"2026.12.1\"", "version: \"clinic-7\"", 1)
	src = strings.Replace(src, "    codes:\n      - {system: icd10, range: C00-C97", "    include: [valuesets/cancer.json]\n    codes:\n      - {system: icd10, range: C00-C97", 1)
	write(t, dir, "codes.yaml", []byte(src))
	if err := os.Mkdir(filepath.Join(dir, "valuesets"), 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, dir, "valuesets/cancer.json", []byte(`{"resourceType":"ValueSet","expansion":{"contains":[{"system":"http://snomed.info/sct","code":"1234567001"}]}}`))
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	want, err := fhir.LoadCodesFile(filepath.Join(dir, "codes.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	c := s.Mapper().Codes()
	if c.Version() != "clinic-7" || c.Digest() != want.Digest() || c.Digest() == fhir.DefaultCodes().Digest() {
		t.Errorf("tables %s %s, want clinic-7 %s", c.Version(), c.Digest(), want.Digest())
	}
	write(t, dir, "codes.yaml", []byte(strings.Replace(src, "fact: hiv", "fact: hvi", 1)))
	err = s.Reload()
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "codes.yaml")+":") {
		t.Errorf("a bad codes.yaml: %v", err)
	}
	if s.Mapper().Codes().Version() != "clinic-7" {
		t.Error("a bad codes.yaml replaced the tables in force")
	}
}

// TestDeletedCodeTablesKeepTheLast: a codes.yaml that disappears from the
// directory keeps the tables it held in force and fails the reload,
// naming the file, never a silent fall-back to the built-in tables.
func TestDeletedCodeTablesKeepTheLast(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "contraindications.yaml", eligibilityRules(t, "clinic-1"))
	write(t, dir, CodeTablesFile, []byte(strings.Replace(string(fhir.DefaultCodesYAML()), "version: \"2026.12.1\"", "version: \"clinic-7\"", 1)))
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, CodeTablesFile)); err != nil {
		t.Fatal(err)
	}
	err = s.Reload()
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, CodeTablesFile)+" is gone") {
		t.Fatalf("a deleted codes.yaml: %v", err)
	}
	if v := s.Mapper().Codes().Version(); v != "clinic-7" || s.Current().CodeTables()[0].Source != "directory" {
		t.Fatalf("serving tables %s after the file went", v)
	}
	if st := s.Status(); !strings.Contains(st.LastError, "never the built-in ones") {
		t.Errorf("status: %+v", st)
	}
}
