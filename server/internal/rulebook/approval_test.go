package rulebook

import (
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"github.com/reocell/celltherapy/fhir"
)

type boardKey struct {
	signer note.Signer
	vkey   string
}

func newBoardKey(t *testing.T, name string) boardKey {
	t.Helper()
	skey, vkey, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		t.Fatal(err)
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	return boardKey{s, vkey}
}

func verifiers(t *testing.T, keys ...boardKey) note.Verifiers {
	t.Helper()
	var vs []note.Verifier
	for _, k := range keys {
		v, err := note.NewVerifier(k.vkey)
		if err != nil {
			t.Fatal(err)
		}
		vs = append(vs, v)
	}
	return note.VerifierList(vs...)
}

// TestApprovalsCountDistinctBoardKeysOfTheDigest: a ruleset's approvals
// are the distinct board keys that signed a note naming its digest; a
// second note of one key, a key outside the board, a note of another
// digest and a note whose text was edited after signing count nothing.
func TestApprovalsCountDistinctBoardKeysOfTheDigest(t *testing.T) {
	dir := t.TempDir()
	alice, bob, mallory := newBoardKey(t, "board-alice"), newBoardKey(t, "board-bob"), newBoardKey(t, "mallory")
	rs := Ruleset{Name: "contraindications", Version: "clinic-1", Digest: "sha256:aaaa", Kind: "eligibility"}
	other := Ruleset{Name: "contraindications", Version: "clinic-2", Digest: "sha256:bbbb", Kind: "eligibility"}
	a := Approvals{Dir: dir, Keys: verifiers(t, alice, bob), Quorum: 2}
	count := func() Approval {
		t.Helper()
		got, err := a.Of([]Ruleset{rs})
		if err != nil {
			t.Fatal(err)
		}
		return got[rs.Digest]
	}
	sign := func(k boardKey, r Ruleset) string {
		t.Helper()
		f, err := SignApproval(dir, r, k.signer)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}

	first := sign(alice, rs)
	if got := count(); got.Count != 1 || got.Approved || strings.Join(got.By, ",") != "board-alice" {
		t.Fatalf("one approval: %+v", got)
	}
	// The same key's approval again, under another file name: still one.
	raw, err := os.ReadFile(first)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "copy"+ApprovalExt), raw, 0o644); err != nil {
		t.Fatal(err)
	}
	sign(mallory, rs) // not a board key
	sign(bob, other)  // another digest
	// Bob's note for the other ruleset, edited to name this digest.
	forged := strings.Replace(strings.Replace(string(mustRead(t, sign(bob, other))), "sha256:bbbb", "sha256:aaaa", 1), "clinic-2", "clinic-1", 1)
	if err := os.WriteFile(filepath.Join(dir, "forged"+ApprovalExt), []byte(forged), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := count(); got.Count != 1 || got.Approved {
		t.Fatalf("a repeated, a foreign, another digest's and a forged note counted: %+v", got)
	}
	sign(bob, rs)
	if got := count(); got.Count != 2 || !got.Approved || strings.Join(got.By, ",") != "board-alice,board-bob" || got.Quorum != 2 {
		t.Fatalf("two board keys: %+v", got)
	}
}

func mustRead(t *testing.T, file string) []byte {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// TestRequireApprovalRefusesAtOpenAndOnReload: without the quorum the
// shelf does not open; on reload an unapproved change keeps the rules in
// force and is told to OnUnapproved; once approved it is served.
func TestRequireApprovalRefusesAtOpenAndOnReload(t *testing.T) {
	rulesDir, approvals := t.TempDir(), t.TempDir()
	alice, bob := newBoardKey(t, "board-alice"), newBoardKey(t, "board-bob")
	a := &Approvals{Dir: approvals, Keys: verifiers(t, alice, bob), Quorum: 2}
	write(t, rulesDir, "contraindications.yaml", eligibilityRules(t, "clinic-1"))
	refused := 0
	opts := Options{Approvals: a, RequireApproval: true, OnUnapproved: func() { refused++ }}
	_, err := Open(rulesDir, opts)
	var ue *UnapprovedError
	if !errors.As(err, &ue) || len(ue.Rulesets) != len(Kinds())+1 || !strings.Contains(err.Error(), "has 0 valid approvals of the quorum of 2") {
		t.Fatalf("open without approvals: %v", err)
	}
	approveAll := func(keys ...boardKey) {
		t.Helper()
		sets, err := ReadRulesets(rulesDir)
		if err != nil {
			t.Fatal(err)
		}
		builtin, err := ReadRulesets()
		if err != nil {
			t.Fatal(err)
		}
		for _, rs := range append(sets, builtin...) {
			for _, k := range keys {
				if _, err := SignApproval(approvals, rs, k.signer); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	approveAll(alice, bob)
	s, err := Open(rulesDir, opts)
	if err != nil {
		t.Fatal(err)
	}
	before := digestOf(t, s.Current(), "eligibility")
	write(t, rulesDir, "contraindications.yaml", eligibilityRules(t, "clinic-2"))
	if err := s.Reload(); !errors.As(err, &ue) || refused != 1 || digestOf(t, s.Current(), "eligibility") != before {
		t.Fatalf("an unapproved change: %v, refused %d", err, refused)
	}
	approveAll(alice)
	if err := s.Reload(); !errors.As(err, &ue) || !strings.Contains(err.Error(), "clinic-2") || !strings.Contains(err.Error(), "has 1 valid approvals") {
		t.Fatalf("below quorum: %v", err)
	}
	approveAll(bob)
	if err := s.Reload(); err != nil || digestOf(t, s.Current(), "eligibility") == before {
		t.Fatalf("an approved change: %v", err)
	}
	for _, rs := range s.Current().Rulesets() {
		if rs.Approval == nil || !rs.Approval.Approved || rs.Approval.Count != 2 {
			t.Fatalf("%s served with approval %+v", rs.Kind, rs.Approval)
		}
	}
}

// TestCodeTablesAreGatedLikeARuleset: with approval required, the FHIR
// code tables (the built-in ones, then the directory's codes.yaml) are
// served only when their digest, as ReadRulesets gives it to a board
// member, has the quorum's approval; an unapproved or below-quorum change
// keeps the tables in force and says which tables lack what.
func TestCodeTablesAreGatedLikeARuleset(t *testing.T) {
	rulesDir, approvals := t.TempDir(), t.TempDir()
	alice, bob := newBoardKey(t, "board-alice"), newBoardKey(t, "board-bob")
	a := &Approvals{Dir: approvals, Keys: verifiers(t, alice, bob), Quorum: 2}
	write(t, rulesDir, "contraindications.yaml", eligibilityRules(t, "clinic-1"))
	approve := func(codesOnly bool, keys ...boardKey) {
		t.Helper()
		sets, err := ReadRulesets(rulesDir)
		if err != nil {
			t.Fatal(err)
		}
		builtin, err := ReadRulesets()
		if err != nil {
			t.Fatal(err)
		}
		for _, rs := range append(sets, builtin...) {
			if codesOnly && rs.Kind != CodeTablesKind {
				continue
			}
			for _, k := range keys {
				if _, err := SignApproval(approvals, rs, k.signer); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	// Every ruleset approved, but the built-in code tables by one key only.
	for _, dir := range []string{rulesDir, ""} {
		var sets []Ruleset
		var err error
		if dir == "" {
			sets, err = ReadRulesets()
		} else {
			sets, err = ReadRulesets(dir)
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, rs := range sets {
			keys := []boardKey{alice, bob}
			if rs.Kind == CodeTablesKind {
				keys = keys[:1]
			}
			for _, k := range keys {
				if _, err := SignApproval(approvals, rs, k.signer); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	refused := 0
	opts := Options{Approvals: a, RequireApproval: true, OnUnapproved: func() { refused++ }}
	_, err := Open(rulesDir, opts)
	var ue *UnapprovedError
	if !errors.As(err, &ue) || len(ue.Rulesets) != 1 || ue.Rulesets[0].Kind != CodeTablesKind ||
		!strings.Contains(err.Error(), "FHIR code tables msc-contraindication-codes") || !strings.Contains(err.Error(), "has 1 valid approvals of the quorum of 2") {
		t.Fatalf("open with the code tables below quorum: %v", err)
	}
	approve(true, bob)
	s, err := Open(rulesDir, opts)
	if err != nil {
		t.Fatal(err)
	}
	tables := func() Ruleset {
		t.Helper()
		ct := s.Current().CodeTables()
		if len(ct) != 1 {
			t.Fatalf("code tables %+v", ct)
		}
		return ct[0]
	}
	if ct := tables(); ct.Source != "built-in" || ct.Digest != fhir.DefaultCodes().Digest() || ct.Approval == nil || !ct.Approval.Approved {
		t.Fatalf("built-in tables served as %+v", ct)
	}
	// The clinic's own tables: unapproved, then one key, then the quorum.
	src := strings.Replace(string(fhir.DefaultCodesYAML()), "version: \"2026.12.1\"", "version: \"clinic-7\"", 1)
	write(t, rulesDir, CodeTablesFile, []byte(src))
	if err := s.Reload(); !errors.As(err, &ue) || refused != 1 || tables().Digest != fhir.DefaultCodes().Digest() ||
		s.Mapper().Codes().Version() != "2026.12.1" || !strings.Contains(err.Error(), "clinic-7 (fhir-codes") {
		t.Fatalf("an unapproved code table change: %v, refused %d, serving %+v", err, refused, tables())
	}
	approve(true, alice)
	if err := s.Reload(); !errors.As(err, &ue) || !strings.Contains(err.Error(), "has 1 valid approvals") || s.Mapper().Codes().Version() != "2026.12.1" {
		t.Fatalf("below quorum: %v", err)
	}
	approve(true, bob)
	if err := s.Reload(); err != nil {
		t.Fatalf("an approved change: %v", err)
	}
	want, err := fhir.LoadCodesFile(filepath.Join(rulesDir, CodeTablesFile))
	if err != nil {
		t.Fatal(err)
	}
	if ct := tables(); ct.Source != "directory" || ct.Digest != want.Digest() || ct.Version != "clinic-7" || !ct.Approval.Approved ||
		s.Mapper().Codes().Digest() != want.Digest() {
		t.Fatalf("approved tables served as %+v", ct)
	}
}

// TestReadRulesetsListsTheCodeTables: what a board member approves holds
// the code tables: the built-in ones with the built-in rules, a
// directory's codes.yaml, a code table file given by name (alone or with
// rule files), each with the digest the server serves them under.
func TestReadRulesetsListsTheCodeTables(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "contraindications.yaml", eligibilityRules(t, "clinic-1"))
	tablesOf := func(sets []Ruleset) []string {
		var out []string
		for _, rs := range sets {
			if rs.Kind == CodeTablesKind {
				out = append(out, rs.Version+" "+rs.Digest)
			}
		}
		return out
	}
	builtin, err := ReadRulesets()
	if err != nil || strings.Join(tablesOf(builtin), ",") != "2026.12.1 "+fhir.DefaultCodes().Digest() {
		t.Fatalf("built-in: %v %v", tablesOf(builtin), err)
	}
	if sets, err := ReadRulesets(dir); err != nil || len(tablesOf(sets)) != 0 {
		t.Fatalf("a directory without codes.yaml: %v %v", tablesOf(sets), err)
	}
	write(t, dir, CodeTablesFile, []byte(strings.Replace(string(fhir.DefaultCodesYAML()), "version: \"2026.12.1\"", "version: \"clinic-7\"", 1)))
	file := filepath.Join(dir, CodeTablesFile)
	want, err := fhir.LoadCodesFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, paths := range [][]string{{dir}, {file}, {filepath.Join(dir, "contraindications.yaml"), file}} {
		sets, err := ReadRulesets(paths...)
		if err != nil || strings.Join(tablesOf(sets), ",") != "clinic-7 "+want.Digest() {
			t.Errorf("%v: %v %v", paths, tablesOf(sets), err)
		}
	}
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Current().CodeTables()[0].Digest; got != want.Digest() {
		t.Errorf("served under %s, approved under %s", got, want.Digest())
	}
}
