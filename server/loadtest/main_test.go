package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestLoadRunsBothTargetsWithoutErrors(t *testing.T) {
	var out, errOut bytes.Buffer
	args := []string{"-c", "2,32", "-duration", "200ms", "-warmup", "20ms", "-rounds", "1", "-requests", "400"}
	if err := run(context.Background(), args, &out, &errOut); err != nil {
		t.Fatalf("%v %s", err, errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	seen := 0
	for _, l := range lines {
		f := strings.Fields(l)
		if len(f) == 7 && (f[0] == "floor" || f[0] == "server") {
			seen++
			if f[3] != "0" || f[2] == "0" {
				t.Errorf("%s: want requests and no errors", l)
			}
		}
	}
	if seen != 4 || !strings.Contains(out.String(), "at concurrency 32") {
		t.Errorf("output:\n%s", out.String())
	}
}

func TestLoadRefusesAnythingButLoopback(t *testing.T) {
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"-url", "http://example.org:8080", "-token", "x"}, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Fatalf("run: %v", err)
	}
}

// TestLoadDrivesCases: the case mode opens cases and gives them commands,
// every one answered with success, and reports the case store's appends.
func TestLoadDrivesCases(t *testing.T) {
	var out, errOut bytes.Buffer
	args := []string{"-mode", "cases", "-c", "2", "-duration", "300ms", "-warmup", "20ms", "-rounds", "1", "-requests", "120"}
	if err := run(context.Background(), args, &out, &errOut); err != nil {
		t.Fatalf("%v %s", err, errOut.String())
	}
	seen := false
	for _, l := range strings.Split(out.String(), "\n") {
		if f := strings.Fields(l); len(f) == 7 && f[0] == "cases" {
			seen = true
			if f[3] != "0" || f[2] == "0" {
				t.Errorf("%s: want commands and no errors", l)
			}
		}
	}
	if !seen || !strings.Contains(out.String(), "cases: ") {
		t.Errorf("output:\n%s", out.String())
	}
}
