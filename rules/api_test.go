package rules_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// exportedNames lists the API of the package in dir as go doc shows it:
// exported top-level functions, types, variables and constants, and the
// exported methods of exported types.
func exportedNames(t *testing.T, dir string) []string {
	t.Helper()
	fset := token.NewFileSet()
	paths, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var files []*ast.File
	for _, path := range paths {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	var names []string
	for _, f := range files {
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if !d.Name.IsExported() {
					continue
				}
				if d.Recv == nil {
					names = append(names, d.Name.Name)
					continue
				}
				typ := d.Recv.List[0].Type
				if s, ok := typ.(*ast.StarExpr); ok {
					typ = s.X
				}
				switch x := typ.(type) {
				case *ast.IndexExpr:
					typ = x.X
				case *ast.IndexListExpr:
					typ = x.X
				}
				if id, ok := typ.(*ast.Ident); ok && id.IsExported() {
					names = append(names, id.Name+"."+d.Name.Name)
				}
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						if s.Name.IsExported() {
							names = append(names, s.Name.Name)
						}
					case *ast.ValueSpec:
						for _, n := range s.Names {
							if n.IsExported() {
								names = append(names, n.Name)
							}
						}
					}
				}
			}
		}
	}
	return names
}

// TestAPISize keeps the rules packages small: rules is what an embedder
// reads (load, decide, explain, errors, dates, a ruleset's rules), ruleskit
// what a kind author needs (the evaluation and its results, then:
// expressions and texts, the kind's types), lint and rulestest the tools.
// A name added to one of them has to push another out; the limits only go
// down.
func TestAPISize(t *testing.T) {
	limits := map[string]int{".": 90, "ruleskit": 58, "lint": 10, "rulestest": 16}
	for dir, limit := range limits {
		names := exportedNames(t, dir)
		if len(names) > limit {
			t.Errorf("package %s exports %d names, more than %d: %s", dir, len(names), limit, strings.Join(names, " "))
		}
	}
	// The counter itself: a package with known names.
	if n := len(exportedNames(t, "lint")); n != 10 {
		t.Errorf("lint: counted %d names, want 10 (Analyze, Warning, Warning.String, WarningCode and six Warn codes)", n)
	}
}
