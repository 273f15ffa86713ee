package rules

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/reocell/celltherapy/internal/yamlpos"
	"go.yaml.in/yaml/v3"
)

// document is one parsed rule file: its value as plain data (maps, slices,
// strings, numbers, booleans), and for every value the YAML node it came from,
// so that any problem found later can be reported at its file position.
type document struct {
	file  string
	src   []byte
	lines []int // byte offset of the start of each line
	value any
	doc   *yamlpos.Doc // the node of every value and key (limits: yamlpos)
}

// parseDocument parses src, reporting syntax errors, duplicate keys and keys
// that are not strings to errs. It returns nil when the file cannot be used.
func parseDocument(file string, src []byte, errs *ErrorList) *document {
	d := &document{file: file, src: src}
	d.lines = append(d.lines, 0)
	for i, c := range src {
		if c == '\n' {
			d.lines = append(d.lines, i+1)
		}
	}
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var root yaml.Node
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			errs.add(Pos{File: file, Line: 1, Col: 1}, CodeSyntax, "the file is empty: a rule file holds one YAML mapping")
			return nil
		}
		d.syntaxError(err, errs)
		return nil
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		errs.add(d.pos(&extra), CodeSyntax, "a second YAML document: a rule file holds exactly one; move it to a file of its own")
		return nil
	} else if !errors.Is(err, io.EOF) {
		d.syntaxError(err, errs)
		return nil
	}
	body := &root
	if body.Kind == yaml.DocumentNode && len(body.Content) == 1 {
		body = body.Content[0]
	}
	if body.Kind != yaml.MappingNode {
		errs.add(d.pos(body), CodeSchema, "a rule file must be a YAML mapping (keys such as ruleset:, rules:, tests:)")
		return nil
	}
	n := len(*errs)
	d.doc = yamlpos.Convert(body, yamlpos.Options{}, func(node *yaml.Node, code, msg string) {
		errs.add(d.pos(node), Code(code), "%s", msg)
	})
	d.value = d.doc.Value
	if len(*errs) > n {
		return nil
	}
	return d
}

func (d *document) pos(n *yaml.Node) Pos {
	return Pos{File: d.file, Line: n.Line, Col: n.Column}
}

func escapePointer(s string) string   { return yamlpos.EscapePointer(s) }
func unescapePointer(s string) string { return yamlpos.UnescapePointer(s) }

// at returns the position of the value at ptr, or of the nearest enclosing
// value that has one.
func (d *document) at(ptr string) Pos {
	if n := d.doc.At(ptr); n != nil {
		return d.pos(n)
	}
	return Pos{File: d.file, Line: 1, Col: 1}
}

// keyAt returns the position of the key of the mapping entry at ptr.
func (d *document) keyAt(ptr string) Pos {
	if n := d.doc.KeyAt(ptr); n != nil {
		return d.pos(n)
	}
	return Pos{File: d.file, Line: 1, Col: 1}
}

// offsetPos returns the file position of the rune at offset in the value of
// the scalar node n. Block and multi-line scalars fold and re-indent their
// text, so the value's characters are matched against the source one by one,
// skipping the white space, quotes and escapes that only the source has.
func (d *document) offsetPos(n *yaml.Node, offset int) Pos {
	if n.Line < 1 || n.Line > len(d.lines) {
		return d.pos(n)
	}
	si := d.lines[n.Line-1] + columnBytes(d.src[d.lines[n.Line-1]:], n.Column-1)
	if n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		// The text starts on the line after the | or > indicator.
		if nl := bytes.IndexByte(d.src[si:], '\n'); nl >= 0 {
			si += nl + 1
		}
	} else if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0 {
		si++
	}
	vi, target := 0, rune(-1)
	for _, r := range n.Value {
		blank := r == ' ' || r == '\t' || r == '\n'
		if vi >= offset && !blank {
			target = r
			break
		}
		vi++
		if !blank {
			si = d.find(si, r) + utf8.RuneLen(r)
		}
	}
	if target >= 0 {
		// The rune at the offset (or the next non-blank one) is next in the source.
		si = d.find(si, target)
	}
	return d.offsetToPos(si)
}

// find returns the byte offset of the first r at or after from, or from when
// there is none.
func (d *document) find(from int, r rune) int {
	if from >= len(d.src) {
		return len(d.src)
	}
	i := bytes.IndexRune(d.src[from:], r)
	if i < 0 {
		return from
	}
	return from + i
}

func (d *document) offsetToPos(off int) Pos {
	line := 0
	lo, hi := 0, len(d.lines)-1
	for lo <= hi {
		mid := (lo + hi) / 2
		if d.lines[mid] <= off {
			line, lo = mid, mid+1
		} else {
			hi = mid - 1
		}
	}
	end := min(off, len(d.src))
	col := utf8.RuneCount(d.src[d.lines[line]:end]) + 1
	return Pos{File: d.file, Line: line + 1, Col: col}
}

// columnBytes returns the byte length of the first cols runes of line.
func columnBytes(line []byte, cols int) int {
	b := 0
	for i := 0; i < cols && b < len(line); i++ {
		_, size := utf8.DecodeRune(line[b:])
		b += size
	}
	return b
}

// valueAt returns the value at the JSON pointer ptr, or nil.
func (d *document) valueAt(ptr string) any {
	v := d.value
	for seg := range strings.SplitSeq(strings.TrimPrefix(ptr, "/"), "/") {
		if seg == "" {
			continue
		}
		seg = unescapePointer(seg)
		switch x := v.(type) {
		case map[string]any:
			v = x[seg]
		case []any:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}
