package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/reocell/celltherapy/server/internal/app"
	"github.com/reocell/celltherapy/server/internal/audit"
)

// approvalEntry is a rules:approval entry as the test reads it.
type approvalEntry struct {
	Seq     int64
	Digest  string
	Hash    string
	Keys    []string
	Counted bool
	Reason  string
}

type rulesEntry struct {
	Seq      int64
	Action   string
	OK       bool
	Rulesets []struct {
		Kind, Version string
		Approval      *struct{ Notes []string }
	}
}

// auditedRules reads the rules:approval entries and the rules:load and
// rules:reload entries of the log in data.
func auditedRules(t *testing.T, data string) ([]approvalEntry, []rulesEntry) {
	t.Helper()
	log, err := app.OpenAudit(context.Background(), app.Config{DataDir: data}, audit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	var notes []approvalEntry
	var loads []rulesEntry
	err = log.Entries(context.Background(), func(e *audit.Entry) error {
		switch e.Action {
		case app.ActionRulesApproval:
			var n approvalEntry
			if err := json.Unmarshal(e.Output, &n); err != nil {
				return err
			}
			n.Seq = e.Seq
			if n.Digest != e.RulesetDigest {
				return fmt.Errorf("entry %d: digest %s, output %s", e.Seq, e.RulesetDigest, e.Output)
			}
			notes = append(notes, n)
		case app.ActionRulesLoad, app.ActionRulesReload:
			var l rulesEntry
			if err := json.Unmarshal(e.Output, &l); err != nil {
				return err
			}
			l.Seq, l.Action = e.Seq, e.Action
			loads = append(loads, l)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return notes, loads
}

// noteHash is the hash a note file is recorded by.
func noteHash(t *testing.T, file string) string {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("sha256:%x", sha256.Sum256(raw))
}

// approvedFile returns the note file approve printed for the ruleset of kind.
func approvedFile(t *testing.T, out, kind string) string {
	t.Helper()
	m := regexp.MustCompile(`\(` + kind + `, sha256:[0-9a-f]+\) as \S+: (\S+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("approve printed %q", out)
	}
	return m[1]
}

// TestApprovalNotesAreAuditEntries: every approval note the server reads,
// at start and when the approvals directory changes, is one audit entry
// naming the digest, the key and whether it counted; a note of a key
// outside the board and an edited note are recorded as not counting; a
// rescan and a restart record nothing again; the rules:load and
// rules:reload entries name the notes that carried the rules in force;
// audit verify passes.
func TestApprovalNotesAreAuditEntries(t *testing.T) {
	rulesDir, approvals, data := t.TempDir(), t.TempDir(), t.TempDir()
	aliceKey, alicePub := keygen(t, "board-alice")
	bobKey, bobPub := keygen(t, "board-bob")
	carolKey, carolPub := keygen(t, "carol") // not on the board, until the end
	os.WriteFile(filepath.Join(rulesDir, "contraindications.yaml"), eligibilityVersion(t, "clinic-1"), 0o644)
	var eligibilityNotes []string
	for _, k := range []string{aliceKey, bobKey} {
		approve(t, k, approvals, "--built-in")
		eligibilityNotes = append(eligibilityNotes, noteHash(t, approvedFile(t, approve(t, k, approvals, rulesDir), "eligibility")))
	}
	carolFile := approvedFile(t, approve(t, carolKey, approvals, rulesDir), "eligibility")
	// Alice's note edited to approve another digest.
	edited := strings.Replace(string(mustReadFile(t, approvedFile(t, approve(t, aliceKey, approvals, rulesDir), "eligibility"))), "digest: sha256:", "digest: sha256:0", 1)
	os.WriteFile(filepath.Join(approvals, "edited.approval"), []byte(edited), 0o644)
	files, _ := filepath.Glob(filepath.Join(approvals, "*.approval"))

	args := []string{"--data-dir", data, "--rules", rulesDir, "--require-approval", "--approvals", approvals,
		"--board-keys", alicePub + "," + bobPub, "--approval-quorum", "2"}
	r := start(t, args...)
	r.stop(t)
	notes, loads := auditedRules(t, data)
	if len(notes) != len(files) {
		t.Fatalf("%d approval entries for %d notes: %+v", len(notes), len(files), notes)
	}
	byHash := map[string]approvalEntry{}
	for _, n := range notes {
		byHash[n.Hash] = n
		if n.Seq > loads[0].Seq {
			t.Errorf("approval entry %d after the rules:load %d it carried", n.Seq, loads[0].Seq)
		}
	}
	if n := byHash[noteHash(t, carolFile)]; n.Counted || n.Reason != "signed by no board key" || len(n.Keys) != 1 || !strings.HasPrefix(n.Keys[0], "carol+") {
		t.Errorf("carol's note: %+v", n)
	}
	if n := byHash[noteHash(t, filepath.Join(approvals, "edited.approval"))]; n.Counted || !strings.Contains(n.Reason, "does not verify") {
		t.Errorf("the edited note: %+v", n)
	}
	for i, h := range eligibilityNotes {
		if n := byHash[h]; !n.Counted || len(n.Keys) != 1 || !strings.HasPrefix(n.Keys[0], []string{"board-alice+", "board-bob+"}[i]) || !strings.HasPrefix(n.Digest, "sha256:") {
			t.Errorf("a board key's note: %+v", n)
		}
	}
	if got := notesOf(t, loads[0], "eligibility"); !sameSet(got, eligibilityNotes) {
		t.Errorf("the rules:load names the notes %v, want %v", got, eligibilityNotes)
	}

	// A restart records no note again.
	r = start(t, args...)
	time.Sleep(100 * time.Millisecond) // the watcher starts
	if again, _ := auditedRules(t, data); len(again) != len(notes) {
		t.Fatalf("a restart recorded %d approval entries more", len(again)-len(notes))
	}
	// A change, then each board key's approval of it: one entry each.
	os.WriteFile(filepath.Join(rulesDir, "contraindications.yaml"), eligibilityVersion(t, "clinic-2"), 0o644)
	waitRules := func(what string, ok func([]approvalEntry, []rulesEntry) bool) ([]approvalEntry, []rulesEntry) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(30 * time.Millisecond) {
			n, l := auditedRules(t, data)
			if ok(n, l) {
				return n, l
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: %+v %+v", what, n, l)
			}
		}
	}
	_, loads = waitRules("the refused change", func(_ []approvalEntry, l []rulesEntry) bool { return len(l) == 3 })
	if loads[2].Action != app.ActionRulesReload || loads[2].OK {
		t.Fatalf("an unapproved change: %+v", loads[2])
	}
	var clinic2 []string
	for i, k := range []string{aliceKey, bobKey} {
		clinic2 = append(clinic2, noteHash(t, approvedFile(t, approve(t, k, approvals, rulesDir), "eligibility")))
		n, l := waitRules("the new note", func(n []approvalEntry, l []rulesEntry) bool { return len(n) > len(notes)+i && len(l) > 3+i })
		if len(n) != len(notes)+i+1 || n[len(n)-1].Hash != clinic2[i] || !n[len(n)-1].Counted {
			t.Fatalf("approval %d of the change: %+v", i+1, n[len(notes):])
		}
		last := l[len(l)-1]
		if i == 0 && last.OK || i == 1 && !last.OK || last.Seq < n[len(n)-1].Seq {
			t.Fatalf("the reload after approval %d: %+v", i+1, last)
		}
		if i == 1 && !sameSet(notesOf(t, last, "eligibility"), clinic2) {
			t.Errorf("the reload that put the change in force names the notes %v, want %v", notesOf(t, last, "eligibility"), clinic2)
		}
	}
	// A rescan of an unchanged directory records nothing.
	before, loadsBefore := auditedRules(t, data)
	os.WriteFile(filepath.Join(approvals, "README"), []byte("the board's approvals\n"), 0o644)
	waitRules("the rescan", func(_ []approvalEntry, l []rulesEntry) bool { return len(l) > len(loadsBefore) })
	if after, _ := auditedRules(t, data); len(after) != len(before) {
		t.Fatalf("a rescan recorded %d approval entries", len(after)-len(before))
	}
	r.stop(t)
	// Carol's key added to the board: her note, recorded as not counting,
	// is recorded once more, counting.
	before, _ = auditedRules(t, data)
	r = start(t, append(args[:len(args)-4:len(args)-4], "--board-keys", alicePub+","+bobPub+","+carolPub, "--approval-quorum", "2")...)
	r.stop(t)
	after, _ := auditedRules(t, data)
	if len(after) != len(before)+1 || after[len(after)-1].Hash != noteHash(t, carolFile) || !after[len(after)-1].Counted {
		t.Fatalf("carol's note once her key is a board key: %+v", after[len(before):])
	}
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"audit", "verify", "--data-dir", data}, noEnv, &out, &errOut); err != nil || !strings.Contains(out.String(), "ok: ") {
		t.Fatalf("audit verify: %v %s %s", err, out.String(), errOut.String())
	}
}

func notesOf(t *testing.T, l rulesEntry, kind string) []string {
	t.Helper()
	for _, rs := range l.Rulesets {
		if rs.Kind == kind && rs.Approval != nil {
			return rs.Approval.Notes
		}
	}
	t.Fatalf("entry %d has no %s approval", l.Seq, kind)
	return nil
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func mustReadFile(t *testing.T, file string) []byte {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}
