package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/reocell/celltherapy/eligibility"
	"github.com/reocell/celltherapy/fhir"
	"github.com/reocell/celltherapy/server/internal/httpapi"
	"github.com/reocell/celltherapy/server/internal/openapitest"
)

// keygen makes a board member's key with celltherapy audit keygen and
// returns its file and public key.
func keygen(t *testing.T, name string) (string, string) {
	t.Helper()
	file := filepath.Join(t.TempDir(), name+".key")
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"audit", "keygen", "--out", file, "--name", name}, noEnv, &out, &errOut); err != nil {
		t.Fatalf("keygen: %v %s", err, errOut.String())
	}
	return file, strings.TrimSpace(out.String())
}

// approve runs celltherapy approve.
func approve(t *testing.T, key, approvals string, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	if err := run(context.Background(), append([]string{"approve", "--key", key, "--approvals", approvals}, args...), noEnv, &out, &errOut); err != nil {
		t.Fatalf("approve: %v %s", err, errOut.String())
	}
	return out.String()
}

var versionLabel = regexp.MustCompile(`(?m)^version: "[^"]*"`)

func eligibilityVersion(t *testing.T, v string) []byte {
	t.Helper()
	base, err := fs.ReadFile(eligibility.DefaultFS(), "contraindications.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return []byte(versionLabel.ReplaceAllString(string(base), `version: "`+v+`"`))
}

type servedRulesets struct {
	Rulesets []struct {
		Kind, Version, Digest string
		Approval              *struct {
			By            []string
			Count, Quorum int
			Approved      bool
		}
	}
	Reload struct{ LastAttempt, LastError string }
}

// TestRequireApprovalServesOnlyApprovedRules runs the server with
// --require-approval and a quorum of 2 board keys, with decisions asked
// all along: approved rules are served; an unapproved change, one approved
// by a single key, by one key twice, by a key outside the board keep the
// old rules serving (log, /v1/rulesets and metrics say why); the second
// board key's approval puts the change in force. No request fails.
func TestRequireApprovalServesOnlyApprovedRules(t *testing.T) {
	rulesDir, approvals, data, staging := t.TempDir(), t.TempDir(), t.TempDir(), t.TempDir()
	aliceKey, alicePub := keygen(t, "board-alice")
	bobKey, bobPub := keygen(t, "board-bob")
	carolKey, _ := keygen(t, "carol") // not on the board
	rules := filepath.Join(rulesDir, "contraindications.yaml")
	os.WriteFile(rules, eligibilityVersion(t, "clinic-1"), 0o644)
	for _, k := range []string{aliceKey, bobKey} {
		approve(t, k, approvals, "--built-in")
		approve(t, k, approvals, rulesDir)
	}
	r := start(t, "--data-dir", data, "--rules", rulesDir, "--require-approval", "--approvals", approvals,
		"--board-keys", alicePub+","+bobPub, "--approval-quorum", "2")
	tok := token(t, data, "doctor")
	client := &http.Client{Transport: openapitest.Transport(t, httpapi.OpenAPI(), nil)}
	served := func() servedRulesets {
		t.Helper()
		req, _ := http.NewRequest("GET", r.url+"/v1/rulesets", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body servedRulesets
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
			t.Fatal(err)
		}
		return body
	}
	eligibilityOf := func(b servedRulesets) (string, int, []string) {
		for _, rs := range b.Rulesets {
			if rs.Kind == "eligibility" {
				if rs.Approval == nil {
					t.Fatalf("no approval shown: %+v", rs)
				}
				return rs.Version, rs.Approval.Count, rs.Approval.By
			}
		}
		t.Fatal("no eligibility ruleset")
		return "", 0, nil
	}
	if v, n, by := eligibilityOf(served()); v != "clinic-1" || n != 2 || strings.Join(by, ",") != "board-alice,board-bob" {
		t.Fatalf("at start: %s approved %d times by %v", v, n, by)
	}
	time.Sleep(100 * time.Millisecond) // the watcher starts

	// Decisions all along: none may fail while reloads are refused or taken.
	var failed atomic.Int64
	var firstFailure atomic.Value
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				status, body, err := postErr(t, r.url, tok, strings.NewReader(patient))
				if err != nil || status != http.StatusOK {
					failed.Add(1)
					firstFailure.CompareAndSwap(nil, errors.Join(err, errors.New(body)))
				}
			}
		}()
	}
	metric := func(name string) string {
		resp, err := http.Get(r.url + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + ` (\S+)$`).FindStringSubmatch(string(b))
		if m == nil {
			return ""
		}
		return m[1]
	}
	waitError := func(want string) servedRulesets {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(30 * time.Millisecond) {
			b := served()
			if strings.Contains(b.Reload.LastError, want) {
				return b
			}
			if time.Now().After(deadline) {
				t.Fatalf("want a refused reload saying %q, have %+v", want, b.Reload)
			}
		}
	}
	stage := func(v string) string {
		f := filepath.Join(staging, v+".yaml")
		os.WriteFile(f, eligibilityVersion(t, v), 0o644)
		return f
	}

	// Unapproved.
	os.WriteFile(rules, eligibilityVersion(t, "clinic-2"), 0o644)
	b := waitError("clinic-2")
	if v, _, _ := eligibilityOf(b); v != "clinic-1" || !strings.Contains(b.Reload.LastError, "has 0 valid approvals of the quorum of 2") {
		t.Fatalf("an unapproved change: %s serves, %q", v, b.Reload.LastError)
	}
	if got := metric("celltherapy_rules_reloads_unapproved_total"); got != "1" {
		t.Errorf("refused reloads counted %q, want 1", got)
	}
	if !strings.Contains(r.stderr.String(), "has 0 valid approvals") {
		t.Errorf("the log does not say why the reload was refused")
	}

	// One board key twice and a key outside the board: one approval.
	out := approve(t, aliceKey, approvals, stage("clinic-3"))
	note := strings.TrimSpace(out[strings.LastIndex(out, ": ")+2:])
	raw, _ := os.ReadFile(note)
	os.WriteFile(filepath.Join(approvals, "again.approval"), raw, 0o644)
	approve(t, carolKey, approvals, stage("clinic-3"))
	os.WriteFile(rules, eligibilityVersion(t, "clinic-3"), 0o644)
	b = waitError("clinic-3 (eligibility")
	if v, _, _ := eligibilityOf(b); v != "clinic-1" || !strings.Contains(b.Reload.LastError, "has 1 valid approvals of the quorum of 2") {
		t.Fatalf("below quorum: %s serves, %q", v, b.Reload.LastError)
	}

	// The second board key approves: the change is served, without
	// touching the rules (the approvals directory is watched too).
	approve(t, bobKey, approvals, stage("clinic-3"))
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(30 * time.Millisecond) {
		b = served()
		if v, n, _ := eligibilityOf(b); v == "clinic-3" && n == 2 && b.Reload.LastError == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the approved change is not served: %+v", b)
		}
	}
	close(stop)
	wg.Wait()
	if n := failed.Load(); n > 0 {
		t.Fatalf("%d requests failed during the reloads; the first: %v", n, firstFailure.Load())
	}
	r.stop(t)
}

// TestStartRefusesUnapprovedRules: at start, rules without the quorum's
// approval stop the server with one line naming the ruleset, its digest,
// its valid approvals and the quorum. The built-in rules are gated too.
func TestStartRefusesUnapprovedRules(t *testing.T) {
	approvals, data := t.TempDir(), t.TempDir()
	aliceKey, alicePub := keygen(t, "board-alice")
	_, bobPub := keygen(t, "board-bob")
	out := approve(t, aliceKey, approvals, "--built-in")
	digest := regexp.MustCompile(`\(eligibility, (sha256:[0-9a-f]+)\)`).FindStringSubmatch(out)
	if digest == nil {
		t.Fatalf("approve printed %q", out)
	}
	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second) // a server that starts anyway stops
	defer cancel()
	err := run(ctx, []string{"--addr", "127.0.0.1:0", "--data-dir", data, "--require-approval",
		"--approvals", approvals, "--board-keys", alicePub + "," + bobPub}, noEnv, &stdout, &stderr)
	if err == nil {
		t.Fatal("the server started with rules one board key approved")
	}
	line := err.Error()
	if strings.Contains(line, "\n") || !strings.HasPrefix(line, "--require-approval") || !strings.Contains(line, digest[1]) ||
		!strings.Contains(line, "has 1 valid approvals of the quorum of 2") || !strings.Contains(line, "(eligibility, ") {
		t.Fatalf("start-up refusal: %q", line)
	}
	if strings.Contains(stdout.String(), "listening") {
		t.Fatal("the server listened")
	}
	// A quorum larger than the board is a bad setting.
	err = run(context.Background(), []string{"--addr", "127.0.0.1:0", "--data-dir", data, "--require-approval",
		"--approvals", approvals, "--board-keys", alicePub, "--approval-quorum", "2"}, noEnv, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "--approval-quorum") {
		t.Fatalf("a quorum of 2 with one key: %v", err)
	}
	// Approvals inside the watched rules are a bad setting.
	rulesDir := t.TempDir()
	inside := filepath.Join(rulesDir, "approvals")
	os.Mkdir(inside, 0o755)
	err = run(context.Background(), []string{"--addr", "127.0.0.1:0", "--data-dir", data, "--rules", rulesDir, "--require-approval",
		"--approvals", inside, "--board-keys", alicePub + "," + bobPub}, noEnv, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "--approvals") || !strings.Contains(err.Error(), "inside the rules directory") {
		t.Fatalf("approvals inside the rules: %v", err)
	}
}

// TestApprovalsShownWithoutRequiringThem: with board keys but without
// --require-approval, unapproved rules serve as before and /v1/rulesets
// shows the approvals found.
func TestApprovalsShownWithoutRequiringThem(t *testing.T) {
	approvals, data := t.TempDir(), t.TempDir()
	aliceKey, alicePub := keygen(t, "board-alice")
	_, bobPub := keygen(t, "board-bob")
	approve(t, aliceKey, approvals, "--built-in")
	r := start(t, "--data-dir", data, "--approvals", approvals, "--board-keys", alicePub+","+bobPub)
	req, _ := http.NewRequest("GET", r.url+"/v1/rulesets", nil)
	req.Header.Set("Authorization", "Bearer "+token(t, data, "doctor"))
	resp, err := (&http.Client{Transport: openapitest.Transport(t, httpapi.OpenAPI(), nil)}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b servedRulesets
	json.NewDecoder(resp.Body).Decode(&b)
	for _, rs := range b.Rulesets {
		if rs.Approval == nil || rs.Approval.Count != 1 || rs.Approval.Approved || rs.Approval.Quorum != 2 {
			t.Fatalf("%s: approval %+v", rs.Kind, rs.Approval)
		}
	}
	r.stop(t)
}

// TestApproveSignsTheCodeTables: celltherapy approve signs the code tables
// of a rules directory (its codes.yaml) with the digest the server lists
// in /v1/rulesets; the clinic's tables approved by the rules but not by
// the board stop the server at start with one line naming them.
func TestApproveSignsTheCodeTables(t *testing.T) {
	rulesDir, approvals, data := t.TempDir(), t.TempDir(), t.TempDir()
	aliceKey, alicePub := keygen(t, "board-alice")
	bobKey, bobPub := keygen(t, "board-bob")
	os.WriteFile(filepath.Join(rulesDir, "contraindications.yaml"), eligibilityVersion(t, "clinic-1"), 0o644)
	for _, k := range []string{aliceKey, bobKey} {
		approve(t, k, approvals, "--built-in")
	}
	// The directory's rule files approved, its codes.yaml added after.
	for _, k := range []string{aliceKey, bobKey} {
		approve(t, k, approvals, rulesDir)
	}
	os.WriteFile(filepath.Join(rulesDir, "codes.yaml"), []byte(strings.Replace(string(fhir.DefaultCodesYAML()), `version: "2026.12.1"`, `version: "clinic-7"`, 1)), 0o644)
	args := []string{"--addr", "127.0.0.1:0", "--data-dir", data, "--rules", rulesDir, "--require-approval",
		"--approvals", approvals, "--board-keys", alicePub + "," + bobPub}
	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := run(ctx, args, noEnv, &stdout, &stderr)
	if err == nil || strings.Contains(err.Error(), "\n") || !strings.HasPrefix(err.Error(), "--require-approval") ||
		!strings.Contains(err.Error(), "FHIR code tables msc-contraindication-codes clinic-7 (fhir-codes, sha256:") ||
		!strings.Contains(err.Error(), "has 0 valid approvals of the quorum of 2") {
		t.Fatalf("start with unapproved code tables: %v", err)
	}
	var out string
	for _, k := range []string{aliceKey, bobKey} {
		out = approve(t, k, approvals, rulesDir)
	}
	m := regexp.MustCompile(`approved msc-contraindication-codes clinic-7 \(fhir-codes, (\S+)\)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("approve printed %q", out)
	}
	r := start(t, args[2:]...)
	req, _ := http.NewRequest("GET", r.url+"/v1/rulesets", nil)
	req.Header.Set("Authorization", "Bearer "+token(t, data, "doctor"))
	resp, err := (&http.Client{Transport: openapitest.Transport(t, httpapi.OpenAPI(), nil)}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b struct {
		CodeTables []struct {
			Kind, Version, Digest string
			Approval              struct {
				By       []string
				Approved bool
			}
		}
	}
	json.NewDecoder(resp.Body).Decode(&b)
	if len(b.CodeTables) != 1 || b.CodeTables[0].Digest != m[1] || b.CodeTables[0].Version != "clinic-7" || b.CodeTables[0].Kind != "fhir-codes" ||
		!b.CodeTables[0].Approval.Approved || strings.Join(b.CodeTables[0].Approval.By, ",") != "board-alice,board-bob" {
		t.Fatalf("served code tables %+v, approved digest %s", b.CodeTables, m[1])
	}
	r.stop(t)
}
