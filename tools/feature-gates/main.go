// Command feature-gates prints, as JSON, the feature gates one Kubernetes release registers and whether
// each is locked to its default at that release. It reads the Go source of the release's packages that
// declare gates (given as directories) with go/parser: the keys of the gate maps they register, resolved
// through the packages' constants, and each gate's spec at the release (for versioned specs, the last
// one at or before the release). scripts/feature-gates-from-source.sh runs it on each minor.
//
// Usage: feature-gates <minor, e.g. 1.31> <dir>...
package main

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Gate is one registered gate at the release.
type Gate struct {
	Default bool `json:"default"`
	Locked  bool `json:"locked"`
}

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: feature-gates <minor> <dir>...")
		os.Exit(2)
	}
	release, err := minorOf(os.Args[1])
	if err != nil {
		fail(err)
	}
	var files []*ast.File
	fset := token.NewFileSet()
	for _, dir := range os.Args[2:] {
		paths, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, p := range paths {
			if strings.HasSuffix(p, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, p, nil, 0)
			if err != nil {
				fail(err)
			}
			files = append(files, f)
		}
	}
	consts := constants(files)
	gates := map[string]Gate{}
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.CompositeLit)
			if !ok || !isGateMap(lit.Type) {
				return true
			}
			for _, e := range lit.Elts {
				kv := e.(*ast.KeyValueExpr)
				name, ok := keyName(kv.Key, consts)
				if !ok {
					fail(fmt.Errorf("%s: cannot resolve gate key", fset.Position(kv.Pos())))
				}
				if g, ok := specAt(kv.Value, release); ok {
					gates[name] = g
				}
			}
			return false
		})
	}
	if len(gates) == 0 {
		fail(fmt.Errorf("no gate maps found in %v", os.Args[2:]))
	}
	names := make([]string, 0, len(gates))
	for n := range gates {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]any, 0, len(names))
	for _, n := range names {
		out = append(out, map[string]any{"name": n, "default": gates[n].Default, "locked": gates[n].Locked})
	}
	enc := json.NewEncoder(os.Stdout)
	if err := enc.Encode(out); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "feature-gates:", err)
	os.Exit(1)
}

func minorOf(v string) (int, error) {
	parts := strings.Split(strings.TrimPrefix(v, "v"), ".")
	if len(parts) < 2 {
		return 0, fmt.Errorf("not a version: %q", v)
	}
	return strconv.Atoi(parts[1])
}

// constants maps each string constant's name to its value (gate names are constants of a Feature type).
func constants(files []*ast.File) map[string]string {
	m := map[string]string{}
	for _, f := range files {
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, s := range g.Specs {
				vs := s.(*ast.ValueSpec)
				for i, n := range vs.Names {
					if i < len(vs.Values) {
						if s, ok := stringOf(vs.Values[i]); ok {
							m[n.Name] = s
						}
					}
				}
			}
		}
	}
	return m
}

// stringOf: "X", or a conversion of it (featuregate.Feature("X")).
func stringOf(e ast.Expr) (string, bool) {
	if call, ok := e.(*ast.CallExpr); ok && len(call.Args) == 1 {
		e = call.Args[0]
	}
	b, ok := e.(*ast.BasicLit)
	if !ok || b.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(b.Value)
	return s, err == nil
}

// isGateMap: map[featuregate.Feature]featuregate.FeatureSpec or …VersionedSpecs (or the same types
// unqualified, as client-go and featuregate itself declare them).
func isGateMap(t ast.Expr) bool {
	m, ok := t.(*ast.MapType)
	if !ok {
		return false
	}
	return typeName(m.Key) == "Feature" && (typeName(m.Value) == "FeatureSpec" || typeName(m.Value) == "VersionedSpecs")
}

func typeName(e ast.Expr) string {
	switch t := e.(type) {
	case *ast.Ident:
		return t.Name
	case *ast.SelectorExpr:
		return t.Sel.Name
	}
	return ""
}

// keyName: a constant of these packages (pkg.Name or Name) or a string literal.
func keyName(e ast.Expr, consts map[string]string) (string, bool) {
	switch k := e.(type) {
	case *ast.BasicLit, *ast.CallExpr:
		return stringOf(k)
	case *ast.Ident:
		v, ok := consts[k.Name]
		return v, ok
	case *ast.SelectorExpr:
		if v, ok := consts[k.Sel.Name]; ok {
			return v, true
		}
		// A constant of a package not given (its name is its value in every release read).
		return k.Sel.Name, true
	}
	return "", false
}

// specAt: the gate's spec at the release. A FeatureSpec literal is the release's; of VersionedSpecs the
// last whose Version is at or before the release (none: the gate is not there yet).
func specAt(e ast.Expr, release int) (Gate, bool) {
	lit, ok := e.(*ast.CompositeLit)
	if !ok {
		fail(fmt.Errorf("gate value is not a literal"))
	}
	if len(lit.Elts) > 0 {
		if _, isList := lit.Elts[0].(*ast.CompositeLit); isList {
			var at *Gate
			for _, el := range lit.Elts {
				spec := el.(*ast.CompositeLit)
				if v := fieldOf(spec, "Version"); v != nil && versionMinor(v) <= release {
					g := gateOf(spec)
					at = &g
				}
			}
			if at == nil {
				return Gate{}, false
			}
			return *at, true
		}
	}
	return gateOf(lit), true
}

func gateOf(spec *ast.CompositeLit) Gate {
	return Gate{Default: boolField(spec, "Default"), Locked: boolField(spec, "LockToDefault")}
}

func fieldOf(spec *ast.CompositeLit, name string) ast.Expr {
	for _, el := range spec.Elts {
		if kv, ok := el.(*ast.KeyValueExpr); ok {
			if id, ok := kv.Key.(*ast.Ident); ok && id.Name == name {
				return kv.Value
			}
		}
	}
	return nil
}

func boolField(spec *ast.CompositeLit, name string) bool {
	v := fieldOf(spec, name)
	id, ok := v.(*ast.Ident)
	return ok && id.Name == "true"
}

// versionMinor reads version.MustParse("1.29") (or version.MajorMinor(1, 29)).
func versionMinor(e ast.Expr) int {
	call, ok := e.(*ast.CallExpr)
	if !ok || len(call.Args) == 0 {
		fail(fmt.Errorf("unexpected Version expression"))
	}
	if b, ok := call.Args[0].(*ast.BasicLit); ok && b.Kind == token.STRING {
		s, _ := strconv.Unquote(b.Value)
		m, err := minorOf(s)
		if err != nil {
			fail(err)
		}
		return m
	}
	if len(call.Args) == 2 {
		if b, ok := call.Args[1].(*ast.BasicLit); ok {
			m, _ := strconv.Atoi(b.Value)
			return m
		}
	}
	fail(fmt.Errorf("unexpected Version expression"))
	return 0
}
