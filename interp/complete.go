package interp

import (
	"go/scanner"
	"go/token"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

var keywords = []string{
	"break", "case", "chan", "const", "continue", "default", "defer", "else", "fallthrough",
	"for", "func", "go", "goto", "if", "import", "interface", "map", "package", "range",
	"return", "select", "struct", "switch", "type", "var",
}

var predeclared = []string{
	"any", "append", "bool", "byte", "cap", "clear", "close", "comparable", "complex",
	"complex128", "complex64", "copy", "delete", "error", "false", "float32", "float64",
	"imag", "int", "int16", "int32", "int64", "int8", "iota", "len", "make", "max", "min",
	"new", "nil", "panic", "print", "println", "real", "recover", "rune", "string", "true",
	"uint", "uint16", "uint32", "uint64", "uint8", "uintptr",
}

// byteOffset converts an offset in code points into a byte offset.
func byteOffset(code string, cursor int) int {
	if cursor < 0 {
		return 0
	}
	i := 0
	for n := 0; n < cursor && i < len(code); n++ {
		_, size := utf8.DecodeRuneInString(code[i:])
		i += size
	}
	return i
}

func isIdentRune(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }

// identBefore returns the start (in bytes) of the identifier ending at i.
func identBefore(code string, i int) int {
	for i > 0 {
		r, size := utf8.DecodeLastRuneInString(code[:i])
		if !isIdentRune(r) {
			break
		}
		i -= size
	}
	return i
}

// qualifier returns the selector chain before a dot at byte i (code[i-1]
// is '.'), for example "w.Pos" in "w.Pos.X".
func qualifier(code string, dot int) string {
	end := dot
	start := end
	for {
		s := identBefore(code, start)
		if s == start {
			break
		}
		start = s
		if start > 0 && code[start-1] == '.' {
			start--
			continue
		}
		break
	}
	return strings.TrimPrefix(code[start:end], ".")
}

// Complete returns the names that can complete the identifier before
// cursor, and the range [start, end) they replace, in code points: names
// in scope after a plain identifier, the members of a package after
// "pkg.", and the fields and methods of a value after "x.".
func (s *Session) Complete(code string, cursor int) (matches []string, start, end int) {
	// an editor query must never take the session down
	defer func() {
		if recover() != nil {
			matches, start, end = nil, cursor, cursor
		}
	}()
	b := byteOffset(code, cursor)
	startB := identBefore(code, b)
	prefix := code[startB:b]
	start = utf8.RuneCountInString(code[:startB])
	end = utf8.RuneCountInString(code[:b])

	var cands []string
	if startB > 0 && code[startB-1] == '.' {
		qual := qualifier(code, startB-1)
		cands = s.members(qual)
		if len(cands) == 0 {
			cands = s.localMembers(code[:startB-1], qual)
		}
	} else {
		cands = s.scopeNames(code)
	}
	seen := map[string]bool{}
	for _, c := range cands {
		if strings.HasPrefix(c, prefix) && !seen[c] && !hidden(c) {
			seen[c] = true
			matches = append(matches, c)
		}
	}
	sort.Strings(matches)
	return matches, start, end
}

// hidden tells whether a name belongs to the cell machinery.
func hidden(name string) bool {
	return strings.HasPrefix(name, "__") || name == preludePkg || name == runtimePath
}

// scopeNames lists every name a cell can use without a qualifier.
func (s *Session) scopeNames(code string) []string {
	names := append([]string{}, keywords...)
	names = append(names, predeclared...)
	s.importMu.RLock()
	for n := range s.universe {
		names = append(names, n)
	}
	for n := range s.imports {
		names = append(names, n)
	}
	s.importMu.RUnlock()
	for n := range s.defs.all() {
		names = append(names, n)
	}
	for n := range s.globals() {
		names = append(names, n)
	}
	// identifiers of the cell being written
	fset := token.NewFileSet()
	file := fset.AddFile("", -1, len(code))
	var sc scanner.Scanner
	sc.Init(file, []byte(code), nil, 0)
	for {
		_, tok, lit := sc.Scan()
		if tok == token.EOF {
			break
		}
		if tok == token.IDENT {
			names = append(names, lit)
		}
	}
	return names
}

// members lists the names after "qual.".
func (s *Session) members(qual string) []string {
	if !strings.Contains(qual, ".") && !s.defs.has(qual) {
		if path, ok := s.packagePath(qual); ok {
			return s.packageNames(path)
		}
	}
	v, typeName := s.resolve(qual)
	var names []string
	if v.IsValid() {
		names = append(names, valueMembers(v)...)
	}
	if typeName != "" {
		if def := s.defs.get(typeName); def != nil {
			names = append(names, def.fields...)
		}
		for m := range s.defs.methodsOf(typeName) {
			names = append(names, m)
		}
	}
	return names
}

// localDef matches a definition in the cell being written of a variable
// from a package function, a package type's composite literal or a
// declared package type: "x := pkg.F(", "x := &pkg.T{", "var x pkg.T".
var localDef = regexp.MustCompile(`(?:\b(\w+)\s*:=\s*&?(\w+)\.(\w+)\s*[({])|(?:\bvar\s+(\w+)\s+\*?(\w+)\.(\w+))`)

// localMembers lists the fields and methods of a variable that the cell
// being written defines from a compiled package, before the cell has run.
func (s *Session) localMembers(code, name string) []string {
	var typ reflect.Type
	for _, m := range localDef.FindAllStringSubmatch(code, -1) {
		v, pkg, sym := m[1], m[2], m[3]
		if v == "" {
			v, pkg, sym = m[4], m[5], m[6]
		}
		if v != name {
			continue
		}
		path, ok := s.packagePath(pkg)
		if !ok {
			continue
		}
		val, ok := packageSymbol(path, sym)
		if !ok {
			continue
		}
		switch t := val.Type(); {
		case t.Kind() == reflect.Func && t.NumOut() > 0:
			typ = t.Out(0)
		case t.Kind() == reflect.Ptr && val.IsNil():
			typ = reflect.PointerTo(t.Elem())
		}
	}
	if typ == nil {
		return nil
	}
	return valueMembers(reflect.New(typ).Elem())
}

// packageNames lists the exported names of a package.
func (s *Session) packageNames(path string) []string {
	var names []string
	if t := packageMembers(path); t != nil && !sourcePackages[path] {
		for n := range t {
			if n != "" && unicode.IsUpper([]rune(n)[0]) {
				names = append(names, n)
			}
		}
		return names
	}
	for key := range s.sourceArity {
		if p, name, ok := strings.Cut(key, "."); ok && p == path && unicode.IsUpper([]rune(name)[0]) {
			names = append(names, name)
		}
	}
	return names
}

// resolve finds the value of a selector chain of globals ("w", "w.Pos"),
// and the cell type name of its root when the cell declared it.
func (s *Session) resolve(qual string) (reflect.Value, string) {
	parts := strings.Split(qual, ".")
	v, ok := s.globals()[parts[0]]
	typeName := ""
	if def := s.defs.get(parts[0]); def != nil && def.typ != nil && len(parts) == 1 {
		typeName = receiverName(def.typ)
	}
	if !ok {
		return reflect.Value{}, typeName
	}
	for _, p := range parts[1:] {
		v = deref(v)
		if !v.IsValid() || v.Kind() != reflect.Struct {
			return reflect.Value{}, ""
		}
		v = v.FieldByName(p)
	}
	return v, typeName
}

func deref(v reflect.Value) reflect.Value {
	for v.IsValid() && (v.Kind() == reflect.Ptr || v.Kind() == reflect.Interface) {
		if v.IsNil() {
			return reflect.Value{}
		}
		v = v.Elem()
	}
	return v
}

// valueMembers lists the exported fields and methods of v's type.
func valueMembers(v reflect.Value) []string {
	var names []string
	t := v.Type()
	for i := 0; i < t.NumMethod(); i++ {
		names = append(names, t.Method(i).Name)
	}
	if t.Kind() != reflect.Ptr && t.Kind() != reflect.Interface {
		pt := reflect.PointerTo(t)
		for i := 0; i < pt.NumMethod(); i++ {
			names = append(names, pt.Method(i).Name)
		}
	}
	if d := deref(v); d.IsValid() && d.Kind() == reflect.Struct {
		dt := d.Type()
		for i := 0; i < dt.NumField(); i++ {
			if f := dt.Field(i); f.IsExported() || f.PkgPath == "" {
				names = append(names, f.Name)
			}
		}
	}
	return names
}
