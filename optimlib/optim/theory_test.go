package optim

import (
	"math"
	"testing"

	"github.com/descentlab/descent/optimlib/problems"
	"github.com/descentlab/descent/optimlib/tensor"
	"gonum.org/v1/gonum/mat"
)

// rotatedQuadratic returns a quadratic whose Hessian has eigenvalues evenly
// spread in [mu, L] in a non-axis-aligned basis.
func rotatedQuadratic(n int, mu, L float64) *problems.Quadratic {
	// An orthogonal Q from the QR factorization of a fixed matrix.
	m := mat.NewDense(n, n, nil)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			m.Set(i, j, math.Sin(float64(3*i+7*j+1)))
		}
	}
	var qr mat.QR
	qr.Factorize(m)
	var q mat.Dense
	qr.QTo(&q)
	d := problems.NewDiagQuadratic(n, mu, L)
	var a mat.Dense
	a.Product(&q, d.A, q.T())
	sym := mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			sym.SetSym(i, j, (a.At(i, j)+a.At(j, i))/2)
		}
	}
	b := make([]float64, n)
	for i := range b {
		b[i] = math.Cos(float64(i))
	}
	return problems.NewQuadratic(sym, b)
}

func dist(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += (a[i] - b[i]) * (a[i] - b[i])
	}
	return math.Sqrt(s)
}

func TestGradientDescentRate(t *testing.T) {
	const mu, L, n = 1.0, 50.0, 8
	q := rotatedQuadratic(n, mu, L)
	ws := q.Minimizer()
	tests := []struct {
		name    string
		lr      float64
		diverge bool
	}{
		{"1/L", StepInverseL(L), false},
		{"2/(mu+L)", StepOptimal(mu, L), false},
		{"small", 0.2 / L, false},
		{"just below 2/L", 1.99 / L, false},
		{"above 2/L", 2.05 / L, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rate := math.Max(math.Abs(1-tc.lr*mu), math.Abs(1-tc.lr*L))
			w := tensor.New(make([]float64, n))
			opt := NewGD([]*tensor.Tensor{w}, tc.lr)
			closure := problems.Closure(q, w)
			e0 := dist(w.Data(), ws)
			prev, ratio := e0, 0.0
			for k := 0; k < 200; k++ {
				opt.Step(closure)
				e := dist(w.Data(), ws)
				if !tc.diverge && e > rate*prev*(1+1e-9)+1e-13 {
					t.Fatalf("step %d: error %g > %g·%g", k, e, rate, prev)
				}
				prev, ratio = e, e/prev
			}
			// Beyond 2/L the component along the top eigenvector grows by
			// |1 − γL| > 1 per step and comes to dominate the error.
			if tc.diverge && (prev < 100*e0 || math.Abs(ratio-rate) > 1e-3) {
				t.Fatalf("γ = %g > 2/L: error went from %g to %g, last ratio %g, want %g", tc.lr, e0, prev, ratio, rate)
			}
			if !tc.diverge && prev > e0*math.Pow(rate, 200)*(1+1e-6)+1e-12 {
				t.Fatalf("final error %g above the bound %g", prev, e0*math.Pow(rate, 200))
			}
		})
	}
}

func TestNewtonOneStep(t *testing.T) {
	q := rotatedQuadratic(6, 0.01, 100)
	w := tensor.New(make([]float64, 6))
	opt := NewNewton([]*tensor.Tensor{w}, NewtonConfig{}, func() *mat.SymDense { return problems.HessianAt(q, w.Data()) })
	opt.Step(problems.Closure(q, w))
	if e := dist(w.Data(), q.Minimizer()); e > 1e-10 {
		t.Fatalf("after one Newton step the error is %g", e)
	}
	// Damped: γ = 1/2 halves the error on a quadratic.
	w2 := tensor.New(make([]float64, 6))
	half := NewNewton([]*tensor.Tensor{w2}, NewtonConfig{LR: 0.5}, func() *mat.SymDense { return problems.HessianAt(q, w2.Data()) })
	e0 := dist(w2.Data(), q.Minimizer())
	half.Step(problems.Closure(q, w2))
	if e := dist(w2.Data(), q.Minimizer()); math.Abs(e-e0/2) > 1e-9*e0 {
		t.Fatalf("damped step: error %g, want %g", e, e0/2)
	}
}

func TestNewtonAutodiffHessian(t *testing.T) {
	r := problems.Rosenbrock{N: 3}
	w1, w2 := tensor.New([]float64{-1.2, 1, 0.5}), tensor.New([]float64{-1.2, 1, 0.5})
	exact := NewNewton([]*tensor.Tensor{w1}, NewtonConfig{Backtracking: true}, func() *mat.SymDense { return problems.HessianAt(r, w1.Data()) })
	auto := NewNewton([]*tensor.Tensor{w2}, NewtonConfig{Backtracking: true}, TensorHessian(r.Tensor, w2))
	for k := 0; k < 30; k++ {
		exact.Step(problems.Closure(r, w1))
		auto.Step(problems.Closure(r, w2))
		if d := dist(w1.Data(), w2.Data()); d > 1e-10 {
			t.Fatalf("step %d: autodiff and hand Hessians give iterates %g apart", k, d)
		}
	}
	if e := dist(w1.Data(), []float64{1, 1, 1}); e > 1e-8 {
		t.Fatalf("Newton ends at %v", w1.Data())
	}
}

func TestNewtonRosenbrockBacktracking(t *testing.T) {
	r := problems.Rosenbrock{N: 2}
	w := tensor.New([]float64{-1.2, 1})
	opt := NewNewton([]*tensor.Tensor{w}, NewtonConfig{Backtracking: true, Damping: 1e-8}, func() *mat.SymDense { return problems.HessianAt(r, w.Data()) })
	for k := 0; k < 100; k++ {
		opt.Step(problems.Closure(r, w))
	}
	if e := dist(w.Data(), []float64{1, 1}); e > 1e-8 {
		t.Fatalf("damped Newton ends at %v", w.Data())
	}
}

func TestHeavyBallOptimalRate(t *testing.T) {
	const mu, L, n = 1.0, 100.0, 10
	q := rotatedQuadratic(n, mu, L)
	ws := q.Minimizer()
	lr, beta := HeavyBallOptimal(mu, L)
	kappa := L / mu
	rate := (math.Sqrt(kappa) - 1) / (math.Sqrt(kappa) + 1)
	w := tensor.New(make([]float64, n))
	opt := NewHeavyBall([]*tensor.Tensor{w}, HeavyBall{LR: lr, Beta: beta})
	// The same iterates from SGD's buffer form p ← βp + g, w ← w − γp.
	w2 := tensor.New(make([]float64, n))
	sgd := NewSGD([]*tensor.Tensor{w2}, SGD{LR: lr, Momentum: beta})
	// Measure between steps K/2 and K, before round-off (rateᴷ ≈ 1e-9).
	const K = 100
	var eHalf float64
	for k := 1; k <= K; k++ {
		if k == K/2+1 {
			eHalf = dist(w.Data(), ws)
		}
		opt.Step(problems.Closure(q, w))
		sgd.Step(problems.Closure(q, w2))
		if d := dist(w.Data(), w2.Data()); d > 1e-9*(1+dist(w2.Data(), ws)) && d > 1e-12 {
			t.Fatalf("step %d: heavy-ball form and SGD momentum differ by %g", k, d)
		}
	}
	// With the optimal constants the error is O(k·rateᵏ): the observed
	// rate over K steps is close to (√κ−1)/(√κ+1), far below GD's.
	observed := math.Pow(dist(w.Data(), ws)/eHalf, 2.0/K)
	gd := (kappa - 1) / (kappa + 1)
	if observed > rate*1.03 || observed < rate*0.8 {
		t.Fatalf("observed rate %.4f, theory (√κ−1)/(√κ+1) = %.4f (GD %.4f)", observed, rate, gd)
	}
	t.Logf("heavy ball: observed rate %.4f, theory %.4f, GD with 2/(μ+L): %.4f", observed, rate, gd)
}

func TestLinearCGExactInNSteps(t *testing.T) {
	for _, n := range []int{2, 5, 12} {
		q := rotatedQuadratic(n, 0.5, 200)
		x := make([]float64, n)
		var iterates int
		res := LinearCG(MatVec(q.A), q.B, x, 0, n, func(k int, _ []float64) { iterates = k })
		if res.Iterations != n || iterates != n {
			t.Fatalf("n=%d: %d iterations", n, res.Iterations)
		}
		if e := dist(x, q.Minimizer()); e > 1e-8*math.Sqrt(dist(q.Minimizer(), make([]float64, n))+1) {
			t.Fatalf("n=%d: error after n steps %g", n, e)
		}
	}
	// With k distinct eigenvalues CG finishes in k steps.
	q := problems.NewDiagQuadratic(9, 1, 1)
	q.A.SetSym(0, 0, 5)
	x := make([]float64, 9)
	res := LinearCG(MatVec(q.A), q.B, x, 1e-12, 0, nil)
	if res.Iterations != 2 {
		t.Fatalf("2 distinct eigenvalues: %d iterations, want 2", res.Iterations)
	}
}

func TestNonlinearCGVariants(t *testing.T) {
	for _, v := range []CGVariant{FletcherReeves, PolakRibierePlus, HestenesStiefel} {
		t.Run(v.String(), func(t *testing.T) {
			// On a quadratic with exact-enough line searches CG converges in
			// about n iterations.
			q := rotatedQuadratic(6, 1, 30)
			w := tensor.New(make([]float64, 6))
			opt := NewNonlinearCG([]*tensor.Tensor{w}, cgConfig(v, 60))
			opt.Step(problems.Closure(q, w))
			if e := dist(w.Data(), q.Minimizer()); e > 1e-6 {
				t.Fatalf("quadratic: error %g", e)
			}
			r := problems.Rosenbrock{N: 2}
			w2 := tensor.New([]float64{-1.2, 1})
			opt2 := NewNonlinearCG([]*tensor.Tensor{w2}, cgConfig(v, 2000))
			opt2.Step(problems.Closure(r, w2))
			if e := dist(w2.Data(), []float64{1, 1}); e > 1e-4 {
				t.Fatalf("Rosenbrock: ends at %v after %d evaluations", w2.Data(), opt2.FuncEvals())
			}
		})
	}
}

func cgConfig(v CGVariant, iters int) CGConfig {
	return CGConfig{Variant: v, MaxIter: iters, ToleranceGrad: 1e-9}
}
