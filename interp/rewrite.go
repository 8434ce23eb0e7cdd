package interp

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/parser"
	"go/token"
	"reflect"
	"strconv"
)

// The rewriter turns Go that yaegi v0.16.1 does not run into Go it does,
// keeping the positions of the original nodes so that errors still point
// into the cell:
//   - for i := range n (n an integer) becomes a three-clause loop;
//   - range over a function iterator ranges over the collected values
//     (descentrt.Seq1/Seq2); range over maps.Keys, maps.Values, maps.All,
//     slices.All, slices.Values and slices.Backward ranges over the map or
//     slice itself;
//   - loop variables captured by closures get a per-iteration copy (Go 1.22);
//   - the builtins min, max and clear call prelude functions;
//   - a go statement recovers a panic of its goroutine and reports it;
//   - a function with named results sets them to zero when it starts.
//
// Types are not known before yaegi compiles the code, so the rewriter
// infers the few it needs (is this an integer? a function?) from literals,
// declarations in the cell and the values of the session's globals.

// kind is what the rewriter knows about the type of an expression.
type kind int

const (
	kindUnknown kind = iota
	kindInt          // an integer type or untyped integer constant
	kindFunc         // a function; arity is its first parameter's arity
	kindOther        // known, and neither of the above
)

type typeInfo struct {
	kind  kind
	arity int // kindFunc: number of parameters of the yield function
	// exact is the type, when it is known to be one of int, float64,
	// []int or []float64 (enough to pick typed helpers for min and max)
	exact string
	// yield holds, for an iterator, the types of its yield function's
	// parameters when they are known as Go source
	yield []ast.Expr
}

// rscope is a lexical scope of the rewriter.
type rscope struct {
	parent *rscope
	names  map[string]typeInfo
}

func (s *rscope) lookup(name string) (typeInfo, bool) {
	for ; s != nil; s = s.parent {
		if t, ok := s.names[name]; ok {
			return t, true
		}
	}
	return typeInfo{}, false
}

func (s *rscope) define(name string, t typeInfo) {
	if name != "_" {
		s.names[name] = t
	}
}

type rewriter struct {
	c       *cellRun
	sc      *rscope
	globals map[string]reflect.Value
	// assumeInt makes ranges over unknown types ranges over integers.
	assumeInt bool
	// consts maps calls of min and max with constant arguments to their
	// value, replaced once the walk is done.
	consts map[*ast.CallExpr]ast.Expr
}

// rewrite rewrites a statement list, a block or a declaration file in
// place.
func (c *cellRun) rewrite(n ast.Node) { c.rewriteWith(n, false) }

// rewriteWith rewrites n; with assumeInt, a range over an expression whose
// type is not known is taken to be a range over an integer (the retry
// after yaegi failed on it).
func (c *cellRun) rewriteWith(n ast.Node, assumeInt bool) {
	if c.goDone == nil {
		c.goDone = map[*ast.GoStmt]bool{}
	}
	r := &rewriter{c: c, sc: &rscope{names: map[string]typeInfo{}}, consts: map[*ast.CallExpr]ast.Expr{}, assumeInt: assumeInt}
	switch n := n.(type) {
	case *ast.File:
		for _, d := range n.Decls {
			r.decl(d)
		}
	case *ast.BlockStmt:
		n.List = r.list(n.List, false)
	case *ast.ExprStmt:
		r.expr(n.X)
	}
	if len(r.consts) > 0 {
		replaceExprs(reflect.ValueOf(n), func(x ast.Expr) ast.Expr {
			if call, ok := x.(*ast.CallExpr); ok {
				if lit, ok := r.consts[call]; ok {
					return lit
				}
			}
			return x
		})
	}
}

var (
	exprType  = reflect.TypeOf((*ast.Expr)(nil)).Elem()
	exprSlice = reflect.TypeOf([]ast.Expr(nil))
)

// replaceExprs walks the syntax tree v and replaces every expression x by
// f(x), innermost first.
func replaceExprs(v reflect.Value, f func(ast.Expr) ast.Expr) {
	switch v.Kind() {
	case reflect.Interface:
		if !v.IsNil() {
			replaceExprs(v.Elem(), f)
		}
	case reflect.Ptr:
		if v.IsNil() || v.Elem().Kind() != reflect.Struct {
			return
		}
		st := v.Elem()
		for i := 0; i < st.NumField(); i++ {
			fv := st.Field(i)
			if !fv.CanSet() {
				continue
			}
			switch {
			case fv.Type() == exprType:
				if !fv.IsNil() {
					replaceExprs(fv.Elem(), f)
					fv.Set(reflect.ValueOf(f(fv.Interface().(ast.Expr))))
				}
			case fv.Type() == exprSlice:
				for j := 0; j < fv.Len(); j++ {
					e := fv.Index(j)
					replaceExprs(e.Elem(), f)
					e.Set(reflect.ValueOf(f(e.Interface().(ast.Expr))))
				}
			case fv.Kind() == reflect.Slice:
				for j := 0; j < fv.Len(); j++ {
					replaceExprs(fv.Index(j), f)
				}
			case fv.Kind() == reflect.Interface || fv.Kind() == reflect.Ptr:
				// the parser's object and scope links are not syntax
				if name := st.Type().Field(i).Name; name == "Obj" || name == "Scope" {
					continue
				}
				replaceExprs(fv, f)
			}
		}
	}
}

func (r *rewriter) push() { r.sc = &rscope{parent: r.sc, names: map[string]typeInfo{}} }
func (r *rewriter) pop()  { r.sc = r.sc.parent }

func (r *rewriter) name(base string) string {
	r.c.tmp++
	return fmt.Sprintf("__%s%d", base, r.c.tmp)
}

func (r *rewriter) decl(d ast.Decl) {
	switch d := d.(type) {
	case *ast.FuncDecl:
		if d.Body == nil {
			return
		}
		r.push()
		r.params(d.Recv)
		r.params(d.Type.Params)
		r.params(d.Type.Results)
		d.Body.List = r.list(d.Body.List, true)
		r.zeroResults(d.Type, d.Body)
		r.pop()
	case *ast.GenDecl:
		r.genDecl(d)
	}
}

func (r *rewriter) params(fl *ast.FieldList) {
	if fl == nil {
		return
	}
	for _, f := range fl.List {
		t := r.typeOf(f.Type)
		for _, n := range f.Names {
			r.sc.define(n.Name, t)
		}
	}
}

func (r *rewriter) genDecl(d *ast.GenDecl) {
	for _, spec := range d.Specs {
		vs, ok := spec.(*ast.ValueSpec)
		if !ok {
			continue
		}
		for _, v := range vs.Values {
			r.expr(v)
		}
		for i, n := range vs.Names {
			t := typeInfo{}
			switch {
			case vs.Type != nil:
				t = r.typeOf(vs.Type)
			case i < len(vs.Values) && len(vs.Values) == len(vs.Names):
				t = r.infer(vs.Values[i])
			}
			r.sc.define(n.Name, t)
		}
	}
}

// list rewrites a statement list. local is false for the top level of a
// cell, whose definitions are globals.
func (r *rewriter) list(list []ast.Stmt, local bool) []ast.Stmt {
	out := list[:0:0]
	for _, st := range list {
		out = append(out, r.stmt(st))
	}
	return out
}

func (r *rewriter) block(b *ast.BlockStmt) {
	if b == nil {
		return
	}
	r.push()
	b.List = r.list(b.List, true)
	r.pop()
}

func (r *rewriter) stmt(st ast.Stmt) ast.Stmt {
	switch s := st.(type) {
	case *ast.AssignStmt:
		for _, x := range s.Rhs {
			r.expr(x)
		}
		for _, x := range s.Lhs {
			r.expr(x)
		}
		if s.Tok == token.DEFINE {
			for i, l := range s.Lhs {
				id, ok := l.(*ast.Ident)
				if !ok {
					continue
				}
				t := typeInfo{}
				if len(s.Lhs) == len(s.Rhs) {
					t = r.infer(s.Rhs[i])
				}
				r.sc.define(id.Name, t)
			}
		}
	case *ast.DeclStmt:
		if g, ok := s.Decl.(*ast.GenDecl); ok {
			r.genDecl(g)
		}
	case *ast.ExprStmt:
		r.expr(s.X)
	case *ast.IncDecStmt:
		r.expr(s.X)
	case *ast.SendStmt:
		r.expr(s.Chan)
		r.expr(s.Value)
	case *ast.ReturnStmt:
		for _, x := range s.Results {
			r.expr(x)
		}
	case *ast.DeferStmt:
		r.expr(s.Call)
	case *ast.GoStmt:
		r.expr(s.Call)
		return r.goStmt(s)
	case *ast.BlockStmt:
		r.block(s)
	case *ast.IfStmt:
		r.push()
		if s.Init != nil {
			s.Init = r.stmt(s.Init)
		}
		r.expr(s.Cond)
		r.block(s.Body)
		if s.Else != nil {
			s.Else = r.stmt(s.Else)
		}
		r.pop()
	case *ast.SwitchStmt:
		r.push()
		if s.Init != nil {
			s.Init = r.stmt(s.Init)
		}
		if s.Tag != nil {
			r.expr(s.Tag)
		}
		r.clauses(s.Body)
		r.pop()
	case *ast.TypeSwitchStmt:
		r.push()
		if s.Init != nil {
			s.Init = r.stmt(s.Init)
		}
		s.Assign = r.stmt(s.Assign)
		r.clauses(s.Body)
		r.pop()
	case *ast.SelectStmt:
		r.clauses(s.Body)
	case *ast.LabeledStmt:
		inner := r.stmt(s.Stmt)
		if b, ok := inner.(*ast.BlockStmt); ok && len(b.List) > 0 && s.Stmt != inner {
			// keep the label on the loop, inside the block that prepares it
			last := len(b.List) - 1
			b.List[last] = &ast.LabeledStmt{Label: s.Label, Colon: s.Colon, Stmt: b.List[last]}
			return b
		}
		s.Stmt = inner
	case *ast.ForStmt:
		return r.forStmt(s)
	case *ast.RangeStmt:
		return r.rangeStmt(s)
	}
	return st
}

func (r *rewriter) clauses(body *ast.BlockStmt) {
	for _, c := range body.List {
		r.push()
		switch c := c.(type) {
		case *ast.CaseClause:
			for _, x := range c.List {
				r.expr(x)
			}
			c.Body = r.list(c.Body, true)
		case *ast.CommClause:
			if c.Comm != nil {
				c.Comm = r.stmt(c.Comm)
			}
			c.Body = r.list(c.Body, true)
		}
		r.pop()
	}
}

// expr rewrites calls of builtins inside x and the bodies of function
// literals.
func (r *rewriter) expr(x ast.Node) {
	if x == nil {
		return
	}
	ast.Inspect(x, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			r.push()
			r.params(n.Type.Params)
			r.params(n.Type.Results)
			n.Body.List = r.list(n.Body.List, true)
			r.zeroResults(n.Type, n.Body)
			r.pop()
			return false
		case *ast.CallExpr:
			r.builtinCall(n)
		}
		return true
	})
}

// shadowed tells whether name refers to something the user defined rather
// than to the builtin or package of that name.
func (r *rewriter) shadowed(name string) bool {
	if _, ok := r.sc.lookup(name); ok {
		return true
	}
	return r.c.s.defs.has(name)
}

func (r *rewriter) prelude(fn string, pos token.Pos) ast.Expr {
	return &ast.SelectorExpr{X: &ast.Ident{Name: preludePkg, NamePos: pos}, Sel: &ast.Ident{Name: fn, NamePos: pos}}
}

// iteratorPipes maps slices.F(pkg.G(x)) to a prelude function of x, for
// iterator pipelines whose iterator yaegi cannot return from a generic
// function.
var iteratorPipes = map[string]string{
	"slices.Sorted(maps.Keys)":      "SortedKeys",
	"slices.Sorted(maps.Values)":    "SortedValues",
	"slices.Collect(maps.Keys)":     "MapKeys",
	"slices.Collect(maps.Values)":   "MapValues",
	"slices.Collect(slices.Values)": "CloneSlice",
	"slices.Sorted(slices.Values)":  "SortedSlice",
	"maps.Collect(maps.All)":        "CloneMap",
}

// pkgFunc returns "pkg.Name" for a call of a package function.
func (r *rewriter) pkgFunc(x ast.Expr) (string, *ast.CallExpr) {
	call, ok := x.(*ast.CallExpr)
	if !ok || len(call.Args) != 1 {
		return "", nil
	}
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok {
		return "", nil
	}
	pkg, ok := sel.X.(*ast.Ident)
	if !ok || r.shadowed(pkg.Name) {
		return "", nil
	}
	return pkg.Name + "." + sel.Sel.Name, call
}

func (r *rewriter) builtinCall(call *ast.CallExpr) {
	r.interfaceArgs(call)
	if outer, _ := r.pkgFunc(call); outer != "" {
		if inner, innerCall := r.pkgFunc(call.Args[0]); inner != "" {
			if fn, ok := iteratorPipes[outer+"("+inner+")"]; ok {
				call.Fun = r.prelude(fn, call.Pos())
				call.Args = innerCall.Args
			}
		}
		return
	}
	id, ok := call.Fun.(*ast.Ident)
	if !ok || r.shadowed(id.Name) {
		return
	}
	switch id.Name {
	case "clear":
		call.Fun = r.prelude("Clear", id.Pos())
	case "min", "max":
		if len(call.Args) == 0 || call.Ellipsis.IsValid() {
			return
		}
		if v, ok := foldConst(call.Args, id.Name == "min"); ok {
			// all constant: the result is a constant, as in Go
			r.consts[call] = constLit(v, id.Pos())
			return
		}
		// yaegi infers the type parameter from the first argument only:
		// put a non-constant argument first.
		for i, a := range call.Args {
			if !isConstExpr(a) {
				call.Args[0], call.Args[i] = call.Args[i], call.Args[0]
				break
			}
		}
		name := "Min"
		if id.Name == "max" {
			name = "Max"
		}
		// yaegi mistypes a generic instance used in a comparison, so the
		// typed helpers are used when the type is known
		if t := r.exactArgs(call.Args); t == "int" || t == "float64" {
			name += map[string]string{"int": "Int", "float64": "Float64"}[t]
		}
		call.Fun = r.prelude(name, id.Pos())
	}
}

// exactArgs returns the exact type shared by the non-constant arguments.
func (r *rewriter) exactArgs(args []ast.Expr) string {
	exact := ""
	for _, a := range args {
		if isConstExpr(a) {
			continue
		}
		t := r.infer(a)
		if t.exact == "" || (exact != "" && t.exact != exact) {
			return ""
		}
		exact = t.exact
	}
	return exact
}

// interfaceArgs handles two calls of compiled code where yaegi v0.16.1
// fails to wrap a value of an interpreted type in the compiled interface
// it implements: the variadic arguments of a compiled function whose
// variadic parameter is an interface (nn.NewSequential(layers...)), and a
// conversion to a compiled interface (nn.Module(x)). Each such argument
// becomes
//
//	func() nn.Module { var v nn.Module = x; return v }()
//
// since yaegi does wrap values assigned to a variable of interface type.
func (r *rewriter) interfaceArgs(call *ast.CallExpr) {
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok {
		return
	}
	pkg, ok := sel.X.(*ast.Ident)
	if !ok || r.shadowed(pkg.Name) {
		return
	}
	path, ok := r.c.s.packagePath(pkg.Name)
	if !ok {
		return
	}
	v, ok := packageSymbol(path, sel.Sel.Name)
	if !ok {
		return
	}
	t := v.Type()
	switch {
	case t.Kind() == reflect.Ptr && t.Elem().Kind() == reflect.Interface && v.IsNil():
		// a conversion pkg.Iface(x)
		if len(call.Args) == 1 && t.Elem().NumMethod() > 0 {
			call.Args[0] = r.asInterface(call.Args[0], t.Elem())
		}
	case t.Kind() == reflect.Func && t.IsVariadic() && !call.Ellipsis.IsValid():
		elem := t.In(t.NumIn() - 1).Elem()
		if elem.Kind() != reflect.Interface || elem.NumMethod() == 0 {
			return
		}
		for i := t.NumIn() - 1; i < len(call.Args); i++ {
			call.Args[i] = r.asInterface(call.Args[i], elem)
		}
	}
}

// asInterface returns x assigned to a variable of interface type iface.
func (r *rewriter) asInterface(x ast.Expr, iface reflect.Type) ast.Expr {
	typ, ok := r.c.s.typeString(iface)
	if !ok {
		return x
	}
	texpr, err := parser.ParseExpr(typ)
	if err != nil {
		return x
	}
	pos := x.Pos()
	setPos(texpr, pos)
	v := r.name("v")
	decl := &ast.DeclStmt{Decl: &ast.GenDecl{TokPos: pos, Tok: token.VAR, Specs: []ast.Spec{
		&ast.ValueSpec{Names: []*ast.Ident{ident(v, pos)}, Type: texpr, Values: []ast.Expr{x}},
	}}}
	ret := &ast.ReturnStmt{Return: pos, Results: []ast.Expr{ident(v, pos)}}
	resultType, _ := parser.ParseExpr(typ)
	setPos(resultType, pos)
	lit := &ast.FuncLit{
		Type: &ast.FuncType{Func: pos, Params: &ast.FieldList{}, Results: &ast.FieldList{List: []*ast.Field{{Type: resultType}}}},
		Body: &ast.BlockStmt{Lbrace: pos, List: []ast.Stmt{decl, ret}, Rbrace: pos},
	}
	return &ast.CallExpr{Fun: lit, Lparen: pos, Rparen: pos}
}

// setPos moves every identifier of a parsed type expression to pos, so
// that yaegi resolves its package names in the cell's file.
func setPos(x ast.Expr, pos token.Pos) {
	ast.Inspect(x, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok {
			id.NamePos = pos
		}
		return true
	})
}

// isConstExpr tells whether x is built from literals only.
func isConstExpr(x ast.Expr) bool {
	_, ok := constValue(x)
	return ok
}

// constValue evaluates an expression made of basic literals, parentheses
// and unary and binary operators.
func constValue(x ast.Expr) (constant.Value, bool) {
	switch x := x.(type) {
	case *ast.BasicLit:
		v := constant.MakeFromLiteral(x.Value, x.Kind, 0)
		return v, v.Kind() != constant.Unknown
	case *ast.ParenExpr:
		return constValue(x.X)
	case *ast.UnaryExpr:
		v, ok := constValue(x.X)
		if !ok || (x.Op != token.SUB && x.Op != token.ADD) {
			return nil, false
		}
		return constant.UnaryOp(x.Op, v, 0), true
	case *ast.BinaryExpr:
		a, ok1 := constValue(x.X)
		b, ok2 := constValue(x.Y)
		if !ok1 || !ok2 {
			return nil, false
		}
		switch x.Op {
		case token.ADD, token.SUB, token.MUL:
			return constant.BinaryOp(a, x.Op, b), true
		case token.QUO:
			if constant.Sign(b) == 0 {
				return nil, false
			}
			if a.Kind() == constant.Int && b.Kind() == constant.Int {
				return constant.BinaryOp(a, token.QUO_ASSIGN, b), true
			}
			return constant.BinaryOp(a, x.Op, b), true
		}
	}
	return nil, false
}

// foldConst computes min (or max) of constant arguments.
func foldConst(args []ast.Expr, isMin bool) (constant.Value, bool) {
	var best constant.Value
	for _, a := range args {
		v, ok := constValue(a)
		if !ok || (v.Kind() != constant.Int && v.Kind() != constant.Float) {
			return nil, false
		}
		if best == nil {
			best = v
			continue
		}
		if (isMin && constant.Compare(v, token.LSS, best)) || (!isMin && constant.Compare(v, token.GTR, best)) {
			best = v
		}
	}
	// a mix of integer and float constants is a float constant
	for _, a := range args {
		if v, _ := constValue(a); v.Kind() == constant.Float {
			best = constant.ToFloat(best)
		}
	}
	return best, best != nil
}

// constLit writes a constant as a literal of the same kind.
func constLit(v constant.Value, pos token.Pos) ast.Expr {
	neg := constant.Sign(v) < 0
	if neg {
		v = constant.UnaryOp(token.SUB, v, 0)
	}
	var lit *ast.BasicLit
	if v.Kind() == constant.Int {
		lit = &ast.BasicLit{ValuePos: pos, Kind: token.INT, Value: v.ExactString()}
	} else {
		f, _ := constant.Float64Val(v)
		s := strconv.FormatFloat(f, 'g', -1, 64)
		if !containsAny(s, ".eE") {
			s += ".0"
		}
		lit = &ast.BasicLit{ValuePos: pos, Kind: token.FLOAT, Value: s}
	}
	var x ast.Expr = lit
	if neg {
		x = &ast.UnaryExpr{OpPos: pos, Op: token.SUB, X: lit}
	}
	return &ast.ParenExpr{Lparen: pos, X: x, Rparen: pos}
}

func containsAny(s, chars string) bool {
	for _, c := range chars {
		for _, d := range s {
			if c == d {
				return true
			}
		}
	}
	return false
}

// zeroResults makes a function with named results start with them set to
// their zero values:
//
//	func f() (xs []float64, ok bool) { xs, ok = *new([]float64), *new(bool); ... }
//
// yaegi v0.16.1 lets the named results of a call share their storage with
// the caller's slots for the call's values, which are not cleared between
// two executions of the same call: called again in a loop, a function
// would start from the values it returned the time before. (Blank results
// keep their name, which signatures show; only a bare return reads them.)
// A result that the body never names, in a body without a bare return, is
// never read before its return value is written, and is left alone: the
// assignment costs a call of the function as much as a small body does.
func (r *rewriter) zeroResults(ft *ast.FuncType, body *ast.BlockStmt) {
	if ft.Results == nil || body == nil || r.shadowed("new") {
		return
	}
	if r.c.zeroed == nil {
		r.c.zeroed = map[*ast.FuncType]bool{}
	}
	if r.c.zeroed[ft] {
		return
	}
	r.c.zeroed[ft] = true
	named, bare := resultUses(body)
	var lhs, rhs []ast.Expr
	for _, f := range ft.Results.List {
		for _, n := range f.Names {
			if n.Name == "_" || !bare && !named[n.Name] {
				continue
			}
			pos := n.Pos()
			lhs = append(lhs, ident(n.Name, pos))
			rhs = append(rhs, &ast.StarExpr{Star: pos, X: &ast.CallExpr{
				Fun: ident("new", pos), Lparen: pos, Args: []ast.Expr{f.Type}, Rparen: pos}})
		}
	}
	if len(lhs) == 0 {
		return
	}
	zero := &ast.AssignStmt{Lhs: lhs, TokPos: body.Lbrace, Tok: token.ASSIGN, Rhs: rhs}
	body.List = append([]ast.Stmt{zero}, body.List...)
}

// resultUses returns the identifiers that body names (in nested function
// literals too, which may capture a result) and whether body has a bare
// return of its own (not one of a nested function literal).
func resultUses(body *ast.BlockStmt) (named map[string]bool, bare bool) {
	named = map[string]bool{}
	ast.Inspect(body, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok {
			named[id.Name] = true
		}
		return true
	})
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.ReturnStmt:
			bare = bare || len(n.Results) == 0
		}
		return true
	})
	return named, bare
}
