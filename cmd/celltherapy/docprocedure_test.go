package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestDocProcedure checks that celltherapy doc procedure prints
// docs/procedure.md.
func TestDocProcedure(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"doc", "procedure"}, nil, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	want, err := os.ReadFile(filepath.Join("..", "..", "docs", "procedure.md"))
	if err != nil {
		t.Fatal(err)
	}
	if stdout.String() != string(want) {
		t.Errorf("celltherapy doc procedure differs from docs/procedure.md")
	}
}
