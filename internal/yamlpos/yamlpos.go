// Package yamlpos turns a parsed YAML document into plain data (maps,
// slices, strings, numbers, booleans) and keeps, for every value and every
// mapping key, the node it came from by JSON pointer, so that a problem
// found later in the data is reported at its line and column. Rule files
// (rules) and code tables (fhir) are read with it, under one set of limits.
package yamlpos

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The limits on one file, so that a small hostile file cannot blow up into
// a huge value or exhaust the stack.
const (
	// MaxNodes is how many YAML nodes one file may expand to, aliases
	// included.
	MaxNodes = 200_000
	// MaxDepth is how deeply values may nest.
	MaxDepth = 64
)

// The codes of the problems Convert reports, as rules.Code spells them.
const (
	CodeSyntax       = "syntax"
	CodeSchema       = "schema"
	CodeDuplicateKey = "duplicate-key"
)

// Options say what a kind of file allows.
type Options struct {
	// NoAliases refuses aliases (*name) and merge keys (<<), with
	// AliasMessage: a file a clinician reviews line by line should say
	// each thing where it applies.
	NoAliases    bool
	AliasMessage string
}

// Doc is a converted document.
type Doc struct {
	Value any
	Nodes map[string]*yaml.Node // JSON pointer of a value -> its node
	Keys  map[string]*yaml.Node // JSON pointer of a mapping entry -> its key node
}

// Report is how Convert reports a problem: at node n, with one of the codes
// above.
type Report func(n *yaml.Node, code, message string)

type converter struct {
	opts   Options
	doc    *Doc
	report Report
	count  int
	depth  int
}

// Convert converts root, reporting duplicate keys, keys that are not plain
// names, values that are not finite numbers, refused aliases and a file
// over the limits. A caller whose report was called should not use the
// result.
func Convert(root *yaml.Node, opts Options, report Report) *Doc {
	c := &converter{opts: opts, doc: &Doc{Nodes: map[string]*yaml.Node{}, Keys: map[string]*yaml.Node{}}, report: report}
	c.doc.Value = c.convert(root, "")
	return c.doc
}

func (c *converter) convert(n *yaml.Node, ptr string) any {
	c.count++
	if c.count > MaxNodes {
		if c.count == MaxNodes+1 {
			c.report(n, CodeSyntax, fmt.Sprintf("the file expands to more than %d values (aliases included); split it or remove aliases", MaxNodes))
		}
		return nil
	}
	if c.depth >= MaxDepth {
		c.report(n, CodeSyntax, fmt.Sprintf("values nested deeper than %d levels (or an alias that contains itself)", MaxDepth))
		c.count = MaxNodes + 2 // report once
		return nil
	}
	c.depth++
	defer func() { c.depth-- }()
	c.doc.Nodes[ptr] = n
	switch n.Kind {
	case yaml.AliasNode:
		if c.opts.NoAliases {
			c.report(n, CodeSyntax, c.opts.AliasMessage)
			return nil
		}
		if n.Alias == nil {
			return nil
		}
		v := c.convert(n.Alias, ptr)
		c.doc.Nodes[ptr] = n
		return v
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil
		}
		return c.convert(n.Content[0], ptr)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for i, item := range n.Content {
			out = append(out, c.convert(item, ptr+"/"+strconv.Itoa(i)))
		}
		return out
	case yaml.MappingNode:
		return c.mapping(n, ptr)
	default:
		return c.scalar(n)
	}
}

func (c *converter) mapping(n *yaml.Node, ptr string) map[string]any {
	out := make(map[string]any, len(n.Content)/2)
	seen := map[string]*yaml.Node{}
	merge := func(k *yaml.Node) bool { return k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" }
	// Merge keys (<<: *anchor) first, so that the mapping's own keys win.
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i]; merge(k) && !c.opts.NoAliases {
			c.merge(n.Content[i+1], ptr, out)
		}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if merge(k) {
			if c.opts.NoAliases {
				c.report(k, CodeSyntax, c.opts.AliasMessage)
			}
			continue
		}
		if k.Kind != yaml.ScalarNode {
			c.report(k, CodeSchema, "a mapping key must be a plain name, not a "+kindName(k.Kind))
			continue
		}
		if first, dup := seen[k.Value]; dup {
			c.report(k, CodeDuplicateKey, fmt.Sprintf("key %q is already defined at line %d; remove one of them", k.Value, first.Line))
			continue
		}
		seen[k.Value] = k
		child := ptr + "/" + EscapePointer(k.Value)
		c.doc.Keys[child] = k
		out[k.Value] = c.convert(v, child)
	}
	return out
}

// merge adds the entries of the mapping (or list of mappings) v to out.
func (c *converter) merge(v *yaml.Node, ptr string, out map[string]any) {
	if v.Kind == yaml.SequenceNode {
		for _, item := range v.Content {
			c.merge(item, ptr, out)
		}
		return
	}
	m, ok := c.convert(v, ptr).(map[string]any)
	if !ok {
		c.report(v, CodeSchema, "<< merges a mapping (an alias such as *defaults), not a "+kindName(v.Kind))
		return
	}
	for k, val := range m {
		out[k] = val
	}
}

func (c *converter) scalar(n *yaml.Node) any {
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
				c.report(n, CodeSchema, n.Value+" is not a finite number")
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

// EscapePointer escapes s as one segment of a JSON pointer.
func EscapePointer(s string) string {
	if !strings.ContainsAny(s, "~/") {
		return s
	}
	return pointerEscaper.Replace(s)
}

// UnescapePointer undoes EscapePointer.
func UnescapePointer(s string) string {
	if !strings.Contains(s, "~") {
		return s
	}
	return pointerUnescaper.Replace(s)
}

// At returns the node of the value at ptr, or of the nearest enclosing
// value that has one (nil: none, the file's start).
func (d *Doc) At(ptr string) *yaml.Node {
	for {
		if n, ok := d.Nodes[ptr]; ok {
			return n
		}
		i := strings.LastIndexByte(ptr, '/')
		if i < 0 {
			return nil
		}
		ptr = ptr[:i]
	}
}

// KeyAt returns the key node of the mapping entry at ptr, or At(ptr).
func (d *Doc) KeyAt(ptr string) *yaml.Node {
	if k, ok := d.Keys[ptr]; ok {
		return k
	}
	return d.At(ptr)
}
