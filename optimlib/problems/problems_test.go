package problems

import (
	"math"
	"math/rand"
	"testing"

	"github.com/descentlab/descent/optimlib/tensor"
	"gonum.org/v1/gonum/mat"
)

// checkDerivatives compares Grad and Hess with central differences.
func checkDerivatives(t *testing.T, p Problem, w []float64) {
	t.Helper()
	n := p.Dim()
	g := make([]float64, n)
	p.Grad(g, w)
	h := HessianAt(p, w)
	const eps = 1e-5
	for i := 0; i < n; i++ {
		wp, wm := append([]float64(nil), w...), append([]float64(nil), w...)
		wp[i] += eps
		wm[i] -= eps
		fd := (p.Func(wp) - p.Func(wm)) / (2 * eps)
		if math.Abs(fd-g[i]) > 1e-6*(1+math.Abs(g[i])) {
			t.Errorf("∂f/∂w%d = %g, finite difference %g", i, g[i], fd)
		}
		gp, gm := make([]float64, n), make([]float64, n)
		p.Grad(gp, wp)
		p.Grad(gm, wm)
		for j := 0; j < n; j++ {
			fd := (gp[j] - gm[j]) / (2 * eps)
			if math.Abs(fd-h.At(i, j)) > 1e-5*(1+math.Abs(h.At(i, j))) {
				t.Errorf("∂²f/∂w%d∂w%d = %g, finite difference %g", i, j, h.At(i, j), fd)
			}
		}
	}
}

func TestDerivatives(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	x := mat.NewDense(20, 3, nil)
	y := make([]float64, 20)
	for i := 0; i < 20; i++ {
		for j := 0; j < 3; j++ {
			x.Set(i, j, rng.NormFloat64())
		}
		if rng.Float64() < 0.5 {
			y[i] = 1
		}
	}
	a := mat.NewSymDense(3, []float64{4, 1, 0, 1, 3, 0.5, 0, 0.5, 2})
	tests := []struct {
		name string
		p    Problem
		w    []float64
	}{
		{"quadratic", NewQuadratic(a, []float64{1, -2, 0.5}), []float64{0.3, -0.7, 1.1}},
		{"diag quadratic", NewDiagQuadratic(4, 0.1, 10), []float64{1, 2, 3, 4}},
		{"rosenbrock 2", Rosenbrock{N: 2}, []float64{-1.2, 1}},
		{"rosenbrock 5", Rosenbrock{N: 5}, []float64{0.5, -0.3, 1.2, 0.8, -1}},
		{"logistic", NewLogistic(x, y, 0.1), []float64{0.2, -0.5, 1}},
		{"1-1-1", OneOneOne{}, []float64{0.7, -1.3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { checkDerivatives(t, tc.p, tc.w) })
	}
}

func TestKnownValues(t *testing.T) {
	q := NewDiagQuadratic(3, 1, 9)
	if ev := q.Eigenvalues(); ev[0] != 1 || ev[1] != 5 || ev[2] != 9 {
		t.Fatalf("eigenvalues %v, want [1 5 9]", ev)
	}
	ws := q.Minimizer()
	g := make([]float64, 3)
	q.Grad(g, ws)
	for _, v := range g {
		if math.Abs(v) > 1e-14 {
			t.Fatalf("gradient %v at the minimizer", g)
		}
	}
	if f := (Rosenbrock{N: 4}).Func([]float64{1, 1, 1, 1}); f != 0 {
		t.Fatalf("Rosenbrock(1,…,1) = %g", f)
	}
	if f := (Rosenbrock{}).Func([]float64{0, 0}); f != 1 {
		t.Fatalf("Rosenbrock(0,0) = %g", f)
	}
	o := OneOneOne{}
	if f := o.Func([]float64{2, 0.5}); f != 0 {
		t.Fatalf("the hyperbola w2 = 1/w1 is not a minimum: %g", f)
	}
	// The origin is a saddle: the Hessian there has eigenvalues ±2.
	var e mat.EigenSym
	e.Factorize(HessianAt(o, []float64{0, 0}), false)
	if ev := e.Values(nil); ev[0] != -2 || ev[1] != 2 {
		t.Fatalf("Hessian eigenvalues at the origin %v, want [-2 2]", ev)
	}
}

func TestNoisyQuadraticIsUnbiased(t *testing.T) {
	q := NewDiagQuadratic(2, 1, 2)
	nq := NewNoisyQuadratic(q, 1, rand.New(rand.NewSource(3)))
	w := []float64{0.5, 0.5}
	exact := make([]float64, 2)
	q.Grad(exact, w)
	mean := make([]float64, 2)
	g := make([]float64, 2)
	const n = 40000
	for k := 0; k < n; k++ {
		nq.Grad(g, w)
		mean[0] += g[0] / n
		mean[1] += g[1] / n
	}
	for i := range mean {
		if math.Abs(mean[i]-exact[i]) > 0.03 {
			t.Fatalf("mean noisy gradient %v, exact %v", mean, exact)
		}
	}
	if nq.Func(w) != q.Func(w) {
		t.Fatal("noise changed the objective")
	}
}

func TestLossSetsGradient(t *testing.T) {
	w := tensor.New([]float64{-1.2, 1})
	f := Loss(Rosenbrock{}, w)
	if f != (Rosenbrock{}).Func([]float64{-1.2, 1}) {
		t.Fatalf("loss %g", f)
	}
	want := make([]float64, 2)
	Rosenbrock{}.Grad(want, []float64{-1.2, 1})
	if g := w.Grad().Data(); g[0] != want[0] || g[1] != want[1] {
		t.Fatalf("gradient %v, want %v", g, want)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("a 3-value point for a 2-variable problem did not panic")
		}
	}()
	Loss(Rosenbrock{}, tensor.Zeros(3))
}

func TestTensorFormsMatchHandDerivatives(t *testing.T) {
	rng := rand.New(rand.NewSource(4))
	x := mat.NewDense(12, 3, nil)
	y := make([]float64, 12)
	for i := 0; i < 12; i++ {
		for j := 0; j < 3; j++ {
			x.Set(i, j, 2*rng.NormFloat64())
		}
		y[i] = float64(i % 2)
	}
	a := mat.NewSymDense(3, []float64{4, 1, 0, 1, 3, 0.5, 0, 0.5, 2})
	tests := []struct {
		name string
		p    Differentiable
		w    []float64
	}{
		{"quadratic", NewQuadratic(a, []float64{1, -2, 0.5}), []float64{0.3, -0.7, 1.1}},
		{"rosenbrock", Rosenbrock{N: 4}, []float64{-1.2, 1, 0.3, 2}},
		{"logistic", NewLogistic(x, y, 0.05), []float64{0.2, -0.5, 1}},
		{"1-1-1", OneOneOne{}, []float64{0.7, -1.3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := tensor.New(append([]float64(nil), tc.w...)).SetRequiresGrad(true)
			f := tc.p.Tensor(w)
			if v := tc.p.Func(tc.w); math.Abs(f.Item()-v) > 1e-12*(1+math.Abs(v)) {
				t.Fatalf("tensor value %.17g, Func %.17g", f.Item(), v)
			}
			g := tensor.Grad(f, []*tensor.Tensor{w}, false)[0].Data()
			want := make([]float64, len(tc.w))
			tc.p.Grad(want, tc.w)
			for i := range want {
				if math.Abs(g[i]-want[i]) > 1e-12*(1+math.Abs(want[i])) {
					t.Fatalf("autodiff gradient %v, Grad %v", g, want)
				}
			}
			h := tensor.Hessian(tc.p.Tensor, tensor.New(append([]float64(nil), tc.w...))).Data()
			hw := HessianAt(tc.p, tc.w)
			n := len(tc.w)
			for i := 0; i < n; i++ {
				for j := 0; j < n; j++ {
					if math.Abs(h[i*n+j]-hw.At(i, j)) > 1e-10*(1+math.Abs(hw.At(i, j))) {
						t.Fatalf("autodiff Hessian[%d][%d] = %g, Hess %g", i, j, h[i*n+j], hw.At(i, j))
					}
				}
			}
		})
	}
}

// TestLogisticFuncGrad checks that the combined evaluation gives exactly
// Func and Grad, and that Loss uses it.
func TestLogisticFuncGrad(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	x := mat.NewDense(30, 4, nil)
	y := make([]float64, 30)
	for i := 0; i < 30; i++ {
		for j := 0; j < 4; j++ {
			x.Set(i, j, rng.NormFloat64())
		}
		y[i] = float64(rng.Intn(2))
	}
	p := NewLogistic(x, y, 0.01)
	w := []float64{0.3, -0.2, 0.5, 1}
	g, want := make([]float64, 4), make([]float64, 4)
	f := p.FuncGrad(g, w)
	p.Grad(want, w)
	if f != p.Func(w) {
		t.Errorf("FuncGrad value %v, Func %v", f, p.Func(w))
	}
	for i := range g {
		if g[i] != want[i] {
			t.Errorf("FuncGrad gradient[%d] = %v, Grad %v", i, g[i], want[i])
		}
	}
	wt := tensor.New(append([]float64(nil), w...))
	counted := &countingLogistic{Logistic: p}
	if got := Loss(counted, wt); got != f {
		t.Errorf("Loss = %v, want %v", got, f)
	}
	if counted.funcGrad != 1 || counted.separate != 0 {
		t.Errorf("Loss made %d FuncGrad and %d Func/Grad calls, want one FuncGrad call only", counted.funcGrad, counted.separate)
	}
	for i, v := range wt.Grad().Data() {
		if v != want[i] {
			t.Errorf("Loss gradient[%d] = %v, want %v", i, v, want[i])
		}
	}
	defer func() {
		if r := recover(); r == nil {
			t.Error("FuncGrad with a short gradient did not panic")
		}
	}()
	p.FuncGrad(make([]float64, 3), w)
}

// countingLogistic counts how a Logistic problem is evaluated.
type countingLogistic struct {
	*Logistic
	funcGrad, separate int
}

func (c *countingLogistic) Func(w []float64) float64 {
	c.separate++
	return c.Logistic.Func(w)
}

func (c *countingLogistic) Grad(grad, w []float64) {
	c.separate++
	c.Logistic.Grad(grad, w)
}

func (c *countingLogistic) FuncGrad(grad, w []float64) float64 {
	c.funcGrad++
	return c.Logistic.FuncGrad(grad, w)
}
