package interp

import (
	"path"
	"reflect"

	"github.com/descentlab/descent/interp/symbols"
	yaegi "github.com/traefik/yaegi/interp"
	"github.com/traefik/yaegi/stdlib"
)

// preloadedStdlib lists the standard library packages that cells may use
// without an import line: those goimports resolves without ambiguity.
// slices, maps and cmp are not here: they are interpreted source packages
// (see prelude.go), always visible.
var preloadedStdlib = []string{
	"bufio", "bytes", "container/heap", "container/list", "context",
	"encoding/csv", "encoding/json", "errors", "fmt", "image", "image/color",
	"image/png", "io", "log", "math", "math/bits", "math/cmplx", "math/rand",
	"os", "path", "path/filepath", "reflect", "regexp", "runtime", "sort",
	"strconv", "strings", "sync", "sync/atomic", "text/tabwriter", "time",
	"unicode", "unicode/utf8",
}

// sourcePackages are provided as interpreted source rather than symbol
// tables (yaegi's tables for these generic packages are empty).
var sourcePackages = map[string]bool{"slices": true, "maps": true, "cmp": true, "iter": true}

// exportKey is the key of a package in a yaegi symbol table.
func exportKey(importPath string) string {
	return importPath + "/" + path.Base(importPath)
}

// splitExports returns the symbol tables to preload (every compiled
// package of the project and the preloaded standard library) and the rest
// of the standard library, importable with an import line.
func splitExports(rt map[string]reflect.Value) (pre, rest yaegi.Exports) {
	pre, rest = yaegi.Exports{}, yaegi.Exports{}
	preStd := map[string]bool{}
	for _, p := range preloadedStdlib {
		preStd[exportKey(p)] = true
	}
	for k, v := range stdlib.Symbols {
		switch {
		case sourcePackages[path.Dir(k)]:
		case preStd[k]:
			pre[k] = v
		default:
			rest[k] = v
		}
	}
	for k, v := range symbols.Symbols {
		pre[k] = v
	}
	pre[exportKey(runtimePath)] = rt
	return pre, rest
}

// preloadNames maps each preloaded package name to its import path.
func preloadNames() map[string]string {
	m := map[string]string{}
	for _, p := range preloadedStdlib {
		m[path.Base(p)] = p
	}
	for k := range symbols.Symbols {
		p := path.Dir(k)
		m[path.Base(k)] = p
	}
	for p := range sourcePackages {
		m[p] = p
	}
	return m
}

// knownPackage reports whether importPath can be imported by a cell and
// returns its package name.
func knownPackage(importPath string) (string, bool) {
	if sourcePackages[importPath] {
		return importPath, true
	}
	if _, ok := stdlib.Symbols[exportKey(importPath)]; ok {
		return path.Base(importPath), true
	}
	if _, ok := symbols.Symbols[exportKey(importPath)]; ok {
		return path.Base(importPath), true
	}
	return "", false
}

// packageSymbol returns the exported symbol name of a compiled package.
func packageSymbol(importPath, name string) (reflect.Value, bool) {
	key := exportKey(importPath)
	if t, ok := symbols.Symbols[key]; ok {
		v, ok := t[name]
		return v, ok
	}
	if t, ok := stdlib.Symbols[key]; ok {
		v, ok := t[name]
		return v, ok
	}
	return reflect.Value{}, false
}

// packageMembers returns the exported names of a compiled package; type
// names are reported through isType.
func packageMembers(importPath string) map[string]reflect.Value {
	key := exportKey(importPath)
	if t, ok := symbols.Symbols[key]; ok {
		return t
	}
	if t, ok := stdlib.Symbols[key]; ok {
		return t
	}
	return nil
}
