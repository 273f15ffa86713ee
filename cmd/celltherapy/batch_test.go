package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/reocell/celltherapy/eligibility"
	"github.com/reocell/celltherapy/rules"
)

func eligibilityRules(t testing.TB) *rules.Ruleset {
	t.Helper()
	set, err := loadRules(domains(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return set.ForDecision(eligibility.DecisionKind)[0]
}

// TestBatchOrder checks that eval --batch gives, line for line and in input
// order, what eval gives for each line alone, with bad lines in between
// answered by an error object that names the line and the JSON path.
func TestBatchOrder(t *testing.T) {
	good := strings.Split(strings.TrimSuffix(patients(3000, 1), "\n"), "\n")
	bad := map[int]string{ // line number -> the JSON path its error names
		5:    "$.pregnant",
		1000: "$",
		2999: "$.oncology.lastTreatmentEnd",
		3002: "$",
	}
	var lines []string
	for i, n := 0, 1; i < len(good); n++ {
		switch bad[n] {
		case "$.pregnant":
			lines = append(lines, `{"pregnant": "no"}`)
		case "$":
			lines = append(lines, `{"asOf": `) // not JSON
		case "$.oncology.lastTreatmentEnd":
			lines = append(lines, `{"oncology": {"lastTreatmentEnd": "2026-02-30"}}`)
		default:
			lines = append(lines, good[i])
			i++
		}
	}
	lines = append(lines, "", `{"asOf": "2026-11-24", "hiv": true}`) // an empty line, and a last line without newline
	bad[len(lines)-1] = "$"
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"eval", "eligibility", "--batch", "-"}, strings.NewReader(strings.Join(lines, "\n")), &stdout, &stderr)
	if code != exitBadUsed {
		t.Errorf("exit %d, want %d (some lines are bad)", code, exitBadUsed)
	}
	out := strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n")
	if len(out) != len(lines) {
		t.Fatalf("%d output lines for %d input lines", len(out), len(lines))
	}
	rs, kind := eligibilityRules(t), eligibility.Kind()
	for i, line := range lines {
		n := i + 1
		if path, isBad := bad[n]; isBad {
			var got badLine
			if err := json.Unmarshal([]byte(out[i]), &got); err != nil || got.Line != n || len(got.Errors) == 0 || got.Errors[0].Path != path {
				t.Errorf("line %d: got %s, want an error object for line %d at %s", n, out[i], n, path)
			}
			if want := fmt.Sprintf("<stdin>:%d: %s: ", n, path); !strings.Contains(stderr.String(), want) {
				t.Errorf("stderr lacks %q", want)
			}
			continue
		}
		decision, err := decideJSON(context.Background(), kind, rs, []byte(line))
		if err != nil {
			t.Fatalf("line %d: %v", n, err)
		}
		want, _ := json.Marshal(decision)
		if out[i] != string(want) {
			t.Fatalf("line %d:\ngot  %s\nwant %s", n, out[i], want)
		}
	}
	if want := fmt.Sprintf("%d line(s), %d bad", len(lines), len(bad)); !strings.Contains(stderr.String(), want) {
		t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
	}
}

func TestBatchExitCode(t *testing.T) {
	tests := []struct {
		name  string
		input string
		code  int
	}{
		{"all good", patients(10, 2), exitOK},
		{"one bad", patients(10, 2) + "{\"hiv\": 1}\n", exitBadUsed},
		{"empty input", "", exitOK},
		{"a rule fails", `{"patient": {"weightKg": 70}}` + "\n" + `{"patient": {"weightKg": 78}}` + "\n" + `{"patient": {"weightKg": "x"}}` + "\n", exitRuleRun},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := []string{"eval", "eligibility", "--batch", "-"}
			if tt.code == exitRuleRun {
				args = []string{"eval", "therapy", "--rules", "testdata/fault", "--batch", "-"}
			}
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), args, strings.NewReader(tt.input), &stdout, &stderr)
			if code != tt.code {
				t.Errorf("exit %d, want %d\n%s", code, tt.code, stderr.String())
			}
			if tt.code == exitRuleRun {
				lines := strings.Split(stdout.String(), "\n")
				if !strings.Contains(lines[1], `"line":2,`) || !strings.Contains(lines[1], `"ruleFailed":true`) || strings.Contains(lines[2], "ruleFailed") {
					t.Errorf("want line 2 the rules' fault, line 3 the input's:\n%s", stdout.String())
				}
				if !strings.Contains(stderr.String(), "<stdin>:2: a rule failed at run time") {
					t.Errorf("stderr: %s", stderr.String())
				}
			}
		})
	}
}

// TestBatchLongLine checks that a line over the limit is an error for that
// line alone.
func TestBatchLongLine(t *testing.T) {
	long := `{"asOf": "2026-11-24", "hiv": true` + strings.Repeat(" ", maxLine) + "}"
	input := `{"hiv": true}` + "\n" + long + "\n" + `{"hiv": false}` + "\n"
	var out, notes bytes.Buffer
	b := &batch{kind: eligibility.Kind(), rs: eligibilityRules(t), name: "x"}
	lines, bad, err := b.run(context.Background(), strings.NewReader(input), &out, &notes)
	if err != nil || lines != 3 || bad != 1 {
		t.Fatalf("%d lines, %d bad, %v", lines, bad, err)
	}
	got := strings.Split(out.String(), "\n")
	if !strings.HasPrefix(got[1], `{"line":2,"errors":[{"path":"$","message":"line longer than`) {
		t.Errorf("line 2: %s", got[1])
	}
	if !strings.Contains(got[2], `"decision":"eligibility"`) {
		t.Errorf("line 3 was not decided: %s", got[2])
	}
}

// TestBatchStreams checks that each line is answered while the input is
// still open: the batch does not wait for the end of its input.
func TestBatchStreams(t *testing.T) {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	b := &batch{kind: eligibility.Kind(), rs: eligibilityRules(t), name: "x"}
	done := make(chan error, 1)
	go func() {
		_, _, err := b.run(context.Background(), inR, outW, io.Discard)
		outW.Close()
		done <- err
	}()
	answers := bufio.NewScanner(outR)
	for i := range 3 {
		fmt.Fprintf(inW, `{"asOf": "2026-11-24", "hiv": %v}`+"\n", i%2 == 0)
		if !answers.Scan() {
			t.Fatalf("no answer to line %d", i+1)
		}
		if !strings.Contains(answers.Text(), `"decision":"eligibility"`) {
			t.Fatalf("line %d: %s", i+1, answers.Text())
		}
	}
	inW.Close()
	if answers.Scan() {
		t.Errorf("an answer no line asked for: %s", answers.Text())
	}
	if err := <-done; err != nil {
		t.Error(err)
	}
}

// TestBatchMemory checks that memory does not grow with the input: 80 MiB of
// lines go through with the heap staying far below that.
func TestBatchMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 80 MiB")
	}
	const lines, width = 20_000, 4 << 10
	line := `{"asOf": "2026-11-24", "hiv": false}`
	line += strings.Repeat(" ", width-len(line)-1) + "\n"
	in := &repeatReader{line: line, left: lines}
	out := &heapWatcher{}
	b := &batch{kind: eligibility.Kind(), rs: eligibilityRules(t), name: "x"}
	runtime.GC()
	n, bad, err := b.run(context.Background(), in, out, io.Discard)
	if err != nil || n != lines || bad != 0 {
		t.Fatalf("%d lines, %d bad, %v", n, bad, err)
	}
	t.Logf("heap peak %d MiB", out.peak>>20)
	const limit = 40 << 20
	if out.peak > limit {
		t.Errorf("heap reached %d MiB for %d MiB of input; want under %d MiB", out.peak>>20, lines*width>>20, limit>>20)
	}
}

// repeatReader gives the same line left times, without holding them all.
type repeatReader struct {
	line string
	left int
	rest string
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.rest == "" {
		if r.left == 0 {
			return 0, io.EOF
		}
		r.left--
		r.rest = r.line
	}
	n := copy(p, r.rest)
	r.rest = r.rest[n:]
	return n, nil
}

// heapWatcher discards what is written and notes the largest heap seen.
type heapWatcher struct {
	writes int
	peak   uint64
}

func (h *heapWatcher) Write(p []byte) (int, error) {
	if h.writes++; h.writes%16 == 0 {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		h.peak = max(h.peak, m.HeapAlloc)
	}
	return len(p), nil
}
