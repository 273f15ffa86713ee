package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestLintWarnings checks that warnings leave the exit code alone unless
// --strict is given, and that the default rules give none.
func TestLintWarnings(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		code     int
		warnings bool
	}{
		{"default rules are quiet", []string{"lint"}, exitOK, false},
		{"default rules are quiet, strictly", []string{"lint", "--strict"}, exitOK, false},
		{"warnings", []string{"lint", "testdata/lint-warnings/rules"}, exitOK, true},
		{"warnings, strictly", []string{"lint", "--strict", "testdata/lint-warnings/rules"}, exitFailed, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tt.args, strings.NewReader(""), &stdout, &stderr)
			if code != tt.code {
				t.Errorf("exit %d, want %d\n%s%s", code, tt.code, stdout.String(), stderr.String())
			}
			if got := strings.Contains(stderr.String(), ": warning: "); got != tt.warnings {
				t.Errorf("warnings shown: %v, want %v\n%s", got, tt.warnings, stderr.String())
			}
		})
	}
}
