package curvature

import (
	"fmt"
	"math"
	"math/rand"

	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/floats"

	"github.com/descentlab/descent/optimlib/interrupt"
)

// PowerSettings are the budget and accuracy of power iteration. The zero
// value asks for the defaults.
type PowerSettings struct {
	// MaxIter bounds the number of Hessian-vector products; zero means 200.
	MaxIter int
	// Tol stops the iteration when the residual ‖H·v − λ·v‖ falls below
	// Tol·|λ|; zero means 1e-6. The eigenvalue's error is then about
	// Tol²·|λ|·|λ|/gap.
	Tol float64
	// Seed seeds the random starting vector.
	Seed int64
}

// PowerResult is the dominant eigenpair found by power iteration.
type PowerResult struct {
	Value      float64   // the eigenvalue of largest magnitude, with its sign
	Vector     []float64 // its unit eigenvector
	Iterations int       // Hessian-vector products used
	Converged  bool      // whether Tol was met within MaxIter

	norm float64 // the largest ‖H·v‖ seen, a lower bound of max|λ|
}

// String reports the eigenvalue and how it was reached.
func (r PowerResult) String() string {
	return fmt.Sprintf("dominant eigenvalue %.10g after %d products (converged %v)", r.Value, r.Iterations, r.Converged)
}

// PowerIteration finds the eigenvalue of largest magnitude of op by
// repeated products, v ← H·v/‖H·v‖, with λ = vᵀH·v (the Rayleigh quotient).
// The residual shrinks like (|λ₂|/|λ₁|)^k after k products and the
// eigenvalue's error like its square. Near a saddle the dominant
// eigenvalue may be negative, and when λmax and λmin have the same
// magnitude (the 1-1-1 network at the origin) the iteration cannot
// converge; LambdaMax handles both.
func PowerIteration(op Operator, s PowerSettings) PowerResult {
	op.check("PowerIteration")
	maxIter := s.MaxIter
	if maxIter <= 0 {
		maxIter = 200
	}
	tol := s.Tol
	if tol <= 0 {
		tol = 1e-6
	}
	rng := rand.New(rand.NewSource(s.Seed))
	v := make([]float64, op.N)
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	floats.Scale(1/norm(v), v)
	hv := make([]float64, op.N)
	res := PowerResult{Value: math.NaN()}
	for res.Iterations < maxIter {
		interrupt.Check()
		op.Apply(v, hv)
		res.Iterations++
		lambda := floats.Dot(v, hv)
		nrm := norm(hv)
		res.Value = lambda
		res.norm = math.Max(res.norm, nrm)
		if nrm == 0 {
			// H·v = 0 from a random start: the operator is zero.
			res.Converged = true
			break
		}
		// ‖H·v − λ·v‖² = ‖H·v‖² − λ² for a unit v.
		if r := math.Sqrt(math.Max(nrm*nrm-lambda*lambda, 0)); r <= tol*math.Abs(lambda) {
			res.Converged = true
			break
		}
		v, hv = hv, v
		floats.Scale(1/nrm, v)
	}
	res.Vector = v
	return res
}

// LambdaMax returns the largest eigenvalue λmax of op by power iteration
// with the default settings. When the dominant eigenvalue is negative (a
// saddle with strong negative curvature) or the iteration does not settle
// (λmin = −λmax), it iterates again on H + ρ·I, where ρ estimates the
// spectral radius: its eigenvalues are non-negative and its dominant one is
// λmax + ρ.
func LambdaMax(op Operator) float64 {
	return LambdaMaxWith(op, PowerSettings{})
}

// LambdaMaxWith is LambdaMax with explicit settings.
func LambdaMaxWith(op Operator, s PowerSettings) float64 {
	r := PowerIteration(op, s)
	if r.Converged && r.Value >= 0 {
		return r.Value
	}
	rho := math.Max(r.norm, math.Abs(r.Value))
	shifted := PowerIteration(Shift(op, rho), s)
	return shifted.Value - rho
}

// OptimalStep returns 1/λmax, the step size of gradient descent that
// jumps to the minimum along the direction of largest curvature in one
// step (the lecture's γopt). It is +Inf when λmax ≤ 0.
func OptimalStep(lambdaMax float64) float64 {
	if lambdaMax <= 0 {
		return math.Inf(1)
	}
	return 1 / lambdaMax
}

// MaxStableStep returns 2/λmax: gradient descent on a quadratic diverges
// for any larger step, since |1 − γλmax| then exceeds 1. It is +Inf when
// λmax ≤ 0.
func MaxStableStep(lambdaMax float64) float64 {
	if lambdaMax <= 0 {
		return math.Inf(1)
	}
	return 2 / lambdaMax
}

// Estimate is a Monte Carlo estimate with its standard error.
type Estimate struct {
	Value   float64
	StdErr  float64
	Samples int
}

// String formats the estimate as "value ± stderr (n samples)".
func (e Estimate) String() string {
	return fmt.Sprintf("%.6g ± %.2g (%d samples)", e.Value, e.StdErr, e.Samples)
}

// Trace estimates tr(H) with Hutchinson's estimator: for Rademacher probes
// z (entries ±1 with equal probability, drawn from seed), E[zᵀH·z] = tr(H),
// so the mean over probes is unbiased; its variance is
// 2·(‖H‖²_F − Σ H_ii²)/probes. Each probe costs one Hessian-vector product.
func Trace(op Operator, probes int, seed int64) Estimate {
	op.check("Trace")
	if probes <= 0 {
		panic(fmt.Errorf("curvature: Trace: %d probes, want at least 1", probes))
	}
	rng := rand.New(rand.NewSource(seed))
	z := make([]float64, op.N)
	hz := make([]float64, op.N)
	samples := make([]float64, probes)
	for p := range samples {
		for i := range z {
			z[i] = float64(2*rng.Intn(2) - 1)
		}
		interrupt.Check()
		op.Apply(z, hz)
		samples[p] = floats.Dot(z, hz)
	}
	return meanEstimate(samples)
}

func meanEstimate(x []float64) Estimate {
	n := float64(len(x))
	mean := floats.Sum(x) / n
	e := Estimate{Value: mean, Samples: len(x)}
	if len(x) > 1 {
		ss := 0.0
		for _, v := range x {
			ss += (v - mean) * (v - mean)
		}
		e.StdErr = math.Sqrt(ss / (n - 1) / n)
	}
	return e
}

// norm is the Euclidean norm through the BLAS in use (OpenBLAS's dnrm2 is
// three times as fast as floats.Norm on the 200k entries of an MLP's
// parameters).
func norm(v []float64) float64 {
	return blas64.Nrm2(blas64.Vector{N: len(v), Inc: 1, Data: v})
}
