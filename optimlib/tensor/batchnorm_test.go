package tensor

import (
	"math"
	"math/rand"
	"strings"
	"testing"
)

// composedBatchNorm is batch normalization written in elementwise
// operations and reductions, the reference for the fused operation.
func composedBatchNorm(x, w, b *Tensor, eps float64) *Tensor {
	n, c := x.shape[0], x.shape[1]
	x3 := Reshape(x, n, c, -1)
	mean := MeanAxis(MeanAxis(x3, 2, true), 0, true)
	xc := Sub(x3, mean)
	v := MeanAxis(MeanAxis(Square(xc), 2, true), 0, true)
	y := Div(xc, Sqrt(AddScalar(v, eps)))
	if w != nil {
		y = Mul(y, Reshape(w, 1, c, 1))
	}
	if b != nil {
		y = Add(y, Reshape(b, 1, c, 1))
	}
	return Reshape(y, x.shape...)
}

// composedBatchNormEval is evaluation-mode batch normalization in
// elementwise operations.
func composedBatchNormEval(x, mean, variance, w, b *Tensor, eps float64) *Tensor {
	cs := make([]int, len(x.shape))
	for i := range cs {
		cs[i] = 1
	}
	cs[1] = x.shape[1]
	y := Div(Sub(x, Reshape(mean, cs...)), Reshape(Sqrt(AddScalar(variance, eps)), cs...))
	if w != nil {
		y = Mul(y, Reshape(w, cs...))
	}
	if b != nil {
		y = Add(y, Reshape(b, cs...))
	}
	return y
}

// closeTo reports whether a and b agree to tol relative to max(1, |b|).
func closeTo(a, b *Tensor, tol float64) bool {
	if !sameShape(a.shape, b.shape) {
		return false
	}
	for i, v := range a.data {
		if !(math.Abs(v-b.data[i]) <= tol*math.Max(1, math.Abs(b.data[i]))) {
			return false
		}
	}
	return true
}

var batchNormCases = []struct {
	name         string
	shape        []int
	weight, bias bool
}{
	{"N×C", []int{5, 3}, true, true},
	{"N×C×L", []int{3, 2, 5}, true, true},
	{"N×C×H×W", []int{2, 3, 4, 3}, true, true},
	{"no affine", []int{2, 3, 4, 3}, false, false},
	{"weight only", []int{4, 2, 3}, true, false},
	{"bias only", []int{4, 2, 3}, false, true},
	{"one sample", []int{1, 4, 7}, true, true},
}

// bnInputs returns x with a channel-dependent offset and scale (so that
// the statistics are not trivial), and the affine parameters asked for.
func bnInputs(rng *rand.Rand, shape []int, weight, bias bool) (x, w, b *Tensor) {
	x = Randn(rng, shape...)
	l := bnLayout{n: shape[0], c: shape[1], s: len(x.data) / (shape[0] * shape[1])}
	for i := 0; i < l.n; i++ {
		for c := 0; c < l.c; c++ {
			r := l.run(x.data, i, c)
			for j := range r {
				r[j] = r[j]*float64(c+1) + 3*float64(c)
			}
		}
	}
	if weight {
		w = Uniform(rng, 0.5, 1.5, shape[1])
	}
	if bias {
		b = Randn(rng, shape[1])
	}
	return x, w, b
}

// TestBatchNormPaths compares the fused forward pass with the composed
// one, and the fused gradient (Backward without createGraph), the gradient
// in tensor operations (createGraph) and the gradient of the composed
// forward pass with each other.
func TestBatchNormPaths(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	const eps = 1e-5
	for _, tc := range batchNormCases {
		t.Run(tc.name, func(t *testing.T) {
			x, w, b := bnInputs(rng, tc.shape, tc.weight, tc.bias)
			inputs := []*Tensor{x}
			for _, p := range []*Tensor{w, b} {
				if p != nil {
					inputs = append(inputs, p)
				}
			}
			withGrad(inputs, func() {
				y, mean, variance := BatchNorm(x, w, b, eps)
				ref := composedBatchNorm(x, w, b, eps)
				if !closeTo(y, ref, 1e-12) {
					t.Fatalf("forward\n%v\nwant\n%v", y, ref)
				}
				x3 := Reshape(x.Detach(), tc.shape[0], tc.shape[1], -1)
				wantMean := Reshape(MeanAxis(MeanAxis(x3, 2, true), 0, true), tc.shape[1])
				wantVar := Reshape(MeanAxis(MeanAxis(Square(Sub(x3, Reshape(wantMean, 1, -1, 1))), 2, true), 0, true), tc.shape[1])
				if !closeTo(mean, wantMean, 1e-12) || !closeTo(variance, wantVar, 1e-12) {
					t.Errorf("statistics %v %v, want %v %v", mean, variance, wantMean, wantVar)
				}
				if mean.RequiresGrad() || variance.RequiresGrad() {
					t.Error("statistics require gradients")
				}
				g := Randn(rng, tc.shape...)
				fused := vjp(y, g, inputs, false)
				ops := vjp(y, g, inputs, true)
				want := vjp(ref, g, inputs, false)
				for i := range inputs {
					if !closeTo(fused[i], want[i], 1e-10) {
						t.Errorf("input %d: fused gradient\n%v\nwant\n%v", i, fused[i], want[i])
					}
					if !closeTo(ops[i], want[i], 1e-10) {
						t.Errorf("input %d: gradient in tensor operations\n%v\nwant\n%v", i, ops[i], want[i])
					}
				}
			})
		})
	}
}

// TestBatchNormEvalPaths is TestBatchNormPaths for BatchNormEval.
func TestBatchNormEvalPaths(t *testing.T) {
	rng := rand.New(rand.NewSource(4))
	const eps = 1e-3
	for _, tc := range batchNormCases {
		t.Run(tc.name, func(t *testing.T) {
			x, w, b := bnInputs(rng, tc.shape, tc.weight, tc.bias)
			mean, variance := Randn(rng, tc.shape[1]), Uniform(rng, 0.2, 2, tc.shape[1])
			inputs := []*Tensor{x}
			for _, p := range []*Tensor{w, b} {
				if p != nil {
					inputs = append(inputs, p)
				}
			}
			withGrad(inputs, func() {
				y := BatchNormEval(x, mean, variance, w, b, eps)
				ref := composedBatchNormEval(x, mean, variance, w, b, eps)
				if !closeTo(y, ref, 1e-12) {
					t.Fatalf("forward\n%v\nwant\n%v", y, ref)
				}
				g := Randn(rng, tc.shape...)
				fused := vjp(y, g, inputs, false)
				ops := vjp(y, g, inputs, true)
				want := vjp(ref, g, inputs, false)
				for i := range inputs {
					if !closeTo(fused[i], want[i], 1e-10) || !closeTo(ops[i], want[i], 1e-10) {
						t.Errorf("input %d: gradients\n%v\n%v\nwant\n%v", i, fused[i], ops[i], want[i])
					}
				}
			})
		})
	}
}

// TestBatchNormGradGrad checks first and second derivatives of the fused
// operations by finite differences, with respect to every input.
func TestBatchNormGradGrad(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	for _, tc := range batchNormCases {
		t.Run(tc.name, func(t *testing.T) {
			x, w, b := bnInputs(rng, tc.shape, tc.weight, tc.bias)
			ps := []*Tensor{x, w, b}
			var inputs []*Tensor
			for _, p := range ps {
				if p != nil {
					inputs = append(inputs, p)
				}
			}
			// A weighting of the output, so that the checked function is
			// not invariant to the normalization.
			k := Randn(rng, tc.shape...)
			train := func([]*Tensor) *Tensor {
				y, _, _ := BatchNorm(x, w, b, 1e-5)
				return Mul(Tanh(y), k)
			}
			mean, variance := Randn(rng, tc.shape[1]), Uniform(rng, 0.5, 2, tc.shape[1])
			eval := func([]*Tensor) *Tensor {
				return Mul(Tanh(BatchNormEval(x, mean, variance, w, b, 1e-5)), k)
			}
			for _, f := range []struct {
				name string
				f    func([]*Tensor) *Tensor
			}{{"BatchNorm", train}, {"BatchNormEval", eval}} {
				if err := GradCheck(f.f, inputs, 1e-6, 1e-6); err != nil {
					t.Errorf("%s: first order: %v", f.name, err)
				}
				if err := GradGradCheck(f.f, inputs, 1e-5, 1e-5); err != nil {
					t.Errorf("%s: second order: %v", f.name, err)
				}
			}
		})
	}
}

// TestBatchNormHessianMatchesComposed compares full Hessians of a loss
// through the fused and the composed operation.
func TestBatchNormHessianMatchesComposed(t *testing.T) {
	rng := rand.New(rand.NewSource(6))
	x, w, b := bnInputs(rng, []int{3, 2, 2}, true, true)
	k := Randn(rng, 3, 2, 2)
	loss := func(bn func(x *Tensor) *Tensor) func(*Tensor) *Tensor {
		return func(x *Tensor) *Tensor { return Sum(Mul(Square(bn(x)), k)) }
	}
	fused := Hessian(loss(func(x *Tensor) *Tensor { y, _, _ := BatchNorm(x, w, b, 1e-5); return y }), x)
	composed := Hessian(loss(func(x *Tensor) *Tensor { return composedBatchNorm(x, w, b, 1e-5) }), x)
	if !closeTo(fused, composed, 1e-9) {
		t.Errorf("Hessian through BatchNorm\n%v\nwant\n%v", fused, composed)
	}
}

func TestBatchNormBadInputPanics(t *testing.T) {
	tests := []struct {
		name string
		f    func()
		want string
	}{
		{"rank", func() { BatchNorm(Zeros(4), nil, nil, 1e-5) }, "tensor: BatchNorm: input of shape [4] is not N×C×…"},
		{"weight", func() { BatchNorm(Zeros(2, 3), Zeros(2), nil, 1e-5) }, "tensor: BatchNorm: parameter of shape [2] does not match input of shape [2 3] (want [3])"},
		{"bias", func() { BatchNorm(Zeros(2, 3, 2), nil, Zeros(3, 1), 1e-5) }, "tensor: BatchNorm: parameter of shape [3 1] does not match input of shape [2 3 2]"},
		{"empty", func() { BatchNorm(Zeros(0, 3), nil, nil, 1e-5) }, "tensor: BatchNorm: input of shape [0 3] has no values per channel"},
		{"eval statistics", func() { BatchNormEval(Zeros(2, 3), Zeros(2), Ones(3), nil, nil, 1e-5) }, "tensor: BatchNormEval: statistics of shape [2] do not match input of shape [2 3]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				r := recover()
				err, ok := r.(error)
				if !ok || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("panic %v, want %q", r, tc.want)
				}
			}()
			tc.f()
		})
	}
}

func BenchmarkBatchNorm(b *testing.B) {
	rng := rand.New(rand.NewSource(1))
	x := Randn(rng, 64, 8, 28, 28).SetRequiresGrad(true)
	w, bias := Ones(8).SetRequiresGrad(true), Zeros(8).SetRequiresGrad(true)
	g := Randn(rng, 64, 8, 28, 28)
	b.ReportAllocs()
	for b.Loop() {
		y, _, _ := BatchNorm(x, w, bias, 1e-5)
		y.BackwardWith(g, false)
		x.ZeroGrad()
		w.ZeroGrad()
		bias.ZeroGrad()
	}
}
