// Package symbols holds the yaegi symbol tables of the compiled packages
// that Go cells use: gonum, gonum plot, display, plotting and the optimlib
// packages. The tables are generated; regenerate them with
//
//	go generate ./interp/...
//
// after changing the exported API of any of those packages.
package symbols

import "reflect"

//go:generate go run ./internal/gen

// Symbols maps "import/path/name" to the exported symbols of that package,
// in the form yaegi's Interpreter.Use expects.
var Symbols = map[string]map[string]reflect.Value{}
