package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"

	"github.com/reocell/celltherapy/eligibility"
	"github.com/reocell/celltherapy/rules"
)

const benchPatients = 100_000

// patientsFile writes benchPatients patients to a file in dir.
func patientsFile(b *testing.B) string {
	b.Helper()
	name := filepath.Join(b.TempDir(), "patients.jsonl")
	if err := os.WriteFile(name, []byte(patients(benchPatients, 7)), 0o644); err != nil {
		b.Fatal(err)
	}
	return name
}

func defaultEligibility(b *testing.B) *rules.Ruleset {
	b.Helper()
	set, err := loadRules(domains(), nil)
	if err != nil {
		b.Fatal(err)
	}
	return set.ForDecision(eligibility.DecisionKind)[0]
}

// BenchmarkBatch screens 100,000 patients from a file, as eval --batch
// does, on one core and on all of them, and, as baselines in the same run,
// the parts of the work on their own: decoding the facts, deciding from
// decoded facts and encoding the decisions. decisions/s is the figure to
// compare with the target.
func BenchmarkBatch(b *testing.B) {
	name := patientsFile(b)
	rs := defaultEligibility(b)
	kind := eligibility.Kind()
	ctx := context.Background()
	for _, workers := range []int{1, runtime.GOMAXPROCS(0)} {
		b.Run("file/cores="+strconv.Itoa(workers), func(b *testing.B) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(workers))
			bt := &batch{kind: kind, rs: rs, name: name}
			b.ReportAllocs()
			for b.Loop() {
				f, err := os.Open(name)
				if err != nil {
					b.Fatal(err)
				}
				n, bad, err := bt.run(ctx, f, io.Discard, io.Discard)
				f.Close()
				if err != nil || bad != 0 || n != benchPatients {
					b.Fatalf("%d lines, %d bad, %v", n, bad, err)
				}
			}
			b.ReportMetric(float64(benchPatients*b.N)/b.Elapsed().Seconds(), "decisions/s")
		})
	}
	// The parts on their own, each op the 1000 first lines: decoding the
	// facts, deciding from decoded facts, encoding the decisions.
	lines := sampleLines(b, name, 1000)
	perLine := func(b *testing.B) {
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(lines)), "ns/line")
	}
	b.Run("parts/decode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, l := range lines {
				if _, err := kind.DecodeAny(l); err != nil {
					b.Fatal(err)
				}
			}
		}
		perLine(b)
	})
	facts := make([]any, len(lines))
	decisions := make([]any, len(lines))
	for i, l := range lines {
		var err error
		if facts[i], err = kind.DecodeAny(l); err != nil {
			b.Fatal(err)
		}
		decisions[i], _ = kind.DecideAny(ctx, rs, facts[i])
	}
	b.Run("parts/decide", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, f := range facts {
				if _, err := kind.DecideAny(ctx, rs, f); err != nil {
					b.Fatal(err)
				}
			}
		}
		perLine(b)
	})
	b.Run("parts/encode", func(b *testing.B) {
		enc := json.NewEncoder(io.Discard)
		b.ReportAllocs()
		for b.Loop() {
			for _, d := range decisions {
				if err := enc.Encode(d); err != nil {
					b.Fatal(err)
				}
			}
		}
		perLine(b)
	})
}

func sampleLines(b *testing.B, name string, n int) [][]byte {
	b.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		b.Fatal(err)
	}
	var out [][]byte
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() && len(out) < n {
		out = append(out, bytes.Clone(sc.Bytes()))
	}
	return out
}
