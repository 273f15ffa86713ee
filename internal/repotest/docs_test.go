package repotest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// goNames maps each package name of the repository to the Go names it
// declares, exported or not: top-level names, and TYPE.NAME for the methods,
// struct fields and interface methods of its types.
func goNames(t *testing.T) map[string]map[string]bool {
	t.Helper()
	names := map[string]map[string]bool{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		set := names[f.Name.Name]
		if set == nil {
			set = map[string]bool{}
			names[f.Name.Name] = set
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil {
					set[d.Name.Name] = true
				} else {
					set[receiverType(d)+"."+d.Name.Name] = true
				}
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						set[s.Name.Name] = true
						addMembers(set, s.Name.Name, s.Type)
					case *ast.ValueSpec:
						for _, n := range s.Names {
							set[n.Name] = true
						}
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// addMembers adds the fields of a struct type and the methods of an
// interface type, embedded ones by their type's name.
func addMembers(set map[string]bool, typ string, e ast.Expr) {
	var list *ast.FieldList
	switch x := e.(type) {
	case *ast.StructType:
		list = x.Fields
	case *ast.InterfaceType:
		list = x.Methods
	default:
		return
	}
	for _, f := range list.List {
		for _, n := range f.Names {
			set[typ+"."+n.Name] = true
		}
		if len(f.Names) == 0 {
			// An embedded field: its name is its type's.
			e := f.Type
			if s, ok := e.(*ast.StarExpr); ok {
				e = s.X
			}
			if ix, ok := e.(*ast.IndexListExpr); ok {
				e = ix.X
			}
			if ix, ok := e.(*ast.IndexExpr); ok {
				e = ix.X
			}
			switch x := e.(type) {
			case *ast.Ident:
				set[typ+"."+x.Name] = true
			case *ast.SelectorExpr:
				set[typ+"."+x.Sel.Name] = true
			}
		}
	}
}

// codeSpan is a span in backticks; goRef a package.Identifier in one, with
// an optional .Member.
var (
	codeSpan = regexp.MustCompile("`[^`\n]+`")
	goRef    = regexp.MustCompile(`(?:^|[^\w.])([a-z][a-z0-9]*)\.([A-Z]\w*)(?:\.([A-Z]\w*))?`)
)

// docRefs returns the package.Identifier references in the backticks of
// the markdown text md, for the packages that names knows, with the line
// of each.
func docRefs(md string, names map[string]map[string]bool) (refs []string, lines []int) {
	for i, line := range strings.Split(md, "\n") {
		for _, span := range codeSpan.FindAllString(line, -1) {
			for _, ix := range goRef.FindAllStringSubmatchIndex(span, -1) {
				m := make([]string, 4)
				for k := 1; k < 4; k++ {
					if ix[2*k] >= 0 {
						m[k] = span[ix[2*k]:ix[2*k+1]]
					}
				}
				if _, ok := names[m[1]]; !ok {
					continue // another package (time, errors, ...) or a variable
				}
				if rest := span[ix[1]:]; strings.HasPrefix(rest, ".") {
					continue // a path into data, such as rules.ID.then.KEY
				}
				ref := m[1] + "." + m[2]
				if m[3] != "" {
					ref += "." + m[3]
				}
				refs, lines = append(refs, ref), append(lines, i+1)
			}
		}
	}
	return refs, lines
}

// exists reports whether ref (pkg.Name or pkg.Type.Member) names something
// the package declares.
func exists(ref string, names map[string]map[string]bool) bool {
	parts := strings.Split(ref, ".")
	set := names[parts[0]]
	if !set[parts[1]] {
		return false
	}
	return len(parts) == 2 || set[parts[1]+"."+parts[2]]
}

// TestDocsNameRealIdentifiers: every package.Identifier that the README and
// docs/*.md write in backticks exists in the repository's Go code, so that
// renames reach the docs.
func TestDocsNameRealIdentifiers(t *testing.T) {
	names := goNames(t)
	files, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, filepath.Join(root, "README.md"))
	total := 0
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		refs, lines := docRefs(string(data), names)
		total += len(refs)
		for i, ref := range refs {
			if !exists(ref, names) {
				t.Errorf("%s:%d: `%s` names nothing in the Go code", strings.TrimPrefix(file, root+"/"), lines[i], ref)
			}
		}
	}
	if total < 20 {
		t.Errorf("found only %d references in the docs; is the pattern still right?", total)
	}
	// The checker itself.
	refs, _ := docRefs("see `rules.Loader` and `rules.Nothing`, `rules.Kind.DecideJSON`, `time.Time`, `rs.Name`, `rules.ID.then.KEY`", names)
	if got := strings.Join(refs, " "); got != "rules.Loader rules.Nothing rules.Kind.DecideJSON" {
		t.Errorf("docRefs = %q", got)
	}
	if !exists("rules.Kind.DecideJSON", names) || exists("rules.Nothing", names) || exists("rules.Ruleset.Evaluate", names) {
		t.Error("exists is wrong")
	}
}
