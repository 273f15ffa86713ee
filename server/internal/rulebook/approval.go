package rulebook

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/reocell/celltherapy/fhir"
	"github.com/reocell/celltherapy/rules"
)

// Approval is what the approvals directory says of a ruleset's digest: the
// distinct board keys whose signed notes approve it, and how many the
// server needs.
type Approval struct {
	By       []string `json:"by"`     // the approving keys' names, each once, sorted
	Count    int      `json:"count"`  // len(By)
	Quorum   int      `json:"quorum"` // the approvals needed to serve it
	Approved bool     `json:"approved"`
}

// ApprovalExt is how the files of the approvals directory end.
const ApprovalExt = ".approval"

// approvalHeader is the first line of an approval note's text.
const approvalHeader = "celltherapy ruleset approval"

// approvalText is the text a board key signs to approve a ruleset.
func approvalText(rs Ruleset) string {
	clean := strings.NewReplacer("\n", " ", "\r", " ").Replace
	return fmt.Sprintf("%s\nname: %s\nversion: %s\ndigest: %s\n", approvalHeader, clean(rs.Name), clean(rs.Version), rs.Digest)
}

// SignApproval writes into dir a note signed by signer approving rs, and
// returns the file's path. Each key's approval of a digest has a file of
// its own, so board members write into one directory without clashing.
func SignApproval(dir string, rs Ruleset, signer note.Signer) (string, error) {
	msg, err := note.Sign(&note.Note{Text: approvalText(rs)}, signer)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256([]byte(rs.Digest))
	safe := func(s string) string {
		return strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
				return r
			}
			return '_'
		}, s)
	}
	name := fmt.Sprintf("%s-%s.%x.%s-%08x%s", safe(rs.Name), safe(rs.Version), sum[:6], safe(signer.Name()), signer.KeyHash(), ApprovalExt)
	file := filepath.Join(dir, name)
	tmp, err := os.CreateTemp(dir, name+".*")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name())
	_, werr := tmp.Write(msg)
	if err := errors.Join(werr, tmp.Close()); err != nil {
		return "", err
	}
	return file, os.Rename(tmp.Name(), file)
}

// Approvals checks rulesets against the approval notes in a directory.
type Approvals struct {
	Dir    string         // the approvals directory; "" for none
	Keys   note.Verifiers // the board's public keys
	Quorum int            // distinct keys needed
}

// Of returns the approval of each digest among the notes in the
// directory: a note counts when it is signed by a board key and names the
// digest (with the ruleset's name and version); a key counts once,
// however many notes it signed. A note that cannot be read or is signed by
// no board key is skipped, never an error: it approves nothing.
func (a Approvals) Of(sets []Ruleset) (map[string]Approval, error) {
	by := map[string]map[string]string{} // digest -> key id -> key name
	if a.Dir != "" && a.Keys != nil {
		entries, err := os.ReadDir(a.Dir)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("approvals %s: %v", a.Dir, err)
		}
		want := map[string]string{}
		for _, rs := range sets {
			want[approvalText(rs)] = rs.Digest
		}
		for _, e := range entries {
			if e.IsDir() || !strings.HasSuffix(e.Name(), ApprovalExt) {
				continue
			}
			raw, err := os.ReadFile(filepath.Join(a.Dir, e.Name()))
			if err != nil {
				continue
			}
			n, err := note.Open(raw, a.Keys)
			if err != nil {
				continue
			}
			digest, ok := want[n.Text]
			if !ok {
				continue
			}
			if by[digest] == nil {
				by[digest] = map[string]string{}
			}
			for _, sig := range n.Sigs {
				by[digest][fmt.Sprintf("%s+%08x", sig.Name, sig.Hash)] = sig.Name
			}
		}
	}
	out := map[string]Approval{}
	for _, rs := range sets {
		ap := Approval{By: []string{}, Quorum: a.Quorum}
		for _, name := range by[rs.Digest] {
			ap.By = append(ap.By, name)
		}
		sort.Strings(ap.By)
		ap.Count = len(ap.By)
		ap.Approved = ap.Count >= a.Quorum && a.Quorum > 0
		out[rs.Digest] = ap
	}
	return out, nil
}

// UnapprovedError is a load refused because rulesets lack the board's
// approval.
type UnapprovedError struct {
	Rulesets []Ruleset // each with its Approval
}

func (e *UnapprovedError) Error() string {
	var lines []string
	for _, rs := range e.Rulesets {
		what := "ruleset"
		if rs.Kind == CodeTablesKind {
			what = "FHIR code tables"
		}
		lines = append(lines, fmt.Sprintf("%s %s %s (%s, %s) has %d valid approvals of the quorum of %d: the board has not approved it",
			what, rs.Name, rs.Version, rs.Kind, rs.Digest, rs.Approval.Count, rs.Approval.Quorum))
	}
	return strings.Join(lines, "\n")
}

// ReadRulesets loads the rule files and directories in paths (every rule
// file of a directory, its subdirectories included, as the server reads
// it) and returns the rulesets of the decision kinds among them, then the
// FHIR code tables among them (a directory's codes.yaml, or a code table
// file given, as a Ruleset of kind CodeTablesKind); no paths is the
// built-in rules and code tables. It is what a board member approves.
func ReadRulesets(paths ...string) ([]Ruleset, error) {
	var set *rules.Set
	var err error
	var tables []Ruleset
	switch {
	case len(paths) == 0:
		set, err = loadDefaults()
		tables = append(tables, codeTables(fhir.DefaultCodes(), "", time.Time{}))
	case len(paths) == 1 && isDir(paths[0]):
		if set, err = loadDir(paths[0]); err != nil {
			break
		}
		codes, file, cerr := loadCodes(paths[0])
		if cerr != nil {
			return nil, describe(cerr)
		}
		if file != "" {
			tables = append(tables, codeTables(codes, file, time.Time{}))
		}
	default:
		var ruleFiles []string
		for _, p := range paths {
			if isDir(p) || !isCodeTable(p) {
				ruleFiles = append(ruleFiles, p)
				continue
			}
			codes, cerr := fhir.LoadCodesFile(p)
			if cerr != nil {
				return nil, describe(cerr)
			}
			tables = append(tables, codeTables(codes, p, time.Time{}))
		}
		set = &rules.Set{}
		if len(ruleFiles) > 0 {
			set, err = loader().LoadPaths(ruleFiles...)
		}
	}
	if err != nil {
		return nil, describe(err)
	}
	var out []Ruleset
	for _, kind := range Kinds() {
		for _, rs := range set.ForDecision(kind) {
			out = append(out, Ruleset{Name: rs.Name(), Version: rs.Version(), Digest: rs.Digest(), Kind: kind, File: rs.File()})
		}
	}
	for _, t := range tables {
		t.LoadedAt, t.Source = time.Time{}, ""
		out = append(out, t)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no ruleset of a decision kind (%s) and no FHIR code tables", strings.Join(paths, ", "), strings.Join(Kinds(), ", "))
	}
	return out, nil
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}
