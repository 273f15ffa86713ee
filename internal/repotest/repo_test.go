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

// root is the repository's root, two levels up from this package.
const root = "../.."

// libraryDirs are the packages an embedder or a kind author imports: their
// API must read well in go doc.
var libraryDirs = []string{
	"rules", "rules/ruleskit", "rules/lint", "rules/rulestest",
	"eligibility", "therapy", "recommendations",
	"procedure", "procedure/sqlite", "procedure/postgres", "procedure/storetest",
	"fhir", "fhir/cdshooks",
}

// parsePackage parses the non-test files of the package in dir (relative
// to the root), with comments.
func parsePackage(t *testing.T, dir string) (*token.FileSet, []*ast.File) {
	t.Helper()
	fset := token.NewFileSet()
	paths, err := filepath.Glob(filepath.Join(root, dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var files []*ast.File
	for _, path := range paths {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	return fset, files
}

// receiverType is the name of the type a method is declared on.
func receiverType(d *ast.FuncDecl) string {
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
	if id, ok := typ.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}

// undocumented lists the exported names of files that go doc would show
// without a comment: a function or method without a doc comment, a type
// without one, a constant or variable with neither its own comment (doc or
// line) nor one on its group.
func undocumented(fset *token.FileSet, files []*ast.File) []string {
	var out []string
	miss := func(pos token.Pos, name string) {
		p := fset.Position(pos)
		out = append(out, filepath.Base(p.Filename)+":"+itoa(p.Line)+": "+name)
	}
	for _, f := range files {
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if !d.Name.IsExported() || d.Doc != nil {
					continue
				}
				if d.Recv == nil {
					miss(d.Pos(), d.Name.Name)
				} else if r := receiverType(d); ast.IsExported(r) && !standardMethod(d.Name.Name) {
					miss(d.Pos(), r+"."+d.Name.Name)
				}
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						if s.Name.IsExported() && s.Doc == nil && d.Doc == nil {
							miss(s.Pos(), s.Name.Name)
						}
					case *ast.ValueSpec:
						for _, n := range s.Names {
							if n.IsExported() && s.Doc == nil && s.Comment == nil && d.Doc == nil {
								miss(n.Pos(), n.Name)
							}
						}
					}
				}
			}
		}
	}
	return out
}

// standardMethod reports whether name is a method whose meaning an
// interface of the standard library gives (error, fmt.Stringer, the json
// and text marshalers, errors' Unwrap), which go doc readers know.
func standardMethod(name string) bool {
	switch name {
	case "Error", "String", "Unwrap", "MarshalJSON", "UnmarshalJSON", "MarshalText", "UnmarshalText":
		return true
	}
	return false
}

func itoa(n int) string {
	var b []byte
	for n >= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(append([]byte{byte('0' + n)}, b...))
}

// TestDocComments: every exported name of the library packages says what
// it is in go doc.
func TestDocComments(t *testing.T) {
	for _, dir := range libraryDirs {
		fset, files := parsePackage(t, dir)
		if len(files) == 0 {
			t.Errorf("%s: no Go files", dir)
		}
		for _, name := range undocumented(fset, files) {
			t.Errorf("%s/%s has no doc comment", dir, name)
		}
	}
}

// The checker itself, on a file with one name of each sort documented and
// undocumented.
func TestUndocumentedFinds(t *testing.T) {
	src := `package p
// A is.
type A int
type B int
// F is.
func F() {}
func G() {}
func (A) M() {}
func (A) String() string { return "" }
const (
	// C is.
	C = 1
	D = 2 // D is.
	E = 3
)
// V is.
var V = 1
var W = 1
`
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "p.go", src, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(undocumented(fset, []*ast.File{f}), ",")
	if want := "p.go:4: B,p.go:7: G,p.go:8: A.M,p.go:14: E,p.go:18: W"; got != want {
		t.Errorf("undocumented = %s, want %s", got, want)
	}
}

// exportedVars lists the exported package-level variables of files that
// are not sentinel errors (var ErrX = errors.New(...) or fmt.Errorf): a
// library's variable is anyone's to change, so what a package offers as
// data is a function that returns a copy.
func exportedVars(fset *token.FileSet, files []*ast.File) []string {
	var out []string
	for _, f := range files {
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.VAR {
				continue
			}
			for _, s := range g.Specs {
				vs := s.(*ast.ValueSpec)
				for i, n := range vs.Names {
					if !n.IsExported() || n.Name == "_" {
						continue
					}
					if strings.HasPrefix(n.Name, "Err") && i < len(vs.Values) && isErrorCall(vs.Values[i]) {
						continue
					}
					p := fset.Position(n.Pos())
					out = append(out, filepath.Base(p.Filename)+":"+itoa(p.Line)+": "+n.Name)
				}
			}
		}
	}
	return out
}

// isErrorCall reports whether e is errors.New(...) or fmt.Errorf(...).
func isErrorCall(e ast.Expr) bool {
	call, ok := e.(*ast.CallExpr)
	if !ok {
		return false
	}
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	pkg, ok := sel.X.(*ast.Ident)
	return ok && (pkg.Name == "errors" && sel.Sel.Name == "New" || pkg.Name == "fmt" && sel.Sel.Name == "Errorf")
}

// TestNoExportedVariables: the library packages export no variable but
// sentinel errors.
func TestNoExportedVariables(t *testing.T) {
	for _, dir := range libraryDirs {
		fset, files := parsePackage(t, dir)
		for _, v := range exportedVars(fset, files) {
			t.Errorf("%s/%s is an exported variable: make it a function that returns a copy (sentinel errors only may be variables)", dir, v)
		}
	}
	src := "package p\nimport \"errors\"\nvar ErrX = errors.New(\"x\")\nvar Codes = []string{\"a\"}\nvar ErrY = Codes\nvar n = 1\n"
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "p.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(exportedVars(fset, []*ast.File{f}), ","), "p.go:4: Codes,p.go:5: ErrY"; got != want {
		t.Errorf("exportedVars = %s, want %s", got, want)
	}
}

// TestKindsListedOnce: the decision kinds are listed in procedure/kinds.go
// alone. Outside their own packages, Go code names a kind's Kind or its
// name constant only there, in procedure/decide.go (which records each
// decision under its kind) and in the one kind-specific CLI command
// (aftercare's calendar); examples, which show an embedder's program, may.
func TestKindsListedOnce(t *testing.T) {
	ref := regexp.MustCompile(`\b(eligibility|therapy|recommendations)\.(DecisionKind|AftercareDecisionKind|TriageDecisionKind|Kind|AftercareKind|TriageKind)\b`)
	allowed := map[string]bool{"procedure/kinds.go": true, "procedure/decide.go": true, "cmd/celltherapy/aftercare.go": true}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && strings.HasPrefix(d.Name(), ".") && path != root {
			return filepath.SkipDir
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() || !strings.HasSuffix(rel, ".go") || strings.HasSuffix(rel, "_test.go") || allowed[rel] {
			return nil
		}
		pkgDir := strings.SplitN(rel, "/", 2)[0]
		if pkgDir == "eligibility" || pkgDir == "therapy" || pkgDir == "recommendations" || pkgDir == "examples" {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(src), "\n") {
			if code, _, _ := strings.Cut(line, "//"); ref.MatchString(code) {
				t.Errorf("%s:%d names a decision kind (%s); read procedure.DecisionKinds instead", rel, i+1, ref.FindString(code))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// badFieldTypes lists the struct types of f that say "this field of the
// input is bad": exactly two exported fields, a string Message and a
// string naming where (Path, Field, Pointer, Key or Name).
func badFieldTypes(fset *token.FileSet, f *ast.File) []string {
	var out []string
	ast.Inspect(f, func(n ast.Node) bool {
		ts, ok := n.(*ast.TypeSpec)
		if !ok {
			return true
		}
		st, ok := ts.Type.(*ast.StructType)
		if !ok {
			return true
		}
		fields := map[string]bool{}
		for _, fl := range st.Fields.List {
			typ, _ := fl.Type.(*ast.Ident)
			for _, name := range fl.Names {
				if name.IsExported() {
					fields[name.Name] = typ != nil && typ.Name == "string"
				}
			}
		}
		where := 0
		for _, w := range []string{"Path", "Field", "Pointer", "Key", "Name"} {
			if fields[w] {
				where++
			}
		}
		if len(fields) == 2 && fields["Message"] && where == 1 {
			p := fset.Position(ts.Pos())
			out = append(out, filepath.Base(p.Filename)+":"+itoa(p.Line)+": "+ts.Name.Name)
		}
		return true
	})
	return out
}

// TestOneBadFieldType: a bad field of the input is a rules.FieldError from
// the domain (a kind's facts, procedure's commands) to the API's error
// body; no package declares a second type for it.
func TestOneBadFieldType(t *testing.T) {
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "node_modules" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		for _, typ := range badFieldTypes(fset, f) {
			if rel == filepath.Join("rules", "decode.go") && strings.HasSuffix(typ, ": FieldError") {
				continue
			}
			t.Errorf("%s: %s says which field of the input is bad: use rules.FieldError", filepath.Dir(rel), typ)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	src := "package p\ntype Problem struct {\n\tField   string `json:\"field\"`\n\tMessage string\n}\n" +
		"type Error struct{ Code, Message, Path, Field string }\ntype item struct{ Name, Message string; n int }\n"
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "p.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(badFieldTypes(fset, f), ","), "p.go:2: Problem,p.go:7: item"; got != want {
		t.Errorf("badFieldTypes = %s, want %s", got, want)
	}
}
