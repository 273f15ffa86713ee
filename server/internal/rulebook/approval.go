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
	// Notes are the hashes of the approval notes that count (Note.Hash):
	// the rules:approval entries of the audit log name them.
	Notes []string `json:"notes,omitempty"`
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

// Note is one file of the approvals directory as the server read it: the
// note's hash, what it approves, who signed it and whether it counted.
type Note struct {
	Hash    string `json:"hash"` // "sha256:" and the hex digest of the file's bytes: the note's identity
	File    string `json:"file"`
	Name    string `json:"name,omitempty"`    // the ruleset or code tables it approves, from its text
	Version string `json:"version,omitempty"` //
	Digest  string `json:"digest,omitempty"`  // the digest it approves ("" when it is no approval note)
	// Keys are the keys that signed it, NAME+HASH: the board keys whose
	// signature verified or, when none did, the keys it claims.
	Keys    []string `json:"keys"`
	Counted bool     `json:"counted"`          // it counts towards the digest's quorum
	Reason  string   `json:"reason,omitempty"` // why it does not count

	text    string
	counted map[string]string // the board keys it counts for: id -> name
}

// keyID names a signature's key as the note format does.
func keyID(name string, hash uint32) string { return fmt.Sprintf("%s+%08x", name, hash) }

// parseApproval reads the name, version and digest an approval note's text
// names; ok false when it is no approval text.
func parseApproval(text string) (name, version, digest string, ok bool) {
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(lines) != 4 || lines[0] != approvalHeader {
		return "", "", "", false
	}
	name, ok1 := strings.CutPrefix(lines[1], "name: ")
	version, ok2 := strings.CutPrefix(lines[2], "version: ")
	digest, ok3 := strings.CutPrefix(lines[3], "digest: ")
	return name, version, digest, ok1 && ok2 && ok3 && digest != ""
}

// Notes reads every approval note of the directory, in file name order,
// and says of each whether it counts: it must be a note signed by a board
// key whose signature verifies, its text an approval (celltherapy
// approve's); a board key counts once for a text, in the first note (by
// file name) it signed, so a copy of a note, or a second note of one key
// for the same ruleset, is read but does not count. A file that cannot be
// read is skipped until it can.
func (a Approvals) Notes() ([]Note, error) {
	if a.Dir == "" || a.Keys == nil {
		return nil, nil
	}
	entries, err := os.ReadDir(a.Dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("approvals %s: %v", a.Dir, err)
	}
	var out []Note
	first := map[string]string{} // text and key id -> the note hash that counted it
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ApprovalExt) {
			continue
		}
		file := filepath.Join(a.Dir, e.Name())
		raw, err := os.ReadFile(file)
		if err != nil {
			continue
		}
		sum := sha256.Sum256(raw)
		n := Note{Hash: fmt.Sprintf("sha256:%x", sum), File: file, Keys: []string{}}
		opened, err := note.Open(raw, a.Keys)
		var unverified *note.UnverifiedNoteError
		var invalid *note.InvalidSignatureError
		switch {
		case errors.As(err, &unverified):
			for _, sig := range unverified.Note.UnverifiedSigs {
				n.Keys = append(n.Keys, keyID(sig.Name, sig.Hash))
			}
			n.Name, n.Version, n.Digest, _ = parseApproval(unverified.Note.Text)
			n.Reason = "signed by no board key"
		case errors.As(err, &invalid):
			n.Keys = append(n.Keys, keyID(invalid.Name, invalid.Hash))
			n.Reason = fmt.Sprintf("the signature of %s does not verify: the note was changed after it was signed", keyID(invalid.Name, invalid.Hash))
		case err != nil:
			n.Reason = "not a signed note: " + err.Error()
		default:
			for _, sig := range opened.Sigs {
				n.Keys = append(n.Keys, keyID(sig.Name, sig.Hash))
			}
			var ok bool
			if n.Name, n.Version, n.Digest, ok = parseApproval(opened.Text); !ok {
				n.Reason = "its text is not an approval of a ruleset (celltherapy approve writes them)"
				break
			}
			n.text = opened.Text
			var already []string
			for _, sig := range opened.Sigs {
				id := keyID(sig.Name, sig.Hash)
				if h, ok := first[n.text+"\x00"+id]; ok {
					already = append(already, fmt.Sprintf("%s counted already, in note %s", id, h))
					continue
				}
				first[n.text+"\x00"+id] = n.Hash
				if n.counted == nil {
					n.counted = map[string]string{}
				}
				n.counted[id] = sig.Name
			}
			n.Counted = len(n.counted) > 0
			if !n.Counted {
				n.Reason = strings.Join(already, "; ")
			}
		}
		out = append(out, n)
	}
	return out, nil
}

// Of returns the approval of each digest among the notes in the
// directory: a note counts when it is signed by a board key and names the
// digest (with the ruleset's name and version); a key counts once,
// however many notes it signed. A note that cannot be read or is signed by
// no board key is skipped, never an error: it approves nothing.
func (a Approvals) Of(sets []Ruleset) (map[string]Approval, error) {
	notes, err := a.Notes()
	if err != nil {
		return nil, err
	}
	return a.of(sets, notes), nil
}

// of is Of over notes already read.
func (a Approvals) of(sets []Ruleset, notes []Note) map[string]Approval {
	out := map[string]Approval{}
	for _, rs := range sets {
		ap := Approval{By: []string{}, Quorum: a.Quorum}
		text := approvalText(rs)
		by := map[string]string{}
		for _, n := range notes {
			if n.text != text || !n.Counted {
				continue
			}
			for id, name := range n.counted {
				by[id] = name
			}
			ap.Notes = append(ap.Notes, n.Hash)
		}
		for _, name := range by {
			ap.By = append(ap.By, name)
		}
		sort.Strings(ap.By)
		ap.Count = len(ap.By)
		ap.Approved = ap.Count >= a.Quorum && a.Quorum > 0
		out[rs.Digest] = ap
	}
	return out
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
