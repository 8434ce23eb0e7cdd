package plotting

import (
	"math"
	"strconv"
	"strings"
	"testing"

	"gonum.org/v1/plot"
)

// significantDigits counts the digits of a tick label between its first
// and last non-zero digit: 3 for "0.000125" and "1.25e-05", 16 for the
// float noise "9.999999999999998e-05".
func significantDigits(label string) int {
	mant, _, _ := strings.Cut(strings.TrimPrefix(label, "-"), "e")
	mant = strings.ReplaceAll(mant, ".", "")
	mant = strings.Trim(mant, "0")
	return len(mant)
}

func labels(ticks []plot.Tick) []string {
	var out []string
	for _, t := range ticks {
		if t.Label != "" {
			out = append(out, t.Label)
		}
	}
	return out
}

// checkClean checks that every labelled tick lies in [lo, hi] (up to
// rounding), that labels are distinct, read back as their tick's value
// (exactly, for log ticks) and have at most maxDigits significant digits.
func checkClean(t *testing.T, ticks []plot.Tick, lo, hi float64, exact bool, maxDigits int) {
	t.Helper()
	seen := map[string]bool{}
	for _, tk := range ticks {
		if tk.Value < lo-1e-9*math.Abs(hi-lo) || tk.Value > hi+1e-9*math.Abs(hi-lo) {
			t.Errorf("tick %g outside [%g, %g]", tk.Value, lo, hi)
		}
		if tk.Label == "" {
			continue
		}
		if seen[tk.Label] {
			t.Errorf("label %q appears twice", tk.Label)
		}
		seen[tk.Label] = true
		v, err := strconv.ParseFloat(tk.Label, 64)
		if err != nil {
			t.Errorf("label %q is not a number: %v", tk.Label, err)
			continue
		}
		if exact && v != tk.Value {
			t.Errorf("label %q reads back as %g, tick is at %g", tk.Label, v, tk.Value)
		}
		if !exact && math.Abs(v-tk.Value) > 1e-9*math.Abs(hi-lo) {
			t.Errorf("label %q reads back as %g, tick is at %g", tk.Label, v, tk.Value)
		}
		if d := significantDigits(tk.Label); d > maxDigits {
			t.Errorf("label %q has %d significant digits, want at most %d", tk.Label, d, maxDigits)
		}
	}
}

func TestLogTicks(t *testing.T) {
	tests := []struct {
		lo, hi float64
		want   []string
		linear bool // no two decimal m·10^e in range: marked as a linear axis
	}{
		{1e-5, 1, []string{"1e-05", "0.0001", "0.001", "0.01", "0.1", "1"}, false},
		{0.0123, 3, []string{"0.1", "1"}, false},
		{3e-7, 2e3, []string{"1e-06", "0.0001", "0.01", "1", "100"}, false},
		{2e-9, 7e-3, []string{"1e-08", "1e-07", "1e-06", "1e-05", "0.0001", "0.001"}, false},
		{0.15, 0.8, []string{"0.2", "0.5"}, false},
		{0.31, 0.45, []string{"0.32", "0.34", "0.36", "0.38", "0.4", "0.42", "0.44"}, true},
		{3e4, 5e6, []string{"100000", "1e+06"}, false},
		{5e-324, math.MaxFloat64, []string{"1e-320", "1e-240", "1e-160", "1e-80", "1", "1e+80", "1e+160", "1e+240"}, false},
		{1e-30, 1e10, []string{"1e-30", "1e-25", "1e-20", "1e-15", "1e-10", "1e-05", "1", "100000", "1e+10"}, false},
	}
	for _, tt := range tests {
		ticks := logTicks{}.Ticks(tt.lo, tt.hi)
		if got := labels(ticks); strings.Join(got, " ") != strings.Join(tt.want, " ") {
			t.Errorf("Ticks(%g, %g) labels %v, want %v", tt.lo, tt.hi, got, tt.want)
		}
		checkClean(t, ticks, tt.lo, tt.hi, !tt.linear, 3)
	}
}

// A log-scale loss plot over ten decades labels its ticks 1e-05, 0.0001,
// ..., not 9.999999999999999e-06.
func TestLossCurvesLogTicksAreClean(t *testing.T) {
	ys := make([]float64, 300)
	for i := range ys {
		ys[i] = 3 * math.Pow(0.9, float64(i))
	}
	for _, lo := range []float64{1e-13, 2e-7, 0.05} {
		var run []float64
		for _, y := range ys {
			if y >= lo {
				run = append(run, y)
			}
		}
		f := LossCurves([]Run{{Y: run}}, LossOptions{LogY: true})
		ax := f.Plot(0).Y
		ticks := ax.Tick.Marker.Ticks(ax.Min, ax.Max)
		if n := len(labels(ticks)); n < 2 {
			t.Errorf("down to %g: %d labelled ticks %v, want at least 2", lo, n, labels(ticks))
		}
		checkClean(t, ticks, ax.Min, ax.Max, true, 1)
	}
}

func TestLinearTicksAreClean(t *testing.T) {
	ranges := [][2]float64{
		{0, 0.3}, {0.1, 0.7}, {-0.7, 0.35}, {0, 3e-4}, {1.00001e-5, 1.00005e-5},
		{0, 3e6}, {1e8 + 1, 1e8 + 7}, {-2.2e-7, 1.3e-7}, {0.1, 0.1 + 0.2}, {2.5e7, 2.5000025e7},
	}
	for _, r := range ranges {
		ticks := niceTicks{}.Ticks(r[0], r[1])
		if n := len(labels(ticks)); n < 2 {
			t.Errorf("Ticks(%g, %g): labels %v, want at least 2", r[0], r[1], labels(ticks))
		}
		checkClean(t, ticks, r[0], r[1], false, 12)
	}
}
