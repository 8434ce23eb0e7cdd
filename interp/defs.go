package interp

import (
	"bytes"
	"go/ast"
	"go/printer"
	"go/token"
	"strings"
	"sync"
)

// cellDefs remembers what cells have declared: the names, signatures and
// doc comments of functions and types, the methods of types and the
// declared types of variables. Completion and inspection read it; the
// compiler uses it to know when a user name shadows a builtin or package.
type cellDefs struct {
	mu      sync.RWMutex
	names   map[string]*cellDef
	methods map[string]map[string]*cellDef // receiver type name -> methods
}

// cellDef is one declaration made by a cell.
type cellDef struct {
	kind       string // "func", "type", "var", "const", "method"
	name       string
	sig        string // declaration without body, as Go source
	doc        string
	results    int      // functions: number of results
	resultType ast.Expr // functions with one result: its type
	ftype      *ast.FuncType
	typ        ast.Expr // variables: declared type, when written
	typSrc     string   // variables: declared type as source
	fields     []string // struct types: field names
}

func newCellDefs() *cellDefs {
	return &cellDefs{names: map[string]*cellDef{}, methods: map[string]map[string]*cellDef{}}
}

func nodeString(n any) string {
	var buf bytes.Buffer
	_ = printer.Fprint(&buf, token.NewFileSet(), n)
	return buf.String()
}

// docText returns a doc comment's text without line directives.
func docText(g *ast.CommentGroup) string {
	if g == nil {
		return ""
	}
	var keep []*ast.Comment
	for _, c := range g.List {
		if strings.HasPrefix(c.Text, "/*line ") {
			continue
		}
		keep = append(keep, c)
	}
	return strings.TrimSpace((&ast.CommentGroup{List: keep}).Text())
}

// addFile records the declarations of a compiled declaration unit.
func (d *cellDefs) addFile(f *ast.File, _ string, _ int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, decl := range f.Decls {
		switch decl := decl.(type) {
		case *ast.FuncDecl:
			sig := nodeString(&ast.FuncDecl{Recv: decl.Recv, Name: decl.Name, Type: decl.Type})
			def := &cellDef{kind: "func", name: decl.Name.Name, sig: sig, doc: docText(decl.Doc), results: countFields(decl.Type.Results)}
			if def.results == 1 {
				def.resultType = decl.Type.Results.List[0].Type
			}
			def.ftype = decl.Type
			if decl.Recv != nil && len(decl.Recv.List) > 0 {
				def.kind = "method"
				recv := receiverName(decl.Recv.List[0].Type)
				if d.methods[recv] == nil {
					d.methods[recv] = map[string]*cellDef{}
				}
				d.methods[recv][decl.Name.Name] = def
				continue
			}
			d.names[decl.Name.Name] = def
		case *ast.GenDecl:
			for _, spec := range decl.Specs {
				doc := docText(decl.Doc)
				switch spec := spec.(type) {
				case *ast.TypeSpec:
					if spec.Doc != nil {
						doc = docText(spec.Doc)
					}
					def := &cellDef{kind: "type", name: spec.Name.Name, sig: "type " + nodeString(spec), doc: doc}
					if st, ok := spec.Type.(*ast.StructType); ok {
						for _, fl := range st.Fields.List {
							for _, n := range fl.Names {
								def.fields = append(def.fields, n.Name)
							}
							if len(fl.Names) == 0 {
								def.fields = append(def.fields, receiverName(fl.Type))
							}
						}
					}
					d.names[spec.Name.Name] = def
					if !spec.Assign.IsValid() {
						delete(d.methods, spec.Name.Name)
					}
				case *ast.ValueSpec:
					kind := "var"
					if decl.Tok == token.CONST {
						kind = "const"
					}
					for _, n := range spec.Names {
						if n.Name == "_" {
							continue
						}
						def := &cellDef{kind: kind, name: n.Name, typ: spec.Type, doc: doc}
						if spec.Type != nil {
							def.typSrc = nodeString(spec.Type)
						}
						d.names[n.Name] = def
					}
				}
			}
		}
	}
}

// addStmts records the variables that top-level statements define.
func (d *cellDefs) addStmts(list []ast.Stmt) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, st := range list {
		switch st := st.(type) {
		case *ast.AssignStmt:
			if st.Tok != token.DEFINE {
				continue
			}
			for i, l := range st.Lhs {
				id, ok := l.(*ast.Ident)
				if !ok || id.Name == "_" {
					continue
				}
				def := &cellDef{kind: "var", name: id.Name}
				if len(st.Rhs) == len(st.Lhs) {
					def.typ = literalType(st.Rhs[i])
				}
				d.names[id.Name] = def
			}
		case *ast.DeclStmt:
			if g, ok := st.Decl.(*ast.GenDecl); ok {
				d.mu.Unlock()
				d.addFile(&ast.File{Decls: []ast.Decl{g}}, "", 0)
				d.mu.Lock()
			}
		}
	}
}

// literalType guesses the type of a variable from the expression it was
// defined with, for completion: composite literals, &T{...} and calls of
// cell functions are enough for most notebook code.
func literalType(x ast.Expr) ast.Expr {
	switch x := x.(type) {
	case *ast.CompositeLit:
		return x.Type
	case *ast.UnaryExpr:
		if x.Op == token.AND {
			if t := literalType(x.X); t != nil {
				return &ast.StarExpr{X: t}
			}
		}
	}
	return nil
}

func countFields(fl *ast.FieldList) int {
	if fl == nil {
		return 0
	}
	n := 0
	for _, f := range fl.List {
		if len(f.Names) == 0 {
			n++
		}
		n += len(f.Names)
	}
	return n
}

// receiverName returns the base type name of a receiver or embedded field.
func receiverName(x ast.Expr) string {
	for {
		switch t := x.(type) {
		case *ast.StarExpr:
			x = t.X
		case *ast.IndexExpr:
			x = t.X
		case *ast.IndexListExpr:
			x = t.X
		case *ast.SelectorExpr:
			return t.Sel.Name
		case *ast.Ident:
			return t.Name
		default:
			return ""
		}
	}
}

func (d *cellDefs) has(name string) bool {
	d.mu.RLock()
	defer d.mu.RUnlock()
	_, ok := d.names[name]
	return ok
}

func (d *cellDefs) get(name string) *cellDef {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.names[name]
}

func (d *cellDefs) method(typ, name string) *cellDef {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.methods[typ][name]
}

// results returns the number of results of the cell function name.
func (d *cellDefs) results(name string) (int, bool) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	def, ok := d.names[name]
	if !ok || def.kind != "func" {
		return 0, false
	}
	return def.results, true
}

// all returns every recorded name.
func (d *cellDefs) all() map[string]*cellDef {
	d.mu.RLock()
	defer d.mu.RUnlock()
	m := make(map[string]*cellDef, len(d.names))
	for k, v := range d.names {
		m[k] = v
	}
	return m
}

// methodsOf returns the recorded methods of a type name.
func (d *cellDefs) methodsOf(typ string) map[string]*cellDef {
	d.mu.RLock()
	defer d.mu.RUnlock()
	m := map[string]*cellDef{}
	for k, v := range d.methods[typ] {
		m[k] = v
	}
	return m
}

// allMethodNames returns the names of every method cells have declared.
func (d *cellDefs) allMethodNames() map[string]bool {
	d.mu.RLock()
	defer d.mu.RUnlock()
	m := map[string]bool{}
	for _, ms := range d.methods {
		for name := range ms {
			m[name] = true
		}
	}
	return m
}

// forget removes the record of name.
func (d *cellDefs) forget(name string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.names, name)
}
