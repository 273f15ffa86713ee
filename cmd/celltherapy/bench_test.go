package main

import (
	"context"
	"io"
	"strings"
	"testing"
)

// BenchmarkEvalOneKind is the work celltherapy eval eligibility FILE does
// beyond start-up: load and check the one ruleset, decode, decide, encode.
// BenchmarkLintAll loads and checks every default ruleset and its tests,
// which eval did before, for comparison in the same run.
func BenchmarkEvalOneKind(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if code := run(context.Background(), []string{"eval", "eligibility", "../../examples/patient.json"}, strings.NewReader(""), io.Discard, io.Discard); code != exitOK {
			b.Fatalf("exit %d", code)
		}
	}
}

func BenchmarkLintAll(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if code := run(context.Background(), []string{"lint"}, strings.NewReader(""), io.Discard, io.Discard); code != exitOK {
			b.Fatalf("exit %d", code)
		}
	}
}
