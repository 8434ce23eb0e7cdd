package interp

import (
	"testing"
)

// FuzzSplitCell checks that any text splits into ordered, disjoint chunks
// inside the cell, and that IsComplete never fails on it.
func FuzzSplitCell(f *testing.F) {
	for _, seed := range []string{
		"x := 1\nfunc f() {}\nf()",
		"import \"fmt\"\nfmt.Println(1)",
		"func (t T) M() {}\nfunc(){}()",
		"type T struct{ A int }; var v T; v",
		"for i := range 3 {\n\tgo func() {}()\n}",
		"`unterminated",
		"/* open",
		"))((",
	} {
		f.Add(seed)
	}
	s, err := NewSession(Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, code string) {
		prev := 0
		for _, ch := range splitCell(code) {
			if ch.start < prev || ch.end < ch.start || ch.end > len(code) {
				t.Fatalf("chunk %+v out of order or bounds (previous end %d, len %d)", ch, prev, len(code))
			}
			prev = ch.end
		}
		switch status, _ := s.IsComplete(code); status {
		case "complete", "incomplete", "invalid":
		default:
			t.Fatalf("IsComplete status %q", status)
		}
		s.Complete(code, len([]rune(code)))
		s.Inspect(code, len([]rune(code))/2, 0)
	})
}

func TestSplitCell(t *testing.T) {
	tests := []struct {
		code  string
		kinds []chunkKind
	}{
		{"x := 1", []chunkKind{chunkStmts}},
		{"import \"fmt\"\nimport \"math\"\nx := 1", []chunkKind{chunkImport, chunkImport, chunkStmts}},
		{"func f() {}\ntype T int\nf()", []chunkKind{chunkDecl, chunkStmts}},
		{"x := 1\nfunc f() int { return x }\nf()", []chunkKind{chunkStmts, chunkDecl, chunkStmts}},
		{"func (t T) M() {}", []chunkKind{chunkDecl}},
		{"func() { println() }()", []chunkKind{chunkStmts}},
		{"f := func(x int) (int, error) { return x, nil }", []chunkKind{chunkStmts}},
		{"// doc\nfunc g() {}", []chunkKind{chunkDecl}},
		{"var a = 1\nconst b = 2\na + b", []chunkKind{chunkDecl, chunkStmts}},
	}
	for _, tt := range tests {
		chunks := splitCell(tt.code)
		var kinds []chunkKind
		for _, c := range chunks {
			kinds = append(kinds, c.kind)
		}
		if len(kinds) != len(tt.kinds) {
			t.Errorf("splitCell(%q) kinds %v, want %v", tt.code, kinds, tt.kinds)
			continue
		}
		for i := range kinds {
			if kinds[i] != tt.kinds[i] {
				t.Errorf("splitCell(%q) kinds %v, want %v", tt.code, kinds, tt.kinds)
				break
			}
		}
	}
}
