package tensor

import (
	"math/rand"
	"testing"
)

// naiveAt returns the element of t that broadcasting reads at the output
// index idx (aligned at the right).
func naiveAt(t *Tensor, idx []int) float64 {
	off := len(idx) - len(t.shape)
	flat := 0
	for i, d := range t.shape {
		j := idx[off+i]
		if d == 1 {
			j = 0
		}
		flat = flat*d + j
	}
	return t.data[flat]
}

// unravel returns the multi-index of flat position i in shape.
func unravel(i int, shape []int) []int {
	idx := make([]int, len(shape))
	for d := len(shape) - 1; d >= 0; d-- {
		idx[d] = i % shape[d]
		i /= shape[d]
	}
	return idx
}

// randomBroadcastPair returns two shapes that broadcast together: a random
// output shape of up to 4 dimensions, each operand dropping leading
// dimensions and setting others to 1 at random.
func randomBroadcastPair(rng *rand.Rand) (a, b []int) {
	nd := rng.Intn(5)
	out := make([]int, nd)
	for i := range out {
		out[i] = 1 + rng.Intn(4)
	}
	derive := func() []int {
		s := append([]int(nil), out[rng.Intn(nd+1):]...)
		for i := range s {
			if rng.Intn(3) == 0 {
				s[i] = 1
			}
		}
		return s
	}
	return derive(), derive()
}

func TestBroadcastingAgainstNaive(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	ops := []struct {
		name string
		f    func(a, b *Tensor) *Tensor
		g    func(x, y float64) float64
	}{
		{"Add", Add, func(x, y float64) float64 { return x + y }},
		{"Sub", Sub, func(x, y float64) float64 { return x - y }},
		{"Mul", Mul, func(x, y float64) float64 { return x * y }},
		{"Div", Div, func(x, y float64) float64 { return x / y }},
		{"Gt", Gt, func(x, y float64) float64 { return b2f(x > y) }},
	}
	for trial := 0; trial < 300; trial++ {
		sa, sb := randomBroadcastPair(rng)
		a, b := Randn(rng, sa...), Uniform(rng, 0.5, 2, sb...)
		shape := broadcastShapes("test", sa, sb)
		for _, op := range ops {
			got := op.f(a, b)
			if !sameShape(got.shape, shape) {
				t.Fatalf("%s %v %v: shape %v, want %v", op.name, sa, sb, got.shape, shape)
			}
			for i, v := range got.data {
				idx := unravel(i, shape)
				if want := op.g(naiveAt(a, idx), naiveAt(b, idx)); v != want {
					t.Fatalf("%s %v %v: element %v = %v, want %v", op.name, sa, sb, idx, v, want)
				}
			}
		}
		// sumTo is the adjoint of BroadcastTo: ⟨BroadcastTo(a), w⟩ = ⟨a, sumTo(w)⟩.
		w := Randn(rng, shape...)
		lhs := Dot(BroadcastTo(a, shape...), w).Item()
		rhs := Dot(a, sumTo(w, sa)).Item()
		if d := lhs - rhs; d > 1e-12 || d < -1e-12 {
			t.Fatalf("BroadcastTo %v→%v: ⟨Bx, w⟩ = %v, ⟨x, Bᵀw⟩ = %v", sa, shape, lhs, rhs)
		}
	}
}

func TestPermuteAgainstNaive(t *testing.T) {
	rng := rand.New(rand.NewSource(12))
	for trial := 0; trial < 100; trial++ {
		nd := 1 + rng.Intn(4)
		shape := make([]int, nd)
		for i := range shape {
			shape[i] = 1 + rng.Intn(4)
		}
		x := Randn(rng, shape...)
		axes := rng.Perm(nd)
		got := Permute(x, axes...)
		for i, v := range got.data {
			idx := unravel(i, got.shape)
			src := make([]int, nd)
			for k, a := range axes {
				src[a] = idx[k]
			}
			if want := naiveAt(x, src); v != want {
				t.Fatalf("Permute %v by %v: element %v = %v, want %v", shape, axes, idx, v, want)
			}
		}
	}
}

func TestUnfoldFoldAdjoint(t *testing.T) {
	// Unfold against its definition, and ⟨Unfold(x), c⟩ = ⟨x, Fold(c)⟩,
	// over a range of geometries.
	rng := rand.New(rand.NewSource(13))
	for trial := 0; trial < 60; trial++ {
		k := 1 + rng.Intn(3)
		kw := 1 + rng.Intn(3)
		stride, pad := 1+rng.Intn(3), rng.Intn(3)
		h, w := k+rng.Intn(5), kw+rng.Intn(5)
		x := Randn(rng, 2, 2, h, w)
		cols := Unfold(x, k, kw, stride, pad)
		outH, outW := (h+2*pad-k)/stride+1, (w+2*pad-kw)/stride+1
		for i, v := range cols.data {
			idx := unravel(i, cols.shape)
			ch, ki, kj := idx[1]/(k*kw), idx[1]/kw%k, idx[1]%kw
			ih, iw := idx[2]/outW*stride-pad+ki, idx[2]%outW*stride-pad+kj
			want := 0.0
			if ih >= 0 && ih < h && iw >= 0 && iw < w {
				want = naiveAt(x, []int{idx[0], ch, ih, iw})
			}
			if v != want || cols.shape[2] != outH*outW {
				t.Fatalf("Unfold kernel %d×%d stride %d padding %d on %d×%d: element %v = %v, want %v", k, kw, stride, pad, h, w, idx, v, want)
			}
		}
		c := Randn(rng, cols.shape...)
		lhs := Dot(cols, c).Item()
		rhs := Dot(x, Fold(c, h, w, k, kw, stride, pad)).Item()
		if d := lhs - rhs; d > 1e-10 || d < -1e-10 {
			t.Fatalf("kernel %d×%d stride %d padding %d on %d×%d: %v vs %v", k, kw, stride, pad, h, w, lhs, rhs)
		}
	}
}
