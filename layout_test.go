package rekindle_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/rekindle/rekindle"

// sources parses every non-test Go file of the module, by package path
// relative to the module ("" is the root package).
func sources(t *testing.T) map[string][]*ast.File {
	t.Helper()
	out := map[string][]*ast.File{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != "." && (strings.HasPrefix(name, ".") || name == "testdata" || name == "out") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		dir := filepath.ToSlash(filepath.Dir(path))
		if dir == "." {
			dir = ""
		}
		out[dir] = append(out[dir], f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// imports lists what files import: the module's own packages relative to
// it ("" for the root) in ours, the others by their path in others.
func imports(files []*ast.File) (ours, others []string) {
	for _, f := range files {
		for _, is := range f.Imports {
			p, _ := strconv.Unquote(is.Path.Value)
			list := &others
			if p == module {
				p, list = "", &ours
			} else if rel, ok := strings.CutPrefix(p, module+"/"); ok {
				p, list = rel, &ours
			}
			if !slices.Contains(*list, p) {
				*list = append(*list, p)
			}
		}
	}
	return ours, others
}

// TestLayout keeps the dependencies pointing one way, as the README's
// Development section draws them: the root package holds the shared
// domain types and imports no other of rekindle's packages; the model and
// the digest are pure; the adapters (imapsync, store, mailer, templates,
// addressbook) do not import one another, nor config, nor the application; only
// package app joins them, and only cmd/rekindle uses app.
func TestLayout(t *testing.T) {
	src := sources(t)
	for pkg, files := range src {
		ours, _ := imports(files)
		for _, imp := range ours {
			allowed := map[string][]string{
				"":             {},
				"relationship": {""},
				"digest":       {"", "relationship", "actions"},
				"actions":      {""},
				"store":        {""},
				"imapsync":     {""},
				"notify":       {},
				"mailer":       {""},
				"addressbook":  {""},
				"templates":    {"", "digest"},
				"config":       {""},
				"daemon":       {"internal/sdnotify"},
			}
			if want, ok := allowed[pkg]; ok && !slices.Contains(want, imp) {
				t.Errorf("%s imports %s; it may import only %q", orRoot(pkg), orRoot(imp), want)
			}
			if imp == "app" && pkg != "cmd/rekindle" {
				t.Errorf("%s imports app: only cmd/rekindle drives the application", orRoot(pkg))
			}
			if strings.HasPrefix(imp, "cmd/") {
				t.Errorf("%s imports %s", orRoot(pkg), imp)
			}
		}
	}
	// The model and the digest do no I/O, SQL or clock reading.
	for _, pkg := range []string{"relationship", "digest", "actions"} {
		_, others := imports(src[pkg])
		for _, imp := range others {
			if slices.Contains([]string{"os", "net", "net/http", "database/sql", "io/fs", "os/exec"}, imp) {
				t.Errorf("%s imports %s: the model and the digest do no I/O", pkg, imp)
			}
		}
		for _, f := range src[pkg] {
			ast.Inspect(f, func(n ast.Node) bool {
				if sel, ok := n.(*ast.SelectorExpr); ok {
					if x, ok := sel.X.(*ast.Ident); ok && x.Name == "time" && sel.Sel.Name == "Now" {
						t.Errorf("%s reads the clock (time.Now): take the moment as an argument", pkg)
					}
				}
				return true
			})
		}
	}
}

func orRoot(p string) string {
	if p == "" {
		return "rekindle (the root package)"
	}
	return p
}

// TestLogKeys: every log line names its error "err", never "error", so
// that one query finds them all.
func TestLogKeys(t *testing.T) {
	logCalls := map[string]bool{"Any": true, "String": true, "Debug": true, "Info": true, "Warn": true, "Error": true, "With": true, "Log": true}
	for pkg, files := range sources(t) {
		for _, f := range files {
			ast.Inspect(f, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				sel, ok := call.Fun.(*ast.SelectorExpr)
				if !ok || !logCalls[sel.Sel.Name] {
					return true
				}
				for _, arg := range call.Args {
					if lit, ok := arg.(*ast.BasicLit); ok && lit.Kind == token.STRING && lit.Value == `"error"` {
						t.Errorf("%s: a log attribute is keyed \"error\"; use \"err\"", orRoot(pkg))
					}
				}
				return true
			})
		}
	}
}
