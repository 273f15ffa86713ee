package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/reocell/celltherapy/fhir"
	"github.com/reocell/celltherapy/rules"
)

// isCodeTable reports whether path names a FHIR code table file
// (codes.yaml, or NAME.codes.yaml) rather than a rule file.
func isCodeTable(path string) bool {
	base := filepath.Base(path)
	return base == "codes.yaml" || strings.HasSuffix(base, ".codes.yaml")
}

// expandRuleDirs splits paths into rule files (a directory's *.yaml and
// *.yml, recursively) and code table files: a rules directory holds its
// code tables beside its rules. A path that cannot be walked is kept as a
// rule path, for the loader to report.
func expandRuleDirs(paths []string) (ruleFiles, codeTables []string) {
	for _, p := range paths {
		if isCodeTable(p) {
			codeTables = append(codeTables, p)
			continue
		}
		if fi, err := os.Stat(p); err != nil || !fi.IsDir() {
			ruleFiles = append(ruleFiles, p)
			continue
		}
		_ = filepath.WalkDir(p, func(name string, d fs.DirEntry, err error) error {
			switch ext := filepath.Ext(name); {
			case err != nil || d.IsDir():
			case isCodeTable(name):
				codeTables = append(codeTables, name)
			case ext == ".yaml" || ext == ".yml":
				ruleFiles = append(ruleFiles, name)
			}
			return nil
		})
	}
	return ruleFiles, codeTables
}

// lintCodeTables checks the FHIR code table files among paths (all of them
// and the embedded default when paths is empty), with the value sets they
// include, prints their problems and warnings and how many codes each fact
// has, and returns the other paths, how many tables it checked, how many
// warnings it printed, and whether all were fine.
func (c *cli) lintCodeTables(paths []string) (rest []string, checked, warnings int, ok bool) {
	ok = true
	report := func(codes *fhir.Codes, err error) {
		checked++
		if err == nil {
			for _, w := range codes.Warnings() {
				fmt.Fprintln(c.stderr, w)
				warnings++
			}
			fmt.Fprintf(c.stdout, "%s %s (%s):\n", codes.Name(), codes.Version(), codes.Digest())
			for _, n := range codes.Counts() {
				fmt.Fprintf(c.stdout, "  %s\n", n)
			}
			return
		}
		ok = false
		problems := rules.Problems(err)
		for _, p := range problems {
			fmt.Fprintln(c.stderr, p)
		}
		if len(problems) == 0 {
			c.errorf("%v", err)
		}
	}
	if len(paths) == 0 {
		report(fhir.LoadCodes("fhir/codes.yaml (built in)", fhir.DefaultCodesYAML()))
		return nil, checked, warnings, ok
	}
	_, tables := expandRuleDirs(paths)
	for _, p := range tables {
		report(fhir.LoadCodesFile(p))
	}
	for _, p := range paths {
		if !isCodeTable(p) {
			rest = append(rest, p) // directories too: loadRules finds their rule files
		}
	}
	return rest, checked, warnings, ok
}
