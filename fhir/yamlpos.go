package fhir

import (
	"bytes"
	"errors"
	"io"
	"regexp"
	"strconv"
	"strings"

	"github.com/reocell/celltherapy/rules"
	"go.yaml.in/yaml/v3"
)

// Limits on a code table file, so that a hostile file cannot blow up.
const (
	maxYAMLNodes = 100_000
	maxYAMLDepth = 32
)

// yamlDoc is a parsed code table file: its value as plain data for the JSON
// Schema, and the YAML node of every value by JSON pointer, so that each
// problem is reported at its file position.
type yamlDoc struct {
	file  string
	root  *yaml.Node
	value any
	nodes map[string]*yaml.Node
	keys  map[string]*yaml.Node
	count int
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parseYAML parses src; problems go to errs and the result is nil when the
// file cannot be used.
func parseYAML(file string, src []byte, errs *rules.ErrorList) *yamlDoc {
	d := &yamlDoc{file: file, nodes: map[string]*yaml.Node{}, keys: map[string]*yaml.Node{}}
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(src))
	if err := dec.Decode(&root); err != nil {
		pos, msg := rules.Pos{File: file, Line: 1, Col: 1}, "the file is empty: a code table file holds one YAML mapping"
		if !errors.Is(err, io.EOF) {
			msg = "YAML syntax: " + strings.TrimPrefix(err.Error(), "yaml: ")
			if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
				pos.Line, _ = strconv.Atoi(m[1])
				msg = "YAML syntax: " + m[2]
			}
		}
		*errs = append(*errs, &rules.Error{Pos: pos, Code: rules.CodeSyntax, Message: msg})
		return nil
	}
	body := &root
	if body.Kind == yaml.DocumentNode && len(body.Content) == 1 {
		body = body.Content[0]
	}
	if body.Kind != yaml.MappingNode {
		d.add(errs, body, rules.CodeSchema, "a code table file must be a YAML mapping (keys codes:, version:, systems:, tables:)")
		return nil
	}
	n := len(*errs)
	d.root = body
	d.value = d.convert(body, "", 0, errs)
	if len(*errs) > n {
		return nil
	}
	return d
}

func (d *yamlDoc) pos(n *yaml.Node) rules.Pos {
	return rules.Pos{File: d.file, Line: n.Line, Col: n.Column}
}

func (d *yamlDoc) add(errs *rules.ErrorList, n *yaml.Node, code rules.Code, msg string) {
	*errs = append(*errs, &rules.Error{Pos: d.pos(n), Code: code, Message: msg})
}

// convert turns n into plain data. Aliases are refused: a table a clinician
// reviews should say each code where it applies.
func (d *yamlDoc) convert(n *yaml.Node, ptr string, depth int, errs *rules.ErrorList) any {
	d.count++
	if d.count > maxYAMLNodes || depth > maxYAMLDepth {
		if d.count == maxYAMLNodes+1 || depth == maxYAMLDepth+1 {
			d.add(errs, n, rules.CodeSyntax, "the file is too large or too deeply nested")
		}
		return nil
	}
	d.nodes[ptr] = n
	switch n.Kind {
	case yaml.AliasNode:
		d.add(errs, n, rules.CodeSyntax, "aliases (*name) are not allowed in code tables: write each entry out")
		return nil
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for i, c := range n.Content {
			out = append(out, d.convert(c, ptr+"/"+strconv.Itoa(i), depth+1, errs))
		}
		return out
	case yaml.MappingNode:
		out := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode || k.ShortTag() == "!!merge" {
				d.add(errs, k, rules.CodeSchema, "a mapping key must be a plain name")
				continue
			}
			if _, dup := out[k.Value]; dup {
				d.add(errs, k, rules.CodeDuplicateKey, "key "+strconv.Quote(k.Value)+" is given twice in this mapping; remove one")
				continue
			}
			child := ptr + "/" + escapePointer(k.Value)
			d.keys[child] = k
			out[k.Value] = d.convert(v, child, depth+1, errs)
		}
		return out
	}
	switch n.ShortTag() {
	case "!!null":
		return nil
	case "!!bool":
		var b bool
		if n.Decode(&b) == nil {
			return b
		}
	case "!!int":
		var i int
		if n.Decode(&i) == nil {
			return i
		}
	case "!!float":
		var f float64
		if n.Decode(&f) == nil {
			return f
		}
	}
	return n.Value
}

func escapePointer(s string) string {
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(s)
}

// at returns the position of the value at ptr, or of its nearest parent.
func (d *yamlDoc) at(ptr string) rules.Pos {
	for {
		if n, ok := d.nodes[ptr]; ok {
			return d.pos(n)
		}
		i := strings.LastIndexByte(ptr, '/')
		if i < 0 {
			return rules.Pos{File: d.file, Line: 1, Col: 1}
		}
		ptr = ptr[:i]
	}
}

// keyAt returns the position of the key of the mapping entry at ptr.
func (d *yamlDoc) keyAt(ptr string) rules.Pos {
	if k, ok := d.keys[ptr]; ok {
		return d.pos(k)
	}
	return d.at(ptr)
}
