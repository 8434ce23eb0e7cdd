package interp

import (
	"go/ast"
	"go/token"
)

// checkDecls rejects declarations a cell cannot make: a function without
// body, and a name declared twice in the same run of declarations (which
// yaegi would silently accept).
func (c *cellRun) checkDecls(f *ast.File) error {
	seen := map[string]bool{}
	dup := func(id *ast.Ident) error {
		if id.Name == "_" {
			return nil
		}
		if seen[id.Name] {
			return c.errorAt(id.Pos(), "CompileError", id.Name+" redeclared in this block")
		}
		seen[id.Name] = true
		return nil
	}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Body == nil {
				return c.errorAt(d.Pos(), "CompileError", "missing function body")
			}
			name := d.Name
			if d.Recv != nil && len(d.Recv.List) > 0 {
				name = &ast.Ident{Name: receiverName(d.Recv.List[0].Type) + "." + d.Name.Name, NamePos: d.Name.Pos()}
			}
			if err := dup(name); err != nil {
				return err
			}
		case *ast.GenDecl:
			for _, spec := range d.Specs {
				switch spec := spec.(type) {
				case *ast.TypeSpec:
					if err := dup(spec.Name); err != nil {
						return err
					}
				case *ast.ValueSpec:
					for _, n := range spec.Names {
						if err := dup(n); err != nil {
							return err
						}
					}
				}
			}
		}
	}
	return nil
}

// checkDefines rejects a top-level ":=" that defines no new variable in
// its cell, as Go does; across cells a definition replaces the old one.
func (c *cellRun) checkDefines(list []ast.Stmt) error {
	defined := map[string]bool{}
	for _, st := range list {
		as, ok := st.(*ast.AssignStmt)
		if !ok || as.Tok != token.DEFINE {
			continue
		}
		fresh := false
		for _, l := range as.Lhs {
			if id, ok := l.(*ast.Ident); ok && (id.Name == "_" || !defined[id.Name]) {
				fresh = fresh || id.Name != "_"
			}
		}
		if !fresh {
			return c.errorAt(as.TokPos, "CompileError", "no new variables on left side of :=")
		}
		for _, l := range as.Lhs {
			if id, ok := l.(*ast.Ident); ok {
				defined[id.Name] = true
			}
		}
	}
	return nil
}

// forgetRedefined drops the earlier definitions of the types and methods
// that f defines again, so that the new ones replace them. The returned
// function restores the types if the new definitions fail to compile.
func (c *cellRun) forgetRedefined(f *ast.File) (restore func()) {
	var restores []func()
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.GenDecl:
			for _, spec := range d.Specs {
				if ts, ok := spec.(*ast.TypeSpec); ok {
					restores = append(restores, forgetType(c.s.in, ts.Name.Name))
				}
			}
		case *ast.FuncDecl:
			if d.Recv != nil && len(d.Recv.List) > 0 {
				forgetMethod(c.s.in, receiverName(d.Recv.List[0].Type), d.Name.Name)
			}
		}
	}
	return func() {
		for _, r := range restores {
			r()
		}
	}
}
