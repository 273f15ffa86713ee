package rulebook

// The FHIR code tables of a rules directory: codes.yaml beside the rule
// files, with the ValueSet files it includes, loaded and reloaded with the
// rules, so that every FHIR-derived decision names their digest.

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/reocell/celltherapy/fhir"
)

// CodeTablesKind is the Kind of the Ruleset that describes the FHIR code
// tables in force: they are digested, approved, audited and reloaded like
// a decision kind's ruleset, and listed apart from them (Book.CodeTables).
const CodeTablesKind = "fhir-codes"

// BuiltInCodeTablesFile is the File of the built-in code tables.
const BuiltInCodeTablesFile = "fhir/codes.yaml"

// codeTables describes codes as a Ruleset: its name, version and digest
// are what a board member approves.
func codeTables(codes *fhir.Codes, file string, now time.Time) Ruleset {
	source := "directory"
	if file == "" {
		source, file = "built-in", BuiltInCodeTablesFile
	}
	return Ruleset{Name: codes.Name(), Version: codes.Version(), Digest: codes.Digest(), Kind: CodeTablesKind,
		Source: source, File: file, LoadedAt: now.UTC()}
}

// CodeTablesFile is the file of a rules directory that holds its FHIR code
// tables; without it the built-in tables are used.
const CodeTablesFile = "codes.yaml"

// isCodeTable reports whether a file of the directory is a code table file
// (codes.yaml or NAME.codes.yaml) rather than a rule file.
func isCodeTable(name string) bool {
	base := filepath.Base(name)
	return base == CodeTablesFile || strings.HasSuffix(base, ".codes.yaml")
}

// ruleFiles lists the rule files of dir (*.yaml and *.yml, recursively),
// leaving out code tables.
func ruleFiles(dir string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if ext := filepath.Ext(name); d.IsDir() || ext != ".yaml" && ext != ".yml" || isCodeTable(name) {
			return nil
		}
		out = append(out, name)
		return nil
	})
	return out, err
}

// loadCodes loads the code tables of dir, the built-in ones when dir is ""
// or has no codes.yaml, and returns the file they came from ("" for the
// built-in ones).
func loadCodes(dir string) (*fhir.Codes, string, error) {
	if dir == "" {
		return fhir.DefaultCodes(), "", nil
	}
	p := filepath.Join(dir, CodeTablesFile)
	if _, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) {
		return fhir.DefaultCodes(), "", nil
	}
	c, err := fhir.LoadCodesFile(p)
	return c, p, err
}

// CodeTables returns the code tables in force described as a Ruleset of
// kind CodeTablesKind (one today), with their approval when the server
// checks approvals.
func (b *Book) CodeTables() []Ruleset { return append([]Ruleset(nil), b.codeTables...) }

// Codes returns the book's FHIR code tables.
func (b *Book) Codes() *fhir.Codes { return b.mapper.Codes() }

// Mapper returns the FHIR mapper of the book's code tables.
func (b *Book) Mapper() *fhir.Mapper { return b.mapper }

// Mapper returns the FHIR mapper of the code tables in force: the CDS
// Hooks service reads each call's records with it, so a reload applies to
// the next call.
func (s *Shelf) Mapper() *fhir.Mapper { return s.Current().mapper }
