package plotting

import (
	"image/color"
	"math"
	"testing"
)

func TestLossLineBreaksAtGaps(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	tests := []struct {
		name string
		run  Run
		logY bool
		want [][]float64 // y values of each segment
	}{
		{"no gaps", Run{Y: []float64{3, 2, 1}}, false, [][]float64{{3, 2, 1}}},
		{"NaN and Inf", Run{Y: []float64{1, 2, nan, 3, 4, inf, -inf, 5}}, false, [][]float64{{1, 2}, {3, 4}, {5}}},
		{"leading and trailing NaN", Run{Y: []float64{nan, 1, 2, nan}}, false, [][]float64{{1, 2}}},
		{"zero on a log scale", Run{Y: []float64{1, 0.5, 0, 0.25, -1, 0.125}}, true, [][]float64{{1, 0.5}, {0.25}, {0.125}}},
		{"zero on a linear scale", Run{Y: []float64{1, 0, -1}}, false, [][]float64{{1, 0, -1}}},
		{"NaN step", Run{X: []float64{0, nan, 2, 3}, Y: []float64{1, 2, 3, 4}}, false, [][]float64{{1}, {3, 4}}},
	}
	for _, tt := range tests {
		c := lossLine(tt.run, tt.run.Y, LossOptions{LogY: tt.logY}, color.Black, 1)
		var got [][]float64
		for _, seg := range c.segs {
			var ys []float64
			for _, p := range seg {
				ys = append(ys, p.Y)
			}
			got = append(got, ys)
		}
		if !equalSegments(got, tt.want) {
			t.Errorf("%s: segments %v, want %v", tt.name, got, tt.want)
		}
	}
	if c := lossLine(Run{Y: []float64{nan, inf}}, []float64{nan, inf}, LossOptions{}, color.Black, 1); c != nil {
		t.Errorf("all NaN: got a line with %d segments, want none", len(c.segs))
	}
}

func equalSegments(a, b [][]float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if len(a[i]) != len(b[i]) {
			return false
		}
		for j := range a[i] {
			if a[i][j] != b[i][j] {
				return false
			}
		}
	}
	return true
}

// A run with NaN losses in steps 40 to 59 shows a gap there, not a line
// bridging it; smoothing keeps the gap.
func TestLossCurvesDrawNoLineAcrossNaN(t *testing.T) {
	ys := make([]float64, 100)
	for i := range ys {
		switch {
		case i < 40:
			ys[i] = 1
		case i < 60:
			ys[i] = math.NaN()
		default:
			ys[i] = 2
		}
	}
	for _, smooth := range []float64{0, 0.5} {
		img := decodePNG(t, LossCurves([]Run{{Y: ys}}, LossOptions{Smooth: smooth}))
		counts := columnCounts(img, RunColors[0], 6)
		first, last := -1, -1
		for x, n := range counts {
			if n > 0 {
				if first < 0 {
					first = x
				}
				last = x
			}
		}
		if first < 0 || last-first < len(counts)/2 {
			t.Fatalf("smooth %g: the curve spans columns %d to %d of %d", smooth, first, last, len(counts))
		}
		// Steps 0 and 99 are at the columns first and last.
		col := func(step float64) int { return first + int(float64(last-first)*step/99) }
		ink := 0
		for x := col(42); x <= col(57); x++ {
			ink += counts[x]
		}
		if ink > 0 {
			t.Errorf("smooth %g: %d pixels of the curve over the NaN steps 42 to 57, want none", smooth, ink)
		}
		for _, step := range []float64{20, 80} {
			if counts[col(step)] == 0 {
				t.Errorf("smooth %g: no curve at step %g", smooth, step)
			}
		}
	}
}

// A constant loss on a log scale gets a range around it instead of one
// reaching below zero.
func TestLossCurvesConstantOnLogScale(t *testing.T) {
	f := LossCurves([]Run{{Y: []float64{0.5, 0.5, 0.5}}}, LossOptions{LogY: true})
	if _, err := f.PNG(); err != nil {
		t.Fatal(err)
	}
	if ax := f.Plot(0).Y; !(ax.Min > 0 && ax.Min < 0.5 && ax.Max > 0.5) {
		t.Errorf("axis range [%g, %g], want a positive range around 0.5", ax.Min, ax.Max)
	}
}
