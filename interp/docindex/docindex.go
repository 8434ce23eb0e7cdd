// Package docindex holds the signatures and doc comments of the packages
// that cells use: the preloaded standard library, the builtins, gonum,
// gonum plot, display, plotting and the optimlib packages. The index is
// generated from their sources at build time, so inspection works on a
// machine without Go sources. Regenerate it with
//
//	go generate ./interp/...
package docindex

import (
	"bytes"
	"compress/gzip"
	_ "embed" // the index is embedded
	"encoding/json"
	"sync"
)

//go:generate go run ./internal/gen -o index.json.gz

//go:embed index.json.gz
var compressed []byte

// Entry documents one name: a function, method, type, constant, variable
// or package.
type Entry struct {
	Kind string `json:"k"` // "func", "method", "type", "const", "var", "package"
	Sig  string `json:"s"` // declaration without body, as Go source
	Doc  string `json:"d"` // doc comment text
}

var (
	once  sync.Once
	index map[string]Entry
)

func load() {
	index = map[string]Entry{}
	zr, err := gzip.NewReader(bytes.NewReader(compressed))
	if err != nil {
		return
	}
	defer zr.Close()
	_ = json.NewDecoder(zr).Decode(&index)
}

// Lookup returns the entry of key: "importpath" for a package,
// "importpath.Name" for a package-level name and "importpath.Type.Method"
// for a method; the builtins are under "builtin.Name".
func Lookup(key string) (Entry, bool) {
	once.Do(load)
	e, ok := index[key]
	return e, ok
}

// Len returns the number of entries in the index.
func Len() int {
	once.Do(load)
	return len(index)
}
