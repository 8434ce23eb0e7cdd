package plotting

import (
	"image"
	"image/color"
	"math"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
)

// networkSpectrum is the density of a trained network's Hessian as
// stochastic Lanczos quadrature shows it: nearly all the mass in a narrow
// peak at 0, and two outliers, at 15 and at λmax = 29.8, each five
// thousand times less dense.
func networkSpectrum() (x, y []float64) {
	const sigma = 0.3
	gauss := func(t, mu, w float64) float64 {
		d := (t - mu) / sigma
		return w * math.Exp(-d*d/2) / (sigma * math.Sqrt(2*math.Pi))
	}
	for i := range 1201 {
		t := -3 + 36*float64(i)/1200
		x = append(x, t)
		y = append(y, gauss(t, 0, 0.9996)+gauss(t, 15, 2e-4)+gauss(t, 29.8, 2e-4))
	}
	return x, y
}

func toXYs(x, y []float64) plotter.XYs {
	xys := make(plotter.XYs, len(x))
	for i := range x {
		xys[i] = plotter.XY{X: x[i], Y: y[i]}
	}
	return xys
}

// columnCounts counts, per image column, the pixels within tol of c.
func columnCounts(img image.Image, c color.Color, tol int) []int {
	b := img.Bounds()
	r0, g0, b0, _ := c.RGBA()
	counts := make([]int, b.Dx())
	for x := b.Min.X; x < b.Max.X; x++ {
		for y := b.Min.Y; y < b.Max.Y; y++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if near(uint8(r>>8), r0, tol) && near(uint8(g>>8), g0, tol) && near(uint8(bl>>8), b0, tol) {
				counts[x-b.Min.X]++
			}
		}
	}
	return counts
}

// lineColumn is the column in [from, to) holding the most pixels of c: the
// position of a vertical line of that color.
func lineColumn(img image.Image, c color.Color, from, to int) int {
	counts := columnCounts(img, c, 6)
	best := from
	for x := from; x < to; x++ {
		if counts[x] > counts[best] {
			best = x
		}
	}
	return best
}

// verticalExtent is the height, in pixels, spanned by pixels of c in the
// columns [from, to).
func verticalExtent(img image.Image, c color.Color, from, to int) int {
	b := img.Bounds()
	r0, g0, b0, _ := c.RGBA()
	top, bottom := b.Max.Y, b.Min.Y-1
	for x := b.Min.X + from; x < b.Min.X+to; x++ {
		for y := b.Min.Y; y < b.Max.Y; y++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if near(uint8(r>>8), r0, 8) && near(uint8(g>>8), g0, 8) && near(uint8(bl>>8), b0, 8) {
				top, bottom = min(top, y), max(bottom, y)
			}
		}
	}
	return max(0, bottom-top+1)
}

// Without known extremes, λmax is estimated where the density of the
// outlier at 29.8 fades, not where the bulk at 0 does.
func TestSpectralDensityEstimatesExtremesFromOutliers(t *testing.T) {
	x, y := networkSpectrum()
	f := SpectralDensity(x, y, SpectrumOptions{})
	img := decodePNG(t, f)
	w := img.Bounds().Dx()
	red := lineColumn(img, markMax, 0, w)
	green := lineColumn(img, markMin, 0, w)
	// The grid runs from -3 to 33: 29.8 lies at 91% of the plot's width,
	// 1.05 (a thousandth of the peak) at 11%.
	if float64(red) < 0.75*float64(w) {
		t.Errorf("λmax is marked at column %d of %d, want beyond 75%% (near 29.8)", red, w)
	}
	if float64(green) > 0.25*float64(w) {
		t.Errorf("λmin is marked at column %d of %d, want within the first 25%%", green, w)
	}
	if green >= red {
		t.Errorf("λmin at column %d is not left of λmax at column %d", green, red)
	}
}

func TestDensityExtremes(t *testing.T) {
	x, y := networkSpectrum()
	peak := 0.0
	for _, v := range y {
		peak = math.Max(peak, v)
	}
	tests := []struct {
		threshold float64
		lo, hi    float64 // the estimate must lie in [lo-2, lo] and [hi, hi+2]
	}{
		{peak * densityThreshold, 0, 29.8},
		{peak * 1e-3, 0, 0}, // the old threshold: outliers are missed
	}
	for _, tt := range tests {
		lo, hi := densityExtremes(toXYs(x, y), tt.threshold)
		if lo > tt.lo || lo < tt.lo-2 || hi < tt.hi || hi > tt.hi+2 {
			t.Errorf("threshold %g: extremes [%g, %g], want near [%g, %g] and outside", tt.threshold, lo, hi, tt.lo, tt.hi)
		}
	}
	if lo, hi := densityExtremes(toXYs([]float64{0, 1, 2}, []float64{0, 0, 0}), 0); lo != 0 || hi != 2 {
		t.Errorf("zero density: extremes [%g, %g], want the grid's ends [0, 2]", lo, hi)
	}
}

// Given λmin and λmax, the marks sit at them: with λmin = 0, λmax = 29.8
// and 2/η = 14.9, the dashed 2/η line lies midway between the two.
func TestSpectralDensityMarksGivenExtremes(t *testing.T) {
	x, y := networkSpectrum()
	lmin, lmax := 0.0, 29.8
	for _, logY := range []bool{false, true} {
		f := SpectralDensity(x, y, SpectrumOptions{LambdaMin: &lmin, LambdaMax: &lmax, LR: 2 / 14.9, LogDensity: logY})
		img := decodePNG(t, f)
		w := img.Bounds().Dx()
		red := lineColumn(img, markMax, 0, w)
		green := lineColumn(img, markMin, 0, w)
		if green+20 >= red {
			t.Fatalf("log %v: λmin at column %d is not well left of λmax at column %d", logY, green, red)
		}
		black := lineColumn(img, markLR, green+5, red-5)
		if mid := (green + red) / 2; black < mid-2 || black > mid+2 {
			t.Errorf("log %v: 2/η at column %d, want %d, midway between λmin (%d) and λmax (%d)", logY, black, mid, green, red)
		}
		// The right end of the grid, 33, lies (33-29.8)/29.8 of the
		// λmin–λmax distance beyond λmax: the estimate would be further out.
		if float64(red) < 0.75*float64(w) {
			t.Errorf("log %v: λmax at column %d of %d", logY, red, w)
		}
	}
	only := SpectralDensity(x, y, SpectrumOptions{LambdaMax: &lmax})
	if _, ok := only.Plot(0).Y.Scale.(plot.LinearScale); !ok {
		t.Errorf("density axis scale %T, want linear by default", only.Plot(0).Y.Scale)
	}
}

// On a log scale the outlier at 15 rises as a bump over a good part of
// the plot's height; on a linear scale it is a flat line along the floor.
func TestSpectralDensityLogShowsOutliers(t *testing.T) {
	x, y := networkSpectrum()
	lmin, lmax := 0.0, 29.8
	extent := map[bool]float64{}
	for _, logY := range []bool{false, true} {
		f := SpectralDensity(x, y, SpectrumOptions{LambdaMin: &lmin, LambdaMax: &lmax, LogDensity: logY})
		img := decodePNG(t, f)
		w, h := img.Bounds().Dx(), img.Bounds().Dy()
		green := lineColumn(img, markMin, 0, w)
		red := lineColumn(img, markMax, 0, w)
		col := func(v float64) int { return green + int(math.Round(float64(red-green)*v/29.8)) }
		// The curve around 15, away from the marks.
		extent[logY] = float64(verticalExtent(img, RunColors[0], col(13), col(17))) / float64(h)
		if logY {
			ax := f.Plot(0).Y
			if _, ok := ax.Scale.(plot.LogScale); !ok {
				t.Errorf("log density: axis scale %T, want plot.LogScale", ax.Scale)
			}
			checkClean(t, ax.Tick.Marker.Ticks(ax.Min, ax.Max), ax.Min, ax.Max, true, 1)
		}
	}
	if extent[false] > 0.05 {
		t.Errorf("linear density: outlier spans %.2f of the height, want a flat line", extent[false])
	}
	if extent[true] < 0.25 {
		t.Errorf("log density: outlier spans %.2f of the height, want at least 0.25", extent[true])
	}
}

func TestSpectralDensityFloor(t *testing.T) {
	x, y := networkSpectrum()
	for _, tt := range []struct{ floor, want float64 }{{0, 1e-7}, {1e-3, 1e-3}} {
		f := SpectralDensity(x, y, SpectrumOptions{LogDensity: true, DensityFloor: tt.floor})
		peak := 0.0
		for _, v := range y {
			peak = math.Max(peak, v)
		}
		want := tt.want
		if tt.floor == 0 {
			want *= peak
		}
		if got := f.Plot(0).Y.Min; math.Abs(got-want) > 1e-12*want {
			t.Errorf("floor %g: axis starts at %g, want %g", tt.floor, got, want)
		}
		decodePNG(t, f)
	}
}

// Eigenvalues and EigenHistogram mark given extremes too: a λmax beyond
// the largest eigenvalue drawn stretches the eigenvalue axis to it.
func TestGivenExtremesOnEigenvaluePlots(t *testing.T) {
	eigs := []float64{5.5, 3, 0.3, 0.1, -0.3}
	lmin, lmax := -2.0, 8.0
	opt := SpectrumOptions{LambdaMin: &lmin, LambdaMax: &lmax}
	h := EigenHistogram(eigs, opt).Plot(0)
	if h.X.Min > lmin || h.X.Max < lmax {
		t.Errorf("histogram: eigenvalue axis [%g, %g], want it to reach [%g, %g]", h.X.Min, h.X.Max, lmin, lmax)
	}
	e := Eigenvalues(eigs, opt).Plot(0)
	if e.Y.Min > lmin || e.Y.Max < lmax {
		t.Errorf("stems: eigenvalue axis [%g, %g], want it to reach [%g, %g]", e.Y.Min, e.Y.Max, lmin, lmax)
	}
	if d := EigenHistogram(eigs, SpectrumOptions{}).Plot(0); d.X.Max >= lmax {
		t.Errorf("histogram without given extremes: axis reaches %g", d.X.Max)
	}
}
