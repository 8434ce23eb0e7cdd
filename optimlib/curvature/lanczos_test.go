package curvature

import (
	"fmt"
	"math"
	"math/rand"
	"sort"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// symWithSpectrum returns Q·diag(values)·Qᵀ for a random orthogonal Q.
func symWithSpectrum(rng *rand.Rand, values []float64) *mat.SymDense {
	n := len(values)
	g := mat.NewDense(n, n, nil)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			g.Set(i, j, rng.NormFloat64())
		}
	}
	var qr mat.QR
	qr.Factorize(g)
	var q mat.Dense
	qr.QTo(&q)
	var qd mat.Dense
	qd.Mul(&q, mat.NewDiagDense(n, values))
	var a mat.Dense
	a.Mul(&qd, q.T())
	s := mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			s.SetSym(i, j, (a.At(i, j)+a.At(j, i))/2)
		}
	}
	return s
}

func randomSym(rng *rand.Rand, n int) *mat.SymDense {
	s := mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			s.SetSym(i, j, rng.NormFloat64()/math.Sqrt(float64(n)))
		}
	}
	return s
}

func eigenSym(t *testing.T, a mat.Symmetric) []float64 {
	t.Helper()
	var eig mat.EigenSym
	if !eig.Factorize(a, false) {
		t.Fatal("EigenSym did not converge")
	}
	v := eig.Values(nil)
	sort.Float64s(v)
	return v
}

func TestHessianOfMatrix(t *testing.T) {
	a := randomSym(rand.New(rand.NewSource(1)), 7)
	h := Hessian(FromMatrix(a))
	if !mat.EqualApprox(h, a, 1e-15) {
		t.Fatalf("Hessian(FromMatrix(A)) = %v, want %v", mat.Formatted(h), mat.Formatted(a))
	}
}

func TestFromMatrixRejects(t *testing.T) {
	tests := []struct {
		name string
		a    mat.Matrix
	}{
		{"not square", mat.NewDense(2, 3, nil)},
		{"not symmetric", mat.NewDense(2, 2, []float64{1, 2, 3, 4})},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("FromMatrix did not panic")
				}
			}()
			FromMatrix(tc.a)
		})
	}
	// A symmetric *mat.Dense is accepted.
	op := FromMatrix(mat.NewDense(2, 2, []float64{1, 2, 2, 5}))
	if got := op.MulVec([]float64{1, 1}); got[0] != 3 || got[1] != 7 {
		t.Fatalf("MulVec = %v, want [3 7]", got)
	}
}

func TestLanczosMatchesEigenSym(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	clustered := make([]float64, 120)
	for i := range clustered {
		clustered[i] = 1e-3 * rng.NormFloat64() // a bulk near zero, as in networks
	}
	copy(clustered, []float64{50, 20, 19.5, 10, -3, -1})
	repeated := make([]float64, 40)
	for i := range repeated {
		repeated[i] = float64(i % 4) // every eigenvalue four times
	}
	tests := []struct {
		name        string
		a           *mat.SymDense
		top, bottom int
	}{
		{"random 60", randomSym(rng, 60), 5, 5},
		{"random 200", randomSym(rng, 200), 5, 3},
		{"network-like bulk", symWithSpectrum(rng, clustered), 5, 2},
		{"repeated eigenvalues", symWithSpectrum(rng, repeated), 6, 6},
		{"tiny", mat.NewSymDense(2, []float64{0, -2, -2, 0}), 1, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want := eigenSym(t, tc.a)
			n := len(want)
			res := Lanczos(FromMatrix(tc.a), tc.top, tc.bottom, LanczosSettings{MaxSteps: n, Seed: 3})
			if !res.Converged {
				t.Errorf("not converged after %d steps", res.Steps)
			}
			for i, got := range res.Top.Values {
				if w := want[n-1-i]; math.Abs(got-w) > 1e-8*math.Max(1, math.Abs(w)) {
					t.Errorf("top[%d] = %.15g, EigenSym %.15g", i, got, w)
				}
			}
			for i, got := range res.Bottom.Values {
				if w := want[i]; math.Abs(got-w) > 1e-8*math.Max(1, math.Abs(w)) {
					t.Errorf("bottom[%d] = %.15g, EigenSym %.15g", i, got, w)
				}
			}
			// The Ritz vectors are eigenvectors: ‖A·v − λ·v‖ is small.
			for _, e := range []Eigenpairs{res.Top, res.Bottom} {
				for i, lambda := range e.Values {
					v := mat.Col(nil, i, e.Vectors)
					var av mat.VecDense
					av.MulVec(tc.a, mat.NewVecDense(n, v))
					floats.AddScaled(av.RawVector().Data, -lambda, v)
					if r := floats.Norm(av.RawVector().Data, 2); r > 1e-6*math.Max(1, math.Abs(want[n-1])) {
						t.Errorf("eigenpair λ=%g: residual %g", lambda, r)
					}
				}
			}
		})
	}
}

func TestLanczosStopsEarlyOnAGap(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	values := make([]float64, 400)
	for i := range values {
		values[i] = rng.Float64()
	}
	values[0], values[1] = 100, 60
	res := Lanczos(FromMatrix(symWithSpectrum(rng, values)), 2, 0, LanczosSettings{})
	if !res.Converged || res.Steps >= 100 {
		t.Fatalf("converged=%v after %d steps; two well separated eigenvalues should take far fewer than 100", res.Converged, res.Steps)
	}
	if math.Abs(res.Top.Values[0]-100) > 1e-8 || math.Abs(res.Top.Values[1]-60) > 1e-8 {
		t.Fatalf("top = %v, want [100 60]", res.Top.Values)
	}
}

func TestPowerIteration(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	tests := []struct {
		name      string
		values    []float64
		dominant  float64
		lambdaMax float64
	}{
		{"positive definite", []float64{10, 4, 3, 1, 0.5}, 10, 10},
		{"dominant negative (saddle)", []float64{-12, 5, 2, 0, -1}, -12, 5},
		{"negative definite", []float64{-1, -2, -7}, -7, -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			op := FromMatrix(symWithSpectrum(rng, tc.values))
			r := PowerIteration(op, PowerSettings{Tol: 1e-13, MaxIter: 5000})
			if !r.Converged || math.Abs(r.Value-tc.dominant) > 1e-8 {
				t.Errorf("PowerIteration = %.12g (converged %v, %d iterations), want %g", r.Value, r.Converged, r.Iterations, tc.dominant)
			}
			if got := LambdaMaxWith(op, PowerSettings{Tol: 1e-13, MaxIter: 5000}); math.Abs(got-tc.lambdaMax) > 1e-8 {
				t.Errorf("LambdaMax = %.12g, want %g", got, tc.lambdaMax)
			}
		})
	}
}

func TestSteps(t *testing.T) {
	tests := []struct {
		lambda, opt, stable float64
	}{
		{4, 0.25, 0.5},
		{0.84, 1 / 0.84, 2.38095238095238}, // the lecture's example: ηmax ≈ 2.38
		{0, math.Inf(1), math.Inf(1)},
	}
	for _, tc := range tests {
		if got := OptimalStep(tc.lambda); math.Abs(got-tc.opt) > 1e-12 && got != tc.opt {
			t.Errorf("OptimalStep(%g) = %g, want %g", tc.lambda, got, tc.opt)
		}
		if got := MaxStableStep(tc.lambda); math.Abs(got-tc.stable) > 1e-12 && got != tc.stable {
			t.Errorf("MaxStableStep(%g) = %g, want %g", tc.lambda, got, tc.stable)
		}
	}
}

func TestTrace(t *testing.T) {
	rng := rand.New(rand.NewSource(9))
	// For a diagonal matrix every Rademacher probe gives the exact trace.
	d := mat.NewSymDense(5, nil)
	for i, v := range []float64{3, -1, 2, 7, 0.5} {
		d.SetSym(i, i, v)
	}
	if e := Trace(FromMatrix(d), 3, 1); math.Abs(e.Value-11.5) > 1e-12 || e.StdErr > 1e-12 {
		t.Errorf("Trace(diagonal) = %v, want exactly 11.5", e)
	}
	a := symWithSpectrum(rng, []float64{5, 4, 3, 2, 1, 1, 1, 0, -1, -2})
	e := Trace(FromMatrix(a), 400, 2)
	if math.Abs(e.Value-14) > 4*e.StdErr || e.StdErr == 0 || e.StdErr > 1 {
		t.Errorf("Trace = %v, want 14 within 4 standard errors", e)
	}
}

func TestDensity(t *testing.T) {
	values := []float64{-2, -0.5, 0.1, 1, 3, 8}
	d := mat.NewSymDense(len(values), nil)
	for i, v := range values {
		d.SetSym(i, i, v)
	}
	// With as many steps as eigenvalues, the quadrature is exact: for a
	// diagonal matrix and a Rademacher probe the nodes are the eigenvalues
	// and every weight is 1/N.
	den := EstimateDensity(FromMatrix(d), DensitySettings{Probes: 2, Steps: 6, Seed: 4})
	for p := range den.Nodes {
		for j, x := range den.Nodes[p] {
			if math.Abs(x-values[j]) > 1e-10 || math.Abs(den.Weights[p][j]-1.0/6) > 1e-10 {
				t.Errorf("probe %d node %d: (%g, %g), want (%g, %g)", p, j, x, den.Weights[p][j], values[j], 1.0/6)
			}
		}
	}
	if got := den.NegativeFraction(0).Value; math.Abs(got-2.0/6) > 1e-10 {
		t.Errorf("NegativeFraction = %g, want 1/3", got)
	}
	// The density integrates to 1 (trapezoid rule on the grid).
	integral := 0.0
	for i := 1; i < len(den.Grid); i++ {
		integral += (den.Grid[i] - den.Grid[i-1]) * (den.Values[i] + den.Values[i-1]) / 2
	}
	if math.Abs(integral-1) > 1e-3 {
		t.Errorf("density integrates to %g, want 1", integral)
	}

	// On a general matrix with few steps, the quadrature trace equals
	// Hutchinson's estimate with the same probes, since Σ τθ = e₁ᵀTe₁ = vᵀHv.
	rng := rand.New(rand.NewSource(3))
	a := FromMatrix(randomSym(rng, 80))
	den = EstimateDensity(a, DensitySettings{Probes: 4, Steps: 10, Seed: 8})
	if got, want := den.Trace(), Trace(a, 4, 8); math.Abs(got.Value-want.Value) > 1e-10*math.Max(1, math.Abs(want.Value)) {
		t.Errorf("density trace %v, Hutchinson %v", got, want)
	}
	if den.HVPs != 40 {
		t.Errorf("HVPs = %d, want 40", den.HVPs)
	}
}

func TestConditionAndNegativeFraction(t *testing.T) {
	tests := []struct {
		name     string
		values   []float64
		cond     float64
		negative float64
	}{
		{"positive definite", []float64{0.5, 1, 10}, 20, 0},
		{"with zero eigenvalues", []float64{0, 1e-14, 2, 8}, 4, 0},
		{"saddle", []float64{-2, 2}, 1, 0.5},
		{"indefinite", []float64{-4, -1, 0, 1, 2}, 4, 0.4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Condition(tc.values, 0); math.Abs(got-tc.cond) > 1e-12 {
				t.Errorf("Condition = %g, want %g", got, tc.cond)
			}
			if got := NegativeFraction(tc.values, 0); got != tc.negative {
				t.Errorf("NegativeFraction = %g, want %g", got, tc.negative)
			}
		})
	}
	if got := Condition([]float64{0, 0}, 0); !math.IsNaN(got) {
		t.Errorf("Condition of the zero spectrum = %g, want NaN", got)
	}
}

func TestBadInputPanics(t *testing.T) {
	op := FromMatrix(mat.NewSymDense(2, []float64{2, 1, 1, 3}))
	tests := []struct {
		name string
		call func()
		want string
	}{
		{"no eigenpairs", func() { Lanczos(op, 0, 0, LanczosSettings{}) }, "Lanczos: asked for 0 top and 0 bottom"},
		{"negative count", func() { TopEigen(op, -1) }, "Lanczos: asked for -1 top"},
		{"MaxSteps too small", func() {
			Lanczos(NewOperator(10, func(v, out []float64) { copy(out, v) }), 4, 0, LanczosSettings{MaxSteps: 2})
		}, "MaxSteps 2 is smaller than the 4"},
		{"no probes", func() { Trace(op, 0, 1) }, "Trace: 0 probes"},
		{"empty operator", func() { LambdaMax(Operator{}) }, "PowerIteration: operator dimension 0"},
		{"no Apply", func() { Hessian(Operator{N: 3}) }, "Hessian: operator of dimension 3 has no Apply"},
		{"wrong vector length", func() { op.MulVec([]float64{1, 2, 3}) }, "MulVec: vector of length 3 for an operator of dimension 2"},
		{"one grid point", func() { EstimateDensity(op, DensitySettings{Points: 1}) }, "1 grid points"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				r := recover()
				if r == nil {
					t.Fatal("no panic")
				}
				if msg := fmt.Sprint(r); !strings.Contains(msg, tc.want) {
					t.Fatalf("panic %q, want it to contain %q", msg, tc.want)
				}
			}()
			tc.call()
		})
	}
	// Asking for more eigenpairs than the dimension returns all of them.
	res := Lanczos(op, 5, 5, LanczosSettings{})
	if len(res.Top.Values) != 2 || len(res.Bottom.Values) != 2 || !res.Converged {
		t.Fatalf("Lanczos on a 2×2 matrix asked for 5: %v", res)
	}
}
