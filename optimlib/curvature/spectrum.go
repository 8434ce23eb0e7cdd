package curvature

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"gonum.org/v1/gonum/mat"
)

// DefaultZeroTol is the relative threshold below which an eigenvalue
// counts as zero: |λ| ≤ DefaultZeroTol·max|λ|. Eigenvalues computed in
// float64 from an autodiff Hessian of a few thousand parameters carry
// errors near 1e-13·max|λ|, well below it, while genuinely small
// curvature of a real model (1e-6 relative and up) stays above it.
const DefaultZeroTol = 1e-9

// Condition returns the condition number L/μ of the nonzero spectrum: the
// largest |λ| over the smallest |λ| that exceeds zeroTol·max|λ| (zeroTol ≤
// 0 means DefaultZeroTol). Zero eigenvalues (directions the loss does not
// depend on, like the hyperbola of the 1-1-1 network) are left out, as in
// the lecture. It is NaN for an empty or all-zero spectrum.
func Condition(values []float64, zeroTol float64) float64 {
	if zeroTol <= 0 {
		zeroTol = DefaultZeroTol
	}
	big := 0.0
	for _, v := range values {
		big = math.Max(big, math.Abs(v))
	}
	if big == 0 {
		return math.NaN()
	}
	small := math.Inf(1)
	for _, v := range values {
		if a := math.Abs(v); a > zeroTol*big {
			small = math.Min(small, a)
		}
	}
	return big / small
}

// NegativeFraction returns the fraction of values below −zeroTol·max|λ|
// (zeroTol ≤ 0 means DefaultZeroTol). At a critical point, a positive
// fraction means a saddle: some directions go down.
func NegativeFraction(values []float64, zeroTol float64) float64 {
	if len(values) == 0 {
		return math.NaN()
	}
	if zeroTol <= 0 {
		zeroTol = DefaultZeroTol
	}
	big := 0.0
	for _, v := range values {
		big = math.Max(big, math.Abs(v))
	}
	neg := 0
	for _, v := range values {
		if v < -zeroTol*big {
			neg++
		}
	}
	return float64(neg) / float64(len(values))
}

// Spectrum is the complete eigendecomposition of a symmetric matrix,
// usually an exact Hessian.
type Spectrum struct {
	// Values are all eigenvalues, ascending.
	Values []float64
	// Vectors holds the unit eigenvector of Values[i] in column i.
	Vectors *mat.Dense
	// ZeroTol is the relative threshold of Condition and NegativeFraction;
	// zero means DefaultZeroTol.
	ZeroTol float64
}

// DenseSpectrum forms the Hessian of op (see Hessian) and returns all its
// eigenvalues and eigenvectors. It suits up to a few thousand parameters.
func DenseSpectrum(op Operator) Spectrum {
	return SpectrumOf(Hessian(op))
}

// SpectrumOf returns the eigendecomposition of a symmetric matrix, by
// gonum's EigenSym.
func SpectrumOf(h mat.Symmetric) Spectrum {
	var eig mat.EigenSym
	if !eig.Factorize(h, true) {
		n := h.SymmetricDim()
		panic(fmt.Errorf("curvature: SpectrumOf: eigendecomposition of a %d×%d matrix did not converge", n, n))
	}
	s := Spectrum{Values: eig.Values(nil), Vectors: &mat.Dense{}}
	eig.VectorsTo(s.Vectors)
	if !sort.Float64sAreSorted(s.Values) {
		panic(fmt.Errorf("curvature: SpectrumOf: eigenvalues not in ascending order"))
	}
	return s
}

// N returns the dimension.
func (s Spectrum) N() int { return len(s.Values) }

// LambdaMax returns the largest eigenvalue.
func (s Spectrum) LambdaMax() float64 { return s.Values[len(s.Values)-1] }

// LambdaMin returns the smallest eigenvalue (negative at a saddle).
func (s Spectrum) LambdaMin() float64 { return s.Values[0] }

// Trace returns the sum of the eigenvalues.
func (s Spectrum) Trace() float64 {
	t := 0.0
	for _, v := range s.Values {
		t += v
	}
	return t
}

// Condition returns L/μ of the nonzero spectrum; see the function
// Condition.
func (s Spectrum) Condition() float64 { return Condition(s.Values, s.ZeroTol) }

// NegativeFraction returns the fraction of negative eigenvalues; see the
// function NegativeFraction.
func (s Spectrum) NegativeFraction() float64 { return NegativeFraction(s.Values, s.ZeroTol) }

// ZeroCount returns how many eigenvalues count as zero.
func (s Spectrum) ZeroCount() int {
	tol := s.ZeroTol
	if tol <= 0 {
		tol = DefaultZeroTol
	}
	big := math.Max(math.Abs(s.Values[0]), math.Abs(s.LambdaMax()))
	z := 0
	for _, v := range s.Values {
		if math.Abs(v) <= tol*big {
			z++
		}
	}
	return z
}

// OptimalStep returns 1/λmax; see the function OptimalStep.
func (s Spectrum) OptimalStep() float64 { return OptimalStep(s.LambdaMax()) }

// MaxStableStep returns 2/λmax; see the function MaxStableStep.
func (s Spectrum) MaxStableStep() float64 { return MaxStableStep(s.LambdaMax()) }

// Report returns the spectrum's numbers as a Report.
func (s Spectrum) Report() Report {
	n := len(s.Values)
	k := min(5, n)
	r := Report{
		N:                n,
		Exact:            true,
		LambdaMax:        s.LambdaMax(),
		LambdaMin:        s.LambdaMin(),
		Trace:            Estimate{Value: s.Trace()},
		Condition:        s.Condition(),
		NegativeFraction: s.NegativeFraction(),
		ZeroCount:        s.ZeroCount(),
		OptimalStep:      s.OptimalStep(),
		MaxStableStep:    s.MaxStableStep(),
		ZeroTol:          s.ZeroTol,
		Bottom:           append([]float64(nil), s.Values[:k]...),
	}
	for i := n - 1; i >= n-k; i-- {
		r.Top = append(r.Top, s.Values[i])
	}
	if r.ZeroTol <= 0 {
		r.ZeroTol = DefaultZeroTol
	}
	return r
}

// String shows the summary numbers and, for up to 12 eigenvalues, all of
// them.
func (s Spectrum) String() string {
	var b strings.Builder
	b.WriteString(s.Report().String())
	if len(s.Values) <= 12 {
		fmt.Fprintf(&b, "\n  eigenvalues   %s", formatValues(s.Values))
	}
	return b.String()
}

// Density returns the exact eigenvalue density broadened by Gaussians of
// width sigma (zero: 1% of the spectrum's width) on a grid of points
// (zero: 500), in the form EstimateDensity gives, so that the two can be
// compared.
func (s Spectrum) Density(sigma float64, points int) *Density {
	if points <= 0 {
		points = 500
	}
	n := len(s.Values)
	w := make([]float64, n)
	for i := range w {
		w[i] = 1 / float64(n)
	}
	d := &Density{N: n, Nodes: [][]float64{append([]float64(nil), s.Values...)}, Weights: [][]float64{w}}
	d.evaluate(sigma, points)
	return d
}

// HTML renders the summary as a table with a plot of the eigenvalue
// density, for notebooks.
func (s Spectrum) HTML() string {
	r := s.Report()
	r.Density = s.Density(0, 0)
	return r.HTML()
}
