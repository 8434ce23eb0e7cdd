package interp

import (
	"reflect"
	"strconv"
	"unsafe"

	yaegi "github.com/traefik/yaegi/interp"
)

// yaegi v0.16.1 resolves a redefined type through its previous symbol, so
// `type T struct{B int}` after `type T struct{A int}` keeps the old fields,
// and a redefined method is appended after the old one and never found.
// The functions below reach into the interpreter's package scope, by
// reflection on the fields of that exact version, to drop the old
// definitions before the new ones are compiled.

// mainScopeSyms returns the symbol map of the interpreted main package, or
// an invalid value when it does not exist yet.
func mainScopeSyms(in *yaegi.Interpreter) reflect.Value {
	v := reflect.ValueOf(in).Elem().FieldByName("scopes")
	if !v.IsValid() {
		return reflect.Value{}
	}
	v = reflect.NewAt(v.Type(), unsafe.Pointer(v.UnsafeAddr())).Elem()
	sc := v.MapIndex(reflect.ValueOf("main"))
	if !sc.IsValid() || sc.IsNil() {
		return reflect.Value{}
	}
	syms := sc.Elem().FieldByName("sym")
	return reflect.NewAt(syms.Type(), unsafe.Pointer(syms.UnsafeAddr())).Elem()
}

// forgetType removes the type symbol name from the main package so that a
// new definition starts afresh. It returns a function that puts the old
// symbol back, for when the new definition fails to compile.
func forgetType(in *yaegi.Interpreter, name string) (restore func()) {
	return forgetSym(in, name, true)
}

// forgetSym removes the symbol name (only a type when onlyTypes is set)
// from the main package and returns a function that restores it.
func forgetSym(in *yaegi.Interpreter, name string, onlyTypes bool) (restore func()) {
	syms := mainScopeSyms(in)
	if !syms.IsValid() {
		return func() {}
	}
	key := reflect.ValueOf(name)
	old := syms.MapIndex(key)
	if !old.IsValid() || (symKind(old) != typeSymKind && onlyTypes) {
		return func() {}
	}
	syms.SetMapIndex(key, reflect.Value{})
	return func() {
		if !syms.MapIndex(key).IsValid() {
			syms.SetMapIndex(key, old)
		}
	}
}

// typeSymKind is yaegi's sKind value for type symbols (typeSym in scope.go).
const typeSymKind = 7

func symKind(sym reflect.Value) int {
	k := sym.Elem().FieldByName("kind")
	return int(k.Uint())
}

// forgetMethod removes the method name from the interpreted type typeName
// (and from its pointer type), so that a redefinition replaces it.
func forgetMethod(in *yaegi.Interpreter, typeName, method string) {
	syms := mainScopeSyms(in)
	if !syms.IsValid() {
		return
	}
	sym := syms.MapIndex(reflect.ValueOf(typeName))
	if !sym.IsValid() || sym.IsNil() {
		return
	}
	typ := sym.Elem().FieldByName("typ")
	if typ.IsNil() {
		return
	}
	dropMethod(typ.Elem(), method)
	// Pointer receivers are recorded on a pointer type whose element is typ;
	// yaegi also adds them to the element type, handled above.
}

func dropMethod(itype reflect.Value, method string) {
	f := itype.FieldByName("method")
	methods := reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem()
	kept := reflect.MakeSlice(methods.Type(), 0, methods.Len())
	for i := 0; i < methods.Len(); i++ {
		n := methods.Index(i)
		if n.Elem().FieldByName("ident").String() == method {
			continue
		}
		kept = reflect.Append(kept, n)
	}
	methods.Set(kept)
}

// symSnapshot is a copy of the main package's symbol map.
type symSnapshot map[string]reflect.Value

// snapshotSyms copies the main package's symbols. A compile that fails can
// leave symbols behind (yaegi records every unknown name as an incomplete
// type), which restoreSyms removes.
func snapshotSyms(in *yaegi.Interpreter) symSnapshot {
	syms := mainScopeSyms(in)
	if !syms.IsValid() {
		return nil
	}
	snap := make(symSnapshot, syms.Len())
	it := syms.MapRange()
	for it.Next() {
		snap[it.Key().String()] = it.Value()
	}
	return snap
}

// restoreSyms puts the main package's symbols back to snap.
func restoreSyms(in *yaegi.Interpreter, snap symSnapshot) {
	syms := mainScopeSyms(in)
	if !syms.IsValid() || snap == nil {
		return
	}
	var drop []reflect.Value
	it := syms.MapRange()
	for it.Next() {
		old, ok := snap[it.Key().String()]
		if !ok {
			drop = append(drop, it.Key())
			continue
		}
		if old.Pointer() != it.Value().Pointer() {
			syms.SetMapIndex(it.Key(), old)
		}
	}
	for _, k := range drop {
		syms.SetMapIndex(k, reflect.Value{})
	}
	for k, v := range snap {
		key := reflect.ValueOf(k)
		if !syms.MapIndex(key).IsValid() {
			syms.SetMapIndex(key, v)
		}
	}
}

// yaegi v0.16.1 caches the instances of generic functions under the
// function's name and type arguments only, so slices.Max and a cell's own
// Max, or a generic function and its redefinition, share instances. Giving
// each generic function declaration a unique name in its syntax node (the
// symbol table still maps the user's name to it) keeps instances apart.

var genericSerial int

// uniquifyGenerics renames the declaration nodes of the generic functions
// of package pkg listed in names.
func uniquifyGenerics(in *yaegi.Interpreter, pkg string, names []string) {
	v := reflect.ValueOf(in).Elem().FieldByName("scopes")
	v = reflect.NewAt(v.Type(), unsafe.Pointer(v.UnsafeAddr())).Elem()
	sc := v.MapIndex(reflect.ValueOf(pkg))
	if !sc.IsValid() || sc.IsNil() {
		return
	}
	syms := sc.Elem().FieldByName("sym")
	syms = reflect.NewAt(syms.Type(), unsafe.Pointer(syms.UnsafeAddr())).Elem()
	for _, name := range names {
		sym := syms.MapIndex(reflect.ValueOf(name))
		if !sym.IsValid() || sym.IsNil() {
			continue
		}
		n := sym.Elem().FieldByName("node")
		if n.IsNil() {
			continue
		}
		children := n.Elem().FieldByName("child")
		if children.Len() < 2 {
			continue
		}
		id := children.Index(1).Elem().FieldByName("ident")
		id = reflect.NewAt(id.Type(), unsafe.Pointer(id.UnsafeAddr())).Elem()
		genericSerial++
		id.SetString(name + genericMark + strconv.Itoa(genericSerial))
	}
}

// genericMark separates a generic function's name from its serial number.
const genericMark = "·"

// forgetUniverse removes a preloaded package name from the interpreter's
// universe scope, so that a cell's import of another package under that
// name takes effect.
func forgetUniverse(in *yaegi.Interpreter, name string) {
	u := reflect.ValueOf(in).Elem().FieldByName("universe")
	u = reflect.NewAt(u.Type(), unsafe.Pointer(u.UnsafeAddr())).Elem()
	if u.IsNil() {
		return
	}
	syms := u.Elem().FieldByName("sym")
	syms = reflect.NewAt(syms.Type(), unsafe.Pointer(syms.UnsafeAddr())).Elem()
	syms.SetMapIndex(reflect.ValueOf(name), reflect.Value{})
}
