package rules

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The YAML library names, in its message, the line where the construct
// around a syntax error began (an under-indented key on line 70 is reported
// on line 46, where rules: began), and never a column. syntaxError finds the
// line itself. Most mistakes are of indentation, so it first looks, from the
// library's line on, for a line whose indentation is wrong (a tab, or an
// indentation that lines up with nothing above it) and checks that the file
// breaks there: the lines before it parse, and the same lines with it do
// not. Failing that it searches for the first line that no prefix of the
// file ending after it parses.

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

func (d *document) syntaxError(err error, errs *ErrorList) {
	msg, reported := err.Error(), 1
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		reported, _ = strconv.Atoi(m[1])
		msg = m[2]
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	lines := bytes.SplitAfter(d.src, []byte("\n"))
	if p, ok := indentationProblem(lines, reported-1); ok {
		errs.add(Pos{File: d.file, Line: p.line, Col: p.col}, CodeSyntax, "%s", p.why)
		return
	}
	n := firstBadLine(lines)
	if n == 0 {
		// The library's line is where the construct around the error began.
		errs.add(Pos{File: d.file, Line: max(reported, 1), Col: 1}, CodeSyntax, "YAML syntax: %s", msg)
		return
	}
	line := strings.TrimRight(string(lines[n-1]), "\r\n")
	errs.add(Pos{File: d.file, Line: n, Col: firstNonBlank(line)}, CodeSyntax, "YAML syntax: %s", msg)
}

// problem is a syntax problem found in the source: where, and what.
type problem struct {
	line, col int
	why       string
}

// indentationProblem returns the first line, from line from on, whose
// indentation is wrong and at which the file breaks, with what is wrong.
func indentationProblem(lines [][]byte, from int) (problem, bool) {
	var scan indentScan
	tries := 0
	for i, raw := range lines {
		line := strings.TrimRight(string(raw), "\r\n")
		if i+1 >= from {
			if p, ok := scan.problem(i+1, line); ok {
				if breaksAt(lines, i+1) {
					return p, true
				}
				if tries++; tries == 5 {
					break
				}
			}
		}
		scan.add(i+1, line)
	}
	return problem{}, false
}

// breaksAt reports whether the file breaks at line n: its first n-1 lines
// parse and its first n do not.
func breaksAt(lines [][]byte, n int) bool {
	return parses(lines[:n-1]) && !parses(lines[:n])
}

// parses reports whether lines are valid YAML, every document of them.
func parses(lines [][]byte) bool {
	dec := yaml.NewDecoder(bytes.NewReader(bytes.Join(lines, nil)))
	for {
		var node yaml.Node
		if err := dec.Decode(&node); err != nil {
			return errors.Is(err, io.EOF)
		}
	}
}

// firstBadLine returns the 1-based number of the line that breaks the file:
// the file's first n-1 lines parse and no longer prefix does. It returns 0
// when it cannot tell (every prefix parses, or the search costs too much). A
// quoted or flow value over several lines does not parse until it is
// closed, so a boundary followed closely by a prefix that parses is not the
// one, and the search goes on after it.
func firstBadLine(lines [][]byte) int {
	const (
		lookahead = 12 // lines a quoted or flow value may span
		budget    = 80 // parses at most: this runs on every broken file
		maxSize   = 1 << 20
	)
	parsed := 0
	try := func(n int) bool { parsed++; return parses(lines[:n]) }
	size := 0
	for _, l := range lines {
		size += len(l)
	}
	good, bad := 0, len(lines) // prefix good parses; prefix bad does not
	if size > maxSize || try(bad) {
		return 0
	}
	for parsed < budget {
		for bad-good > 1 {
			mid := (good + bad) / 2
			if try(mid) {
				good = mid
			} else {
				bad = mid
			}
		}
		later := 0
		for m := bad + 1; m < min(bad+lookahead, len(lines)) && parsed < budget; m++ {
			if try(m) {
				later = m
				break
			}
		}
		if later == 0 {
			return bad
		}
		good, bad = later, len(lines)
	}
	return 0
}

// indentScan follows the indentation of a file line by line: the
// indentations open (those of the lines the next line may be nested in, and
// of keys after a "- "), each with the line that opened it.
type indentScan struct {
	levels []level
	// prev is the indentation of the last line with content, and
	// prevHasValue whether it is a key with its value on the same line.
	prev         int
	prevHasValue bool
}

// level is an indentation open at some point of a file, the line (from 1)
// that opened it, and whether that was a key after a "- ".
type level struct {
	indent, line int
	item         bool
}

var mappingKeyRE = regexp.MustCompile(`^(- )*[^\s#:'"\[\]{}][^:#]*:(\s|$)`)

// add takes line n into the scan.
func (s *indentScan) add(n int, line string) {
	content := strings.TrimLeft(line, " ")
	if content == "" || content[0] == '#' {
		return
	}
	indent := len(line) - len(content)
	for len(s.levels) > 0 && s.levels[len(s.levels)-1].indent > indent {
		s.levels = s.levels[:len(s.levels)-1]
	}
	if len(s.levels) == 0 || s.levels[len(s.levels)-1].indent < indent {
		s.levels = append(s.levels, level{indent: indent, line: n})
	}
	for strings.HasPrefix(content, "- ") {
		indent += 2
		content = strings.TrimLeft(content[2:], " ")
		indent += len(content) - len(strings.TrimLeft(content, " "))
		s.levels = append(s.levels, level{indent: indent, line: n, item: true})
	}
	s.prev = indent
	key, value, isKey := strings.Cut(content, ": ")
	value = strings.TrimSpace(value)
	s.prevHasValue = isKey && mappingKeyRE.MatchString(key+": ") && value != "" && !strings.ContainsAny(value[:1], "#|>&")
}

// problem says what is wrong with the indentation of line n, which follows
// the lines scanned so far, if anything. The line to blame may be an earlier
// one: the line that set the indentation this one breaks with.
func (s *indentScan) problem(n int, line string) (problem, bool) {
	indent := len(line) - len(strings.TrimLeft(line, " \t"))
	if tab := strings.IndexByte(line[:indent], '\t'); tab >= 0 {
		return problem{n, tab + 1, "a tab in the indentation: YAML indents with spaces only; replace the tab with spaces"}, true
	}
	if indent == len(line) || line[indent] == '#' || len(s.levels) == 0 {
		return problem{}, false
	}
	var above, below *level // the open levels either side of indent
	lined := false
	for i := range s.levels {
		switch l := &s.levels[i]; {
		case l.indent == indent:
			lined = true
		case l.indent < indent:
			below = l
		case above == nil:
			above = l
		}
	}
	broken := indent < s.prev && !lined
	if !broken && !(indent > s.prev && s.prevHasValue && mappingKeyRE.MatchString(line[indent:])) {
		return problem{}, false
	}
	// Indentation comes in steps of two spaces: of two lines that disagree,
	// the one indented by an odd number of spaces is the one out of line.
	for _, l := range []*level{above, below} {
		if l != nil && l.indent%2 == 1 && indent%2 == 0 && !lined {
			return problem{l.line, l.indent + 1, fmt.Sprintf("this starts at column %d, but what follows it at its level starts at column %d; line them up",
				l.indent+1, indent+1)}, true
		}
	}
	if broken {
		return problem{n, indent + 1, fmt.Sprintf("this line is indented %s, which lines up with no line above it (%s); indent it like the key it belongs with",
			spaces(indent), s.near(indent))}, true
	}
	return problem{n, indent + 1, fmt.Sprintf("this line is indented %s, deeper than the line before it, which already has a value; indent it like the key it belongs with (%s)",
		spaces(indent), s.near(indent))}, true
}

// near names the open indentations nearest to indent: "4 or 2 spaces".
func (s *indentScan) near(indent int) string {
	var near []string
	for i := len(s.levels) - 1; i >= 0 && len(near) < 2; i-- {
		if s.levels[i].indent != indent {
			near = append(near, fmt.Sprint(s.levels[i].indent))
		}
	}
	return strings.Join(near, " or ") + " spaces"
}

func spaces(n int) string {
	if n == 1 {
		return "1 space"
	}
	return fmt.Sprintf("%d spaces", n)
}

func firstNonBlank(line string) int {
	return len(line) - len(strings.TrimLeft(line, " \t")) + 1
}
