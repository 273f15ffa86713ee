package server

import (
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/reocell/celltherapy/server/internal/app"
	"github.com/reocell/celltherapy/server/internal/audit"
)

// copyFile copies from to to, when from exists.
func copyFile(t *testing.T, from, to string) {
	t.Helper()
	raw, err := os.ReadFile(from)
	if os.IsNotExist(err) {
		os.Remove(to)
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, raw, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestRestoreFromAnOlderBackup: a database restored from a backup is
// shorter than the checkpoint outside it; audit verify names both sizes
// and the entries lost, and the server, on start, records the restore as
// an entry (the sizes, the outside checkpoint's hash) and carries on.
func TestRestoreFromAnOlderBackup(t *testing.T) {
	data, backup := t.TempDir(), t.TempDir()
	db := filepath.Join(data, app.DatabaseFile)
	r := start(t, "--data-dir", data)
	doctor := token(t, data, "doctor")
	if status, body := post(t, r.url, doctor, strings.NewReader(patient)); status != 200 {
		t.Fatalf("%d %s", status, body)
	}
	r.stop(t)
	for _, ext := range []string{"", "-wal"} {
		copyFile(t, db+ext, filepath.Join(backup, "db"+ext))
	}
	// 2 entries in the backup: the rules load and the decision. Then 5 more.
	r = start(t, "--data-dir", data)
	for range 4 {
		if status, body := post(t, r.url, doctor, strings.NewReader(patient)); status != 200 {
			t.Fatalf("%d %s", status, body)
		}
	}
	r.stop(t)
	witness := filepath.Join(backup, "witness")
	copyFile(t, filepath.Join(data, audit.CheckpointFile), witness)
	known, err := app.AuditVerifiers(app.Config{DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(witness)
	signed, err := audit.OpenCheckpoint(raw, known)
	if err != nil || signed.Size != 7 {
		t.Fatalf("the checkpoint before the restore: %v %v", signed, err)
	}

	for _, ext := range []string{"", "-wal", "-shm"} {
		copyFile(t, filepath.Join(backup, "db"+ext), db+ext)
	}
	out, err := runCmd(t, "audit", "verify", "--data-dir", data, "--checkpoint", witness)
	if err == nil || !strings.Contains(out, "holds 2 entries") || !strings.Contains(out, "size 7") || !strings.Contains(out, "entries 3 to 7 were lost") {
		t.Fatalf("verify after the restore: %v %s, want both sizes and the entries lost named", err, out)
	}

	r = start(t, "--data-dir", data)
	if status, body := post(t, r.url, doctor, strings.NewReader(patient)); status != 200 {
		t.Fatalf("after the restore: %d %s", status, body)
	}
	r.stop(t)
	if !strings.Contains(r.stderr.String(), "the database is shorter than the checkpoint outside it") {
		t.Errorf("the server's log does not say the database was restored:\n%s", r.stderr)
	}
	conn, err := sql.Open("sqlite", audit.SQLiteDSN(db))
	if err != nil {
		t.Fatal(err)
	}
	var seq int64
	var output string
	err = conn.QueryRow(`SELECT seq, output FROM audit_entries WHERE action = ?`, audit.ActionRestored).Scan(&seq, &output)
	conn.Close()
	if err != nil {
		t.Fatalf("no entry records the restore: %v", err)
	}
	var rec struct {
		CheckpointSize, LogSize, LostFrom, LostTo int64
		CheckpointHash, CheckpointNote            string
	}
	if err := json.Unmarshal([]byte(output), &rec); err != nil {
		t.Fatal(err)
	}
	if seq != 3 || rec.CheckpointSize != 7 || rec.LogSize != 2 || rec.LostFrom != 3 || rec.LostTo != 7 ||
		rec.CheckpointHash != signed.Hash.String() || rec.CheckpointNote != string(raw) {
		t.Errorf("the restore's entry %d: %s, want entry 3 naming sizes 7 and 2 and the hash %s", seq, output, signed.Hash)
	}
	// The restored log verifies on its own; the witness's checkpoint still
	// names what was lost, and the entry that recorded it.
	if out, err := runCmd(t, "audit", "verify", "--data-dir", data); err != nil {
		t.Errorf("verify of the restored log: %v %s", err, out)
	}
	out, err = runCmd(t, "audit", "verify", "--data-dir", data, "--checkpoint", witness)
	if err == nil || !strings.Contains(out, "entries 3 to 7 were lost") || !strings.Contains(out, "restored from a backup of 2 entries") || !strings.Contains(out, "entry 3 records the restore") {
		t.Errorf("verify with the witness's checkpoint: %v %s", err, out)
	}
	// A second start records nothing more: the checkpoint outside is the
	// restored log's now.
	r = start(t, "--data-dir", data)
	r.stop(t)
	if strings.Contains(r.stderr.String(), "shorter than the checkpoint") {
		t.Errorf("the restore recorded twice:\n%s", r.stderr)
	}
}

// TestAuditVerifyState: audit verify --state keeps the last checkpoint
// verified, and the next run hashes only the entries after it into the
// tree; a state file that is not one is refused naming the setting.
func TestAuditVerifyState(t *testing.T) {
	data := t.TempDir()
	state := filepath.Join(t.TempDir(), "verify-state")
	r := start(t, "--data-dir", data)
	doctor := token(t, data, "doctor")
	for range 5 {
		if status, body := post(t, r.url, doctor, strings.NewReader(patient)); status != 200 {
			t.Fatalf("%d %s", status, body)
		}
	}
	r.stop(t)
	out, err := runCmd(t, "audit", "verify", "--data-dir", data, "--state", state)
	if err != nil || !strings.Contains(out, "ok: 6 entries") || !strings.Contains(out, "tree: 6 entries hashed") {
		t.Fatalf("the first run: %v %s", err, out)
	}
	r = start(t, "--data-dir", data)
	if status, body := post(t, r.url, doctor, strings.NewReader(patient)); status != 200 {
		t.Fatalf("%d %s", status, body)
	}
	r.stop(t)
	out, err = runCmd(t, "audit", "verify", "--data-dir", data, "--state", state)
	if err != nil || !strings.Contains(out, "ok: 8 entries") || !strings.Contains(out, "tree: 2 entries hashed") {
		t.Fatalf("from the state: %v %s, want the rules load and the decision since hashed", err, out)
	}
	writeFile(t, state, "{")
	if out, err := runCmd(t, "audit", "verify", "--data-dir", data, "--state", state); err == nil || !strings.Contains(err.Error(), "state") {
		t.Fatalf("a broken state file: %v %s", err, out)
	}
}
