package interp

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/descentlab/descent/interp/docindex"
)

func parseFile(fset *token.FileSet, src string) (*ast.File, error) {
	return parser.ParseFile(fset, fileName, src, 0)
}

// Inspect returns the documentation of the name under or just before the
// cursor (an offset in code points): the signature and doc comment of a
// package member, a method of a value's type, a builtin, or a function,
// type or variable defined in a cell, with a glimpse of a variable's
// value (more of it when detail is above 0).
func (s *Session) Inspect(code string, cursor int, detail int) (text string, found bool) {
	defer func() {
		if recover() != nil {
			text, found = "", false
		}
	}()
	b := byteOffset(code, cursor)
	// extend over the identifier around the cursor
	end := b
	for end < len(code) {
		r, size := utf8.DecodeRuneInString(code[end:])
		if !isIdentRune(r) {
			break
		}
		end += size
	}
	start := identBefore(code, end)
	if start == end {
		// the cursor may sit just after a call's "(": document the callee
		i := strings.LastIndexAny(code[:b], "(")
		if i <= 0 {
			return "", false
		}
		end = i
		start = identBefore(code, end)
		if start == end {
			return "", false
		}
	}
	name := code[start:end]
	qual := ""
	if start > 0 && code[start-1] == '.' {
		qual = qualifier(code, start-1)
	}
	if qual == "" {
		return s.inspectName(name, detail)
	}
	return s.inspectMember(qual, name)
}

func format(e docindex.Entry) string {
	if e.Doc == "" {
		return e.Sig
	}
	return e.Sig + "\n\n" + strings.TrimSpace(e.Doc)
}

func (s *Session) inspectName(name string, detail int) (string, bool) {
	if def := s.defs.get(name); def != nil {
		switch def.kind {
		case "func", "type":
			text := def.sig
			if def.doc != "" {
				text += "\n\n" + def.doc
			}
			return text, true
		}
		text := def.kind + " " + name
		if def.typSrc != "" {
			text += " " + def.typSrc
		}
		if v, ok := s.globals()[name]; ok && v.IsValid() && v.CanInterface() {
			if def.typSrc == "" {
				text += " " + v.Type().String()
			}
			text += "\n\n" + truncate(fmt.Sprintf("%v", v.Interface()), valueLimit(detail))
		}
		if def.doc != "" {
			text += "\n\n" + def.doc
		}
		return text, true
	}
	if v, ok := s.globals()[name]; ok && v.IsValid() && v.CanInterface() {
		return fmt.Sprintf("var %s %s\n\n%s", name, v.Type(), truncate(fmt.Sprintf("%v", v.Interface()), valueLimit(detail))), true
	}
	if path, ok := s.packagePath(name); ok {
		if e, ok := docindex.Lookup(path); ok {
			return fmt.Sprintf("package %s // import %q\n\n%s", name, path, strings.TrimSpace(e.Doc)), true
		}
		return fmt.Sprintf("package %s // import %q", name, path), true
	}
	if e, ok := docindex.Lookup("builtin." + name); ok {
		return format(e), true
	}
	return "", false
}

// valueLimit is how much of a variable's value Inspect shows: a glimpse,
// or more when the front end asks for detail.
func valueLimit(detail int) int {
	if detail > 0 {
		return 4000
	}
	return 300
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// inspectMember documents qual.name: a package member, or a field or
// method of the type of a global value.
func (s *Session) inspectMember(qual, name string) (string, bool) {
	if !strings.Contains(qual, ".") && !s.defs.has(qual) {
		if path, ok := s.packagePath(qual); ok {
			if e, ok := docindex.Lookup(path + "." + name); ok {
				return format(e), true
			}
			if v, ok := packageSymbol(path, name); ok {
				return fmt.Sprintf("%s.%s %s", qual, name, v.Type()), true
			}
			return "", false
		}
	}
	v, typeName := s.resolve(qual)
	if typeName != "" {
		if m := s.defs.method(typeName, name); m != nil {
			text := m.sig
			if m.doc != "" {
				text += "\n\n" + m.doc
			}
			return text, true
		}
	}
	if !v.IsValid() {
		return "", false
	}
	t := v.Type()
	for _, tt := range []reflect.Type{t, deref(v).Type()} {
		for tt.Kind() == reflect.Ptr {
			tt = tt.Elem()
		}
		if tt.PkgPath() != "" && tt.Name() != "" {
			if e, ok := docindex.Lookup(tt.PkgPath() + "." + tt.Name() + "." + name); ok {
				return format(e), true
			}
		}
	}
	if m, ok := reflect.PointerTo(deref(v).Type()).MethodByName(name); ok {
		return fmt.Sprintf("func %s", m.Type), true
	}
	if d := deref(v); d.Kind() == reflect.Struct {
		if f, ok := d.Type().FieldByName(name); ok {
			return fmt.Sprintf("field %s %s", name, f.Type), true
		}
	}
	return "", false
}

// globals returns the session's global values without waiting for a
// running cell: while one runs, none are returned.
func (s *Session) globals() map[string]reflect.Value {
	if !s.mu.TryLock() {
		return nil
	}
	defer s.mu.Unlock()
	return s.in.Globals()
}
