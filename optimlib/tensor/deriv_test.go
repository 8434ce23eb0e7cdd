package tensor

import (
	"math"
	"testing"
)

func TestHessianAnalytic(t *testing.T) {
	a := New([]float64{2, 1, 0, -1, 3, 0.5, 0, 0.5, 4}, 3, 3)
	b := New([]float64{1, -2, 0.5})
	tests := []struct {
		name string
		f    func(x *Tensor) *Tensor
		x    *Tensor
		want func(x []float64) []float64
	}{
		{
			name: "quadratic ½xᵀAx + bᵀx",
			f: func(x *Tensor) *Tensor {
				return Add(MulScalar(Dot(x, MatMul(a, x)), 0.5), Dot(b, x))
			},
			x: New([]float64{0.3, -1, 2}),
			want: func([]float64) []float64 {
				// (A + Aᵀ)/2.
				h := make([]float64, 9)
				for i := 0; i < 3; i++ {
					for j := 0; j < 3; j++ {
						h[i*3+j] = (a.data[i*3+j] + a.data[j*3+i]) / 2
					}
				}
				return h
			},
		},
		{
			name: "Rosenbrock",
			f: func(x *Tensor) *Tensor {
				x0, x1 := Row(x, 0), Row(x, 1)
				return Add(Square(AddScalar(Neg(x0), 1)), MulScalar(Square(Sub(x1, Square(x0))), 100))
			},
			x: New([]float64{-1.2, 1}),
			want: func(x []float64) []float64 {
				u, v := x[0], x[1]
				return []float64{2 - 400*(v-u*u) + 800*u*u, -400 * u, -400 * u, 200}
			},
		},
		{
			name: "log-sum-exp",
			f: func(x *Tensor) *Tensor {
				return Neg(Row(LogSoftmax(x, 0), 0))
			},
			x: New([]float64{0.2, -0.5, 1.0, 0.1}),
			want: func(x []float64) []float64 {
				// ∇² log Σ eˣ = diag(p) − ppᵀ.
				s := 0.0
				for _, v := range x {
					s += math.Exp(v)
				}
				n := len(x)
				h := make([]float64, n*n)
				for i := range x {
					pi := math.Exp(x[i]) / s
					for j := range x {
						pj := math.Exp(x[j]) / s
						h[i*n+j] = -pi * pj
						if i == j {
							h[i*n+j] += pi
						}
					}
				}
				return h
			},
		},
		{
			name: "matrix argument ‖X·X‖²",
			f: func(x *Tensor) *Tensor {
				return Sum(Square(MatMul(x, x)))
			},
			x: New([]float64{1, 2, 3, 4}, 2, 2),
			// No closed form written out: compared with finite differences
			// of the backpropagated gradient.
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := Hessian(tc.f, tc.x)
			if tc.want == nil {
				// Symmetric and equal to the finite differences of the gradient.
				n := len(tc.x.data)
				for i := 0; i < n; i++ {
					for j := 0; j < n; j++ {
						if math.Abs(h.data[i*n+j]-h.data[j*n+i]) > 1e-12 {
							t.Fatalf("Hessian not symmetric: %v", h)
						}
					}
				}
				grad := func(x *Tensor) *Tensor {
					xv := x.Detach().SetRequiresGrad(true)
					return Grad(tc.f(xv), []*Tensor{xv}, false)[0]
				}
				jac := numericJacobian(grad, tc.x, 1e-6)
				if !Equal(h, jac, 1e-5) {
					t.Errorf("Hessian %v, finite differences %v", h, jac)
				}
				return
			}
			want := tc.want(tc.x.data)
			if !Equal(h, New(want, len(tc.x.data), len(tc.x.data)), 1e-10) {
				t.Errorf("Hessian %v, want %v", h, want)
			}
		})
	}
}

// numericJacobian differentiates f by central differences.
func numericJacobian(f func(*Tensor) *Tensor, x *Tensor, eps float64) *Tensor {
	n := len(x.data)
	var m int
	var jac *Tensor
	for j := 0; j < n; j++ {
		xp, xm := x.Clone(), x.Clone()
		xp.data[j] += eps
		xm.data[j] -= eps
		fp, fm := f(xp), f(xm)
		if jac == nil {
			m = len(fp.data)
			jac = Zeros(m, n)
		}
		for i := 0; i < m; i++ {
			jac.data[i*n+j] = (fp.data[i] - fm.data[i]) / (2 * eps)
		}
	}
	return jac
}

func TestJacobianAnalytic(t *testing.T) {
	f := func(x *Tensor) *Tensor {
		x0, x1, x2 := Row(x, 0), Row(x, 1), Row(x, 2)
		return Stack([]*Tensor{Mul(x0, x1), PowScalar(x2, 3), Exp(Sub(x0, x2))}, 0)
	}
	x := New([]float64{0.3, -0.8, 1.1})
	e := math.Exp(0.3 - 1.1)
	want := New([]float64{
		-0.8, 0.3, 0,
		0, 0, 3 * 1.1 * 1.1,
		e, 0, -e,
	}, 3, 3)
	if got := Jacobian(f, x); !Equal(got, want, 1e-12) {
		t.Errorf("Jacobian %v, want %v", got, want)
	}
	if x.RequiresGrad() {
		t.Error("Jacobian marked its argument as requiring gradients")
	}
}

func TestDerivativeFixtures(t *testing.T) {
	f := loadFixtures(t)
	a := New([]float64{0.5, -1.0, 0.3, 0.2, 0.4, -0.7}, 2, 3)
	mlpLoss := func(x *Tensor) *Tensor {
		h := Tanh(MatMul(a, x))
		return Add(Row(LogSoftmax(h, 0), 1), MulScalar(Sum(Square(x)), 0.1))
	}
	h := f.Derivatives["hessian"]
	if d := closeRel(Hessian(mlpLoss, h.X.tensor()), h.Value, 1e-10); d != "" {
		t.Errorf("Hessian: %s", d)
	}
	jacFn := func(x *Tensor) *Tensor {
		x0, x1, x2 := Row(x, 0), Row(x, 1), Row(x, 2)
		return Stack([]*Tensor{Mul(x0, x1), PowScalar(x2, 3), Exp(Sub(x0, x2))}, 0)
	}
	j := f.Derivatives["jacobian"]
	if d := closeRel(Jacobian(jacFn, j.X.tensor()), j.Value, 1e-10); d != "" {
		t.Errorf("Jacobian: %s", d)
	}
}

func TestHessianVectorProduct(t *testing.T) {
	// Hv of f(x) = Σ xᵢ⁴ is 12 xᵢ² vᵢ, computed by double backward.
	x := New([]float64{1, -2, 0.5}).SetRequiresGrad(true)
	v := New([]float64{0.3, 1, -2})
	g := Grad(Sum(PowScalar(x, 4)), []*Tensor{x}, true)[0]
	hv := Grad(Dot(g, v), []*Tensor{x}, false)[0]
	want := New([]float64{12 * 1 * 0.3, 12 * 4 * 1, 12 * 0.25 * -2})
	if !Equal(hv, want, 1e-12) {
		t.Errorf("Hv = %v, want %v", hv, want)
	}
	// Third order: d/dx Σ (Hv)ᵢ = 24 xᵢ vᵢ.
	x2 := New([]float64{1, -2, 0.5}).SetRequiresGrad(true)
	g2 := Grad(Sum(PowScalar(x2, 4)), []*Tensor{x2}, true)[0]
	hv2 := Grad(Dot(g2, v), []*Tensor{x2}, true)[0]
	third := Grad(Sum(hv2), []*Tensor{x2}, false)[0]
	if want := New([]float64{24 * 0.3, 24 * -2, 24 * 0.5 * -2}); !Equal(third, want, 1e-12) {
		t.Errorf("third derivative %v, want %v", third, want)
	}
}
