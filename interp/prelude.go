package interp

import (
	"embed"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"reflect"
	"sort"
)

// preludePkg is the interpreted package of helpers that rewritten cells
// call (min, max, range over functions, result display).
const preludePkg = "descentrt"

// runtimePath is the compiled package of helpers the prelude calls.
const runtimePath = "descentsys"

//go:embed prelude/*.go.txt
var preludeFS embed.FS

// loadPrelude compiles the interpreted helper packages: the prelude and
// the generic functions of slices, maps and cmp that yaegi lacks.
func (s *Session) loadPrelude() error {
	entries, err := preludeFS.ReadDir("prelude")
	if err != nil {
		return err
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	for _, n := range names {
		src, err := preludeFS.ReadFile("prelude/" + n)
		if err != nil {
			return err
		}
		if _, err := s.in.Eval(string(src)); err != nil {
			return fmt.Errorf("%s: %w", n, err)
		}
		pkg, generics, arity := sourceFuncs(string(src))
		if len(generics) > 0 {
			uniquifyGenerics(s.in, pkg, generics)
		}
		for name, n := range arity {
			s.sourceArity[pkg+"."+name] = n
		}
	}
	return nil
}

// runtimeSymbols is the symbol table of the compiled helper package of
// session s.
func (s *Session) runtimeSymbols() map[string]reflect.Value {
	return map[string]reflect.Value{
		"Clear":   reflect.ValueOf(clearValue),
		"GoPanic": reflect.ValueOf(s.goPanic),
	}
}

// clearValue implements the clear builtin: it deletes every entry of a map
// and zeroes every element of a slice.
func clearValue(x any) {
	v := reflect.ValueOf(x)
	switch v.Kind() {
	case reflect.Map:
		v.Clear()
	case reflect.Slice:
		v.Clear()
	case reflect.Invalid:
	default:
		panic(fmt.Errorf("invalid argument: clear(%s): argument must be a map or slice", v.Type()))
	}
}

// sourceFuncs returns the package name of src, its generic functions and
// the number of results of each function.
func sourceFuncs(src string) (pkg string, generics []string, arity map[string]int) {
	f, err := parser.ParseFile(token.NewFileSet(), "", src, 0)
	if err != nil {
		return "", nil, nil
	}
	arity = map[string]int{}
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil {
			arity[fd.Name.Name] = countFields(fd.Type.Results)
			if fd.Type.TypeParams != nil {
				generics = append(generics, fd.Name.Name)
			}
		}
	}
	return f.Name.Name, generics, arity
}
