package app

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"golang.org/x/mod/sumdb/note"

	"github.com/reocell/celltherapy/fhir"
	"github.com/reocell/celltherapy/server/internal/auth"
	"github.com/reocell/celltherapy/server/internal/httpapi"
	"github.com/reocell/celltherapy/server/internal/openapitest"
	"github.com/reocell/celltherapy/server/internal/rulebook"
)

// board is a medical board of two keys for the approval tests.
type board struct {
	signers []note.Signer
	vkeys   []string
}

func newBoard(t *testing.T, names ...string) board {
	t.Helper()
	var b board
	for _, name := range names {
		skey, vkey, err := note.GenerateKey(rand.Reader, name)
		if err != nil {
			t.Fatal(err)
		}
		s, err := note.NewSigner(skey)
		if err != nil {
			t.Fatal(err)
		}
		b.signers, b.vkeys = append(b.signers, s), append(b.vkeys, vkey)
	}
	return b
}

// approve signs, with the board's keys i, every ruleset and code table
// ReadRulesets gives for paths (none: the built-in ones).
func (b board) approve(t *testing.T, dir string, keys []int, paths ...string) {
	t.Helper()
	sets, err := rulebook.ReadRulesets(paths...)
	if err != nil {
		t.Fatal(err)
	}
	for _, rs := range sets {
		for _, i := range keys {
			if _, err := rulebook.SignApproval(dir, rs, b.signers[i]); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestCDSScreeningUsesTheApprovedCodeTables runs the server with
// --require-approval over a rules directory that holds only the clinic's
// code tables, and a CDS Hooks client screening a patient with HIV
// disease (ICD-10 B20) all along: the approved tables screen; a change
// that takes B20 out of the HIV table is not served while unapproved nor
// when one board key of two approved it (the screening still finds HIV;
// /v1/rulesets, the log's reload error and the metrics say why); the
// second key's approval puts it in force and the next screening no longer
// finds HIV from B20.
func TestCDSScreeningUsesTheApprovedCodeTables(t *testing.T) {
	rulesDir, approvals := t.TempDir(), t.TempDir()
	codes := func(version string, b20 bool) []byte {
		src := strings.Replace(string(fhir.DefaultCodesYAML()), `version: "2026.12.1"`, `version: "`+version+`"`, 1)
		if !b20 {
			src = strings.ReplaceAll(src, "range: B20-B24, display", "range: B21-B24, display")
		}
		return []byte(src)
	}
	if err := os.WriteFile(filepath.Join(rulesDir, rulebook.CodeTablesFile), codes("clinic-1", true), 0o644); err != nil {
		t.Fatal(err)
	}
	b := newBoard(t, "board-alice", "board-bob")
	b.approve(t, approvals, []int{0, 1})
	b.approve(t, approvals, []int{0, 1}, rulesDir)

	rk, _ := rsa.GenerateKey(rand.Reader, 2048)
	jwksFile := filepath.Join(t.TempDir(), "ehr.jwks")
	data, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: rk.Public(), KeyID: "k1", Algorithm: "RS384", Use: "sig"}}})
	os.WriteFile(jwksFile, data, 0o600)
	ehrClient := ehr{iss: "https://ehr.test/", alg: jose.RS384, key: rk}

	cfg := config(t)
	cfg.RulesDir, cfg.RequireApproval, cfg.Approvals = rulesDir, true, approvals
	cfg.BoardKeys, cfg.ApprovalQuorum = strings.Join(b.vkeys, ","), "2"
	cfg.CDSClients, cfg.CDSBaseURL = ehrClient.iss+"="+jwksFile, "https://cds.clinic.test/"
	srv := startServer(t, cfg)
	client := &http.Client{Transport: openapitest.Transport(t, httpapi.OpenAPI(), nil)}
	const path = "/cds-services/msc-screening-order-sign"
	screen := func() string {
		t.Helper()
		req, _ := http.NewRequest("POST", srv.URL+path, bytes.NewReader(orderSign("https://github.com/reocell/celltherapy/fhir/CodeSystem/msc-order", "msc-therapy")))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+ehrClient.token(t, "https://cds.clinic.test"+path))
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("screening: %d %s", resp.StatusCode, body)
		}
		return string(body)
	}
	// The screening names the tables it read the records with, and the
	// facts it found true with the record each came from.
	screenedWith := regexp.MustCompile(`FHIR code tables msc-contraindication-codes (\S+) `)
	findsHIV := func(body string) bool { return strings.Contains(body, "| `hiv` | true | Condition/c1 (B20") }
	tablesOf := func(body string) string {
		t.Helper()
		m := screenedWith.FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("the screening names no code tables: %s", body)
		}
		return m[1]
	}

	dev, err := auth.LoadOrCreateDevKey(cfg.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := auth.Mint(dev, cfg.Issuer, cfg.Audience, "dr-a", "doctor", time.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	type listing struct {
		CodeTables []struct {
			Version, Digest, Source string
			Approval                struct {
				Count    int
				Approved bool
			}
		}
		Reload struct{ LastError string }
	}
	listed := func() listing {
		t.Helper()
		req, _ := http.NewRequest("GET", srv.URL+"/v1/rulesets", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var l listing
		if err := json.NewDecoder(resp.Body).Decode(&l); err != nil || len(l.CodeTables) != 1 {
			t.Fatalf("listing: %v %+v", err, l)
		}
		return l
	}
	metric := func(name string) string {
		t.Helper()
		resp, err := http.Get(srv.URL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + ` (\S+)$`).FindStringSubmatch(string(raw))
		if m == nil {
			return ""
		}
		return m[1]
	}
	waitFor := func(what string, ok func(listing) bool) listing {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(30 * time.Millisecond) {
			if l := listed(); ok(l) {
				return l
			} else if time.Now().After(deadline) {
				t.Fatalf("%s: %+v", what, l)
			}
		}
	}

	first, err := fhir.LoadCodesFile(filepath.Join(rulesDir, rulebook.CodeTablesFile))
	if err != nil {
		t.Fatal(err)
	}
	if l := listed(); l.CodeTables[0].Digest != first.Digest() || l.CodeTables[0].Version != "clinic-1" || !l.CodeTables[0].Approval.Approved {
		t.Fatalf("at start: %+v", l)
	}
	if body := screen(); !findsHIV(body) || tablesOf(body) != "clinic-1" {
		t.Fatalf("the approved tables do not find HIV from B20: %s", body)
	}
	time.Sleep(100 * time.Millisecond) // the watcher starts

	os.WriteFile(filepath.Join(rulesDir, rulebook.CodeTablesFile), codes("clinic-2", false), 0o644)
	l := waitFor("an unapproved change", func(l listing) bool { return strings.Contains(l.Reload.LastError, "clinic-2 (fhir-codes") })
	if l.CodeTables[0].Version != "clinic-1" || !strings.Contains(l.Reload.LastError, "has 0 valid approvals") {
		t.Fatalf("an unapproved change: %+v", l)
	}
	if body := screen(); !findsHIV(body) || tablesOf(body) != "clinic-1" {
		t.Fatalf("the screening took the unapproved tables: %s", body)
	}
	if metric("celltherapy_rules_reloads_unapproved_total") == "0" {
		t.Error("the unapproved reload is not counted")
	}

	b.approve(t, approvals, []int{0}, rulesDir)
	waitFor("below quorum", func(l listing) bool { return strings.Contains(l.Reload.LastError, "has 1 valid approvals") })
	if l, body := listed(), screen(); l.CodeTables[0].Version != "clinic-1" || !findsHIV(body) || tablesOf(body) != "clinic-1" {
		t.Fatalf("below quorum the change was served: %+v", l)
	}

	b.approve(t, approvals, []int{1}, rulesDir)
	l = waitFor("the approved change", func(l listing) bool { return l.CodeTables[0].Version == "clinic-2" })
	if l.Reload.LastError != "" || l.CodeTables[0].Approval.Count != 2 || l.CodeTables[0].Source != "directory" {
		t.Fatalf("the approved change: %+v", l)
	}
	if body := screen(); findsHIV(body) || tablesOf(body) != "clinic-2" {
		t.Fatalf("the approved tables without B20 still find HIV: %s", body)
	}
}
