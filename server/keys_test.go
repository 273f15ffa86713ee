package server

import (
	"bytes"
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// runCmd runs one of the commands and returns what it printed.
func runCmd(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, noEnv, &out, &errOut)
	return out.String() + errOut.String(), err
}

// auditKeygen makes an audit key in dir and returns its file and public key.
func auditKeygen(t *testing.T, dir, name string) (string, string) {
	t.Helper()
	file := filepath.Join(dir, name+".key")
	out, err := runCmd(t, "audit", "keygen", "--out", file)
	if err != nil {
		t.Fatalf("keygen: %v %s", err, out)
	}
	pub := filepath.Join(dir, name+".pub")
	writeFile(t, pub, out)
	return file, strings.TrimSpace(out)
}

// TestAuditKeyRotation: a server signs with one audit key, then restarts
// with a new one and the old public key listed; the new key signs from its
// first checkpoint on, and audit verify accepts the log with both keys
// listed and refuses the old checkpoints when the old key is dropped.
func TestAuditKeyRotation(t *testing.T) {
	data, keys := t.TempDir(), t.TempDir()
	oldKey, oldPub := auditKeygen(t, keys, "old")
	newKey, _ := auditKeygen(t, keys, "new")
	oldPubFile := filepath.Join(keys, "old.pub")
	r := start(t, "--data-dir", data, "--audit-key", oldKey)
	doctor := token(t, data, "doctor")
	if status, body := post(t, r.url, doctor, strings.NewReader(patient)); status != 200 {
		t.Fatalf("%d %s", status, body)
	}
	r.stop(t)
	r = start(t, "--data-dir", data, "--audit-key", newKey, "--audit-keys", oldPubFile)
	if status, body := post(t, r.url, doctor, strings.NewReader(patient)); status != 200 {
		t.Fatalf("after the rotation: %d %s", status, body)
	}
	r.stop(t)
	if out, err := runCmd(t, "audit", "verify", "--data-dir", data, "--audit-key", newKey, "--audit-keys", oldPubFile); err != nil {
		t.Fatalf("verify with both keys: %v %s", err, out)
	}
	// The old public key given as text works as well as its file.
	if out, err := runCmd(t, "audit", "verify", "--data-dir", data, "--audit-key", newKey, "--audit-keys", oldPub); err != nil {
		t.Fatalf("verify with the old key as text: %v %s", err, out)
	}
	out, err := runCmd(t, "audit", "verify", "--data-dir", data, "--audit-key", newKey)
	if err == nil || !strings.Contains(out, "signed by none of the audit keys known") {
		t.Fatalf("verify without the old key: %v %s, want the old checkpoints refused", err, out)
	}
	// The old key alone refuses the new key's checkpoints.
	out, err = runCmd(t, "audit", "verify", "--data-dir", data, "--audit-key", oldKey)
	if err == nil || !strings.Contains(out, "signed by none of the audit keys known") {
		t.Fatalf("verify with the old key alone: %v %s, want the new checkpoints refused", err, out)
	}
}

// TestTwoServersTwoKeysOnePostgres: two server processes on one PostgreSQL
// database, each with its own audit key, append to one tree and each signs
// checkpoints of it; audit verify accepts the log when both public keys are
// listed and refuses it when one is not.
func TestTwoServersTwoKeysOnePostgres(t *testing.T) {
	dsn := freshSchema(t, postgresDSN(t))
	data, keys := t.TempDir(), t.TempDir()
	keyA, _ := auditKeygen(t, keys, "a")
	keyB, _ := auditKeygen(t, keys, "b")
	pubA, pubB := filepath.Join(keys, "a.pub"), filepath.Join(keys, "b.pub")
	doctor := token(t, data, "doctor")
	a := startChild(t, "--data-dir", data, "--postgres", dsn, "--audit-key", keyA, "--audit-keys", pubB, "--audit-checkpoint-every", "20ms")
	b := startChild(t, "--data-dir", data, "--postgres", dsn, "--audit-key", keyB, "--audit-keys", pubA, "--audit-checkpoint-every", "20ms")
	for i := range 6 {
		url := []string{a.url, b.url}[i%2]
		if status, body := post(t, url, doctor, strings.NewReader(patient)); status != 200 {
			t.Fatalf("decision %d: %d %s", i, status, body)
		}
	}
	a.stop(t)
	// b appends after a has stopped and signs the last checkpoint.
	if status, body := post(t, b.url, doctor, strings.NewReader(patient)); status != 200 {
		t.Fatalf("%d %s", status, body)
	}
	b.stop(t)
	if n := countSigners(t, dsn); n != 2 {
		t.Fatalf("checkpoints signed by %d keys, want 2", n)
	}
	if out, err := runCmd(t, "audit", "verify", "--data-dir", data, "--postgres", dsn, "--audit-key", keyA, "--audit-keys", pubB); err != nil {
		t.Fatalf("verify with both keys: %v %s", err, out)
	}
	if out, err := runCmd(t, "audit", "verify", "--data-dir", data, "--postgres", dsn, "--audit-keys", pubA+","+pubB); err != nil {
		t.Fatalf("verify with both public keys listed: %v %s", err, out)
	}
	for _, only := range []string{pubA, pubB} {
		out, err := runCmd(t, "audit", "verify", "--data-dir", data, "--postgres", dsn, "--audit-keys", only)
		if err == nil || !strings.Contains(out, "signed by none of the audit keys known") {
			t.Errorf("verify with %s alone: %v %s, want the other server's checkpoints refused", filepath.Base(only), err, out)
		}
	}
}

// writeFile writes text to file.
func writeFile(t *testing.T, file, text string) {
	t.Helper()
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// countSigners counts the distinct keys that signed the checkpoints stored
// in the PostgreSQL database: a signature line is "— name base64(keyhash
// || signature)".
func countSigners(t *testing.T, dsn string) int {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT note FROM audit_checkpoints`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	signers := map[string]bool{}
	for rows.Next() {
		var msg string
		if err := rows.Scan(&msg); err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(msg, "\n") {
			if f := strings.Fields(line); len(f) == 3 && f[0] == "—" {
				raw, err := base64.StdEncoding.DecodeString(f[2])
				if err != nil || len(raw) < 4 {
					t.Fatalf("signature line %q", line)
				}
				signers[f[1]+string(raw[:4])] = true
			}
		}
	}
	return len(signers)
}
