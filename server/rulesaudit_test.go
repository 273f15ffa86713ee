package server

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/reocell/celltherapy/eligibility"
	"github.com/reocell/celltherapy/server/internal/app"
	"github.com/reocell/celltherapy/server/internal/audit"
)

// TestRulesLoadsAreAudited: the rules in force at start, a reload that
// took and one that was refused are each an audit entry with the digests
// in force, where they came from and the result.
func TestRulesLoadsAreAudited(t *testing.T) {
	rulesDir, data := t.TempDir(), t.TempDir()
	base, err := fs.ReadFile(eligibility.DefaultFS(), "contraindications.yaml")
	if err != nil {
		t.Fatal(err)
	}
	version := regexp.MustCompile(`(?m)^version: "[^"]*"`)
	put := func(v string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(rulesDir, "contraindications.yaml"), []byte(version.ReplaceAllString(string(base), `version: "`+v+`"`)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	put("clinic-1")
	r := start(t, "--data-dir", data, "--rules", rulesDir)
	time.Sleep(100 * time.Millisecond) // the watcher starts
	type load struct {
		Action, Digests string
		OK              bool
		Error           string
	}
	entries := func() []load {
		log, err := app.OpenAudit(context.Background(), app.Config{DataDir: data}, audit.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer log.Close()
		var out []load
		log.Entries(context.Background(), func(e *audit.Entry) error {
			if strings.HasPrefix(e.Action, "rules:") {
				var l struct {
					OK    bool
					Error string
				}
				json.Unmarshal(e.Output, &l)
				out = append(out, load{e.Action, e.RulesetDigest, l.OK, l.Error})
			}
			return nil
		})
		return out
	}
	waitLoads := func(n int) []load {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(30 * time.Millisecond) {
			if got := entries(); len(got) >= n {
				return got
			}
			if time.Now().After(deadline) {
				t.Fatalf("want %d rules entries, have %v", n, entries())
			}
		}
	}
	first := waitLoads(1)[0]
	if first.Action != "rules:load" || !first.OK || !strings.Contains(first.Digests, "eligibility=sha256:") {
		t.Fatalf("the load at start: %+v", first)
	}
	put("clinic-2")
	second := waitLoads(2)[1]
	if second.Action != "rules:reload" || !second.OK || second.Digests == first.Digests {
		t.Fatalf("a reload that took: %+v", second)
	}
	os.WriteFile(filepath.Join(rulesDir, "contraindications.yaml"), []byte("ruleset: [\n"), 0o644)
	third := waitLoads(3)[2]
	if third.Action != "rules:reload" || third.OK || !strings.Contains(third.Error, "contraindications.yaml") || third.Digests != second.Digests {
		t.Fatalf("a refused reload: %+v (the digests in force stay %s)", third, second.Digests)
	}
	r.stop(t)
}

// TestRulesChangedWhileStopped: the rules:load at start compares the
// digests loaded with those last recorded in force; rules changed while
// the server was down are said so in its log and in the entry, and a
// restart on the same rules says nothing.
func TestRulesChangedWhileStopped(t *testing.T) {
	rulesDir, data := t.TempDir(), t.TempDir()
	base, err := fs.ReadFile(eligibility.DefaultFS(), "contraindications.yaml")
	if err != nil {
		t.Fatal(err)
	}
	version := regexp.MustCompile(`(?m)^version: "[^"]*"`)
	put := func(v string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(rulesDir, "contraindications.yaml"), []byte(version.ReplaceAllString(string(base), `version: "`+v+`"`)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	type load struct {
		Digests    string
		Changed    bool
		LastServed string
	}
	loads := func() []load {
		log, err := app.OpenAudit(context.Background(), app.Config{DataDir: data}, audit.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer log.Close()
		var out []load
		log.Entries(context.Background(), func(e *audit.Entry) error {
			if e.Action == app.ActionRulesLoad {
				var l load
				json.Unmarshal(e.Output, &l)
				l.Digests = e.RulesetDigest
				out = append(out, l)
			}
			return nil
		})
		return out
	}
	put("clinic-1")
	for range 2 {
		r := start(t, "--data-dir", data, "--rules", rulesDir)
		r.stop(t)
		if strings.Contains(r.stderr.String(), "not those in force") {
			t.Errorf("a restart on the same rules says they changed:\n%s", r.stderr)
		}
	}
	put("clinic-2")
	r := start(t, "--data-dir", data, "--rules", rulesDir)
	r.stop(t)
	if !strings.Contains(r.stderr.String(), "the rules loaded are not those in force when the server last ran") {
		t.Errorf("the server's log does not say the rules changed while it was down:\n%s", r.stderr)
	}
	got := loads()
	if len(got) != 3 || got[0].Changed || got[1].Changed || got[1].Digests != got[0].Digests {
		t.Fatalf("the loads: %+v", got)
	}
	if !got[2].Changed || got[2].LastServed != got[0].Digests || got[2].Digests == got[0].Digests {
		t.Errorf("the load after the change: %+v, want it changed from %q", got[2], got[0].Digests)
	}
}
