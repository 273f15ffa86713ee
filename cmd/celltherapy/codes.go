package main

import (
	"fmt"
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

// lintCodeTables checks the FHIR code table files among paths (all of them
// and the embedded default when paths is empty), prints their problems, and
// returns the other paths, how many tables it checked, and whether all were
// fine.
func (c *cli) lintCodeTables(paths []string) (rest []string, checked int, ok bool) {
	ok = true
	report := func(err error) {
		checked++
		if err == nil {
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
		_, err := fhir.LoadCodes("fhir/codes.yaml (built in)", fhir.DefaultCodesYAML())
		report(err)
		return nil, checked, ok
	}
	for _, p := range paths {
		if isCodeTable(p) {
			report(fhir.LintCodes(p))
		} else {
			rest = append(rest, p)
		}
	}
	return rest, checked, ok
}
