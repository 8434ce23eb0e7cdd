package docindex

import (
	"strings"
	"testing"
)

func TestLookup(t *testing.T) {
	tests := []struct{ key, kind, sig string }{
		{"fmt.Println", "func", "func Println(a ...any) (n int, err error)"},
		{"builtin.len", "func", "func len(v Type) int"},
		{"gonum.org/v1/gonum/mat.Dense", "type", "type Dense struct"},
		{"gonum.org/v1/gonum/mat.Dense.Mul", "method", "func (m *Dense) Mul(a, b Matrix)"},
		{"math.Pi", "const", "const Pi"},
		{"strings", "package", "package strings"},
		{"github.com/descentlab/descent/optimlib/tensor.MatMul", "func", "func MatMul("},
	}
	for _, tt := range tests {
		e, ok := Lookup(tt.key)
		if !ok {
			t.Errorf("Lookup(%q): not found", tt.key)
			continue
		}
		if e.Kind != tt.kind || !strings.HasPrefix(e.Sig, tt.sig) {
			t.Errorf("Lookup(%q) = %q %q, want %q %q…", tt.key, e.Kind, e.Sig, tt.kind, tt.sig)
		}
	}
	if _, ok := Lookup("fmt.NoSuchName"); ok {
		t.Error("found a name that does not exist")
	}
	if Len() < 1000 {
		t.Errorf("index has %d entries", Len())
	}
}
