package curvature

import (
	"fmt"
	"math"
	"math/rand"
	"strings"
)

// DensitySettings are the budget and resolution of EstimateDensity. The
// zero value asks for the defaults.
type DensitySettings struct {
	// Probes is the number of random starting vectors; zero means 5.
	Probes int
	// Steps is the number of Lanczos steps per probe (capped at N); zero
	// means 50.
	Steps int
	// Sigma is the standard deviation of the Gaussian put on each Ritz
	// value; zero means 1% of the width of the spectrum found.
	Sigma float64
	// Points is the number of grid points; zero means 500.
	Points int
	// Seed seeds the Rademacher probes.
	Seed int64
}

// Density is an estimate of the eigenvalue density of an operator,
// φ(t) = (1/N) Σᵢ δ(t − λᵢ), by stochastic Lanczos quadrature (Ghorbani,
// Krishnan and Xiao, "An Investigation into Neural Net Optimization via
// Hessian Eigenvalue Density", ICML 2019).
//
// For a unit probe v, vᵀ f(H) v = Σᵢ (vᵀuᵢ)² f(λᵢ); m Lanczos steps from v
// give the Gauss quadrature rule of that sum: nodes θⱼ (the eigenvalues of
// the tridiagonal T) and weights τⱼ (the squared first components of its
// eigenvectors), exact for polynomials of degree up to 2m−1. A random
// probe has E[(vᵀuᵢ)²] = 1/N, so averaging the rules of several probes and
// putting a Gaussian of width Sigma on each node gives a smooth estimate of
// φ that integrates to 1.
type Density struct {
	Grid   []float64 // the points t at which the density is evaluated
	Values []float64 // φ(t) on Grid, integrating to 1
	Sigma  float64   // the Gaussian broadening used
	// Nodes and Weights are the quadrature rule of each probe; each row of
	// Weights sums to 1.
	Nodes   [][]float64
	Weights [][]float64
	N       int // the operator's dimension
	HVPs    int // Hessian-vector products used
}

// EstimateDensity estimates the eigenvalue density of op by stochastic
// Lanczos quadrature with full reorthogonalization. It costs
// Probes·Steps Hessian-vector products and keeps Steps vectors of length N.
func EstimateDensity(op Operator, s DensitySettings) *Density {
	op.check("EstimateDensity")
	probes, steps, points := s.Probes, s.Steps, s.Points
	if probes <= 0 {
		probes = 5
	}
	if steps <= 0 {
		steps = 50
	}
	steps = min(steps, op.N)
	if points <= 0 {
		points = 500
	}
	rng := rand.New(rand.NewSource(s.Seed))
	d := &Density{N: op.N}
	v := make([]float64, op.N)
	for range probes {
		for i := range v {
			v[i] = float64(2*rng.Intn(2) - 1)
		}
		k := runLanczos(op, v, steps, nil, func(*krylov) bool { return false })
		d.HVPs += len(k.alpha)
		vals, z := tridiagEig(k.alpha, k.beta)
		m := len(vals)
		w := make([]float64, m)
		for j := range w {
			w[j] = z[j] * z[j] // first row of the eigenvector matrix
		}
		d.Nodes = append(d.Nodes, vals)
		d.Weights = append(d.Weights, w)
	}
	d.evaluate(s.Sigma, points)
	return d
}

// evaluate puts a Gaussian of width sigma (zero: 1% of the spectrum's
// width) on every node and samples the mixture on a grid of the given
// number of points.
func (d *Density) evaluate(sigma float64, points int) {
	if points < 2 {
		panic(fmt.Errorf("curvature: density: %d grid points, want at least 2", points))
	}
	lo, hi := d.Range()
	d.Sigma = sigma
	if d.Sigma <= 0 {
		d.Sigma = 0.01 * math.Max(hi-lo, math.Max(math.Abs(hi), math.Abs(lo)))
		if d.Sigma == 0 {
			d.Sigma = 1e-3 // the zero operator
		}
	}
	d.Grid = make([]float64, points)
	d.Values = make([]float64, points)
	a, b := lo-5*d.Sigma, hi+5*d.Sigma
	norm := 1 / (float64(len(d.Nodes)) * d.Sigma * math.Sqrt(2*math.Pi))
	for g := range d.Grid {
		t := a + (b-a)*float64(g)/float64(points-1)
		d.Grid[g] = t
		sum := 0.0
		for p, nodes := range d.Nodes {
			for j, x := range nodes {
				u := (t - x) / d.Sigma
				sum += d.Weights[p][j] * math.Exp(-u*u/2)
			}
		}
		d.Values[g] = sum * norm
	}
}

// Trace estimates tr(H) = N·E[vᵀH·v] from the quadrature rules; it equals
// Hutchinson's estimate with the same probes.
func (d *Density) Trace() Estimate {
	x := make([]float64, len(d.Nodes))
	for p, nodes := range d.Nodes {
		for j, t := range nodes {
			x[p] += d.Weights[p][j] * t
		}
		x[p] *= float64(d.N)
	}
	return meanEstimate(x)
}

// NegativeFraction estimates the fraction of eigenvalues below
// −zeroTol·max|λ| (zeroTol ≤ 0 means DefaultZeroTol): the quadrature
// weight on negative nodes, averaged over probes. Near a critical point, a
// positive fraction means a saddle.
func (d *Density) NegativeFraction(zeroTol float64) Estimate {
	if zeroTol <= 0 {
		zeroTol = DefaultZeroTol
	}
	scale := 0.0
	for _, nodes := range d.Nodes {
		scale = math.Max(scale, math.Max(math.Abs(nodes[0]), math.Abs(nodes[len(nodes)-1])))
	}
	x := make([]float64, len(d.Nodes))
	for p, nodes := range d.Nodes {
		for j, t := range nodes {
			if t < -zeroTol*scale {
				x[p] += d.Weights[p][j]
			}
		}
	}
	return meanEstimate(x)
}

// Range returns the smallest and largest Ritz values over all probes,
// which approximate λmin and λmax from inside.
func (d *Density) Range() (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, nodes := range d.Nodes {
		lo = math.Min(lo, nodes[0])
		hi = math.Max(hi, nodes[len(nodes)-1])
	}
	return lo, hi
}

// String summarizes the density in one paragraph.
func (d *Density) String() string {
	lo, hi := d.Range()
	steps := 0
	if len(d.Nodes) > 0 {
		steps = len(d.Nodes[0])
	}
	return fmt.Sprintf("eigenvalue density of %d parameters (stochastic Lanczos quadrature, %d probes × %d steps, σ = %.3g)\n"+
		"  spectrum within [%.6g, %.6g]\n  trace ≈ %v\n  negative fraction ≈ %v",
		d.N, len(d.Nodes), steps, d.Sigma, lo, hi, d.Trace(), d.NegativeFraction(0))
}

// HTML renders the density as an inline SVG plot, on a logarithmic scale
// because the spectrum of a network is a tall bulk near zero with a few
// outliers.
func (d *Density) HTML() string {
	var b strings.Builder
	b.WriteString(`<div class="descent-density">`)
	b.WriteString(densitySVG(d.Grid, d.Values))
	fmt.Fprintf(&b, "<pre>%s</pre></div>", htmlEscape(d.String()))
	return b.String()
}

// densitySVG draws log10(φ) against t as a polyline with labelled axes.
func densitySVG(grid, values []float64) string {
	const w, h, left, bottom, top, right = 480.0, 220.0, 56.0, 28.0, 10.0, 12.0
	floor := -8.0
	ymax := floor
	logs := make([]float64, len(values))
	for i, v := range values {
		logs[i] = floor
		if v > 0 {
			logs[i] = math.Max(math.Log10(v), floor)
		}
		ymax = math.Max(ymax, logs[i])
	}
	ymin := math.Max(floor, ymax-8)
	ymax = math.Ceil(ymax)
	ymin = math.Floor(ymin)
	if ymax <= ymin {
		ymax = ymin + 1
	}
	x0, x1 := grid[0], grid[len(grid)-1]
	if x1 <= x0 {
		x1 = x0 + 1
	}
	px := func(t float64) float64 { return left + (w-left-right)*(t-x0)/(x1-x0) }
	py := func(y float64) float64 {
		y = math.Max(y, ymin)
		return top + (h-top-bottom)*(ymax-y)/(ymax-ymin)
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%g" height="%g" viewBox="0 0 %g %g" font-family="sans-serif" font-size="10">`, w, h, w, h)
	fmt.Fprintf(&b, `<rect x="%g" y="%g" width="%g" height="%g" fill="none" stroke="#888"/>`, left, top, w-left-right, h-top-bottom)
	b.WriteString(`<polyline fill="none" stroke="#1f77b4" stroke-width="1.5" points="`)
	for i, t := range grid {
		fmt.Fprintf(&b, "%.1f,%.1f ", px(t), py(logs[i]))
	}
	b.WriteString(`"/>`)
	for y := ymin; y <= ymax; y += math.Max(1, math.Round((ymax-ymin)/4)) {
		fmt.Fprintf(&b, `<text x="%g" y="%.1f" text-anchor="end">1e%d</text>`, left-4, py(y)+3, int(y))
	}
	for i := 0; i <= 4; i++ {
		t := x0 + (x1-x0)*float64(i)/4
		fmt.Fprintf(&b, `<text x="%.1f" y="%g" text-anchor="middle">%.3g</text>`, px(t), h-bottom+14, t)
	}
	fmt.Fprintf(&b, `<text x="%g" y="%g" text-anchor="middle">eigenvalue</text>`, left+(w-left-right)/2, h-2)
	b.WriteString(`</svg>`)
	return b.String()
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}
