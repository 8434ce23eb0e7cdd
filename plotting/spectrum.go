package plotting

import (
	"fmt"
	"image/color"
	"math"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// SpectrumOptions adjust a picture of Hessian eigenvalues.
type SpectrumOptions struct {
	Title string
	// LR is the learning rate η. When positive, 2/η is marked: gradient
	// descent with step η diverges along every eigen-direction whose
	// eigenvalue lies beyond that line.
	LR float64
	// Bins is the number of histogram bins (default 30).
	Bins int
	// LambdaMin and LambdaMax, when not nil, are the true extreme
	// eigenvalues (the extreme Ritz values of a Lanczos run, say), and λmin
	// and λmax are marked at them instead of being taken from the data. A
	// SpectralDensity needs them for exact marks: from a density alone the
	// extremes can only be estimated. Either may be given without the other:
	//
	//	lo, hi := -0.1, 29.8
	//	opt := SpectrumOptions{LambdaMin: &lo, LambdaMax: &hi, LogDensity: true}
	LambdaMin, LambdaMax *float64
	// LogDensity draws a SpectralDensity's density on a logarithmic scale,
	// where outliers a million times less dense than the bulk still show
	// as bumps. Densities below DensityFloor, zeros included, are drawn at
	// the floor.
	LogDensity bool
	// DensityFloor is the lowest density shown with LogDensity (0: a
	// ten-millionth of the peak density). It must not be negative.
	DensityFloor  float64
	Width, Height int // display size in CSS pixels (0: default)
}

// extremes returns the λmin and λmax to mark: the given ones where set,
// otherwise lo and hi; approxLo and approxHi report which of the two are
// estimates (lo and hi taken from the data when estimated is true).
func (opt SpectrumOptions) extremes(lo, hi float64, estimated bool) (l, h float64, approxLo, approxHi bool) {
	l, h, approxLo, approxHi = lo, hi, estimated, estimated
	if opt.LambdaMin != nil {
		l, approxLo = *opt.LambdaMin, false
	}
	if opt.LambdaMax != nil {
		h, approxHi = *opt.LambdaMax, false
	}
	return l, h, approxLo, approxHi
}

// Eigenvalues draws a spectrum as stems, largest first: eigenvalue k
// against its rank k, with horizontal lines at λmax (red), λmin (green) and,
// given a learning rate, 2/η (dashed black). A well-conditioned problem has
// stems of similar height; a poorly conditioned one has a few tall stems and
// a long flat tail, and negative stems below the zero line betray a saddle.
// Beyond 200 eigenvalues the stems are drawn as dots.
func Eigenvalues(eigs []float64, opt SpectrumOptions) *Figure {
	vals := finiteSorted(eigs, "Eigenvalues")
	slices.Reverse(vals)
	p := newPlot(opt.Title, "rank", "eigenvalue")
	addGrid(p)
	stems := &stemPlotter{values: vals, color: RunColors[0]}
	p.Add(stems)
	p.Legend.Add(fmt.Sprintf("%d eigenvalues", len(vals)), stems)
	lo, hi, _, _ := opt.extremes(vals[len(vals)-1], vals[0], false)
	addMarks(p, lo, hi, opt.LR, false, false, false)
	return newFigure(p, nil, opt.Width, opt.Height)
}

// EigenHistogram draws how the eigenvalues are distributed: a histogram
// with vertical lines at λmin, λmax and 2/η. Deep networks show a bulk near
// zero and a few outliers far to the right, the directions that limit the
// learning rate.
func EigenHistogram(eigs []float64, opt SpectrumOptions) *Figure {
	vals := finiteSorted(eigs, "EigenHistogram")
	bins := opt.Bins
	if bins <= 0 {
		bins = 30
	}
	p := newPlot(opt.Title, "eigenvalue", "count")
	addGrid(p)
	h, err := plotter.NewHist(plotter.Values(vals), bins)
	if err != nil {
		panic(fmt.Errorf("plotting: EigenHistogram: %w", err))
	}
	h.FillColor = color.NRGBA{0x1f, 0x77, 0xb4, 0xb0}
	h.LineStyle = lineStyle(color.White, 0.5)
	p.Add(h)
	lo, hi, _, _ := opt.extremes(vals[0], vals[len(vals)-1], false)
	addMarks(p, lo, hi, opt.LR, true, false, false)
	p.Y.Min = 0
	return newFigure(p, nil, opt.Width, opt.Height)
}

// SpectralDensity draws an estimated eigenvalue density (from stochastic
// Lanczos quadrature, say) given as values y on the grid x, as a filled
// curve, with λmin, λmax and, given a learning rate, 2/η marked.
//
// λmin and λmax are marked at opt.LambdaMin and opt.LambdaMax when given.
// Otherwise they are estimated from the density as the outermost grid
// points where it exceeds a millionth of its peak (or, with LogDensity,
// the floor if that is higher), so that outliers far less dense than the
// bulk still count; such marks are labelled "λmax ≈ …". An estimate lies
// outside the true extreme by a few widths of the smoothing kernel, and at
// the end of the grid if the density never falls that low there.
//
// A network's spectrum is a tall peak at zero with a few outliers far to
// the right, invisible on a linear scale: LogDensity shows them.
func SpectralDensity(x, y []float64, opt SpectrumOptions) *Figure {
	if len(x) != len(y) || len(x) < 2 {
		panic(fmt.Errorf("plotting: SpectralDensity: %d x values and %d y values (want equal lengths, at least 2)", len(x), len(y)))
	}
	if opt.DensityFloor < 0 || !isFinite(opt.DensityFloor) {
		panic(fmt.Errorf("plotting: SpectralDensity: density floor %g is not a finite non-negative number", opt.DensityFloor))
	}
	p := newPlot(opt.Title, "eigenvalue", "density")
	addGrid(p)
	xys := make(plotter.XYs, 0, len(x))
	peak := 0.0
	for i := range x {
		if isFinite(x[i]) && isFinite(y[i]) {
			xys = append(xys, plotter.XY{X: x[i], Y: y[i]})
			peak = math.Max(peak, y[i])
		}
	}
	if len(xys) == 0 {
		panic(fmt.Errorf("plotting: SpectralDensity: no finite points"))
	}
	slices.SortFunc(xys, func(a, b plotter.XY) int { return cmpFloat(a.X, b.X) })
	threshold := peak * densityThreshold
	floor := 0.0
	if opt.LogDensity {
		floor = opt.DensityFloor
		if floor == 0 {
			floor = peak * 1e-7
		}
		if !(floor > 0) {
			floor = 1e-7 // the density is zero everywhere
		}
		threshold = math.Max(threshold, floor)
		drawn := make(plotter.XYs, len(xys))
		for i, pt := range xys {
			drawn[i] = plotter.XY{X: pt.X, Y: math.Max(pt.Y, floor)}
		}
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = logTicks{}
		p.Add(&plotter.Line{XYs: drawn, LineStyle: lineStyle(RunColors[0], 1.5), FillColor: color.NRGBA{0x1f, 0x77, 0xb4, 0x50}})
	} else {
		p.Add(&plotter.Line{XYs: xys, LineStyle: lineStyle(RunColors[0], 1.5), FillColor: color.NRGBA{0x1f, 0x77, 0xb4, 0x50}})
	}
	lo, hi := densityExtremes(xys, threshold)
	lo, hi, approxLo, approxHi := opt.extremes(lo, hi, true)
	addMarks(p, lo, hi, opt.LR, true, approxLo, approxHi)
	p.Y.Min = floor
	if opt.LogDensity {
		p.Y.Max = math.Max(p.Y.Max, floor*10)
	}
	return newFigure(p, nil, opt.Width, opt.Height)
}

// densityThreshold is the share of its peak above which SpectralDensity
// counts a density as present when it estimates λmin and λmax.
const densityThreshold = 1e-6

// densityExtremes returns the first and last x (xys sorted by x) whose
// density exceeds threshold, or the ends of the grid if none does.
func densityExtremes(xys plotter.XYs, threshold float64) (lo, hi float64) {
	lo, hi = xys[0].X, xys[len(xys)-1].X
	for _, pt := range xys {
		if pt.Y > threshold {
			lo = pt.X
			break
		}
	}
	for i := len(xys) - 1; i >= 0; i-- {
		if xys[i].Y > threshold {
			hi = xys[i].X
			break
		}
	}
	return lo, hi
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func isFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func finiteSorted(eigs []float64, op string) []float64 {
	vals := make([]float64, 0, len(eigs))
	for _, v := range eigs {
		if isFinite(v) {
			vals = append(vals, v)
		}
	}
	if len(vals) == 0 {
		panic(fmt.Errorf("plotting: %s: no finite eigenvalues among %d", op, len(eigs)))
	}
	slices.Sort(vals)
	return vals
}

// addMarks draws λmin, λmax and 2/η as reference lines: vertical ones on
// an eigenvalue axis, horizontal ones on a rank plot. An extreme that is
// only an estimate is labelled with ≈.
func addMarks(p *plot.Plot, lo, hi, lr float64, vertical, approxLo, approxHi bool) {
	rel := func(approx bool) string {
		if approx {
			return " ≈ "
		}
		return " = "
	}
	marks := []*refLine{
		{value: hi, vertical: vertical, style: lineStyle(markMax, 1.2), name: "λmax" + rel(approxHi) + formatTick(hi)},
		{value: lo, vertical: vertical, style: lineStyle(markMin, 1.2), name: "λmin" + rel(approxLo) + formatTick(lo)},
	}
	if lr > 0 {
		s := lineStyle(markLR, 1.2)
		s.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
		marks = append(marks, &refLine{value: 2 / lr, vertical: vertical, style: s, name: "2/η = " + formatTick(2/lr)})
	}
	for _, m := range marks {
		p.Add(m)
		p.Legend.Add(m.name, m)
	}
}

// refLine is a horizontal or vertical line across the whole plot at value.
type refLine struct {
	value    float64
	vertical bool
	style    draw.LineStyle
	name     string
}

func (r *refLine) Plot(c draw.Canvas, plt *plot.Plot) {
	trX, trY := plt.Transforms(&c)
	if r.vertical {
		x := trX(r.value)
		c.StrokeLines(r.style, c.ClipLinesX([]vg.Point{{X: x, Y: c.Min.Y}, {X: x, Y: c.Max.Y}})...)
		return
	}
	y := trY(r.value)
	c.StrokeLines(r.style, c.ClipLinesY([]vg.Point{{X: c.Min.X, Y: y}, {X: c.Max.X, Y: y}})...)
}

// DataRange keeps the line's value on the axes.
func (r *refLine) DataRange() (xmin, xmax, ymin, ymax float64) {
	inf := math.Inf(1)
	if r.vertical {
		return r.value, r.value, inf, -inf
	}
	return inf, -inf, r.value, r.value
}

func (r *refLine) Thumbnail(c *draw.Canvas) {
	y := c.Center().Y
	c.StrokeLine2(r.style, c.Min.X, y, c.Max.X, y)
}

// stemPlotter draws values[k] at rank k+1 as a stem from zero, or as a dot
// when there are too many for stems.
type stemPlotter struct {
	values []float64
	color  color.RGBA
}

const maxStems = 200

func (s *stemPlotter) Plot(c draw.Canvas, plt *plot.Plot) {
	trX, trY := plt.Transforms(&c)
	y0 := trY(math.Max(plt.Y.Min, math.Min(plt.Y.Max, 0)))
	dot := draw.GlyphStyle{Color: s.color, Radius: vg.Points(2.5), Shape: draw.CircleGlyph{}}
	if len(s.values) > maxStems {
		dot.Radius = vg.Points(1.5)
	}
	for k, v := range s.values {
		pt := vg.Point{X: trX(float64(k + 1)), Y: trY(v)}
		if len(s.values) <= maxStems {
			c.StrokeLines(lineStyle(s.color, 1), c.ClipLinesY([]vg.Point{{X: pt.X, Y: y0}, pt})...)
		}
		c.DrawGlyph(dot, pt)
	}
}

func (s *stemPlotter) DataRange() (xmin, xmax, ymin, ymax float64) {
	lo, hi := slices.Min(s.values), slices.Max(s.values)
	return 0.5, float64(len(s.values)) + 0.5, math.Min(0, lo), math.Max(0, hi)
}

func (s *stemPlotter) Thumbnail(c *draw.Canvas) {
	x := c.Center().X
	c.StrokeLine2(lineStyle(s.color, 1), x, c.Min.Y, x, c.Max.Y)
	c.DrawGlyphNoClip(draw.GlyphStyle{Color: s.color, Radius: vg.Points(2.5), Shape: draw.CircleGlyph{}}, vg.Point{X: x, Y: c.Max.Y})
}
