package main

import "testing"

func TestProgramName(t *testing.T) {
	for argv0, want := range map[string]string{
		"/tmp/go-build1234/b001/exe/celltherapy": "go run ./cmd/celltherapy",
		"celltherapy":                            "celltherapy",
		"./bin/celltherapy":                      "./bin/celltherapy",
	} {
		if got := programName(argv0); got != want {
			t.Errorf("programName(%q) = %q, want %q", argv0, got, want)
		}
	}
}
