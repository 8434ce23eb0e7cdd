package curvature

import (
	"fmt"
	"math"
	"math/rand"
	"strings"
	"testing"

	"github.com/descentlab/descent/optimlib/tensor"
)

func TestAnalyzeExact(t *testing.T) {
	r := Analyze(FromFunc(oneOneOne, []float64{0, 0}))
	if !r.Exact || r.N != 2 || r.LambdaMax != 2 || r.LambdaMin != -2 || r.NegativeFraction != 0.5 || r.Condition != 1 {
		t.Fatalf("report at the origin: %+v", r)
	}
	if r.OptimalStep != 0.5 || r.MaxStableStep != 1 || r.HVPs != 2 || r.ZeroCount != 0 {
		t.Fatalf("steps %g %g, HVPs %d, zeros %d", r.OptimalStep, r.MaxStableStep, r.HVPs, r.ZeroCount)
	}
	text := r.String()
	for _, want := range []string{"exact", "λmax", "2", "saddle", "condition L/μ", "0.5 (1 of 2)", "max stable step 2/λmax"} {
		if !strings.Contains(text, want) {
			t.Errorf("String() lacks %q:\n%s", want, text)
		}
	}
	html := r.HTML()
	if !strings.HasPrefix(html, "<table") || !strings.Contains(html, "<th") || strings.Contains(html, "<svg") {
		t.Errorf("HTML() = %s", html)
	}
}

func TestAnalyzeLarge(t *testing.T) {
	rng := rand.New(rand.NewSource(21))
	values := make([]float64, 300)
	for i := range values {
		values[i] = 0.01 * rng.NormFloat64()
	}
	copy(values, []float64{30, 12, 9, 5, -4, -2.5})
	a := symWithSpectrum(rng, values)
	want := eigenSym(t, a)
	r := AnalyzeWith(FromMatrix(a), Settings{DenseLimit: 100, K: 3, Density: DensitySettings{Probes: 8, Steps: 40, Seed: 1}})
	if r.Exact || !math.IsNaN(r.Condition) || r.Density == nil || r.ZeroCount != -1 {
		t.Fatalf("above DenseLimit the report should be estimated: %+v", r)
	}
	for i := 0; i < 3; i++ {
		if math.Abs(r.Top[i]-want[299-i]) > 1e-8 || math.Abs(r.Bottom[i]-want[i]) > 1e-8 {
			t.Fatalf("top %v bottom %v, want %v and %v", r.Top, r.Bottom, want[297:], want[:3])
		}
	}
	trace := 0.0
	for _, v := range values {
		trace += v
	}
	if math.Abs(r.Trace.Value-trace) > 4*r.Trace.StdErr+1e-9 {
		t.Errorf("trace %v, want %g", r.Trace, trace)
	}
	// About half of the bulk near zero is negative, plus two outliers.
	exact := NegativeFraction(want, 0)
	if math.Abs(r.NegativeFraction-exact) > 0.15 {
		t.Errorf("estimated negative fraction %g, exact %g", r.NegativeFraction, exact)
	}
	if r.HVPs <= r.Density.HVPs {
		t.Errorf("HVPs = %d, density used %d", r.HVPs, r.Density.HVPs)
	}
	text, html := r.String(), r.HTML()
	for _, want := range []string{"Lanczos", "stochastic Lanczos quadrature", "n/a", "negative curvature"} {
		if !strings.Contains(text, want) {
			t.Errorf("String() lacks %q:\n%s", want, text)
		}
	}
	if !strings.Contains(html, "<svg") || !strings.Contains(html, "<polyline") {
		t.Errorf("HTML() has no density plot")
	}
	if s := r.Density.String(); !strings.Contains(s, "8 probes × 40 steps") {
		t.Errorf("Density.String() = %s", s)
	}
}

func TestStrings(t *testing.T) {
	op := FromMatrix(symWithSpectrum(rand.New(rand.NewSource(2)), []float64{3, 1, -1}))
	tests := []struct {
		name string
		got  string
		want []string
	}{
		{"Lanczos", Lanczos(op, 1, 1, LanczosSettings{}).String(), []string{"Lanczos: 3 steps, converged true", "top    eigenvalues [3]", "bottom eigenvalues [-1]"}},
		{"power", PowerIteration(op, PowerSettings{Tol: 1e-12}).String(), []string{"dominant eigenvalue 3 after", "converged true"}},
		{"spectrum", DenseSpectrum(op).String(), []string{"eigenvalues   [-1 1 3]", "negative fraction        0.3333 (1 of 3)"}},
		{"operator", op.String(), []string{"Operator(3×3, symmetric, by Hessian-vector products)"}},
		{"estimate", Estimate{Value: 2.5, StdErr: 0.25, Samples: 4}.String(), []string{"2.5 ± 0.25 (4 samples)"}},
	}
	for _, tc := range tests {
		for _, w := range tc.want {
			if !strings.Contains(tc.got, w) {
				t.Errorf("%s: %q lacks %q", tc.name, tc.got, w)
			}
		}
	}
}

func TestLossMustDependOnParameters(t *testing.T) {
	w := tensor.New([]float64{1, 2}).SetRequiresGrad(true)
	op := FromLoss(func() *tensor.Tensor { return tensor.Sum(w.Detach()) }, []*tensor.Tensor{w})
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "does not depend") {
			t.Fatalf("panic %v, want an error saying the loss does not depend on the parameters", r)
		}
	}()
	op.MulVec([]float64{1, 0})
}

func TestDensityApproachesExactSpectrum(t *testing.T) {
	rng := rand.New(rand.NewSource(13))
	values := make([]float64, 200)
	for i := range values {
		values[i] = rng.NormFloat64()
		if i < 20 {
			values[i] += 6 // a second cluster of outliers
		}
	}
	a := symWithSpectrum(rng, values)
	exact := SpectrumOf(a)
	lo, hi := exact.LambdaMin(), exact.LambdaMax()
	sigma := 0.05 * (hi - lo)
	est := EstimateDensity(FromMatrix(a), DensitySettings{Probes: 10, Steps: 40, Sigma: sigma, Seed: 3})
	ref := exact.Density(sigma, 0)
	// L1 distance between the two densities, on the estimate's grid.
	l1 := 0.0
	for i := 1; i < len(est.Grid); i++ {
		dt := est.Grid[i] - est.Grid[i-1]
		l1 += dt * math.Abs(est.Values[i]-densityAt(ref, est.Grid[i]))
	}
	t.Logf("L1 distance between the estimated and the exact density: %.3g", l1)
	if l1 > 0.15 {
		t.Fatalf("L1 distance %.3g between estimated and exact densities, want < 0.15", l1)
	}
	if got, want := est.NegativeFraction(0).Value, exact.NegativeFraction(); math.Abs(got-want) > 0.1 {
		t.Fatalf("negative fraction %g, exact %g", got, want)
	}
	if !strings.Contains(exact.HTML(), "<polyline") {
		t.Fatal("Spectrum.HTML() has no density plot")
	}
}

// densityAt evaluates the broadened density at t directly from its rule.
func densityAt(d *Density, t float64) float64 {
	sum := 0.0
	for p, nodes := range d.Nodes {
		for j, x := range nodes {
			u := (t - x) / d.Sigma
			sum += d.Weights[p][j] * math.Exp(-u*u/2)
		}
	}
	return sum / (float64(len(d.Nodes)) * d.Sigma * math.Sqrt(2*math.Pi))
}

// TestMaxStableStep runs gradient descent on the quadratic ½wᵀHw: it
// converges just below 2/λmax and diverges just above, as the lecture says.
func TestMaxStableStep(t *testing.T) {
	h := symWithSpectrum(rand.New(rand.NewSource(17)), []float64{0.84, 0.5, 0.1})
	op := FromMatrix(h)
	step := MaxStableStep(LambdaMaxWith(op, PowerSettings{Tol: 1e-12, MaxIter: 2000}))
	if math.Abs(step-2/0.84) > 1e-9 {
		t.Fatalf("MaxStableStep = %.12g, want 2/0.84 = %.12g", step, 2/0.84)
	}
	for _, tc := range []struct {
		scale    float64
		converge bool
	}{{0.98, true}, {1.02, false}} {
		w := []float64{1, 1, 1}
		for range 2000 {
			g := op.MulVec(w)
			for i := range w {
				w[i] -= tc.scale * step * g[i]
			}
		}
		nrm := math.Sqrt(w[0]*w[0] + w[1]*w[1] + w[2]*w[2])
		if (nrm < 1e-3) != tc.converge {
			t.Errorf("step %.3g·2/λmax: ‖w‖ = %.3g after 2000 steps, converge = %v", tc.scale, nrm, tc.converge)
		}
	}
}

func TestAnalyzeZeroHessian(t *testing.T) {
	w := tensor.New([]float64{1, 2}).SetRequiresGrad(true)
	c := tensor.New([]float64{3, -1})
	r := Analyze(FromLoss(func() *tensor.Tensor { return tensor.Sum(tensor.Mul(c, w)) }, []*tensor.Tensor{w}))
	if r.LambdaMax != 0 || r.ZeroCount != 2 || !math.IsInf(r.MaxStableStep, 1) || !strings.Contains(r.String(), "every eigenvalue is zero") {
		t.Fatalf("report of a linear loss:\n%s", r)
	}
}
