package rulebook

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/reocell/celltherapy/eligibility"
	"github.com/reocell/celltherapy/rules"
)

const patient = `{"asOf": "2026-11-24", "oncology": {"active": false, "everTreated": false}, "pregnant": false,
 "breastfeeding": false, "hiv": false, "immunodeficiency": false, "mentalStateUnstable": false,
 "acuteInflammation": false, "chronicExacerbation": false, "clottingDisorder": false}`

// eligibilityRules returns the built-in eligibility rule file with its
// version label replaced by version (a different file, a different digest).
// versionLine is the version: line of a rule file.
var versionLine = regexp.MustCompile(`(?m)^version: "[^"]*"`)

func eligibilityRules(t *testing.T, version string) []byte {
	t.Helper()
	data, err := fs.ReadFile(eligibility.DefaultFS(), "contraindications.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return []byte(versionLine.ReplaceAllString(string(data), `version: "`+version+`"`))
}

func write(t *testing.T, dir, name string, data []byte) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func digestOf(t *testing.T, b *Book, kind string) string {
	t.Helper()
	for _, rs := range b.Rulesets() {
		if rs.Kind == kind {
			return rs.Digest
		}
	}
	t.Fatalf("no %s ruleset", kind)
	return ""
}

func TestBuiltInRulesDecideEveryKind(t *testing.T) {
	s, err := Open("", Options{})
	if err != nil {
		t.Fatal(err)
	}
	facts := map[string]string{
		"eligibility": patient,
		"therapy":     `{"asOf":"2026-11-24","preference":"allogeneic"}`,
		"aftercare":   `{"administeredAt":"2026-11-24T09:30:00+01:00","route":"intravenous"}`,
		"triage":      `{"administeredAt":"2026-11-24T09:30:00+01:00","now":"2026-11-25T09:30:00+01:00","symptom":{"name":"fever","onset":"2026-11-24T20:00:00+01:00","ongoing":true}}`,
	}
	b := s.Current()
	for _, kind := range Kinds() {
		t.Run(kind, func(t *testing.T) {
			d, err := b.Decide(context.Background(), kind, []byte(facts[kind]))
			if err != nil {
				t.Fatal(err)
			}
			if d.Outcome == "" || d.Ruleset.Digest != digestOf(t, b, kind) {
				t.Errorf("decision %+v: want an outcome and the digest of the %s ruleset in force", d, kind)
			}
		})
	}
	if _, err := b.Decide(context.Background(), "horoscope", []byte(`{}`)); !errors.Is(err, ErrUnknownKind) {
		t.Errorf("unknown kind: %v", err)
	}
	_, err = b.Decide(context.Background(), "eligibility", []byte(`{"pregnant":"yes"}`))
	var fe rules.FieldErrors
	if !errors.As(err, &fe) || fe[0].Path != "$.pregnant" {
		t.Errorf("bad facts: %v, want a FactErrors at $.pregnant", err)
	}
}

func TestDirectoryOverridesItsKindsOnly(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "contraindications.yaml", eligibilityRules(t, "clinic-1"))
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, rs := range s.Current().Rulesets() {
		want := "built-in"
		if rs.Kind == "eligibility" {
			want = "directory"
			if rs.Version != "clinic-1" {
				t.Errorf("eligibility version %q, want clinic-1", rs.Version)
			}
		}
		if rs.Source != want {
			t.Errorf("%s from %s, want %s", rs.Kind, rs.Source, want)
		}
	}
}

func TestOpenRefusesBadRules(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"yaml syntax", map[string]string{"bad.yaml": "ruleset: [\n"}, "bad.yaml:"},
		{"two rulesets of one kind", map[string]string{
			"a.yaml": string(eligibilityRules(t, "a")),
			"b.yaml": strings.Replace(string(eligibilityRules(t, "b")), "ruleset: msc-contraindications", "ruleset: other", 1),
		}, "2 eligibility rulesets"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, body := range tc.files {
				write(t, dir, name, []byte(body))
			}
			_, err := Open(dir, Options{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Open: %v, want an error mentioning %q", err, tc.want)
			}
		})
	}
}

func TestWatchKeepsServingThroughABrokenFile(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "contraindications.yaml", eligibilityRules(t, "v1"))
	var mu sync.Mutex
	var reloads []bool
	s, err := Open(dir, Options{Debounce: 20 * time.Millisecond, OnReload: func(ok bool, _ time.Time) {
		mu.Lock()
		defer mu.Unlock()
		reloads = append(reloads, ok)
	}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- s.Watch(ctx) }()
	defer func() { cancel(); <-done }()
	time.Sleep(50 * time.Millisecond) // let the watcher start
	first := digestOf(t, s.Current(), "eligibility")

	write(t, dir, "contraindications.yaml", []byte("ruleset: [\n"))
	waitFor(t, func() bool { return s.Status().LastError != "" })
	if got := digestOf(t, s.Current(), "eligibility"); got != first {
		t.Fatalf("a broken file replaced the rules in force")
	}
	if !strings.Contains(s.Status().LastError, "contraindications.yaml:") {
		t.Errorf("LastError %q does not name the file", s.Status().LastError)
	}

	write(t, dir, "contraindications.yaml", eligibilityRules(t, "v2"))
	waitFor(t, func() bool { return digestOf(t, s.Current(), "eligibility") != first })
	if st := s.Status(); st.LastError != "" {
		t.Errorf("LastError %q after a good reload", st.LastError)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(reloads) < 2 || reloads[0] || !reloads[len(reloads)-1] {
		t.Errorf("reload outcomes %v: want a failure then a success", reloads)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestScreenerFollowsTheRulesInForce: the screener the CDS Hooks service
// uses screens with the rules in force at each call, so a reload applies.
func TestScreenerFollowsTheRulesInForce(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "contraindications.yaml", eligibilityRules(t, "clinic-1"))
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	facts, err := eligibility.DecodeFacts([]byte(patient))
	if err != nil {
		t.Fatal(err)
	}
	screener := s.Screener()
	for _, version := range []string{"clinic-1", "clinic-2"} {
		write(t, dir, "contraindications.yaml", eligibilityRules(t, version))
		if err := s.Reload(); err != nil {
			t.Fatal(err)
		}
		d, err := screener.Screen(context.Background(), facts)
		if err != nil {
			t.Fatal(err)
		}
		if d.Ruleset.Version != version || d.Ruleset.Digest != digestOf(t, s.Current(), "eligibility") {
			t.Errorf("screened with %+v, want version %s, the ruleset in force", d.Ruleset, version)
		}
	}
}

// watching opens a shelf on dir, watches it, and returns it with the
// outcomes of its reloads.
func watching(t *testing.T, dir string) (*Shelf, func() []bool) {
	t.Helper()
	var mu sync.Mutex
	var reloads []bool
	s, err := Open(dir, Options{Debounce: 20 * time.Millisecond, OnReload: func(ok bool, _ time.Time) {
		mu.Lock()
		defer mu.Unlock()
		reloads = append(reloads, ok)
	}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- s.Watch(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	time.Sleep(50 * time.Millisecond) // let the watcher start
	return s, func() []bool { mu.Lock(); defer mu.Unlock(); return append([]bool(nil), reloads...) }
}

// decideUnderLoad screens continuously until stop is closed, and fails
// the test on any failed decision: a reload never fails a request.
func decideUnderLoad(t *testing.T, s *Shelf, stop chan struct{}) *sync.WaitGroup {
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
				if _, err := s.Current().Decide(context.Background(), "eligibility", []byte(patient)); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	return &wg
}

// TestReloadFollowsSubdirectories: a rule file in a subdirectory, and in
// a subdirectory made after the watch began, is reloaded when it changes,
// under load, with no failed decision.
func TestReloadFollowsSubdirectories(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "clinic")
	os.Mkdir(sub, 0o755)
	write(t, sub, "contraindications.yaml", eligibilityRules(t, "v1"))
	s, _ := watching(t, dir)
	stop := make(chan struct{})
	wg := decideUnderLoad(t, s, stop)
	first := digestOf(t, s.Current(), "eligibility")
	write(t, sub, "contraindications.yaml", eligibilityRules(t, "v2"))
	waitFor(t, func() bool { return digestOf(t, s.Current(), "eligibility") != first })
	second := digestOf(t, s.Current(), "eligibility")

	// A new subdirectory: the file moves there.
	newer := filepath.Join(dir, "2027")
	os.Mkdir(newer, 0o755)
	time.Sleep(60 * time.Millisecond) // the new directory is watched
	os.Remove(filepath.Join(sub, "contraindications.yaml"))
	write(t, newer, "contraindications.yaml", eligibilityRules(t, "v3"))
	waitFor(t, func() bool { d := digestOf(t, s.Current(), "eligibility"); return d != first && d != second })
	write(t, newer, "contraindications.yaml", eligibilityRules(t, "v4"))
	third := digestOf(t, s.Current(), "eligibility")
	waitFor(t, func() bool { return digestOf(t, s.Current(), "eligibility") != third })
	close(stop)
	wg.Wait()
}

// TestDeletedFileKeepsItsRules: a kind whose file is deleted keeps its
// last rules, never the built-in ones, and the reload is reported failed,
// naming the kind and the file; putting a file back reloads. Under load,
// with no failed decision.
func TestDeletedFileKeepsItsRules(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "contraindications.yaml", eligibilityRules(t, "clinic"))
	s, reloads := watching(t, dir)
	stop := make(chan struct{})
	wg := decideUnderLoad(t, s, stop)
	clinic := digestOf(t, s.Current(), "eligibility")
	os.Remove(filepath.Join(dir, "contraindications.yaml"))
	waitFor(t, func() bool { return s.Status().LastError != "" })
	if got := digestOf(t, s.Current(), "eligibility"); got != clinic {
		t.Fatalf("the deleted file's kind now serves %s, want the last rules %s", got, clinic)
	}
	if e := s.Status().LastError; !strings.Contains(e, "eligibility") || !strings.Contains(e, "contraindications.yaml") {
		t.Errorf("LastError %q does not name the kind and its file", e)
	}
	if r := reloads(); len(r) == 0 || r[len(r)-1] {
		t.Errorf("reloads %v: want the last one failed", r)
	}
	write(t, dir, "contraindications.yaml", eligibilityRules(t, "clinic-2"))
	waitFor(t, func() bool { return digestOf(t, s.Current(), "eligibility") != clinic })
	if s.Status().LastError != "" {
		t.Errorf("LastError %q after the file came back", s.Status().LastError)
	}
	close(stop)
	wg.Wait()
}

func TestRulesOfEveryKind(t *testing.T) {
	shelf, err := Open("", Options{})
	if err != nil {
		t.Fatal(err)
	}
	b := shelf.Current()
	for _, r := range b.Rulesets() {
		rs := b.RulesOf(r.Kind)
		if rs == nil || rs.Digest() != r.Digest || rs.Name() != r.Name {
			t.Errorf("%s: RulesOf gives %v", r.Kind, rs)
		}
	}
	if b.RulesOf("no-such-kind") != nil {
		t.Error("a ruleset for an unknown kind")
	}
}
