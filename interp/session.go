package interp

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"io"
	"log"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/descentlab/descent/interp/display"
	"github.com/descentlab/descent/interp/symbols"
	"github.com/descentlab/descent/optimlib/interrupt"
	yaegi "github.com/traefik/yaegi/interp"
	"github.com/traefik/yaegi/stdlib"
	"gonum.org/v1/gonum/mat"
)

// Options are the streams of a session. Interpreted code that writes to
// fmt.Print*, os.Stdout or os.Stderr writes to Stdout and Stderr; fmt.Scan*
// and os.Stdin read from Stdin. Nil streams discard output and read EOF.
type Options struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
}

// Result is what a cell evaluates to. HasValue is false when the cell ends
// with a statement or a call without a value.
type Result struct {
	HasValue bool
	Value    display.Bundle
}

// CellError describes a cell that failed to compile or run: Name is the
// kind of failure ("SyntaxError", "CompileError", "panic", "Interrupted",
// "ImportError", "GoroutinePanic", or "error" for a final call whose last
// value is a non-nil error), Value the message with the cell's line:column, and
// Traceback the lines to show: the message, the offending source line
// with a caret under the column, and, for panics, the interpreted frames.
type CellError struct {
	Name, Value string
	Traceback   []string
	cause       error
}

// Error returns the traceback as one text.
func (e *CellError) Error() string { return strings.Join(e.Traceback, "\n") }

// Unwrap returns the underlying error, for example context.Canceled.
func (e *CellError) Unwrap() error { return e.cause }

// Session is one notebook's interpreter state. Its methods may be called
// from several goroutines; cells run one at a time.
type Session struct {
	mu      sync.Mutex
	in      *yaegi.Interpreter
	stderr  *panicFilter
	stdout  io.Writer
	cellNum int

	// universe maps a package name usable without an import to its path.
	universe map[string]string
	// imports maps names imported by cells to their paths.
	imports  map[string]string
	importMu sync.RWMutex
	// defs records what cells declared, for completion, inspection and
	// for knowing which builtins and packages a user name shadows.
	defs *cellDefs
	// sourceArity holds the number of results of the functions of the
	// interpreted packages (slices, maps, cmp).
	sourceArity map[string]int

	// goMu guards cancelCell, which cancels the running cell (nil when
	// no cell runs), and pending, the goroutine panics that happened
	// while no cell ran.
	goMu       sync.Mutex
	cancelCell context.CancelCauseFunc
	pending    []*goroutinePanic
	// intrGen counts cells, for raising interrupt only for the cell that
	// was interrupted.
	intrMu  sync.Mutex
	intrGen int

	// showers maps the run-time types of cell types that render
	// themselves to their converters for display (show.go).
	// showTypes lists the types each cell type name registered.
	showMu    sync.RWMutex
	showers   map[reflect.Type]reflect.Value
	showTypes map[string][]reflect.Type
	showN     int
}

// NewSession starts an interpreter with the standard library, gonum,
// plotting, display and the optimlib packages preloaded.
func NewSession(opts Options) (*Session, error) {
	if opts.Stdin == nil {
		opts.Stdin = strings.NewReader("")
	}
	if opts.Stdout == nil {
		opts.Stdout = io.Discard
	}
	if opts.Stderr == nil {
		opts.Stderr = io.Discard
	}
	s := &Session{
		stdout:   opts.Stdout,
		stderr:   &panicFilter{w: opts.Stderr},
		universe: map[string]string{},
		imports:  map[string]string{},
		defs:     newCellDefs(),

		sourceArity: map[string]int{},
		showers:     map[reflect.Type]reflect.Value{},
		showTypes:   map[string][]reflect.Type{},
	}
	in, err := newInterpreter(opts.Stdin, opts.Stdout, s.stderr, s.runtimeSymbols())
	if err != nil {
		return nil, err
	}
	s.in = in
	for name, path := range preloadNames() {
		s.universe[name] = path
	}
	if err := s.loadPrelude(); err != nil {
		return nil, fmt.Errorf("interp: loading the cell prelude: %w", err)
	}
	// the most recent session converts what display shows (one session
	// runs in a worker process)
	display.SetConverter(s.convertShown)
	return s, nil
}

// stdioEnv makes yaegi give cells io.Reader/io.Writer streams as os.Stdin,
// os.Stdout and os.Stderr instead of requiring files; it is read once, when
// an interpreter is created.
const stdioEnv = "YAEGI_SPECIAL_STDIO"

var newInterpMu sync.Mutex

func newInterpreter(stdin io.Reader, stdout, stderr io.Writer, rt map[string]reflect.Value) (in *yaegi.Interpreter, err error) {
	newInterpMu.Lock()
	prev, had := os.LookupEnv(stdioEnv)
	_, inFile := stdin.(*os.File)
	_, outFile := stdout.(*os.File)
	if inFile && outFile {
		// files keep their *os.File type; the filter stays on stderr
		os.Unsetenv(stdioEnv)
	} else {
		os.Setenv(stdioEnv, "1")
	}
	in = yaegi.New(yaegi.Options{Stdin: stdin, Stdout: stdout, Stderr: stderr})
	if had {
		os.Setenv(stdioEnv, prev)
	} else {
		os.Unsetenv(stdioEnv)
	}
	newInterpMu.Unlock()

	pre, rest := splitExports(rt)
	if err := in.Use(pre); err != nil {
		return nil, err
	}
	in.ImportUsed()
	if err := in.Use(rest); err != nil {
		return nil, err
	}
	return in, nil
}

// Execute compiles and runs one cell. A cell that fails returns a
// *CellError; ctx cancels a running cell, which then fails with Name
// "Interrupted".
//
// Compiled loops that call interrupt.Check stop too: the interrupt flag
// is cleared before the cell and raised when ctx is cancelled. A panic in
// a goroutine started by a cell ends the running cell with Name
// "GoroutinePanic"; when no cell runs, it is reported on stderr at the
// start of the next cell.
func (s *Session) Execute(ctx context.Context, code string) (res Result, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cellNum++
	s.reportPending()

	cellCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	// compiled loops see the interrupt through interrupt.Check: the flag
	// is raised when the cell is cancelled (by the user or by a
	// goroutine's panic) and stays raised for what the cell left running,
	// until the next cell clears it; gen keeps a late raise from reaching
	// the next cell
	s.intrMu.Lock()
	s.intrGen++
	gen := s.intrGen
	interrupt.Reset()
	s.intrMu.Unlock()
	raise := func() {
		s.intrMu.Lock()
		if s.intrGen == gen {
			interrupt.Raise()
		}
		s.intrMu.Unlock()
	}
	stopRaise := context.AfterFunc(cellCtx, raise)
	s.goMu.Lock()
	s.cancelCell = cancel
	s.goMu.Unlock()
	defer func() {
		stopRaise()
		if cellCtx.Err() != nil {
			raise()
		}
		s.goMu.Lock()
		s.cancelCell = nil
		s.goMu.Unlock()
		// a goroutine that panicked while the cell ran fails it, even when
		// the cell had finished its last statement
		var gp *goroutinePanic
		if errors.As(context.Cause(cellCtx), &gp) {
			res, err = Result{}, gp.cellError(s, code)
		}
	}()

	c := &cellRun{s: s, ctx: cellCtx, code: code}
	defer func() {
		if r := recover(); r != nil {
			err = &CellError{Name: "InternalError", Value: fmt.Sprint(r), Traceback: []string{fmt.Sprintf("internal error: %v", r)}}
		}
	}()
	return c.run()
}

// cellRun is the state of one Execute.
type cellRun struct {
	s    *Session
	ctx  context.Context
	code string
	// goDone marks go statements already rewritten; tmp numbers the
	// rewriter's temporary names.
	goDone map[*ast.GoStmt]bool
	tmp    int
	// zeroed marks functions whose named results are already cleared
	// (rewrite.go, zeroResults).
	zeroed map[*ast.FuncType]bool
}

func (c *cellRun) run() (Result, error) {
	// a whole program pasted into a cell: its package clause is dropped
	// (yaegi runs a main function when it compiles it; see runDecls)
	program := c.dropPackageClause()
	chunks := splitCell(c.code)
	for i, ch := range chunks {
		last := i == len(chunks)-1
		var (
			res Result
			err error
		)
		switch ch.kind {
		case chunkImport:
			err = c.runImports(ch)
		case chunkDecl:
			err = c.runDecls(ch)
		case chunkStmts:
			res, err = c.runStmts(ch, last)
		}
		if err != nil {
			return Result{}, err
		}
		if last && !program {
			return res, nil
		}
	}
	return Result{}, nil
}

func definesMain(f *ast.File) bool {
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Name.Name == "main" {
			return true
		}
	}
	return false
}

// dropPackageClause blanks out a leading package clause, keeping every
// position of the cell, and tells whether there was one.
func (c *cellRun) dropPackageClause() bool {
	fset := token.NewFileSet()
	file := fset.AddFile("", -1, len(c.code))
	var sc scanner.Scanner
	sc.Init(file, []byte(c.code), nil, 0)
	pos, tok, _ := sc.Scan()
	if tok != token.PACKAGE {
		return false
	}
	_, name, _ := sc.Scan()
	if name != token.IDENT {
		return false
	}
	end := file.Offset(pos) + len("package")
	for end < len(c.code) && (c.code[end] == ' ' || c.code[end] == '\t') {
		end++
	}
	for end < len(c.code) && isIdentRune(rune(c.code[end])) {
		end++
	}
	c.code = c.code[:file.Offset(pos)] + strings.Repeat(" ", end-file.Offset(pos)) + c.code[end:]
	return true
}

// fileName is the name yaegi sees for every unit; it is the same for all
// units so that imports made by one cell are visible in the next.
const fileName = "cell"

// linePrefix returns a line directive that makes positions after it count
// from the chunk's place in the cell.
func (c *cellRun) linePrefix(offset int) string {
	line, col := 1, 1
	for _, r := range c.code[:offset] {
		if r == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return fmt.Sprintf("/*line %s:%d:%d*/", fileName, line, col)
}

// parseUnit parses src with the interpreter's file set.
func (c *cellRun) parseUnit(src string) (*ast.File, error) {
	f, err := parser.ParseFile(c.s.in.FileSet(), fileName, src, parser.ParseComments)
	if err != nil {
		return nil, c.syntaxError(err)
	}
	return f, nil
}

func (c *cellRun) runImports(ch chunk) error {
	src := "package main\n" + c.linePrefix(ch.start) + c.code[ch.start:ch.end]
	f, err := c.parseUnit(src)
	if err != nil {
		return err
	}
	for _, spec := range f.Imports {
		path := strings.Trim(spec.Path.Value, "`\"")
		pkgName, ok := knownPackage(path)
		if !ok {
			return c.errorAt(spec.Path.Pos(), "ImportError", fmt.Sprintf("package %q is not available in cells", path))
		}
		name := pkgName
		if spec.Name != nil {
			name = spec.Name.Name
		}
		if name == "_" {
			continue
		}
		if name != "." {
			if c.s.universe[name] == path || c.s.imports[name] == path {
				continue
			}
		}
		if p, ok := c.s.universe[name]; ok && p != path && name != "." {
			// the import replaces the preloaded package of that name
			forgetUniverse(c.s.in, name)
			c.s.importMu.Lock()
			delete(c.s.universe, name)
			c.s.importMu.Unlock()
		}
		unit := fmt.Sprintf("package main;%simport %s %q", c.linePrefix(ch.start), name, path)
		uf, err := c.parseUnit(unit)
		if err != nil {
			return err
		}
		if _, err := c.compileRun(uf); err != nil {
			return err
		}
		if name != "." {
			c.s.importMu.Lock()
			c.s.imports[name] = path
			c.s.importMu.Unlock()
		}
	}
	return nil
}

func (c *cellRun) runDecls(ch chunk) error {
	src := "package main\n" + c.linePrefix(ch.start) + c.code[ch.start:ch.end]
	f, err := c.parseUnit(src)
	if err != nil {
		return err
	}
	if err := c.checkDecls(f); err != nil {
		return err
	}
	c.rewrite(f)
	var unalign []func()
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok {
			unalign = append(unalign, alignTypeParams(fd))
		}
	}
	restore := c.forgetRedefined(f)
	_, err = c.compileRun(f)
	if err != nil && strings.Contains(err.Error(), "nil type") {
		c.rewriteWith(f, true)
		_, err = c.compileRun(f)
	}
	for _, u := range unalign {
		u()
	}
	if err != nil {
		restore()
		if name, typ, x, ok := singleVarDecl(f); ok && genericFailure(err) {
			var err2 error
			if typ != nil {
				err2 = c.declareAndAssign(name, typ, x)
			} else {
				err2 = c.defineThroughAny(name, x)
			}
			if err2 == nil {
				c.s.defs.addFile(f, c.code, ch.start)
				return nil
			}
		}
		return err
	}
	c.s.defs.addFile(f, c.code, ch.start)
	c.updateShowers(f)
	if definesMain(f) {
		// yaegi has just run main, and would run it again with every
		// later declaration: a cell's main runs once, like a program's
		forgetSym(c.s.in, "main", false)
		c.s.defs.forget("main")
	}
	var generics []string
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Type.TypeParams != nil {
			generics = append(generics, fd.Name.Name)
		}
	}
	uniquifyGenerics(c.s.in, "main", generics)
	return nil
}

func (c *cellRun) runStmts(ch chunk, last bool) (Result, error) {
	src := "package main;func main(){" + c.linePrefix(ch.start) + c.code[ch.start:ch.end] + "\n" + wrapperEnd
	f, err := c.parseUnit(src)
	if err != nil {
		return Result{}, err
	}
	body := f.Decls[len(f.Decls)-1].(*ast.FuncDecl).Body
	var final ast.Expr
	if n := len(body.List); last && n > 0 {
		if es, ok := body.List[n-1].(*ast.ExprStmt); ok {
			final = es.X
			body.List = body.List[:n-1]
		}
	}
	if err := c.checkDefines(body.List); err != nil {
		return Result{}, err
	}
	// Each top-level statement is its own unit, so that a panic is placed
	// in the statement that raised it, and is rewritten once the
	// statements before it have run, so that their values inform it.
	for _, st := range body.List {
		unit := &ast.BlockStmt{Lbrace: st.Pos(), List: []ast.Stmt{st}, Rbrace: st.End()}
		c.rewrite(unit)
		_, err := c.compileRun(inFunc(unit))
		if err != nil && strings.Contains(err.Error(), "nil type") {
			c.rewriteWith(unit, true)
			_, err = c.compileRun(inFunc(unit))
		}
		if err != nil {
			if name, x, ok := singleDefine(st); ok && genericFailure(err) {
				if err2 := c.defineThroughAny(name, x); err2 == nil {
					c.s.defs.addStmts(unit.List)
					continue
				}
			}
			if names, xs, ok := multiDefine(st); ok && genericFailure(err) {
				if err2 := c.defineAllThroughAny(names, xs); err2 == nil {
					c.s.defs.addStmts(unit.List)
					continue
				}
			}
			return Result{}, c.explainLoop(err, st)
		}
		c.s.defs.addStmts(unit.List)
	}
	if final == nil {
		return Result{}, nil
	}
	return c.runFinal(final)
}

// inFunc wraps a top-level statement that defines no global (a loop, an
// if, a block...) in a function literal called at once. yaegi runs the
// top level of a cell in the global scope, where the variables of a loop
// would become globals shared by every closure and goroutine; in a
// function they are locals, as in Go.
func inFunc(unit *ast.BlockStmt) *ast.BlockStmt {
	if len(unit.List) != 1 {
		return unit
	}
	switch unit.List[0].(type) {
	case *ast.ForStmt, *ast.RangeStmt, *ast.IfStmt, *ast.SwitchStmt, *ast.TypeSwitchStmt,
		*ast.SelectStmt, *ast.BlockStmt, *ast.LabeledStmt:
	default:
		return unit
	}
	pos := unit.List[0].Pos()
	lit := &ast.FuncLit{Type: &ast.FuncType{Func: pos, Params: &ast.FieldList{}}, Body: &ast.BlockStmt{Lbrace: pos, List: unit.List, Rbrace: unit.Rbrace}}
	call := &ast.CallExpr{Fun: lit, Lparen: pos, Rparen: pos}
	return &ast.BlockStmt{Lbrace: pos, List: []ast.Stmt{&ast.ExprStmt{X: call}}, Rbrace: unit.Rbrace}
}

// wrapperEnd closes the function that statement chunks are parsed in; its
// line directive tells errors in the wrapper from errors in the cell.
const wrapperEnd = "/*line wrapper:1:1*/}"

// explainLoop replaces yaegi's "constant definition loop", which it reports
// for any unresolved name in a top-level definition, by the error the same
// statement gives inside a function.
func (c *cellRun) explainLoop(err error, st ast.Stmt) error {
	var ce *CellError
	if !errors.As(err, &ce) || !strings.HasSuffix(ce.Value, "constant definition loop") {
		return err
	}
	fn := &ast.FuncDecl{
		Name: &ast.Ident{Name: "__descentCheck", NamePos: st.Pos()},
		Type: &ast.FuncType{Func: st.Pos(), Params: &ast.FieldList{}},
		Body: &ast.BlockStmt{Lbrace: st.Pos(), List: []ast.Stmt{st}, Rbrace: st.End()},
	}
	f := &ast.File{Name: &ast.Ident{Name: "main", NamePos: st.Pos()}, Package: st.Pos(), Decls: []ast.Decl{fn}}
	if _, err2 := c.compile(f); err2 != nil {
		return err2
	}
	return err
}

// genericFailure tells whether err is what yaegi reports for a top-level
// definition whose type comes from a generic call.
func genericFailure(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "nil reflect type") || strings.Contains(msg, "variable definition loop") ||
		strings.Contains(msg, "constant definition loop") || strings.Contains(msg, "invalid memory address")
}

// singleDefine matches "name := x".
func singleDefine(st ast.Stmt) (*ast.Ident, ast.Expr, bool) {
	as, ok := st.(*ast.AssignStmt)
	if !ok || as.Tok != token.DEFINE || len(as.Lhs) != 1 || len(as.Rhs) != 1 {
		return nil, nil, false
	}
	id, ok := as.Lhs[0].(*ast.Ident)
	return id, as.Rhs[0], ok
}

// multiDefine matches "a, b := x, y".
func multiDefine(st ast.Stmt) ([]*ast.Ident, []ast.Expr, bool) {
	as, ok := st.(*ast.AssignStmt)
	if !ok || as.Tok != token.DEFINE || len(as.Lhs) < 2 || len(as.Lhs) != len(as.Rhs) {
		return nil, nil, false
	}
	names := make([]*ast.Ident, len(as.Lhs))
	for i, l := range as.Lhs {
		id, ok := l.(*ast.Ident)
		if !ok {
			return nil, nil, false
		}
		names[i] = id
	}
	return names, as.Rhs, true
}

// singleVarDecl matches a file holding only "var name = x".
func singleVarDecl(f *ast.File) (name *ast.Ident, typ, x ast.Expr, ok bool) {
	if len(f.Decls) != 1 {
		return nil, nil, nil, false
	}
	g, ok := f.Decls[0].(*ast.GenDecl)
	if !ok || g.Tok != token.VAR || len(g.Specs) != 1 {
		return nil, nil, nil, false
	}
	vs := g.Specs[0].(*ast.ValueSpec)
	if len(vs.Names) != 1 || len(vs.Values) != 1 {
		return nil, nil, nil, false
	}
	return vs.Names[0], vs.Type, vs.Values[0], true
}

// declareAndAssign runs "var name typ = x" as a declaration followed by an
// assignment, which yaegi types where it cannot type the declaration.
func (c *cellRun) declareAndAssign(name *ast.Ident, typ, x ast.Expr) error {
	pos := name.Pos()
	decl := &ast.File{Name: ident("main", pos), Package: pos, Decls: []ast.Decl{&ast.GenDecl{
		TokPos: pos, Tok: token.VAR,
		Specs: []ast.Spec{&ast.ValueSpec{Names: []*ast.Ident{ident(name.Name, pos)}, Type: typ}},
	}}}
	restore := forgetSym(c.s.in, name.Name, false)
	if _, err := c.compileRun(decl); err != nil {
		restore()
		return err
	}
	set := &ast.AssignStmt{Lhs: []ast.Expr{ident(name.Name, pos)}, Tok: token.ASSIGN, TokPos: pos, Rhs: []ast.Expr{x}}
	_, err := c.compileRun(&ast.BlockStmt{List: []ast.Stmt{set}})
	return err
}

// anyVar is the prelude's variable of type any (prelude/90_main.go.txt).
const anyVar = "__descentAny"

// defineThroughAny defines the global name from x when yaegi cannot type
// the definition at the top level (generic calls): x is evaluated into a
// variable of type any, its dynamic type is written as Go, and name is
// declared with that type and assigned (see defineAllThroughAny).
func (c *cellRun) defineThroughAny(name *ast.Ident, x ast.Expr) error {
	return c.defineAllThroughAny([]*ast.Ident{name}, []ast.Expr{x})
}

// defineAllThroughAny defines the global names from the values xs when
// yaegi cannot type the definition at the top level (a generic call; an
// element of what a compiled method returns, w.Data()[0]): the values are
// evaluated, in order, into a []any, and each name is declared with its
// value's dynamic type and assigned.
func (c *cellRun) defineAllThroughAny(names []*ast.Ident, xs []ast.Expr) error {
	pos := xs[0].Pos()
	list := &ast.CompositeLit{Type: &ast.ArrayType{Lbrack: pos, Elt: ident("any", pos)}, Lbrace: pos, Elts: xs, Rbrace: pos}
	set := &ast.AssignStmt{Lhs: []ast.Expr{ident(anyVar, pos)}, Tok: token.ASSIGN, TokPos: pos, Rhs: []ast.Expr{list}}
	if _, err := c.compileRun(&ast.BlockStmt{List: []ast.Stmt{set}}); err != nil {
		return err
	}
	vals, _ := c.s.in.Globals()[anyVar].Interface().([]any)
	if len(vals) != len(names) {
		return fmt.Errorf("no values")
	}
	var decls, sets strings.Builder
	var forget []string
	for i, n := range names {
		if n.Name == "_" {
			continue
		}
		if vals[i] == nil {
			return fmt.Errorf("no type")
		}
		typ, ok := c.s.typeString(reflect.TypeOf(vals[i]))
		if !ok {
			return fmt.Errorf("type %T cannot be written in a cell", vals[i])
		}
		fmt.Fprintf(&decls, "var %s %s;", n.Name, typ)
		fmt.Fprintf(&sets, "%s = %s.([]any)[%d].(%s);", n.Name, anyVar, i, typ)
		forget = append(forget, n.Name)
	}
	src := fmt.Sprintf("package main;%sfunc main(){%s}", decls.String(), sets.String())
	f, err := parser.ParseFile(c.s.in.FileSet(), fileName, src, 0)
	if err != nil {
		return err
	}
	var restores []func()
	for _, name := range forget {
		restores = append(restores, forgetSym(c.s.in, name, false))
	}
	decl := &ast.File{Name: f.Name, Decls: f.Decls[:len(f.Decls)-1]}
	if _, err := c.compileRun(decl); err != nil {
		for _, r := range restores {
			r()
		}
		return err
	}
	_, err = c.compileRun(f.Decls[len(f.Decls)-1].(*ast.FuncDecl).Body)
	return err
}

// cellTypeName finds the struct type declared by a cell whose run-time
// type is t: yaegi gives interpreted struct types no name, so each
// candidate's zero value is made to compare types.
func (s *Session) cellTypeName(t reflect.Type) (string, bool) {
	for name, def := range s.defs.all() {
		if def.kind != "type" || len(def.fields) == 0 && !strings.Contains(def.sig, "struct") {
			continue
		}
		v, err := s.in.Eval("*new(" + name + ")")
		if err == nil && v.IsValid() && v.Type() == t {
			return name, true
		}
	}
	return "", false
}

// typeString writes t as a Go type expression valid in cells.
func (s *Session) typeString(t reflect.Type) (string, bool) {
	if t.Name() != "" {
		if t.PkgPath() == "" {
			return t.Name(), true
		}
		for name, p := range s.imports {
			if p == t.PkgPath() {
				return name + "." + t.Name(), true
			}
		}
		for name, p := range s.universe {
			if p == t.PkgPath() {
				return name + "." + t.Name(), true
			}
		}
		return "", false
	}
	if t.Kind() == reflect.Struct {
		if name, ok := s.cellTypeName(t); ok {
			return name, true
		}
	}
	switch t.Kind() {
	case reflect.Slice:
		e, ok := s.typeString(t.Elem())
		return "[]" + e, ok
	case reflect.Array:
		e, ok := s.typeString(t.Elem())
		return fmt.Sprintf("[%d]%s", t.Len(), e), ok
	case reflect.Ptr:
		e, ok := s.typeString(t.Elem())
		return "*" + e, ok
	case reflect.Map:
		k, ok1 := s.typeString(t.Key())
		e, ok2 := s.typeString(t.Elem())
		return "map[" + k + "]" + e, ok1 && ok2
	case reflect.Interface:
		if t.NumMethod() == 0 {
			return "any", true
		}
	}
	return "", false
}

// resultVar holds the value of the last cell's final expression.
const resultVar = "__descentLast"

// voidResult is how yaegi fails, after making the call, to assign the
// missing value of a call that has none.
const voidResult = "reflect.Set: value of type *interface {} is not assignable"

// runFinal evaluates the cell's final expression and, when it has a value,
// turns it into a display bundle inside the interpreter, where the methods
// of interpreted types are visible.
func (c *cellRun) runFinal(x ast.Expr) (Result, error) {
	wrapped := &ast.ExprStmt{X: x}
	c.rewrite(wrapped)
	x = wrapped.X
	if n, known := c.s.resultCount(x); known && n != 1 {
		if n > 1 && !writes(x) {
			return c.runValues(x, n)
		}
		_, err := c.compileRun(&ast.BlockStmt{List: []ast.Stmt{&ast.ExprStmt{X: x}}})
		return Result{}, err
	}
	assign := &ast.AssignStmt{
		Lhs:    []ast.Expr{&ast.Ident{Name: resultVar, NamePos: x.Pos()}},
		Tok:    token.DEFINE,
		TokPos: x.Pos(),
		Rhs:    []ast.Expr{x},
	}
	_, err := c.compileRun(&ast.BlockStmt{List: []ast.Stmt{assign}})
	if err != nil && genericFailure(err) {
		err = c.defineThroughAny(&ast.Ident{Name: resultVar, NamePos: x.Pos()}, x)
	}
	if err != nil && strings.Contains(err.Error(), voidResult) {
		// the call ran and had no value
		return Result{}, nil
	}
	if err != nil {
		var ce *CellError
		if errors.As(err, &ce) {
			if m := manyValues.FindStringSubmatch(ce.Value); m != nil && !writes(x) {
				n, _ := strconv.Atoi(m[1])
				return c.runValues(x, n)
			}
		}
		if errors.As(err, &ce) && noValue(ce.Value) {
			_, err = c.compileRun(&ast.BlockStmt{List: []ast.Stmt{&ast.ExprStmt{X: x}}})
			return Result{}, err
		}
		return Result{}, err
	}
	return c.s.bundle(c)
}

// manyValues matches yaegi's message for a call of several values
// assigned to one variable.
var manyValues = regexp.MustCompile(`returns (\d+) values`)

// writes tells whether x is a call of a printing or writing function
// (fmt.Println, sb.WriteString, w.Write...), whose byte count and nil
// error a cell does not show, as a Go program ignores them.
func writes(x ast.Expr) bool {
	call, ok := ast.Unparen(x).(*ast.CallExpr)
	if !ok {
		return false
	}
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok {
		return false
	}
	name := sel.Sel.Name
	return strings.HasPrefix(name, "Print") || strings.HasPrefix(name, "Fprint") || strings.HasPrefix(name, "Write")
}

// runValues runs a final call that returns n > 1 values. Its result is
// their text/plain forms joined by ", ", as Go prints several values
// (12, <nil>); when the last value is a non-nil error, the cell fails with
// that error instead, which is what a notebook user wants to see.
func (c *cellRun) runValues(x ast.Expr, n int) (Result, error) {
	pos := x.Pos()
	names := make([]ast.Expr, n)
	for i := range names {
		names[i] = ident(fmt.Sprintf("%s%d", resultVar, i), pos)
	}
	assign := &ast.AssignStmt{Lhs: names, Tok: token.DEFINE, TokPos: pos, Rhs: []ast.Expr{x}}
	if _, err := c.compileRun(&ast.BlockStmt{Lbrace: pos, List: []ast.Stmt{assign}, Rbrace: pos}); err != nil {
		return Result{}, err
	}
	last := names[n-1].(*ast.Ident).Name
	if msg, ok, err := c.s.errorValue(c, last); err != nil {
		return Result{}, err
	} else if ok {
		p := c.s.in.FileSet().Position(pos)
		tb := append([]string{"error: " + msg}, c.quote(p.Line, p.Column)...)
		return Result{}, &CellError{Name: "error", Value: msg, Traceback: tb}
	}
	parts := make([]string, n)
	for i, name := range names {
		res, err := c.s.bundleOf(c, name.(*ast.Ident).Name)
		if err != nil {
			return Result{}, err
		}
		parts[i] = fmt.Sprint(res.Value.Data["text/plain"])
	}
	b := display.Bundle{Data: map[string]any{"text/plain": strings.Join(parts, ", ")}, Metadata: map[string]any{}}
	return Result{HasValue: true, Value: b}, nil
}

// errorValue tells whether the global name holds a non-nil error and
// returns its message.
func (s *Session) errorValue(c *cellRun, name string) (string, bool, error) {
	raw := s.in.Globals()[name]
	if !raw.IsValid() || raw.Kind() == reflect.Interface && raw.IsNil() {
		return "", false, nil
	}
	if raw.CanInterface() {
		if e, ok := raw.Interface().(error); ok {
			return e.Error(), true, nil
		}
	}
	// an error type defined by a cell
	if !s.defs.allMethodNames()["Error"] {
		return "", false, nil
	}
	ok, err := s.evalHelper(c, fmt.Sprintf("%sE := %s.Error()", name, name))
	if err != nil || !ok {
		return "", false, err
	}
	msg, _ := s.in.Globals()[name+"E"].Interface().(string)
	return msg, true, nil
}

// richMethods are the methods by which values render themselves, with
// the MIME type each provides.
var richMethods = []struct{ name, mime string }{
	{"HTML", "text/html"},
	{"Markdown", "text/markdown"},
	{"LaTeX", "text/latex"},
	{"SVG", "image/svg+xml"},
	{"PNG", "image/png"},
	{"String", "text/plain"},
}

// bundle builds the display bundle of the value held in resultVar.
func (s *Session) bundle(c *cellRun) (Result, error) { return s.bundleOf(c, resultVar) }

// bundleOf builds the display bundle of the value held in the global
// variable name. The compiled display.MIME sees the methods of compiled
// types; the methods of types that cells define are invisible to it, so
// they are called by interpreted code, when the value's static type has
// them.
func (s *Session) bundleOf(c *cellRun, resultVar string) (Result, error) {
	raw := s.in.Globals()[resultVar]
	var v any
	if raw.IsValid() && raw.CanInterface() {
		v = raw.Interface()
	}
	if m, ok := v.(mat.Matrix); ok && !isBundler(v) {
		v = matrixText{m}
	}
	b := display.MIME(v)
	cellMethods := s.defs.allMethodNames()
	if len(cellMethods) == 0 {
		return Result{HasValue: true, Value: b}, nil
	}
	if cellMethods["MIMEBundle"] {
		unit := fmt.Sprintf("%s, %s := %s.MIMEBundle()", resultVar+"D", resultVar+"M", resultVar)
		if ok, err := s.evalHelper(c, unit); err != nil {
			return Result{}, err
		} else if ok {
			g := s.in.Globals()
			d, _ := g[resultVar+"D"].Interface().(map[string]any)
			m, _ := g[resultVar+"M"].Interface().(map[string]any)
			return Result{HasValue: true, Value: display.MIME(display.Bundle{Data: d, Metadata: m})}, nil
		}
	}
	rich := false
	for _, rm := range richMethods {
		if !cellMethods[rm.name] {
			continue
		}
		unit := fmt.Sprintf("%sR := %s.%s()", resultVar, resultVar, rm.name)
		ok, err := s.evalHelper(c, unit)
		if err != nil {
			return Result{}, err
		}
		if !ok {
			continue
		}
		out := s.in.Globals()[resultVar+"R"].Interface()
		if rm.name == "String" {
			b.Data["text/plain"] = out
			continue
		}
		rich = true
		b.Data[rm.mime] = out
	}
	if _, hasString := b.Data["text/plain"].(string); rich && hasString && !cellMethods["String"] {
		b.Data["text/plain"] = display.Text(v, true)
	}
	return Result{HasValue: true, Value: b}, nil
}

func isBundler(v any) bool {
	_, ok := v.(display.MIMEBundler)
	return ok
}

// matrixText shows a gonum matrix as rows and columns.
type matrixText struct{ m mat.Matrix }

func (t matrixText) String() string {
	return fmt.Sprintf("%v", mat.Formatted(t.m, mat.Squeeze()))
}

// evalHelper compiles and runs a helper statement; ok is false when it
// does not compile (the value has no such method).
func (s *Session) evalHelper(c *cellRun, src string) (ok bool, err error) {
	f, err := parser.ParseFile(s.in.FileSet(), fileName, "package main;func main(){"+src+"}", 0)
	if err != nil {
		return false, nil
	}
	body := f.Decls[0].(*ast.FuncDecl).Body
	if _, err := c.compile(body); err != nil {
		return false, nil
	}
	if _, err := c.compileRun(body); err != nil {
		return false, err
	}
	return true, nil
}

func noValue(msg string) bool {
	return strings.Contains(msg, "no value") || strings.Contains(msg, "used as value") ||
		strings.Contains(msg, "assignment mismatch") || strings.Contains(msg, "cannot assign")
}

// compileRun compiles one unit with yaegi and runs it under the cell's
// context.
func (c *cellRun) compileRun(n ast.Node) (v reflect.Value, err error) {
	prog, err := c.compile(n)
	if err != nil {
		return v, err
	}
	c.s.stderr.begin()
	v, err = c.s.in.ExecuteWithContext(c.ctx, prog)
	frames := c.s.stderr.end()
	if err != nil {
		if c.ctx.Err() != nil {
			var gp *goroutinePanic
			if errors.As(context.Cause(c.ctx), &gp) {
				return v, gp.cellError(c.s, c.code)
			}
			return v, interrupted(c.ctx.Err())
		}
		var p yaegi.Panic
		if errors.As(err, &p) {
			if e, ok := p.Value.(error); ok && errors.Is(e, interrupt.ErrInterrupted) {
				// a compiled loop saw the interrupt before yaegi did
				return v, interrupted(e)
			}
		}
		return v, c.panicError(err, frames)
	}
	return v, nil
}

func (c *cellRun) compile(n ast.Node) (prog *yaegi.Program, err error) {
	// yaegi finds imports through the file name of the unit's position
	if b, ok := n.(*ast.BlockStmt); ok && !b.Lbrace.IsValid() && len(b.List) > 0 {
		b.Lbrace = b.List[0].Pos()
	}
	snap := snapshotSyms(c.s.in)
	// yaegi reports some compile failures with log.Panic, which would
	// print them on the process's stderr before they become errors
	logOut := log.Writer()
	log.SetOutput(io.Discard)
	defer func() {
		log.SetOutput(logOut)
		if r := recover(); r != nil {
			err = c.compileError(fmt.Errorf("%v", r), n.Pos())
		}
		if err != nil {
			restoreSyms(c.s.in, snap)
		}
	}()
	prog, err = c.s.in.CompileAST(n)
	if err != nil {
		return nil, c.compileError(err, n.Pos())
	}
	return prog, nil
}

// syntaxError converts a go/parser error.
func (c *cellRun) syntaxError(err error) error {
	var list scanner.ErrorList
	if errors.As(err, &list) && len(list) > 0 {
		e := list[0]
		msg := e.Msg
		if e.Pos.Filename != fileName {
			// the error is in the wrapper after the cell: the cell is unfinished
			lines := strings.Split(strings.TrimRight(c.code, " \t\n"), "\n")
			last := strings.TrimRight(lines[len(lines)-1], "\r")
			return c.formatError("SyntaxError", len(lines), len(last)+1, "unexpected end of cell: "+strings.TrimSuffix(msg, ", found '}'"))
		}
		return c.formatError("SyntaxError", e.Pos.Line, e.Pos.Column, msg)
	}
	return &CellError{Name: "SyntaxError", Value: err.Error(), Traceback: []string{err.Error()}}
}

// resultCount returns the number of values of x when it is a call whose
// number of results is known; other expressions have one value.
func (s *Session) resultCount(x ast.Expr) (n int, known bool) {
	call, ok := ast.Unparen(x).(*ast.CallExpr)
	if !ok {
		return 1, true
	}
	switch fn := ast.Unparen(call.Fun).(type) {
	case *ast.FuncLit:
		return countFields(fn.Type.Results), true
	case *ast.Ident:
		if n, ok := s.defs.results(fn.Name); ok {
			return n, true
		}
		if v, ok := s.in.Globals()[fn.Name]; ok && v.IsValid() && v.Kind() == reflect.Func {
			return v.Type().NumOut(), true
		}
		switch fn.Name {
		case "print", "println", "panic", "clear", "close", "delete":
			return 0, true
		case "copy":
			return 1, true
		}
	case *ast.SelectorExpr:
		pkg, ok := fn.X.(*ast.Ident)
		if !ok {
			return 0, false
		}
		if n, ok := s.methodResults(pkg.Name, fn.Sel.Name); ok {
			return n, true
		}
		if def := s.defs.get(pkg.Name); def != nil && def.typ != nil {
			if m := s.defs.method(receiverName(def.typ), fn.Sel.Name); m != nil {
				return m.results, true
			}
		}
		if s.defs.has(pkg.Name) {
			return 0, false
		}
		path := s.universe[pkg.Name]
		if p, ok := s.imports[pkg.Name]; ok {
			path = p
		}
		if path == "" {
			return 0, false
		}
		if n, ok := s.sourceArity[path+"."+fn.Sel.Name]; ok {
			return n, true
		}
		if v, ok := packageSymbol(path, fn.Sel.Name); ok && v.Kind() == reflect.Func {
			return v.Type().NumOut(), true
		}
	}
	return 0, false
}

// methodResults returns the number of results of the compiled method
// name of the global variable recv.
func (s *Session) methodResults(recv, name string) (int, bool) {
	v, ok := s.in.Globals()[recv]
	if !ok || !v.IsValid() {
		return 0, false
	}
	t := v.Type()
	if v.Kind() == reflect.Interface {
		if v.IsNil() {
			return 0, false
		}
		t = v.Elem().Type()
	}
	if m, ok := t.MethodByName(name); ok {
		return m.Type.NumOut(), true
	}
	if t.Kind() != reflect.Ptr {
		if m, ok := reflect.PointerTo(t).MethodByName(name); ok {
			return m.Type.NumOut(), true
		}
	}
	return 0, false
}

// packagePath returns the import path of a package name visible in cells.
func (s *Session) packagePath(name string) (string, bool) {
	s.importMu.RLock()
	p, ok := s.imports[name]
	s.importMu.RUnlock()
	if ok {
		return p, true
	}
	s.importMu.RLock()
	p, ok = s.universe[name]
	s.importMu.RUnlock()
	return p, ok
}

var _ = symbols.Symbols
var _ = stdlib.Symbols
