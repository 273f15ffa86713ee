package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// TestLintGolden pins down the diagnostics a clinician sees for a broken
// rule file, as rendered: positions, wording and suggestions; and, for the
// testdata/test-* cases, how failed rule tests read. Run with -update to
// rewrite testdata/*/{lint,test}.golden after a deliberate change.
func TestLintGolden(t *testing.T) {
	dirs, _ := filepath.Glob("testdata/lint-*")
	tests, _ := filepath.Glob("testdata/test-*")
	if len(dirs) == 0 || len(tests) == 0 {
		t.Fatal("no testdata/lint-* or testdata/test-* cases")
	}
	for _, dir := range append(dirs, tests...) {
		command, _, _ := strings.Cut(filepath.Base(dir), "-")
		t.Run(filepath.Base(dir), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			run(context.Background(), []string{command, filepath.Join(dir, "rules")}, strings.NewReader(""), &stdout, &stderr)
			got := stdout.String() + stderr.String()
			golden := filepath.Join(dir, command+".golden")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("%s output differs from %s (go test -update rewrites it):\ngot:\n%s\nwant:\n%s", command, golden, got, want)
			}
		})
	}
}
