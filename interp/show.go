package interp

import (
	"fmt"
	"go/ast"
	"go/parser"
	"reflect"
	"strings"

	"github.com/descentlab/descent/interp/display"
)

// Compiled code such as display.Show receives a value of a type defined
// in a cell without its methods: yaegi gives interpreted types no
// run-time methods. For each cell type with methods by which values
// render themselves, the session therefore compiles a converter, an
// interpreted function that calls those methods, and display calls it
// through the converter the session installs (display.SetConverter). The
// bundle is the one the value gets as a cell's final value (bundleOf).

// showVar is the prefix of the globals that hold the converters.
const showVar = "__descentShow"

// showMethods are the methods a converter calls, with the MIME type of
// each; MIMEBundle replaces them all.
var showMethods = append([]struct{ name, mime string }{{"MIMEBundle", ""}}, richMethods...)

// convertShown is the session's display converter.
func (s *Session) convertShown(v any) (display.Bundle, bool) {
	if v == nil {
		return display.Bundle{}, false
	}
	s.showMu.RLock()
	f, ok := s.showers[reflect.TypeOf(v)]
	s.showMu.RUnlock()
	if !ok {
		return display.Bundle{}, false
	}
	out := f.Call([]reflect.Value{reflect.ValueOf(&v).Elem()})
	// display adds text/plain when the bundle lacks it
	b, ok := out[0].Interface().(display.Bundle)
	return b, ok
}

// updateShowers compiles the converters of the types that the declaration
// unit f defines or adds methods to.
func (c *cellRun) updateShowers(f *ast.File) {
	types := map[string]bool{}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv != nil && len(d.Recv.List) > 0 && !genericReceiver(d.Recv.List[0].Type) {
				types[receiverName(d.Recv.List[0].Type)] = true
			}
		case *ast.GenDecl:
			for _, spec := range d.Specs {
				if ts, ok := spec.(*ast.TypeSpec); ok && ts.TypeParams == nil {
					types[ts.Name.Name] = true
				}
			}
		}
	}
	for name := range types {
		c.updateShower(name)
	}
}

// updateShower compiles the converters of the cell type name and of a
// pointer to it.
func (c *cellRun) updateShower(name string) {
	// a type defined again may have lost its methods
	c.s.showMu.Lock()
	for _, t := range c.s.showTypes[name] {
		delete(c.s.showers, t)
	}
	delete(c.s.showTypes, name)
	c.s.showMu.Unlock()
	methods := c.s.defs.methodsOf(name)
	shows := false
	for _, m := range showMethods {
		if _, ok := methods[m.name]; ok {
			shows = true
		}
	}
	if !shows || c.s.defs.has("display") {
		return
	}
	zero, ok := c.zeroValue(name)
	if !ok {
		return
	}
	for _, ptr := range []bool{false, true} {
		typ, rtype := name, zero.Type()
		if ptr {
			typ, rtype = "*"+name, reflect.PointerTo(rtype)
		}
		var calls []string
		for _, m := range showMethods {
			def, ok := methods[m.name]
			if !ok || !ptr && pointerReceiver(def.sig) {
				continue
			}
			switch {
			case m.name == "MIMEBundle":
				calls = []string{"d, m := x.MIMEBundle(); return display.Bundle{Data: d, Metadata: m}"}
			case len(calls) > 0 && strings.HasPrefix(calls[0], "d, m"):
			default:
				calls = append(calls, fmt.Sprintf("b.Data[%q] = x.%s()", m.mime, m.name))
			}
		}
		if len(calls) == 0 {
			continue
		}
		body := "b := display.Bundle{Data: map[string]any{}, Metadata: map[string]any{}};" + strings.Join(calls, ";") + ";return b"
		if strings.HasPrefix(calls[0], "d, m") {
			body = calls[0]
		}
		c.s.showN++
		v := fmt.Sprintf("%s%d", showVar, c.s.showN)
		src := fmt.Sprintf("package main;var %s = func(v any) display.Bundle { x := v.(%s); %s }", v, typ, body)
		file, err := parser.ParseFile(c.s.in.FileSet(), fileName, src, 0)
		if err != nil {
			continue
		}
		if _, err := c.compileRun(file); err != nil {
			continue
		}
		fn := c.s.in.Globals()[v]
		if !fn.IsValid() || fn.Kind() != reflect.Func {
			continue
		}
		c.s.showMu.Lock()
		c.s.showers[rtype] = fn
		c.s.showTypes[name] = append(c.s.showTypes[name], rtype)
		c.s.showMu.Unlock()
	}
}

// zeroValue returns the zero value of the cell type name.
func (c *cellRun) zeroValue(name string) (v reflect.Value, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	v, err := c.s.in.Eval("*new(" + name + ")")
	return v, err == nil && v.IsValid()
}

// genericReceiver tells whether a receiver type has type parameters.
func genericReceiver(x ast.Expr) bool {
	if s, ok := x.(*ast.StarExpr); ok {
		x = s.X
	}
	switch x.(type) {
	case *ast.IndexExpr, *ast.IndexListExpr:
		return true
	}
	return false
}

// pointerReceiver tells whether the method declared by sig has a pointer
// receiver.
func pointerReceiver(sig string) bool {
	recv, _, ok := strings.Cut(strings.TrimPrefix(sig, "func ("), ")")
	return ok && strings.Contains(recv, "*")
}
