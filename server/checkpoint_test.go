package server

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/reocell/celltherapy/server/internal/app"
	"github.com/reocell/celltherapy/server/internal/audit"
)

// TestCheckpointsEndToEnd: a server with its development audit key signs
// checkpoints; the auditor reads the latest at /v1/audit/checkpoint (a
// doctor may not), it verifies with the public key in the data directory;
// audit prove gives a proof that checks; audit verify passes, then names
// the entries lost when the last ones are deleted behind the server's
// back, and refuses a checkpoint signed by another key.
func TestCheckpointsEndToEnd(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	r := start(t, "--data-dir", data, "--audit-checkpoint-every", "50ms")
	doctor := token(t, data, "doctor")
	for range 4 {
		if status, body := post(t, r.url, doctor, strings.NewReader(patient)); status != 200 {
			t.Fatalf("%d %s", status, body)
		}
	}
	get := func(tok string) (int, []byte) {
		req, _ := http.NewRequest("GET", r.url+"/v1/audit/checkpoint", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	var served []byte
	for deadline := time.Now().Add(5 * time.Second); ; {
		status, body := get(token(t, data, "auditor"))
		if status == 200 && strings.Contains(string(body), "\n5\n") {
			served = body
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no checkpoint of the rules load and the 4 decisions: %d %s", status, body)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if status, _ := get(doctor); status != http.StatusForbidden {
		t.Errorf("a doctor read the checkpoint: %d", status)
	}
	r.stop(t)
	known, err := app.AuditVerifiers(app.Config{DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	if c, err := audit.OpenCheckpoint(served, known); err != nil || c.Size != 5 {
		t.Fatalf("the checkpoint served: %v %v", c, err)
	}
	witness := filepath.Join(t.TempDir(), "witness")
	os.WriteFile(witness, served, 0o644)

	cmd := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := run(ctx, args, noEnv, &out, &errOut)
		return out.String() + errOut.String(), err
	}
	out, err := cmd("audit", "prove", "3", "--data-dir", data)
	if err != nil {
		t.Fatalf("prove: %v %s", err, out)
	}
	note, rest, _ := strings.Cut(out, "\nentry 3 ")
	hash, proofText, _ := strings.Cut(rest, "\n")
	proof, err := audit.ParseProof(proofText)
	if err != nil {
		t.Fatal(err)
	}
	if err := audit.CheckInclusion([]byte(note), known, 3, hash, proof); err != nil {
		t.Fatalf("the proof of entry 3 does not check: %v\n%s", err, out)
	}
	if out, err := cmd("audit", "verify", "--data-dir", data, "--checkpoint", witness); err != nil || !strings.Contains(out, "ok: 5 entries") {
		t.Fatalf("verify: %v %s", err, out)
	}

	// Another key's checkpoint, given as a witness's, is refused.
	other := filepath.Join(t.TempDir(), "other.key")
	if out, err := cmd("audit", "keygen", "--out", other); err != nil {
		t.Fatalf("keygen: %v %s", err, out)
	}
	otherData := t.TempDir()
	r2 := start(t, "--data-dir", otherData, "--audit-key", other)
	if status, body := post(t, r2.url, token(t, otherData, "doctor"), strings.NewReader(patient)); status != 200 {
		t.Fatalf("%d %s", status, body)
	}
	r2.stop(t)
	foreign, _ := os.ReadFile(filepath.Join(otherData, audit.CheckpointFile))
	foreignFile := filepath.Join(t.TempDir(), "foreign")
	os.WriteFile(foreignFile, foreign, 0o644)
	out, err = cmd("audit", "verify", "--data-dir", data, "--checkpoint", foreignFile)
	var ce *audit.CheckpointError
	if !errors.As(err, &ce) || !strings.Contains(out, "none of the audit keys") {
		t.Fatalf("a checkpoint of another key: %v %s", err, out)
	}

	// The last entry deleted behind the server's back.
	db, err := sql.Open("sqlite", audit.SQLiteDSN(filepath.Join(data, app.DatabaseFile)))
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.Exec(`DROP TRIGGER audit_entries_no_delete; DELETE FROM audit_entries WHERE seq = 5`)
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	out, err = cmd("audit", "verify", "--data-dir", data, "--checkpoint", witness)
	if !errors.As(err, &ce) || !strings.Contains(out, "entries 5 to 5 were lost") || !strings.Contains(out, "holds 4 entries") {
		t.Fatalf("verify after truncation: %v %s", err, out)
	}
}
