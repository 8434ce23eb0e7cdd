package tensor

import (
	"math"
	"math/rand"
	"testing"
)

// convGeometries are kernel, stride and padding combinations over small
// images, including "same" convolutions (stride 1, kernel 2·padding + 1),
// images smaller than the kernel, and strides that skip columns.
var convGeometries = []struct{ h, w, kh, kw, stride, pad int }{
	{5, 6, 3, 3, 1, 1},
	{1, 4, 3, 3, 1, 1},
	{2, 1, 3, 3, 1, 1},
	{4, 4, 5, 5, 1, 2},
	{3, 5, 1, 3, 1, 1},
	{3, 5, 3, 1, 1, 0},
	{6, 5, 3, 3, 2, 1},
	{5, 5, 2, 2, 1, 0},
	{7, 4, 3, 2, 3, 2},
	{4, 6, 1, 1, 1, 0},
}

// TestIm2colMatchesDefinition checks every entry of one sample's columns,
// written into a buffer full of NaN so that an entry left unwritten shows.
func TestIm2colMatchesDefinition(t *testing.T) {
	rng := rand.New(rand.NewSource(8))
	for _, c := range convGeometries {
		g := newGeom("test", []int{1, 2, c.h, c.w}, c.kh, c.kw, c.stride, c.pad)
		x := Randn(rng, 1, 2, c.h, c.w)
		cols := make([]float64, g.colsPerSample)
		for i := range cols {
			cols[i] = math.NaN()
		}
		g.im2col(cols, x.data)
		for r := 0; r < g.ckk; r++ {
			ch, ki, kj := r/(c.kh*c.kw), r/c.kw%c.kh, r%c.kw
			for p := 0; p < g.windows; p++ {
				ih, iw := p/g.outW*c.stride-c.pad+ki, p%g.outW*c.stride-c.pad+kj
				want := 0.0
				if ih >= 0 && ih < c.h && iw >= 0 && iw < c.w {
					want = x.data[(ch*c.h+ih)*c.w+iw]
				}
				if got := cols[r*g.windows+p]; got != want {
					t.Fatalf("%+v: row %d window %d = %v, want %v", c, r, p, got, want)
				}
			}
		}
		// col2im is the adjoint: ⟨im2col(x), v⟩ = ⟨x, col2im(v)⟩.
		v := Randn(rng, g.colsPerSample)
		img := make([]float64, g.imagePerSample)
		g.col2im(img, v.data)
		lhs, rhs := 0.0, 0.0
		for i := range cols {
			lhs += cols[i] * v.data[i]
		}
		for i := range img {
			rhs += img[i] * x.data[i]
		}
		if math.Abs(lhs-rhs) > 1e-10*math.Max(1, math.Abs(lhs)) {
			t.Errorf("%+v: ⟨im2col x, v⟩ = %v, ⟨x, col2im v⟩ = %v", c, lhs, rhs)
		}
		// col2imScratch, which may overwrite its columns, adds the same.
		scratch := append([]float64(nil), v.data...)
		img2 := make([]float64, g.imagePerSample)
		g.col2imScratch(img2, scratch)
		for i := range img {
			if img2[i] != img[i] {
				t.Fatalf("%+v: col2imScratch element %d = %v, col2im gives %v", c, i, img2[i], img[i])
			}
		}
	}
}

// composedConv2d is Conv2d as Unfold followed by a batched matrix product.
func composedConv2d(x, w, b *Tensor, stride, pad int) *Tensor {
	n, o := x.shape[0], w.shape[0]
	cols := Unfold(x, w.shape[2], w.shape[3], stride, pad)
	y := MatMul(Reshape(w, o, -1), cols)
	if b != nil {
		y = Add(y, Reshape(b, o, 1))
	}
	h := (x.shape[2]+2*pad-w.shape[2])/stride + 1
	return Reshape(y, n, o, h, -1)
}

// TestConv2dPaths compares Conv2d's output with the composition of Unfold
// and MatMul, and its fused gradient, its gradient in tensor operations
// (createGraph) and the gradient of the composition with each other.
func TestConv2dPaths(t *testing.T) {
	rng := rand.New(rand.NewSource(9))
	for _, c := range convGeometries {
		for _, bias := range []bool{true, false} {
			x, w := Randn(rng, 3, 2, c.h, c.w), Randn(rng, 4, 2, c.kh, c.kw)
			inputs := []*Tensor{x, w}
			var b *Tensor
			if bias {
				b = Randn(rng, 4)
				inputs = append(inputs, b)
			}
			withGrad(inputs, func() {
				y := Conv2d(x, w, b, c.stride, c.pad)
				ref := composedConv2d(x, w, b, c.stride, c.pad)
				if !closeTo(y, ref, 1e-12) {
					t.Fatalf("%+v bias %v: forward\n%v\nwant\n%v", c, bias, y, ref)
				}
				g := Randn(rng, y.shape...)
				fused := vjp(y, g, inputs, false)
				ops := vjp(y, g, inputs, true)
				want := vjp(ref, g, inputs, false)
				for i := range inputs {
					if !closeTo(fused[i], want[i], 1e-12) || !closeTo(ops[i], want[i], 1e-12) {
						t.Errorf("%+v bias %v input %d: gradients\n%v\n%v\nwant\n%v", c, bias, i, fused[i], ops[i], want[i])
					}
				}
			})
		}
	}
}

// TestConv2dGradGrad checks Conv2d's first and second derivatives by
// finite differences, for the geometries the fused code treats apart.
func TestConv2dGradGrad(t *testing.T) {
	cases := []struct {
		name             string
		x, w             []int
		bias             bool
		stride, padding  int
		onlyWeightNeeded bool
	}{
		{"same 3×3", []int{2, 2, 4, 3}, []int{3, 2, 3, 3}, true, 1, 1, false},
		{"same 1×3", []int{1, 2, 3, 4}, []int{2, 2, 1, 3}, true, 1, 1, false},
		{"strided", []int{1, 1, 5, 5}, []int{2, 1, 3, 3}, false, 2, 0, false},
		{"input without gradient", []int{2, 1, 4, 4}, []int{2, 1, 3, 3}, true, 1, 1, true},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rng := rand.New(rand.NewSource(int64(20 + i)))
			x, w := Randn(rng, c.x...), Randn(rng, c.w...)
			var b *Tensor
			inputs := []*Tensor{x, w}
			if c.onlyWeightNeeded {
				inputs = inputs[1:]
			}
			if c.bias {
				b = Randn(rng, c.w[0])
				inputs = append(inputs, b)
			}
			f := func([]*Tensor) *Tensor { return Tanh(Conv2d(x, w, b, c.stride, c.padding)) }
			if err := GradCheck(f, inputs, 1e-6, 1e-6); err != nil {
				t.Errorf("first order: %v", err)
			}
			if err := GradGradCheck(f, inputs, 1e-5, 1e-5); err != nil {
				t.Errorf("second order: %v", err)
			}
		})
	}
}

// naiveMaxPool returns the maximum of each window and the flat index that
// receives its gradient: the first largest element in row-major order, or
// the last NaN.
func naiveMaxPool(x *Tensor, k, stride, pad int) ([]float64, []int) {
	n, c, h, w := x.shape[0], x.shape[1], x.shape[2], x.shape[3]
	oh, ow := (h+2*pad-k)/stride+1, (w+2*pad-k)/stride+1
	var vals []float64
	var idx []int
	for p := 0; p < n*c; p++ {
		for i := 0; i < oh; i++ {
			for j := 0; j < ow; j++ {
				best, m, sawNaN := -1, math.Inf(-1), false
				for di := 0; di < k; di++ {
					for dj := 0; dj < k; dj++ {
						r, s := i*stride-pad+di, j*stride-pad+dj
						if r < 0 || r >= h || s < 0 || s >= w {
							continue
						}
						at := p*h*w + r*w + s
						v := x.data[at]
						switch {
						case math.IsNaN(v):
							best, m, sawNaN = at, v, true
						case !sawNaN && (best < 0 || v > m):
							best, m = at, v
						}
					}
				}
				vals, idx = append(vals, m), append(idx, best)
			}
		}
	}
	return vals, idx
}

// TestMaxPool2dMatchesNaive compares values (to the sign of zero) and
// gradient routing with a plain search, on inputs full of ties, signed
// zeros, infinities and NaN.
func TestMaxPool2dMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewSource(10))
	pool := []float64{0, math.Copysign(0, -1), 1, -1, 2, math.Inf(-1), math.Inf(1), math.NaN()}
	for _, c := range []struct{ h, w, k, stride, pad int }{
		{4, 6, 2, 2, 0}, {5, 5, 2, 2, 0}, {5, 7, 3, 2, 1}, {4, 4, 3, 1, 1}, {6, 6, 2, 1, 0}, {3, 3, 1, 1, 0},
	} {
		for trial := 0; trial < 20; trial++ {
			x := Zeros(2, 2, c.h, c.w)
			for i := range x.data {
				x.data[i] = pool[rng.Intn(len(pool)-trial%2)] // every other trial without NaN
			}
			x.SetRequiresGrad(true)
			y := MaxPool2d(x, c.k, c.stride, c.pad)
			vals, idx := naiveMaxPool(x, c.k, c.stride, c.pad)
			g := Randn(rng, y.shape...)
			gx := vjp(y, g, []*Tensor{x}, false)[0]
			want := make([]float64, len(x.data))
			for i, j := range idx {
				want[j] += g.data[i]
			}
			for i, v := range y.data {
				if math.Float64bits(v) != math.Float64bits(vals[i]) && !(math.IsNaN(v) && math.IsNaN(vals[i])) {
					t.Fatalf("%+v: output %d = %v, want %v", c, i, v, vals[i])
				}
			}
			for i, v := range gx.data {
				if v != want[i] {
					t.Fatalf("%+v: input gradient %d = %v, want %v", c, i, v, want[i])
				}
			}
		}
	}
}

func BenchmarkConv2d(b *testing.B) {
	rng := rand.New(rand.NewSource(1))
	x := Randn(rng, 64, 8, 14, 14).SetRequiresGrad(true)
	w, bias := Randn(rng, 16, 8, 3, 3).SetRequiresGrad(true), Zeros(16).SetRequiresGrad(true)
	g := Randn(rng, 64, 16, 14, 14)
	b.ReportAllocs()
	for b.Loop() {
		Conv2d(x, w, bias, 1, 1).BackwardWith(g, false)
		x.ZeroGrad()
		w.ZeroGrad()
		bias.ZeroGrad()
	}
}

func BenchmarkMaxPool2d(b *testing.B) {
	rng := rand.New(rand.NewSource(1))
	x := Randn(rng, 64, 8, 28, 28).SetRequiresGrad(true)
	b.ReportAllocs()
	for b.Loop() {
		MaxPool2d(x, 2, 2, 0)
	}
}
