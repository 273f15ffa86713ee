package procedure_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/reocell/celltherapy/procedure"
)

var update = flag.Bool("update", false, "rewrite docs/procedure.md from the stage table")

// TestDocUpToDate keeps docs/procedure.md equal to WriteDoc's output.
func TestDocUpToDate(t *testing.T) {
	var buf bytes.Buffer
	if err := procedure.WriteDoc(&buf); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("..", "docs", "procedure.md")
	if *update {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), buf.String()); diff != "" {
		t.Errorf("docs/procedure.md is not the stage table's document; run go test ./procedure -run TestDocUpToDate -update (-file +generated):\n%s", diff)
	}
}
