package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/reocell/celltherapy/fhir"
)

func TestLintCodeTables(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"the default code table", []string{"lint", "../../fhir/codes.yaml"}, 0, "ok: 1 code table file(s)", ""},
		{"a bad code table at its positions", []string{"lint", "../../fhir/testdata/codes/bad.codes.yaml"}, 1, "",
			"../../fhir/testdata/codes/bad.codes.yaml:16:13: tables/1/status: value must be one of"},
		{"a bad code table beside good rules", []string{"lint", "../../fhir/testdata/codes/bad.codes.yaml", "../../eligibility/contraindications.yaml"}, 1, "",
			"bad.codes.yaml:21:5: tables/1: unknown key \"colour\""},
		{"a code table with a value set counts its codes", []string{"lint", "../../fhir/testdata/codes/clinic/codes.yaml"}, 0,
			"oncology.active: 5 code(s), 0 range(s), 0 prefix(es), 0 to ask", "codes.yaml:16:33: warning: ICD-10-CM C50.9 is a category header"},
		{"a category header fails lint --strict", []string{"lint", "--strict", "../../fhir/testdata/codes/clinic/codes.yaml"}, 1, "", "warning: ICD-10-CM C50.9"},
		{"a code table beside bad rules", []string{"lint", "../../fhir/codes.yaml", "testdata/bad"}, 1, "", "unknown fact pregnent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tt.args, strings.NewReader(""), &stdout, &stderr)
			if code != tt.code || !strings.Contains(stdout.String(), tt.stdout) || !strings.Contains(stderr.String(), tt.stderr) {
				t.Errorf("code %d, stdout %q, stderr %q; want %d, %q, %q", code, stdout.String(), stderr.String(), tt.code, tt.stdout, tt.stderr)
			}
		})
	}
}

// TestLintRulesDirectoryWithCodeTables checks that a rules directory's
// codes.yaml is linted as code tables, not read as a rule file.
func TestLintRulesDirectoryWithCodeTables(t *testing.T) {
	dir := t.TempDir()
	rulesSrc, err := os.ReadFile("../../eligibility/contraindications.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "contraindications.yaml"), rulesSrc, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "codes.yaml"), []byte(strings.Replace(string(fhir.DefaultCodesYAML()), "fact: hiv", "fact: hvi", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"lint", dir}, strings.NewReader(""), &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), filepath.Join(dir, "codes.yaml")+":") || !strings.Contains(stderr.String(), "tables/10/fact") {
		t.Errorf("a bad codes.yaml in the directory: exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
	if err := os.WriteFile(filepath.Join(dir, "codes.yaml"), fhir.DefaultCodesYAML(), 0o600); err != nil {
		t.Fatal(err)
	}
	stdout.Reset()
	stderr.Reset()
	if code := run(context.Background(), []string{"lint", dir}, strings.NewReader(""), &stdout, &stderr); code != 0 || !strings.Contains(stdout.String(), "oncology.active:") || !strings.Contains(stdout.String(), "ok: 1 ruleset(s)") {
		t.Errorf("a good one: exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
}
