package fhir

import (
	"bytes"
	"errors"
	"io"
	"regexp"
	"strconv"
	"strings"

	"github.com/reocell/celltherapy/internal/yamlpos"
	"github.com/reocell/celltherapy/rules"
	"go.yaml.in/yaml/v3"
)

// yamlDoc is a parsed code table file: its value as plain data for the JSON
// Schema, and the YAML node of every value by JSON pointer (package
// yamlpos, which reads rule files too, under the same limits), so that
// each problem is reported at its file position.
type yamlDoc struct {
	file  string
	root  *yaml.Node
	value any
	doc   *yamlpos.Doc
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parseYAML parses src; problems go to errs and the result is nil when the
// file cannot be used.
func parseYAML(file string, src []byte, errs *rules.ErrorList) *yamlDoc {
	d := &yamlDoc{file: file}
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
		*errs = append(*errs, &rules.Error{Pos: d.pos(body), Code: rules.CodeSchema,
			Message: "a code table file must be a YAML mapping (keys codes:, version:, systems:, tables:)"})
		return nil
	}
	n := len(*errs)
	d.root = body
	// Aliases are refused: a table a clinician reviews should say each code
	// where it applies.
	d.doc = yamlpos.Convert(body, yamlpos.Options{NoAliases: true, AliasMessage: "aliases (*name) are not allowed in code tables: write each entry out"},
		func(node *yaml.Node, code, msg string) {
			*errs = append(*errs, &rules.Error{Pos: d.pos(node), Code: rules.Code(code), Message: msg})
		})
	d.value = d.doc.Value
	if len(*errs) > n {
		return nil
	}
	return d
}

func (d *yamlDoc) pos(n *yaml.Node) rules.Pos {
	return rules.Pos{File: d.file, Line: n.Line, Col: n.Column}
}

func escapePointer(s string) string { return yamlpos.EscapePointer(s) }

// at returns the position of the value at ptr, or of its nearest parent.
func (d *yamlDoc) at(ptr string) rules.Pos {
	if n := d.doc.At(ptr); n != nil {
		return d.pos(n)
	}
	return rules.Pos{File: d.file, Line: 1, Col: 1}
}

// keyAt returns the position of the key of the mapping entry at ptr.
func (d *yamlDoc) keyAt(ptr string) rules.Pos {
	if n := d.doc.KeyAt(ptr); n != nil {
		return d.pos(n)
	}
	return d.at(ptr)
}
