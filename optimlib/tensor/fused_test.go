package tensor

import (
	"math"
	"math/rand"
	"strings"
	"testing"
)

// composedCE is CrossEntropyRows written as the composition it replaces.
func composedCE(t *Tensor, labels []int) *Tensor {
	return Neg(Gather(LogSoftmax(t, 1), 1, labels))
}

// TestCrossEntropyRowsIsTheComposition checks values and gradients against
// Neg(Gather(LogSoftmax)) bit for bit, for logits from tiny to huge and
// for a mean and a weighted sum of the losses.
func TestCrossEntropyRowsIsTheComposition(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	for _, sz := range [][2]int{{1, 1}, {1, 3}, {5, 2}, {128, 10}, {7, 33}} {
		for _, scale := range []float64{1e-8, 1, 30, 800} {
			n, c := sz[0], sz[1]
			x := make([]float64, n*c)
			for i := range x {
				x[i] = r.NormFloat64() * scale
			}
			labels := make([]int, n)
			for i := range labels {
				labels[i] = r.Intn(c)
			}
			w := make([]float64, n)
			for i := range w {
				w[i] = r.NormFloat64()
			}
			for _, weighted := range []bool{false, true} {
				var vals [2][]float64
				var grads [2][]float64
				for k, f := range []func(*Tensor, []int) *Tensor{CrossEntropyRows, composedCE} {
					in := New(append([]float64(nil), x...), n, c).SetRequiresGrad(true)
					l := f(in, labels)
					vals[k] = l.Data()
					var loss *Tensor
					if weighted {
						loss = Sum(Mul(l, New(w, n)))
					} else {
						loss = Mean(l)
					}
					loss.Backward()
					grads[k] = in.Grad().Data()
				}
				for i := range vals[0] {
					if math.Float64bits(vals[0][i]) != math.Float64bits(vals[1][i]) {
						t.Fatalf("%v scale %g: loss %d = %v, composition %v", sz, scale, i, vals[0][i], vals[1][i])
					}
				}
				for i := range grads[0] {
					if math.Float64bits(grads[0][i]) != math.Float64bits(grads[1][i]) {
						t.Fatalf("%v scale %g weighted %v: gradient %d = %v, composition %v", sz, scale, weighted, i, grads[0][i], grads[1][i])
					}
				}
			}
		}
	}
}

// TestCrossEntropyRowsSecondOrder checks a Hessian-vector product through
// the loss against the composition's, and that the gradient itself is
// differentiable.
func TestCrossEntropyRowsSecondOrder(t *testing.T) {
	r := rand.New(rand.NewSource(4))
	n, c := 6, 4
	x := make([]float64, n*c)
	v := make([]float64, n*c)
	for i := range x {
		x[i], v[i] = r.NormFloat64(), r.NormFloat64()
	}
	labels := []int{0, 3, 1, 1, 2, 0}
	hvp := func(f func(*Tensor, []int) *Tensor) []float64 {
		in := New(append([]float64(nil), x...), n, c).SetRequiresGrad(true)
		g := Grad(Mean(f(in, labels)), []*Tensor{in}, true)[0]
		return Grad(Sum(Mul(g, New(v, n, c))), []*Tensor{in}, false)[0].Data()
	}
	got, want := hvp(CrossEntropyRows), hvp(composedCE)
	nonzero := false
	for i := range got {
		if math.Abs(got[i]-want[i]) > 1e-15 {
			t.Fatalf("Hessian-vector product %d = %v, composition %v", i, got[i], want[i])
		}
		nonzero = nonzero || got[i] != 0
	}
	if !nonzero {
		t.Fatal("Hessian-vector product is zero")
	}
}

func TestCrossEntropyRowsBadInput(t *testing.T) {
	for _, tc := range []struct {
		f    func()
		want string
	}{
		{func() { CrossEntropyRows(Zeros(3), []int{0, 0, 0}) }, "want N×C"},
		{func() { CrossEntropyRows(Zeros(2, 3), []int{0}) }, "1 labels for logits of shape [2 3]"},
		{func() { CrossEntropyRows(Zeros(2, 3), []int{0, 3}) }, "label 3 of row 1 out of range [0, 3)"},
		{func() { CrossEntropyRows(Zeros(2, 3), []int{-1, 0}) }, "label -1 of row 0"},
	} {
		func() {
			defer func() {
				r := recover()
				if r == nil || !strings.Contains(r.(error).Error(), tc.want) {
					t.Errorf("panic %v, want one containing %q", r, tc.want)
				}
			}()
			tc.f()
		}()
	}
}

// TestLinearReLUIsTheComposition checks LinearReLU against ReLU(Linear)
// bit for bit in values and first derivatives, on a 2-D and a 3-D input,
// with and without a bias, and its Hessian-vector products.
func TestLinearReLUIsTheComposition(t *testing.T) {
	r := rand.New(rand.NewSource(5))
	for _, shape := range [][]int{{9, 5}, {2, 3, 5}} {
		for _, bias := range []bool{true, false} {
			x0, w0, b0 := randn(r, shape...), randn(r, 4, 5), randn(r, 4)
			up := randn(r, append(shape[:len(shape)-1:len(shape)-1], 4)...)
			var vals, grads [2][][]float64
			for k, f := range []func(x, w, b *Tensor) *Tensor{LinearReLU, func(x, w, b *Tensor) *Tensor { return ReLU(Linear(x, w, b)) }} {
				x, w := x0.Clone().SetRequiresGrad(true), w0.Clone().SetRequiresGrad(true)
				var b *Tensor
				params := []*Tensor{x, w}
				if bias {
					b = b0.Clone().SetRequiresGrad(true)
					params = append(params, b)
				}
				y := f(x, w, b)
				Sum(Mul(y, up)).Backward()
				vals[k] = append(vals[k], y.Data())
				for _, p := range params {
					grads[k] = append(grads[k], p.Grad().Data())
				}
			}
			for _, pair := range [][2][][]float64{vals, grads} {
				for i := range pair[0] {
					for j := range pair[0][i] {
						if math.Float64bits(pair[0][i][j]) != math.Float64bits(pair[1][i][j]) {
							t.Fatalf("%v bias %v: tensor %d element %d = %v, composition %v", shape, bias, i, j, pair[0][i][j], pair[1][i][j])
						}
					}
				}
			}
		}
	}
	// Second order: the gradient with respect to x, differentiated again
	// along v with respect to w (ReLU's second derivative is zero, the
	// product's is not).
	x0, w0, b0, v0 := randn(r, 6, 5), randn(r, 4, 5), randn(r, 4), randn(r, 6, 5)
	mixed := func(f func(x, w, b *Tensor) *Tensor) []float64 {
		x, w := x0.Clone().SetRequiresGrad(true), w0.Clone().SetRequiresGrad(true)
		gx := Grad(Sum(Square(f(x, w, b0))), []*Tensor{x}, true)[0]
		return Grad(Sum(Mul(gx, v0)), []*Tensor{w}, false)[0].Data()
	}
	got, want := mixed(LinearReLU), mixed(func(x, w, b *Tensor) *Tensor { return ReLU(Linear(x, w, b)) })
	for i := range got {
		if math.Abs(got[i]-want[i]) > 1e-13*math.Max(1, math.Abs(want[i])) {
			t.Fatalf("mixed second derivative %d = %v, composition %v", i, got[i], want[i])
		}
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(error).Error(), "LinearReLU: input of shape [3 4]") {
			t.Errorf("mismatched input: panic %v", r)
		}
	}()
	LinearReLU(Zeros(3, 4), Zeros(2, 5), nil)
}

// TestDotIsTheComposition checks Dot against Sum(Mul): the value to
// rounding (the BLAS sums in its own order), the gradients bit for bit
// (also for a tensor dotted with itself, and for an output gradient of 1,
// where the gradient is a copy of the other operand), and a second
// derivative through it.
func TestDotIsTheComposition(t *testing.T) {
	r := rand.New(rand.NewSource(6))
	composed := func(a, b *Tensor) *Tensor { return Sum(Mul(a, b)) }
	for i, shape := range [][]int{{1}, {7}, {3, 50}, {2, 3, 4}, {300}, {20, 40}} { // short ones summed in order, long ones by the BLAS
		a0, b0 := randn(r, shape...), randn(r, shape...)
		scale := []float64{1.7, 1}[i%2] // an output gradient of 1 copies the other operand
		var got [2][]float64
		for k, f := range []func(a, b *Tensor) *Tensor{Dot, composed} {
			a, b := a0.Clone().SetRequiresGrad(true), b0.Clone().SetRequiresGrad(true)
			s := f(a, b)
			MulScalar(Add(s, f(a, a)), scale).Backward()
			a.Data()[0]++ // b's gradient is a copy of a, not a itself
			got[k] = append(append(append(got[k], s.Item()), a.Grad().Data()...), b.Grad().Data()...)
		}
		if d := math.Abs(got[0][0] - got[1][0]); d > 1e-13*(1+math.Abs(got[1][0])) {
			t.Fatalf("%v: value %v, composition %v", shape, got[0][0], got[1][0])
		}
		for i := 1; i < len(got[0]); i++ {
			if math.Float64bits(got[0][i]) != math.Float64bits(got[1][i]) {
				t.Fatalf("%v: gradient element %d = %v, composition %v", shape, i-1, got[0][i], got[1][i])
			}
		}
	}
	// d/db of ⟨∇ₐ⟨a, b⟩², v⟩ = d/db 2⟨a, b⟩⟨b, v⟩ = 2(⟨b, v⟩a + ⟨a, b⟩v).
	a0, b0, v0 := randn(r, 5), randn(r, 5), randn(r, 5)
	a, b := a0.Clone().SetRequiresGrad(true), b0.Clone().SetRequiresGrad(true)
	ga := Grad(Square(Dot(a, b)), []*Tensor{a}, true)[0]
	gb := Grad(Dot(ga, v0), []*Tensor{b}, false)[0].Data()
	ab, bv := Dot(a0, b0).Item(), Dot(b0, v0).Item()
	for i := range gb {
		if want := 2 * (bv*a0.Data()[i] + ab*v0.Data()[i]); math.Abs(gb[i]-want) > 1e-12*math.Max(1, math.Abs(want)) {
			t.Fatalf("second derivative %d = %v, want %v", i, gb[i], want)
		}
	}
}
