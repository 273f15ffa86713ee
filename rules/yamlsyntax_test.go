package rules

import (
	"os"
	"slices"
	"strings"
	"testing"
)

// TestIndentationMistakesAtTheirLine breaks two real rule files one line at
// a time, as a clinician might (a tab before a key, a key one space too far
// in or out), and checks that the syntax error is reported on that very
// line, at its first character (or the tab): the YAML library itself names
// the line where the construct around the mistake began, often dozens of
// lines earlier.
func TestIndentationMistakesAtTheirLine(t *testing.T) {
	tried := 0
	for _, name := range []string{"testdata/indentation.yaml", "testdata/indentation.test.yaml"} {
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.SplitAfter(string(src), "\n")
		for i, line := range lines {
			content := strings.TrimLeft(line, " ")
			if strings.TrimSpace(content) == "" || content[0] == '#' {
				continue
			}
			for _, m := range []struct {
				name, line string
				shift      int // columns the line moves
			}{
				{"a tab before it", "\t" + line, 0},
				{"one space more", " " + line, 1},
				{"one space less", strings.TrimPrefix(line, " "), -1},
			} {
				if m.line == line {
					continue
				}
				var errs ErrorList
				broken := strings.Join(lines[:i], "") + m.line + strings.Join(lines[i+1:], "")
				if parseDocument(name, []byte(broken), &errs) != nil {
					continue // still valid YAML
				}
				tried++
				// At the tab, or at the start of the line or of its key
				// after "- ", whichever is out of line.
				cols := []int{1}
				if m.shift != 0 {
					cols = []int{firstNonBlank(line) + m.shift, keyColumn(line) + m.shift}
				}
				if len(errs) != 1 || errs[0].Code != CodeSyntax || errs[0].Pos.Line != i+1 || !slices.Contains(cols, errs[0].Pos.Col) {
					t.Errorf("line %d, %s: got %v, want a syntax error at %d, column %v", i+1, m.name, errs, i+1, cols)
				}
			}
		}
	}
	if tried < 300 {
		t.Errorf("only %d broken files tried", tried)
	}
}

// keyColumn returns the column of the first key of line, after any "- ".
func keyColumn(line string) int {
	content := strings.TrimLeft(line, " ")
	for strings.HasPrefix(content, "- ") {
		content = strings.TrimLeft(content[2:], " ")
	}
	return len(line) - len(content) + 1
}
