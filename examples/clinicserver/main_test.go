package main

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/reocell/celltherapy/eligibility"
	"github.com/reocell/celltherapy/procedure"
	"github.com/reocell/celltherapy/procedure/sqlite"
)

// The clinic's service, on a SQLite file, over real HTTP on loopback.
func TestClinicServer(t *testing.T) {
	store, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "cases.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: newClinic(eligibility.NewDefaultScreener(), procedure.NewCases(store))}
	go srv.Serve(ln)
	defer srv.Close()
	base := "http://" + ln.Addr().String()

	do := func(method, path, user, body string) (int, map[string]any) {
		t.Helper()
		req, err := http.NewRequest(method, base+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if user != "" {
			req.Header.Set("X-Clinic-User", user)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		var v map[string]any
		if err := json.Unmarshal(data, &v); err != nil {
			t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, data)
		}
		return resp.StatusCode, v
	}

	patient, err := os.ReadFile("../patient.json")
	if err != nil {
		t.Fatal(err)
	}
	if status, v := do("POST", "/screen", "dr-1 doctor", string(patient)); status != 200 || v["decision"] != "eligibility" || v["outcome"] == "" {
		t.Errorf("screen: %d %v", status, v)
	}
	if status, v := do("POST", "/screen", "dr-1 doctor", `{"pregnant": "yes"}`); status != 400 || !strings.Contains(v["error"].(string), "$.pregnant") {
		t.Errorf("bad facts: %d %v", status, v)
	}
	if status, _ := do("POST", "/screen", "", `{}`); status != 401 {
		t.Errorf("no sign-in: %d", status)
	}

	open := `{"type": "open-case", "at": "2026-11-24T09:00:00Z", "caseId": "case-1", "patient": "patient-1"}`
	if status, v := do("POST", "/cases", "adm-1 administrator", open); status != 201 {
		t.Fatalf("open: %d %v", status, v)
	}
	if status, v := do("POST", "/cases", "adm-1 administrator", open); status != 409 {
		t.Errorf("open twice: %d %v", status, v)
	}
	book := `{"type": "book-appointment", "at": "2026-11-24T09:05:00Z", "reason": "knee pain", "specialist": "orthopedist-2", "slot": "2026-11-27T10:00:00Z"}`
	if status, v := do("POST", "/cases/case-1/commands", "lab-1 lab", book); status != 403 {
		t.Errorf("book as lab: %d %v", status, v)
	}
	if status, v := do("POST", "/cases/case-1/commands", "adm-1 administrator", book); status != 200 {
		t.Errorf("book: %d %v", status, v)
	}
	status, v := do("GET", "/cases/case-1", "dr-1 doctor", "")
	if status != 200 || v["stage"] != "consultation" {
		t.Errorf("case: %d %v", status, v)
	}
	if status, _ := do("GET", "/cases/nobody", "dr-1 doctor", ""); status != 404 {
		t.Errorf("unknown case: %d", status)
	}
}
