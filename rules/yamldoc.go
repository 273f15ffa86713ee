package rules

import (
	"bytes"
	"errors"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// maxNodes bounds how many YAML nodes one file may expand to, aliases
// included, so that a small file cannot blow up into a huge value.
const maxNodes = 200_000

// document is one parsed rule file: its value as plain data (maps, slices,
// strings, numbers, booleans), and for every value the YAML node it came from,
// so that any problem found later can be reported at its file position.
type document struct {
	file  string
	src   []byte
	lines []int // byte offset of the start of each line
	value any
	nodes map[string]*yaml.Node // JSON pointer of a value -> its node
	keys  map[string]*yaml.Node // JSON pointer of a mapping entry -> its key node
	count int
	depth int
}

// maxDepth bounds nesting, so that a hostile file cannot exhaust the stack.
const maxDepth = 64

// parseDocument parses src, reporting syntax errors, duplicate keys and keys
// that are not strings to errs. It returns nil when the file cannot be used.
func parseDocument(file string, src []byte, errs *ErrorList) *document {
	d := &document{file: file, src: src, nodes: map[string]*yaml.Node{}, keys: map[string]*yaml.Node{}}
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
	d.value = d.convert(body, "", errs)
	if len(*errs) > n {
		return nil
	}
	return d
}

func (d *document) pos(n *yaml.Node) Pos {
	return Pos{File: d.file, Line: n.Line, Col: n.Column}
}

// convert turns n into plain data, recording each node under its JSON pointer.
func (d *document) convert(n *yaml.Node, ptr string, errs *ErrorList) any {
	d.count++
	if d.count > maxNodes {
		if d.count == maxNodes+1 {
			errs.add(d.pos(n), CodeSyntax, "the file expands to more than %d values (aliases included); split it or remove aliases", maxNodes)
		}
		return nil
	}
	if d.depth >= maxDepth {
		errs.add(d.pos(n), CodeSyntax, "values nested deeper than %d levels (or an alias that contains itself)", maxDepth)
		d.count = maxNodes + 2 // report once
		return nil
	}
	d.depth++
	defer func() { d.depth-- }()
	d.nodes[ptr] = n
	switch n.Kind {
	case yaml.AliasNode:
		if n.Alias == nil {
			return nil
		}
		v := d.convert(n.Alias, ptr, errs)
		d.nodes[ptr] = n
		return v
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil
		}
		return d.convert(n.Content[0], ptr, errs)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for i, c := range n.Content {
			out = append(out, d.convert(c, ptr+"/"+strconv.Itoa(i), errs))
		}
		return out
	case yaml.MappingNode:
		out := make(map[string]any, len(n.Content)/2)
		seen := map[string]*yaml.Node{}
		// Merge keys (<<: *anchor) first, so that the mapping's own keys win.
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k := n.Content[i]; k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
				d.merge(n.Content[i+1], ptr, out, errs)
			}
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
				continue
			}
			if k.Kind != yaml.ScalarNode {
				errs.add(d.pos(k), CodeSchema, "a mapping key must be a plain name, not a %s", kindName(k.Kind))
				continue
			}
			if first, dup := seen[k.Value]; dup {
				errs.add(d.pos(k), CodeDuplicateKey, "key %q is already defined at line %d; remove one of them", k.Value, first.Line)
				continue
			}
			seen[k.Value] = k
			child := ptr + "/" + escapePointer(k.Value)
			d.keys[child] = k
			out[k.Value] = d.convert(v, child, errs)
		}
		return out
	default:
		return d.scalar(n, errs)
	}
}

// merge adds the entries of the mapping (or list of mappings) v to out.
func (d *document) merge(v *yaml.Node, ptr string, out map[string]any, errs *ErrorList) {
	if v.Kind == yaml.SequenceNode {
		for _, item := range v.Content {
			d.merge(item, ptr, out, errs)
		}
		return
	}
	m, ok := d.convert(v, ptr, errs).(map[string]any)
	if !ok {
		errs.add(d.pos(v), CodeSchema, "<< merges a mapping (an alias such as *defaults), not a %s", kindName(v.Kind))
		return
	}
	for k, val := range m {
		out[k] = val
	}
}

func (d *document) scalar(n *yaml.Node, errs *ErrorList) any {
	switch n.ShortTag() {
	case "!!null":
		return nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err == nil {
			return b
		}
	case "!!int":
		var i int
		if err := n.Decode(&i); err == nil {
			return i
		}
		var f float64
		if err := n.Decode(&f); err == nil {
			return f
		}
	case "!!float":
		var f float64
		if err := n.Decode(&f); err == nil {
			if math.IsInf(f, 0) || math.IsNaN(f) {
				errs.add(d.pos(n), CodeSchema, "%s is not a finite number", n.Value)
				return nil
			}
			return f
		}
	}
	// Strings, timestamps (kept as written, e.g. 2026-11-24) and any other tag.
	return n.Value
}

func kindName(k yaml.Kind) string {
	switch k {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	case yaml.AliasNode:
		return "alias"
	}
	return "value"
}

// The JSON pointer escapes; a strings.Replacer is built on first use, so
// one built per call costs more than the rest of a load.
var (
	pointerEscaper   = strings.NewReplacer("~", "~0", "/", "~1")
	pointerUnescaper = strings.NewReplacer("~1", "/", "~0", "~")
)

func escapePointer(s string) string {
	if !strings.ContainsAny(s, "~/") {
		return s
	}
	return pointerEscaper.Replace(s)
}

func unescapePointer(s string) string {
	if !strings.Contains(s, "~") {
		return s
	}
	return pointerUnescaper.Replace(s)
}

// at returns the position of the value at ptr, or of the nearest enclosing
// value that has one.
func (d *document) at(ptr string) Pos {
	for {
		if n, ok := d.nodes[ptr]; ok {
			return d.pos(n)
		}
		i := strings.LastIndexByte(ptr, '/')
		if i < 0 {
			return Pos{File: d.file, Line: 1, Col: 1}
		}
		ptr = ptr[:i]
	}
}

// keyAt returns the position of the key of the mapping entry at ptr.
func (d *document) keyAt(ptr string) Pos {
	if k, ok := d.keys[ptr]; ok {
		return d.pos(k)
	}
	return d.at(ptr)
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
