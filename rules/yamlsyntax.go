package rules

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The YAML library names, in its message, the line where the construct
// around a syntax error began (an under-indented key on line 70 is reported
// on line 46, where rules: began), and never a column. syntaxError finds the
// line itself: the first line that no prefix of the file ending after it
// parses. It then says what is wrong with that line when it can tell (a tab
// in the indentation, an indentation that lines up with nothing above it),
// at the column where it goes wrong.

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
	n := firstBadLine(lines)
	if n == 0 {
		// The library's line is where the construct around the error began.
		errs.add(Pos{File: d.file, Line: max(reported, 1), Col: 1}, CodeSyntax, "YAML syntax: %s", msg)
		return
	}
	line := strings.TrimRight(string(lines[n-1]), "\r\n")
	col, why := lineProblem(lines[:n-1], line)
	if why == "" {
		col, why = firstNonBlank(line), "YAML syntax: "+msg
	}
	errs.add(Pos{File: d.file, Line: n, Col: col}, CodeSyntax, "%s", why)
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
	parses := func(n int) bool {
		parsed++
		dec := yaml.NewDecoder(bytes.NewReader(bytes.Join(lines[:n], nil)))
		for {
			var node yaml.Node
			if err := dec.Decode(&node); err != nil {
				return errors.Is(err, io.EOF)
			}
		}
	}
	size := 0
	for _, l := range lines {
		size += len(l)
	}
	good, bad := 0, len(lines) // prefix good parses; prefix bad does not
	if size > maxSize || parses(bad) {
		return 0
	}
	for parsed < budget {
		for bad-good > 1 {
			mid := (good + bad) / 2
			if parses(mid) {
				good = mid
			} else {
				bad = mid
			}
		}
		later := 0
		for m := bad + 1; m < min(bad+lookahead, len(lines)) && parsed < budget; m++ {
			if parses(m) {
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

// lineProblem says what is wrong with line, which follows before, when it is
// a problem of indentation: the column and a message, or "" when it is not.
func lineProblem(before [][]byte, line string) (int, string) {
	indent := len(line) - len(strings.TrimLeft(line, " \t"))
	if tab := strings.IndexByte(line[:indent], '\t'); tab >= 0 {
		return tab + 1, "a tab in the indentation: YAML indents with spaces only; replace the tab with spaces"
	}
	if indent == len(line) || line[indent] == '#' {
		return 0, ""
	}
	levels, prev, prevHasValue := indentLevels(before)
	if len(levels) == 0 {
		return 0, ""
	}
	col := indent + 1
	switch {
	case indent < prev && !slices.Contains(levels, indent):
		return col, fmt.Sprintf("this line is indented %s, which lines up with no line above it (%s); indent it like the key it belongs with",
			spaces(indent), spacesList(levels, indent))
	case indent > prev && prevHasValue && mappingKeyRE.MatchString(line[indent:]):
		return col, fmt.Sprintf("this line is indented %s, deeper than the line before it, which already has a value; indent it like the key it belongs with (%s)",
			spaces(indent), spacesList(levels, indent))
	}
	return 0, ""
}

var mappingKeyRE = regexp.MustCompile(`^(- )*[^\s#:'"\[\]{}][^:#]*:(\s|$)`)

// indentLevels returns the indentations open after lines: those of the
// lines each line is nested in, and of the keys that follow a "- ". prev is
// the indentation of the last line with content, and prevHasValue whether
// that line is a key with its value on the same line.
func indentLevels(lines [][]byte) (levels []int, prev int, prevHasValue bool) {
	for _, raw := range lines {
		line := strings.TrimRight(string(raw), "\r\n")
		content := strings.TrimLeft(line, " ")
		if content == "" || content[0] == '#' {
			continue
		}
		indent := len(line) - len(content)
		for len(levels) > 0 && levels[len(levels)-1] > indent {
			levels = levels[:len(levels)-1]
		}
		if len(levels) == 0 || levels[len(levels)-1] < indent {
			levels = append(levels, indent)
		}
		for strings.HasPrefix(content, "- ") {
			indent += 2
			content = strings.TrimLeft(content[2:], " ")
			indent += len(content) - len(strings.TrimLeft(content, " "))
			levels = append(levels, indent)
		}
		prev = indent
		key, value, isKey := strings.Cut(content, ": ")
		value = strings.TrimSpace(value)
		prevHasValue = isKey && mappingKeyRE.MatchString(key+": ") && value != "" && value[0] != '#' && value[0] != '|' && value[0] != '>' && value[0] != '&'
	}
	return levels, prev, prevHasValue
}

// spacesList names the indentations near indent that a line could have:
// "4 or 2 spaces".
func spacesList(levels []int, indent int) string {
	var near []string
	for i := len(levels) - 1; i >= 0 && len(near) < 2; i-- {
		if levels[i] != indent {
			near = append(near, fmt.Sprint(levels[i]))
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
