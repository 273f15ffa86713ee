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
// rule file, as rendered: positions, wording and suggestions. Run with
// -update to rewrite testdata/*/lint.golden after a deliberate change.
func TestLintGolden(t *testing.T) {
	dirs, _ := filepath.Glob("testdata/lint-*")
	if len(dirs) == 0 {
		t.Fatal("no testdata/lint-* cases")
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			run(context.Background(), []string{"lint", filepath.Join(dir, "rules")}, strings.NewReader(""), &stdout, &stderr)
			got := stdout.String() + stderr.String()
			golden := filepath.Join(dir, "lint.golden")
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
				t.Errorf("lint output differs from %s (go test -update rewrites it):\ngot:\n%s\nwant:\n%s", golden, got, want)
			}
		})
	}
}
