package curvature

import (
	"fmt"
	"math"
	"strings"
)

// Settings choose how Analyze measures an operator. The zero value asks
// for the defaults.
type Settings struct {
	// DenseLimit is the largest dimension analyzed exactly (dense Hessian,
	// full eigendecomposition); zero means 1500.
	DenseLimit int
	// K is how many eigenvalues to report at each end; zero means 5.
	K int
	// Lanczos, Density and TraceProbes are used above DenseLimit. The
	// density (which also gives the trace and the negative fraction) is
	// skipped when Density.Probes is negative.
	Lanczos LanczosSettings
	Density DensitySettings
	// ZeroTol is the relative threshold below which an eigenvalue counts
	// as zero; zero means DefaultZeroTol.
	ZeroTol float64
}

// Report collects the curvature numbers of the lecture for one operator.
type Report struct {
	N     int  // dimension (number of parameters)
	Exact bool // from the full dense spectrum, rather than estimated
	// LambdaMax and LambdaMin are the extreme eigenvalues.
	LambdaMax, LambdaMin float64
	// Top holds the largest eigenvalues (descending) and Bottom the
	// smallest (ascending).
	Top, Bottom []float64
	// Trace is the sum of the eigenvalues (an estimate when not Exact).
	Trace Estimate
	// Condition is L/μ of the nonzero spectrum; it needs the full spectrum
	// and is NaN when not Exact.
	Condition float64
	// NegativeFraction is the fraction of negative eigenvalues (estimated
	// by stochastic Lanczos quadrature when not Exact; NaN if skipped).
	NegativeFraction float64
	// ZeroCount is the number of zero eigenvalues (Exact only, else -1).
	ZeroCount int
	// OptimalStep is 1/λmax and MaxStableStep is 2/λmax.
	OptimalStep, MaxStableStep float64
	// ZeroTol is the relative zero threshold used.
	ZeroTol float64
	// HVPs counts the Hessian-vector products spent.
	HVPs int
	// Density is the estimated eigenvalue density, when computed.
	Density *Density
}

// Analyze measures op with the default settings; see AnalyzeWith.
func Analyze(op Operator) Report { return AnalyzeWith(op, Settings{}) }

// AnalyzeWith measures op. Up to DenseLimit parameters it forms the
// Hessian and computes every eigenvalue, so every number is exact. Above,
// one Lanczos run finds the K largest and K smallest eigenvalues, and
// stochastic Lanczos quadrature estimates the density, the trace and the
// fraction of negative eigenvalues; that costs the Lanczos steps plus
// Probes·Steps (250 by default) Hessian-vector products, which HVPs
// reports.
func AnalyzeWith(op Operator, s Settings) Report {
	op.check("Analyze")
	limit := s.DenseLimit
	if limit <= 0 {
		limit = 1500
	}
	k := s.K
	if k <= 0 {
		k = 5
	}
	if op.N <= limit {
		sp := DenseSpectrum(op)
		sp.ZeroTol = s.ZeroTol
		r := sp.Report()
		r.HVPs = op.N
		if k < len(r.Top) {
			r.Top, r.Bottom = r.Top[:k], r.Bottom[:k]
		} else if k > len(r.Top) {
			kk := min(k, op.N)
			r.Top, r.Bottom = r.Top[:0], append(r.Bottom[:0], sp.Values[:kk]...)
			for i := op.N - 1; i >= op.N-kk; i-- {
				r.Top = append(r.Top, sp.Values[i])
			}
		}
		return r
	}
	lz := Lanczos(op, k, k, s.Lanczos)
	r := Report{
		N:                op.N,
		Top:              lz.Top.Values,
		Bottom:           lz.Bottom.Values,
		LambdaMax:        lz.Top.Values[0],
		LambdaMin:        lz.Bottom.Values[0],
		Condition:        math.NaN(),
		NegativeFraction: math.NaN(),
		Trace:            Estimate{Value: math.NaN()},
		ZeroCount:        -1,
		ZeroTol:          s.ZeroTol,
		HVPs:             lz.Steps,
	}
	if r.ZeroTol <= 0 {
		r.ZeroTol = DefaultZeroTol
	}
	r.OptimalStep, r.MaxStableStep = OptimalStep(r.LambdaMax), MaxStableStep(r.LambdaMax)
	if s.Density.Probes >= 0 {
		d := EstimateDensity(op, s.Density)
		r.Density = d
		r.HVPs += d.HVPs
		r.Trace = d.Trace()
		r.NegativeFraction = d.NegativeFraction(r.ZeroTol).Value
	}
	return r
}

// rows returns the report as label/value pairs, shared by String and HTML.
func (r Report) rows() [][2]string {
	method := "exact (dense Hessian, all eigenvalues)"
	if !r.Exact {
		method = "Lanczos (extreme eigenvalues)"
		if r.Density != nil {
			method += " + stochastic Lanczos quadrature"
		}
	}
	trace := fmt.Sprintf("%.6g", r.Trace.Value)
	if r.Trace.Samples > 0 {
		trace = r.Trace.String()
	}
	cond := fmt.Sprintf("%.6g", r.Condition)
	if math.IsNaN(r.Condition) {
		cond = "n/a (needs the full spectrum)"
		if r.Exact {
			cond = "n/a (every eigenvalue is zero)"
		}
	}
	neg := fmt.Sprintf("%.4g", r.NegativeFraction)
	if r.Exact {
		neg += fmt.Sprintf(" (%d of %d)", int(math.Round(r.NegativeFraction*float64(r.N))), r.N)
	}
	saddle := "no negative curvature"
	if r.LambdaMin < -r.ZeroTol*math.Max(math.Abs(r.LambdaMax), math.Abs(r.LambdaMin)) {
		saddle = "negative curvature: a saddle if the gradient is zero"
	}
	rows := [][2]string{
		{"parameters", fmt.Sprint(r.N)},
		{"method", method},
		{"λmax", fmt.Sprintf("%.10g", r.LambdaMax)},
		{"λmin", fmt.Sprintf("%.10g", r.LambdaMin)},
		{"top", formatValues(r.Top)},
		{"bottom", formatValues(r.Bottom)},
		{"trace", trace},
		{"condition L/μ", cond},
	}
	if r.ZeroCount >= 0 {
		rows = append(rows, [2]string{"zero eigenvalues", fmt.Sprintf("%d (|λ| ≤ %.0e·max|λ|)", r.ZeroCount, r.ZeroTol)})
	}
	rows = append(rows,
		[2]string{"negative fraction", neg},
		[2]string{"curvature", saddle},
		[2]string{"optimal step 1/λmax", fmt.Sprintf("%.6g", r.OptimalStep)},
		[2]string{"max stable step 2/λmax", fmt.Sprintf("%.6g", r.MaxStableStep)},
		[2]string{"Hessian-vector products", fmt.Sprint(r.HVPs)},
	)
	return rows
}

// String formats the report as aligned text.
func (r Report) String() string {
	var b strings.Builder
	b.WriteString("Hessian spectrum")
	for _, row := range r.rows() {
		fmt.Fprintf(&b, "\n  %-24s %s", row[0], row[1])
	}
	return b.String()
}

// HTML renders the report as a table, with the density plot when there is
// one, for notebooks.
func (r Report) HTML() string {
	var b strings.Builder
	b.WriteString(`<table class="descent-curvature"><caption>Hessian spectrum</caption>`)
	for _, row := range r.rows() {
		fmt.Fprintf(&b, `<tr><th style="text-align:left">%s</th><td style="text-align:left">%s</td></tr>`, htmlEscape(row[0]), htmlEscape(row[1]))
	}
	b.WriteString(`</table>`)
	if r.Density != nil {
		b.WriteString(densitySVG(r.Density.Grid, r.Density.Values))
	}
	return b.String()
}

func formatValues(v []float64) string {
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = fmt.Sprintf("%.6g", x)
	}
	return "[" + strings.Join(parts, " ") + "]"
}
