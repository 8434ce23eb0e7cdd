package interp

import (
	"context"
	"slices"
	"strings"
	"testing"
)

func newTestSession(t *testing.T, cells ...string) *Session {
	t.Helper()
	s, err := NewSession(Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cells {
		if _, err := s.Execute(context.Background(), c); err != nil {
			t.Fatalf("cell %q: %v", c, err)
		}
	}
	return s
}

func TestComplete(t *testing.T) {
	s := newTestSession(t,
		"type Model struct{ Weights []float64; Bias float64 }\nfunc (m *Model) Predict(x float64) float64 { return m.Bias + x }",
		"model := &Model{Bias: 1}",
		"learningRate := 0.1",
		"dense := mat.NewDense(2, 2, nil)",
		"import \"encoding/hex\"",
		"func trainStep() {}",
	)
	tests := []struct {
		code       string
		cursor     int // -1: end of code
		want       []string
		absent     []string
		start, end int
	}{
		{code: "learn", cursor: -1, want: []string{"learningRate"}, start: 0, end: 5},
		{code: "fmt.Prin", cursor: -1, want: []string{"Print", "Printf", "Println"}, start: 4, end: 8},
		{code: "x := math.Sq", cursor: -1, want: []string{"Sqrt"}, start: 10, end: 12},
		{code: "model.", cursor: -1, want: []string{"Bias", "Predict", "Weights"}},
		{code: "dense.Mu", cursor: -1, want: []string{"Mul", "MulElem"}},
		{code: "hex.Enc", cursor: -1, want: []string{"EncodeToString"}},
		{code: "slices.So", cursor: -1, want: []string{"Sort", "SortFunc"}},
		{code: "fo", cursor: -1, want: []string{"for"}},
		{code: "trai", cursor: -1, want: []string{"trainStep"}},
		{code: "mat.NewD", cursor: -1, want: []string{"NewDense"}},
		{code: "__desc", cursor: -1, absent: []string{"__descentAny", "__descentLast"}},
		{code: "descentr", cursor: -1, absent: []string{"descentrt"}},
		// offsets count code points: "é" is one
		{code: "s := \"é\"; learningR", cursor: -1, want: []string{"learningRate"}, start: 10, end: 19},
		{code: "fmt.Pr(1)", cursor: 6, want: []string{"Print"}, start: 4, end: 6},
		// a variable of the cell being written, before it runs
		{code: "a := mat.NewDense(2, 2, nil)\na.T", cursor: -1, want: []string{"T"}},
		{code: "var v mat.VecDense\nv.AddSc", cursor: -1, want: []string{"AddScaledVec"}},
	}
	for _, tt := range tests {
		cursor := tt.cursor
		if cursor < 0 {
			cursor = len([]rune(tt.code))
		}
		got, start, end := s.Complete(tt.code, cursor)
		for _, w := range tt.want {
			if !slices.Contains(got, w) {
				t.Errorf("Complete(%q): %v lacks %q", tt.code, got, w)
			}
		}
		for _, a := range tt.absent {
			if slices.Contains(got, a) {
				t.Errorf("Complete(%q): %v has hidden %q", tt.code, got, a)
			}
		}
		if tt.start != 0 || tt.end != 0 {
			if start != tt.start || end != tt.end {
				t.Errorf("Complete(%q): range [%d, %d), want [%d, %d)", tt.code, start, end, tt.start, tt.end)
			}
		}
	}
}

func TestInspect(t *testing.T) {
	s := newTestSession(t,
		"// Rosen is the Rosenbrock function.\nfunc Rosen(x, y float64) float64 { return (1-x)*(1-x) + 100*(y-x*x)*(y-x*x) }",
		"type Point struct{ X, Y float64 }\n// Norm is the length of p.\nfunc (p Point) Norm() float64 { return math.Hypot(p.X, p.Y) }",
		"pt := Point{3, 4}",
		"dense := mat.NewDense(2, 2, nil)",
	)
	tests := []struct {
		code   string
		cursor int
		want   []string
	}{
		{"fmt.Println", 6, []string{"func Println(a ...any) (n int, err error)", "Println formats"}},
		{"math.Sqrt(2)", 7, []string{"func Sqrt(x float64) float64"}},
		{"Rosen(1, 2)", 2, []string{"func Rosen(x, y float64) float64", "Rosen is the Rosenbrock function."}},
		{"Rosen(", 6, []string{"func Rosen"}},
		{"pt.Norm()", 5, []string{"func (p Point) Norm() float64", "Norm is the length of p."}},
		{"len(x)", 1, []string{"func len(v Type) int"}},
		{"mat.NewDense", 8, []string{"func NewDense(r, c int, data []float64) *Dense"}},
		{"dense.Mul", 7, []string{"func (m *Dense) Mul(a, b Matrix)"}},
		{"pt", 1, []string{"var pt", "{3 4}"}},
		{"strings", 3, []string{"package strings"}},
		{"tensor.MatMul", 9, []string{"func MatMul("}},
		{"floats.Sum", 8, []string{"func Sum(s []float64) float64"}},
	}
	for _, tt := range tests {
		got, found := s.Inspect(tt.code, tt.cursor, 0)
		if !found {
			t.Errorf("Inspect(%q, %d): not found", tt.code, tt.cursor)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(got, w) {
				t.Errorf("Inspect(%q, %d) = %q, lacks %q", tt.code, tt.cursor, got, w)
			}
		}
	}
	if _, found := s.Inspect("nosuchname", 3, 0); found {
		t.Error("Inspect of an unknown name found something")
	}
}

func TestIsComplete(t *testing.T) {
	s := newTestSession(t)
	tests := []struct{ code, status, indent string }{
		{"x := 1", "complete", ""},
		{"func f() {", "incomplete", "\t"},
		{"for i := range 3 {\n\tif i > 0 {", "incomplete", "\t\t"},
		{"x := []int{1,\n2,", "incomplete", "\t"},
		{"s := `raw", "incomplete", ""},
		{"/* comment", "incomplete", ""},
		{"y := 1 +", "incomplete", "\t"},
		{"x := 1)", "invalid", ""},
		{"x := = 2", "invalid", ""},
		{"", "complete", ""},
		{"import \"fmt\"\nfmt.Println(1)", "complete", ""},
		{"func f() {}\nf()", "complete", ""},
	}
	for _, tt := range tests {
		status, indent := s.IsComplete(tt.code)
		if status != tt.status || indent != tt.indent {
			t.Errorf("IsComplete(%q) = %q, %q; want %q, %q", tt.code, status, indent, tt.status, tt.indent)
		}
	}
}

func TestInspectGenericAsWritten(t *testing.T) {
	s := newTestSession(t, "// Map applies f to each element.\nfunc Map[T, U any](xs []T, f func(T) U) []U { var out []U; for _, x := range xs { out = append(out, f(x)) }; return out }")
	got, found := s.Inspect("Map", 1, 0)
	if !found || !strings.Contains(got, "func Map[T, U any](xs []T, f func(T) U) []U") || !strings.Contains(got, "Map applies f") {
		t.Errorf("Inspect(Map) = %q, %v", got, found)
	}
}
