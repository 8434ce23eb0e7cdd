package interp

import (
	"fmt"
	"go/ast"
)

// yaegi v0.16.1 infers the type arguments of a generic function call by
// walking the parameter types and collecting one type per occurrence of a
// type parameter, then pairs the collected types with the type parameter
// list by position. Map[T, U any](xs []T, f func(T) U) collects T, T, U
// and so takes U to be T's type. alignTypeParams rewrites such a
// declaration so that the occurrences line up with the list: every
// occurrence after the first gets a fresh type parameter with the same
// constraint, and the list follows the order of occurrence:
//
//	func Map[T, T__2, U any](xs []T, f func(T__2) U) []U
//
// The body and the results keep the first names; the copies are always
// inferred to the same type as the original. The returned function puts
// the declaration back as written (yaegi no longer needs the syntax tree
// once it has compiled it), for inspection.
func alignTypeParams(fd *ast.FuncDecl) (restore func()) {
	restore = func() {}
	if fd.Recv != nil || fd.Type.TypeParams == nil || fd.Type.Params == nil {
		return
	}
	type tparam struct {
		name  string
		field *ast.Field
	}
	var params []tparam
	isParam := map[string]*ast.Field{}
	for _, f := range fd.Type.TypeParams.List {
		for _, n := range f.Names {
			params = append(params, tparam{n.Name, f})
			isParam[n.Name] = f
		}
	}
	// constraints that mention other type parameters are left alone
	for _, f := range fd.Type.TypeParams.List {
		mentions := false
		ast.Inspect(f.Type, func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok && isParam[id.Name] != nil {
				mentions = true
			}
			return !mentions
		})
		if mentions {
			return restore
		}
	}
	var occ []*ast.Ident
	var walk func(x ast.Expr)
	walk = func(x ast.Expr) {
		switch t := x.(type) {
		case *ast.Ident:
			if isParam[t.Name] != nil {
				occ = append(occ, t)
			}
		case *ast.ArrayType:
			walk(t.Elt)
		case *ast.StarExpr:
			walk(t.X)
		case *ast.ChanType:
			walk(t.Value)
		case *ast.Ellipsis:
			walk(t.Elt)
		case *ast.MapType:
			walk(t.Key)
			walk(t.Value)
		case *ast.FuncType:
			if t.Params != nil {
				for _, f := range t.Params.List {
					walk(f.Type)
				}
			}
			if t.Results != nil {
				for _, f := range t.Results.List {
					walk(f.Type)
				}
			}
		case *ast.StructType:
			for _, f := range t.Fields.List {
				walk(f.Type)
			}
		}
	}
	for _, f := range fd.Type.Params.List {
		walk(f.Type)
	}
	aligned := len(occ) == len(params)
	for i := 0; aligned && i < len(occ); i++ {
		aligned = occ[i].Name == params[i].name
	}
	if aligned || len(occ) == 0 {
		return restore
	}
	original := fd.Type.TypeParams.List
	renamed := map[*ast.Ident]string{}
	seen := map[string]int{}
	var list []*ast.Field
	for _, id := range occ {
		f := isParam[id.Name]
		seen[id.Name]++
		if n := seen[id.Name]; n > 1 {
			renamed[id] = id.Name
			id.Name = fmt.Sprintf("%s__%d", id.Name, n)
		}
		list = append(list, &ast.Field{Names: []*ast.Ident{{Name: id.Name, NamePos: id.NamePos}}, Type: f.Type})
	}
	// type parameters that occur only in the results come last
	for _, p := range params {
		if seen[p.name] == 0 {
			list = append(list, &ast.Field{Names: []*ast.Ident{{Name: p.name, NamePos: p.field.Pos()}}, Type: p.field.Type})
		}
	}
	fd.Type.TypeParams.List = list
	return func() {
		fd.Type.TypeParams.List = original
		for id, name := range renamed {
			id.Name = name
		}
	}
}
