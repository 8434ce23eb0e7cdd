package interp

import (
	"go/ast"
	"go/constant"
	"go/token"
	"reflect"
	"strconv"
	"strings"
)

func ident(name string, pos token.Pos) *ast.Ident { return &ast.Ident{Name: name, NamePos: pos} }

// forStmt gives the variables of a three-clause loop a copy per iteration
// when the body captures them and does not assign them (Go 1.22). yaegi
// runs the loop header and the body in one scope, so the loop counts with
// a renamed variable and the body gets the user's name:
//
//	for __i := 0; __i < n; __i++ { i := __i; ... }
func (r *rewriter) forStmt(s *ast.ForStmt) ast.Stmt {
	r.push()
	defer r.pop()
	if s.Init != nil {
		s.Init = r.stmt(s.Init)
	}
	if s.Cond != nil {
		r.expr(s.Cond)
	}
	if s.Post != nil {
		s.Post = r.stmt(s.Post)
	}
	r.block(s.Body)
	as, ok := s.Init.(*ast.AssignStmt)
	if !ok || as.Tok != token.DEFINE || !captures(s.Body) {
		return s
	}
	renames := map[string]string{}
	var copies []ast.Stmt
	for _, l := range as.Lhs {
		id, ok := l.(*ast.Ident)
		if !ok || id.Name == "_" || isTemp(id.Name) || assigns(s.Body, id.Name) {
			continue
		}
		renamed := r.name(id.Name)
		renames[id.Name] = renamed
		copies = append(copies, &ast.AssignStmt{
			Lhs: []ast.Expr{ident(id.Name, s.Body.Lbrace)}, Tok: token.DEFINE, TokPos: s.Body.Lbrace,
			Rhs: []ast.Expr{ident(renamed, s.Body.Lbrace)},
		})
	}
	if len(copies) == 0 {
		return s
	}
	rename := func(n ast.Node) {
		if n == nil {
			return
		}
		ast.Inspect(n, func(n ast.Node) bool {
			if _, ok := n.(*ast.FuncLit); ok {
				return false
			}
			if id, ok := n.(*ast.Ident); ok {
				if to, ok := renames[id.Name]; ok {
					id.Name = to
				}
			}
			return true
		})
	}
	for _, l := range as.Lhs {
		rename(l)
	}
	rename(s.Cond)
	rename(s.Post)
	s.Body.List = append(copies, s.Body.List...)
	return s
}

// perIteration gives a range loop's variables a copy per iteration when
// the body captures them in a closure, a go statement or with &. As for
// three-clause loops, the loop assigns renamed variables and the body
// declares the user's names:
//
//	for __k, __v := range xs { k, v := __k, __v; ... }
func (r *rewriter) perIteration(s *ast.RangeStmt) {
	if s.Tok != token.DEFINE || !captures(s.Body) {
		return
	}
	var lhs, rhs []ast.Expr
	for _, x := range []ast.Expr{s.Key, s.Value} {
		id, ok := x.(*ast.Ident)
		if !ok || id.Name == "_" || isTemp(id.Name) {
			continue
		}
		renamed := r.name(id.Name)
		lhs = append(lhs, ident(id.Name, s.Body.Lbrace))
		rhs = append(rhs, ident(renamed, s.Body.Lbrace))
		id.Name = renamed
	}
	if len(lhs) == 0 {
		return
	}
	copyVars := &ast.AssignStmt{Lhs: lhs, Tok: token.DEFINE, TokPos: s.Body.Lbrace, Rhs: rhs}
	s.Body.List = append([]ast.Stmt{copyVars}, s.Body.List...)
}

// captures tells whether body holds a function literal, a go statement or
// takes an address: the ways an iteration's variable outlives it.
func captures(body *ast.BlockStmt) bool {
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit, *ast.GoStmt:
			found = true
		case *ast.UnaryExpr:
			if n.Op == token.AND {
				found = true
			}
		}
		return !found
	})
	return found
}

// assigns tells whether body assigns to the variable name.
func assigns(body *ast.BlockStmt, name string) bool {
	found := false
	is := func(x ast.Expr) bool {
		id, ok := x.(*ast.Ident)
		return ok && id.Name == name
	}
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			if n.Tok != token.DEFINE {
				for _, l := range n.Lhs {
					if is(l) {
						found = true
					}
				}
			}
		case *ast.IncDecStmt:
			if is(n.X) {
				found = true
			}
		}
		return !found
	})
	return found
}

// iteratorCall recognises the iterator constructors of slices and maps
// that can range over the collection itself. It returns the collection and
// which loop variables map to the collection's key and value.
func (r *rewriter) iteratorCall(x ast.Expr) (coll ast.Expr, fn string, ok bool) {
	call, ok := x.(*ast.CallExpr)
	if !ok || len(call.Args) != 1 {
		return nil, "", false
	}
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok {
		return nil, "", false
	}
	pkg, ok := sel.X.(*ast.Ident)
	if !ok || (pkg.Name != "maps" && pkg.Name != "slices") || r.shadowed(pkg.Name) {
		return nil, "", false
	}
	name := pkg.Name + "." + sel.Sel.Name
	switch name {
	case "maps.Keys", "maps.Values", "maps.All", "slices.All", "slices.Values", "slices.Backward":
		return call.Args[0], name, true
	}
	return nil, "", false
}

func (r *rewriter) rangeStmt(s *ast.RangeStmt) ast.Stmt {
	r.expr(s.X)
	pos := s.For
	var pre []ast.Stmt
	var loop ast.Stmt = s

	if coll, fn, ok := r.iteratorCall(s.X); ok {
		s.X = coll
		switch fn {
		case "maps.Keys":
			s.Value = nil
		case "maps.Values", "slices.Values":
			if s.Key != nil {
				s.Value, s.Key = s.Key, ident("_", pos)
			}
		case "slices.Backward":
			s.X = &ast.CallExpr{Fun: r.prelude("Backward", pos), Lparen: pos, Args: []ast.Expr{coll}, Rparen: pos}
			r.pairLoop(s)
		}
	} else {
		t := r.infer(s.X)
		if t.kind == kindUnknown && r.assumeInt {
			t.kind = kindInt
		}
		switch t.kind {
		case kindInt:
			loop, pre = r.intRange(s)
		case kindFunc:
			if call, ok := r.lazyRange(s, t); ok {
				r.expr(call)
				return call
			}
			fn := "Seq1"
			arity := t.arity
			if arity == 0 {
				arity = 1
				if s.Value != nil {
					arity = 2
				}
			}
			if arity == 2 {
				fn = "Seq2"
			}
			s.X = &ast.CallExpr{Fun: r.prelude(fn, pos), Lparen: pos, Args: []ast.Expr{s.X}, Rparen: pos}
			if arity == 2 {
				r.pairLoop(s)
			} else if s.Key != nil {
				s.Key, s.Value = ident("_", pos), s.Key
			}
		}
	}

	r.push()
	defer r.pop()
	if fs, ok := loop.(*ast.ForStmt); ok {
		for _, st := range pre {
			r.stmt(st)
		}
		loop = r.forStmt(fs)
	} else {
		keyKind := typeInfo{}
		if s.Tok == token.DEFINE {
			if id, ok := s.Key.(*ast.Ident); ok {
				r.sc.define(id.Name, keyKind)
			}
			if id, ok := s.Value.(*ast.Ident); ok {
				r.sc.define(id.Name, typeInfo{})
			}
		}
		r.block(s.Body)
		r.perIteration(s)
	}
	if len(pre) == 0 {
		return loop
	}
	return &ast.BlockStmt{Lbrace: pos, List: append(pre, loop), Rbrace: pos}
}

func isTemp(name string) bool { return len(name) > 2 && name[:2] == "__" }

// lazyRange turns a range over an iterator whose yield types are known
// into the call Go makes of it:
//
//	for k, v := range seq { body }  =>  seq(func(k K, v V) bool { body; return true })
//
// with continue as "return true" and break as "return false", so that the
// iterator runs lazily and stops at a break. Bodies that return, defer or
// jump to labels keep the collecting form.
func (r *rewriter) lazyRange(s *ast.RangeStmt, t typeInfo) (ast.Stmt, bool) {
	if len(t.yield) == 0 || t.arity != len(t.yield) || (s.Tok != token.DEFINE && s.Key != nil) || !lazyBody(s.Body) {
		return nil, false
	}
	vars := []ast.Expr{s.Key, s.Value}
	if len(t.yield) == 1 && s.Value != nil {
		return nil, false
	}
	pos := s.For
	params := &ast.FieldList{}
	for i, typ := range t.yield {
		name := "_"
		if id, ok := vars[i].(*ast.Ident); ok {
			name = id.Name
		}
		params.List = append(params.List, &ast.Field{Names: []*ast.Ident{ident(name, pos)}, Type: typ})
	}
	body := branchesToReturns(s.Body)
	body.List = append(body.List, &ast.ReturnStmt{Return: s.Body.Rbrace, Results: []ast.Expr{ident("true", s.Body.Rbrace)}})
	yield := &ast.FuncLit{
		Type: &ast.FuncType{Func: pos, Params: params, Results: &ast.FieldList{List: []*ast.Field{{Type: ident("bool", pos)}}}},
		Body: body,
	}
	return &ast.ExprStmt{X: &ast.CallExpr{Fun: s.X, Lparen: pos, Args: []ast.Expr{yield}, Rparen: pos}}, true
}

// lazyBody tells whether a loop body can become a yield function: it
// must not return, defer, goto or use labels outside function literals.
func lazyBody(body *ast.BlockStmt) bool {
	ok := true
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.ReturnStmt, *ast.DeferStmt, *ast.LabeledStmt:
			ok = false
		case *ast.BranchStmt:
			if n.Label != nil || n.Tok == token.GOTO {
				ok = false
			}
		}
		return ok
	})
	return ok
}

// branchesToReturns replaces the loop's own break and continue statements
// (not those of nested loops, switches and selects) by returns.
func branchesToReturns(body *ast.BlockStmt) *ast.BlockStmt {
	var visit func(n ast.Node, inLoop, inSwitch bool)
	replace := func(list []ast.Stmt, inLoop, inSwitch bool) {
		for i, st := range list {
			if b, ok := st.(*ast.BranchStmt); ok {
				if b.Tok == token.CONTINUE && !inLoop {
					list[i] = &ast.ReturnStmt{Return: b.Pos(), Results: []ast.Expr{ident("true", b.Pos())}}
					continue
				}
				if b.Tok == token.BREAK && !inLoop && !inSwitch {
					list[i] = &ast.ReturnStmt{Return: b.Pos(), Results: []ast.Expr{ident("false", b.Pos())}}
					continue
				}
			}
			visit(st, inLoop, inSwitch)
		}
	}
	visit = func(n ast.Node, inLoop, inSwitch bool) {
		switch n := n.(type) {
		case *ast.BlockStmt:
			replace(n.List, inLoop, inSwitch)
		case *ast.IfStmt:
			visit(n.Body, inLoop, inSwitch)
			if n.Else != nil {
				visit(n.Else, inLoop, inSwitch)
			}
		case *ast.ForStmt:
			visit(n.Body, true, inSwitch)
		case *ast.RangeStmt:
			visit(n.Body, true, inSwitch)
		case *ast.SwitchStmt:
			visit(n.Body, inLoop, true)
		case *ast.TypeSwitchStmt:
			visit(n.Body, inLoop, true)
		case *ast.SelectStmt:
			visit(n.Body, inLoop, true)
		case *ast.CaseClause:
			replace(n.Body, inLoop, inSwitch)
		case *ast.CommClause:
			replace(n.Body, inLoop, inSwitch)
		}
	}
	visit(body, false, false)
	return body
}

// pairLoop turns "for k, v := range pairs" into a loop over KV pairs that
// unpacks each pair at the top of the body.
func (r *rewriter) pairLoop(s *ast.RangeStmt) {
	pos := s.For
	pair := r.name("kv")
	key, val := s.Key, s.Value
	s.Key, s.Value = ident("_", pos), ident(pair, pos)
	var lhs, rhs []ast.Expr
	if key != nil && !isBlank(key) {
		lhs = append(lhs, key)
		rhs = append(rhs, &ast.SelectorExpr{X: ident(pair, pos), Sel: ident("K", pos)})
	}
	if val != nil && !isBlank(val) {
		lhs = append(lhs, val)
		rhs = append(rhs, &ast.SelectorExpr{X: ident(pair, pos), Sel: ident("V", pos)})
	}
	tok := s.Tok
	if tok != token.DEFINE {
		tok = token.ASSIGN
	}
	if len(lhs) == 0 {
		s.Value = ident("_", pos)
		if s.Tok != token.DEFINE {
			s.Key, s.Value = nil, nil
		}
		return
	}
	s.Tok = token.DEFINE
	s.Body.List = append([]ast.Stmt{&ast.AssignStmt{Lhs: lhs, Tok: tok, TokPos: pos, Rhs: rhs}}, s.Body.List...)
}

func isBlank(x ast.Expr) bool {
	id, ok := x.(*ast.Ident)
	return ok && id.Name == "_"
}

// intRange turns "for i := range n" into
//
//	__n := n; for i := __n - __n; i < __n; i++ { ... }
//
// so that i has n's type and n is evaluated once.
func (r *rewriter) intRange(s *ast.RangeStmt) (ast.Stmt, []ast.Stmt) {
	pos := s.For
	n := r.name("n")
	pre := []ast.Stmt{&ast.AssignStmt{Lhs: []ast.Expr{ident(n, pos)}, Tok: token.DEFINE, TokPos: pos, Rhs: []ast.Expr{s.X}}}
	v := ""
	if s.Key != nil && !isBlank(s.Key) {
		if id, ok := s.Key.(*ast.Ident); ok {
			v = id.Name
		}
	}
	tok := s.Tok
	if v == "" {
		v = r.name("i")
		tok = token.DEFINE
	}
	zero := &ast.BinaryExpr{X: ident(n, pos), OpPos: pos, Op: token.SUB, Y: ident(n, pos)}
	var init ast.Stmt
	if tok == token.DEFINE {
		init = &ast.AssignStmt{Lhs: []ast.Expr{ident(v, pos)}, Tok: token.DEFINE, TokPos: pos, Rhs: []ast.Expr{zero}}
	} else {
		init = &ast.AssignStmt{Lhs: []ast.Expr{s.Key}, Tok: token.ASSIGN, TokPos: pos, Rhs: []ast.Expr{zero}}
	}
	fs := &ast.ForStmt{
		For:  pos,
		Init: init,
		Cond: &ast.BinaryExpr{X: ident(v, pos), OpPos: pos, Op: token.LSS, Y: ident(n, pos)},
		Post: &ast.IncDecStmt{X: ident(v, pos), TokPos: pos, Tok: token.INC},
		Body: s.Body,
	}
	if tok != token.DEFINE {
		fs.Cond.(*ast.BinaryExpr).X = s.Key
		fs.Post.(*ast.IncDecStmt).X = s.Key
	}
	return fs, pre
}

// goStmt makes a go statement's goroutine recover its panic and report it
// to the session (Session.goPanic), instead of ending the process. The function and
// its arguments are evaluated before the goroutine starts, as Go does:
//
//	{ __f, __a := f, a; go func() { defer func() { if __r := recover(); __r != nil { descentrt.GoPanic(__r, cell, line, col) } }(); __f(__a) }() }
func (r *rewriter) goStmt(s *ast.GoStmt) ast.Stmt {
	if r.c.goDone[s] {
		return s
	}
	r.c.goDone[s] = true
	pos := s.Go
	at := r.c.s.in.FileSet().Position(pos)
	call := s.Call
	if id, ok := call.Fun.(*ast.Ident); ok && builtins[id.Name] && !r.shadowed(id.Name) {
		return s
	}
	var lhs, rhs []ast.Expr
	inner := &ast.CallExpr{Lparen: call.Lparen, Ellipsis: call.Ellipsis, Rparen: call.Rparen}
	// a function literal too is made now, so that it sees this
	// iteration's variables
	f := r.name("f")
	lhs, rhs = append(lhs, ident(f, pos)), append(rhs, call.Fun)
	inner.Fun = ident(f, pos)
	for _, a := range call.Args {
		if isConstExpr(a) {
			inner.Args = append(inner.Args, a)
			continue
		}
		t := r.name("a")
		lhs, rhs = append(lhs, ident(t, pos)), append(rhs, a)
		inner.Args = append(inner.Args, ident(t, pos))
	}
	rec := &ast.IfStmt{
		If: pos,
		Init: &ast.AssignStmt{Lhs: []ast.Expr{ident("__r", pos)}, Tok: token.DEFINE, TokPos: pos,
			Rhs: []ast.Expr{&ast.CallExpr{Fun: ident("recover", pos), Lparen: pos, Rparen: pos}}},
		Cond: &ast.BinaryExpr{X: ident("__r", pos), OpPos: pos, Op: token.NEQ, Y: ident("nil", pos)},
		Body: &ast.BlockStmt{Lbrace: pos, List: []ast.Stmt{&ast.ExprStmt{X: &ast.CallExpr{
			Fun: r.prelude("GoPanic", pos), Lparen: pos, Args: []ast.Expr{ident("__r", pos), intLit(r.c.s.cellNum, pos),
				intLit(at.Line, pos), intLit(at.Column, pos)}, Rparen: pos}}}, Rbrace: pos},
	}
	deferred := &ast.DeferStmt{Defer: pos, Call: &ast.CallExpr{
		Fun:    &ast.FuncLit{Type: &ast.FuncType{Func: pos, Params: &ast.FieldList{}}, Body: &ast.BlockStmt{Lbrace: pos, List: []ast.Stmt{rec}, Rbrace: pos}},
		Lparen: pos, Rparen: pos,
	}}
	body := &ast.BlockStmt{Lbrace: pos, List: []ast.Stmt{deferred, &ast.ExprStmt{X: inner}}, Rbrace: pos}
	s.Call = &ast.CallExpr{Fun: &ast.FuncLit{Type: &ast.FuncType{Func: pos, Params: &ast.FieldList{}}, Body: body}, Lparen: pos, Rparen: pos}
	if len(lhs) == 0 {
		return s
	}
	temps := &ast.AssignStmt{Lhs: lhs, Tok: token.DEFINE, TokPos: pos, Rhs: rhs}
	return &ast.BlockStmt{Lbrace: pos, List: []ast.Stmt{temps, s}, Rbrace: pos}
}

// intLit is an integer literal.
func intLit(n int, pos token.Pos) ast.Expr {
	return &ast.BasicLit{ValuePos: pos, Kind: token.INT, Value: strconv.Itoa(n)}
}

// builtins are the predeclared functions, which are not values.
var builtins = map[string]bool{
	"append": true, "cap": true, "clear": true, "close": true, "complex": true, "copy": true,
	"delete": true, "imag": true, "len": true, "make": true, "max": true, "min": true, "new": true,
	"panic": true, "print": true, "println": true, "real": true, "recover": true,
}

var intTypes = map[string]bool{
	"int": true, "int8": true, "int16": true, "int32": true, "int64": true, "rune": true, "byte": true,
	"uint": true, "uint8": true, "uint16": true, "uint32": true, "uint64": true, "uintptr": true,
}

// typeOf describes a type expression.
func (r *rewriter) typeOf(t ast.Expr) typeInfo {
	switch t := t.(type) {
	case *ast.Ident:
		if intTypes[t.Name] && !r.shadowed(t.Name) {
			if t.Name == "int" {
				return typeInfo{kind: kindInt, exact: "int"}
			}
			return typeInfo{kind: kindInt}
		}
		if t.Name == "float64" && !r.shadowed(t.Name) {
			return typeInfo{kind: kindOther, exact: "float64"}
		}
		if def := r.c.s.defs.get(t.Name); def != nil && def.kind == "type" {
			return typeInfo{}
		}
		return typeInfo{kind: kindOther}
	case *ast.FuncType:
		return funcTypeInfo(t)
	case *ast.IndexExpr:
		if sel, ok := t.X.(*ast.SelectorExpr); ok {
			if pkg, ok := sel.X.(*ast.Ident); ok && pkg.Name == "iter" && sel.Sel.Name == "Seq" {
				return typeInfo{kind: kindFunc, arity: 1, yield: []ast.Expr{t.Index}}
			}
		}
	case *ast.IndexListExpr:
		if sel, ok := t.X.(*ast.SelectorExpr); ok {
			if pkg, ok := sel.X.(*ast.Ident); ok && pkg.Name == "iter" && sel.Sel.Name == "Seq2" && len(t.Indices) == 2 {
				return typeInfo{kind: kindFunc, arity: 2, yield: t.Indices}
			}
		}
	case *ast.ArrayType:
		if t.Len == nil {
			if e := r.typeOf(t.Elt).exact; e == "int" || e == "float64" {
				return typeInfo{kind: kindOther, exact: "[]" + e}
			}
		}
		return typeInfo{kind: kindOther}
	case *ast.MapType, *ast.ChanType, *ast.StarExpr, *ast.StructType:
		return typeInfo{kind: kindOther}
	}
	return typeInfo{}
}

// funcTypeInfo describes a function type; for an iterator, arity is the
// number of parameters of its yield function.
func funcTypeInfo(ft *ast.FuncType) typeInfo {
	t := typeInfo{kind: kindFunc}
	if ft.Params != nil && len(ft.Params.List) == 1 {
		if y, ok := ft.Params.List[0].Type.(*ast.FuncType); ok {
			t.arity = countFields(y.Params)
			for _, f := range y.Params.List {
				for range max(len(f.Names), 1) {
					t.yield = append(t.yield, f.Type)
				}
			}
		}
	}
	return t
}

// valueInfo describes the type of a value of the session.
func valueInfo(v reflect.Value) typeInfo {
	if !v.IsValid() {
		return typeInfo{}
	}
	if c, ok := v.Interface().(constant.Value); ok {
		if c.Kind() == constant.Int {
			return typeInfo{kind: kindInt}
		}
		return typeInfo{kind: kindOther}
	}
	return reflectInfo(v.Type())
}

var (
	intType     = reflect.TypeOf(0)
	float64Type = reflect.TypeOf(0.0)
)

func reflectInfo(t reflect.Type) typeInfo {
	switch t {
	case intType:
		return typeInfo{kind: kindInt, exact: "int"}
	case float64Type:
		return typeInfo{kind: kindOther, exact: "float64"}
	case reflect.SliceOf(intType):
		return typeInfo{kind: kindOther, exact: "[]int"}
	case reflect.SliceOf(float64Type):
		return typeInfo{kind: kindOther, exact: "[]float64"}
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return typeInfo{kind: kindInt}
	case reflect.Func:
		ti := typeInfo{kind: kindFunc}
		if t.NumIn() == 1 && t.In(0).Kind() == reflect.Func {
			ti.arity = t.In(0).NumIn()
		}
		return ti
	case reflect.Interface:
		return typeInfo{}
	}
	return typeInfo{kind: kindOther}
}

func (r *rewriter) global(name string) (reflect.Value, bool) {
	if r.globals == nil {
		r.globals = r.c.s.in.Globals()
	}
	v, ok := r.globals[name]
	return v, ok
}

// infer guesses what x is from its form, the cell's declarations and the
// session's values.
func (r *rewriter) infer(x ast.Expr) typeInfo {
	switch x := x.(type) {
	case *ast.BasicLit:
		// untyped constants: the exact type is their default type
		switch x.Kind {
		case token.INT:
			return typeInfo{kind: kindInt, exact: "int"}
		case token.CHAR:
			return typeInfo{kind: kindInt}
		case token.FLOAT:
			return typeInfo{kind: kindOther, exact: "float64"}
		}
		return typeInfo{kind: kindOther}
	case *ast.ParenExpr:
		return r.infer(x.X)
	case *ast.IndexExpr:
		if t := r.infer(x.X); strings.HasPrefix(t.exact, "[]") {
			return r.typeOf(ident(t.exact[2:], x.Pos()))
		}
		return typeInfo{}
	case *ast.FuncLit:
		return funcTypeInfo(x.Type)
	case *ast.CompositeLit:
		if x.Type != nil {
			if t := r.typeOf(x.Type); t.exact != "" {
				return t
			}
		}
		return typeInfo{kind: kindOther}
	case *ast.UnaryExpr:
		if x.Op == token.SUB || x.Op == token.ADD || x.Op == token.XOR {
			return r.infer(x.X)
		}
		return typeInfo{kind: kindOther}
	case *ast.BinaryExpr:
		switch x.Op {
		case token.ADD, token.SUB, token.MUL, token.QUO, token.REM, token.AND, token.OR, token.XOR, token.AND_NOT:
			a, b := r.infer(x.X), r.infer(x.Y)
			// an untyped constant takes the other operand's type
			if isConstExpr(x.X) && b.exact != "" {
				a = b
			}
			if isConstExpr(x.Y) && a.exact != "" {
				b = a
			}
			if a.exact != "" && a.exact == b.exact {
				return a
			}
			if a.kind == kindInt && b.kind == kindInt {
				return typeInfo{kind: kindInt}
			}
			if a.kind == kindOther || b.kind == kindOther {
				return typeInfo{kind: kindOther}
			}
			return typeInfo{}
		case token.SHL, token.SHR:
			return r.infer(x.X)
		}
		return typeInfo{kind: kindOther}
	case *ast.Ident:
		if t, ok := r.sc.lookup(x.Name); ok {
			return t
		}
		if v, ok := r.global(x.Name); ok {
			return valueInfo(v)
		}
		if def := r.c.s.defs.get(x.Name); def != nil {
			switch def.kind {
			case "func":
				if def.ftype != nil && def.ftype.TypeParams == nil {
					return funcTypeInfo(def.ftype)
				}
				return typeInfo{kind: kindFunc}
			case "var", "const":
				if def.typ != nil {
					return r.typeOf(def.typ)
				}
			}
		}
		return typeInfo{}
	case *ast.SelectorExpr:
		if pkg, ok := x.X.(*ast.Ident); ok && !r.shadowed(pkg.Name) {
			if path, ok := r.c.s.packagePath(pkg.Name); ok {
				if v, ok := packageSymbol(path, x.Sel.Name); ok {
					if v.Kind() == reflect.Ptr && v.Type().Elem().Kind() != reflect.Struct {
						return reflectInfo(v.Type().Elem())
					}
					return valueInfo(v)
				}
			}
		}
		if id, ok := x.X.(*ast.Ident); ok {
			if _, local := r.sc.lookup(id.Name); !local {
				if v, ok := r.global(id.Name); ok {
					v = reflect.Indirect(v)
					for v.Kind() == reflect.Interface || v.Kind() == reflect.Ptr {
						if v.IsNil() {
							return typeInfo{}
						}
						v = v.Elem()
					}
					if v.Kind() == reflect.Struct {
						if f, ok := v.Type().FieldByName(x.Sel.Name); ok {
							return reflectInfo(f.Type)
						}
					}
				}
			}
		}
	case *ast.CallExpr:
		return r.inferCall(x)
	}
	return typeInfo{}
}

func (r *rewriter) inferCall(x *ast.CallExpr) typeInfo {
	switch fn := x.Fun.(type) {
	case *ast.Ident:
		if !r.shadowed(fn.Name) {
			switch {
			case fn.Name == "len" || fn.Name == "cap":
				return typeInfo{kind: kindInt, exact: "int"}
			case intTypes[fn.Name]:
				return r.typeOf(fn)
			case fn.Name == "float64":
				return typeInfo{kind: kindOther, exact: "float64"}
			case fn.Name == "float32" || fn.Name == "string":
				return typeInfo{kind: kindOther}
			case fn.Name == "min" || fn.Name == "max":
				if e := r.exactArgs(x.Args); e != "" {
					return r.typeOf(ident(e, x.Pos()))
				}
				for _, a := range x.Args {
					if t := r.infer(a); t.kind != kindInt {
						return t
					}
				}
				return typeInfo{kind: kindInt}
			}
		}
		if def := r.c.s.defs.get(fn.Name); def != nil && def.kind == "func" && def.resultType != nil {
			return r.typeOf(def.resultType)
		}
		if def := r.c.s.defs.get(fn.Name); def != nil && def.kind == "type" {
			return typeInfo{}
		}
	case *ast.SelectorExpr:
		if pkg, ok := fn.X.(*ast.Ident); ok && !r.shadowed(pkg.Name) {
			if path, ok := r.c.s.packagePath(pkg.Name); ok {
				if v, ok := packageSymbol(path, fn.Sel.Name); ok && v.Kind() == reflect.Func && v.Type().NumOut() >= 1 {
					return reflectInfo(v.Type().Out(0))
				}
			}
		}
	case *ast.FuncLit:
		if fn.Type.Results != nil && len(fn.Type.Results.List) == 1 {
			return r.typeOf(fn.Type.Results.List[0].Type)
		}
	}
	return typeInfo{}
}
