package plotting

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Run is one named curve of a loss plot: Y[i] is the loss after step X[i].
// With X nil the steps are 0, 1, 2, ...
type Run struct {
	Name string
	X, Y []float64
}

// LossOptions adjust a loss plot. The zero value draws linear axes labelled
// "step" and "loss" without smoothing.
type LossOptions struct {
	Title  string
	XLabel string // default "step", or "epoch" with StepsPerEpoch
	YLabel string // default "loss"
	// LogY draws the loss on a logarithmic scale, where linear convergence
	// shows as a straight line. Values that are not positive are left out,
	// breaking the line.
	LogY bool
	// Smooth is an exponential moving average factor in [0, 1): each run is
	// drawn smoothed (see EMA) over its raw values, which stay visible as a
	// faint line. 0 draws the raw values only.
	Smooth float64
	// StepsPerEpoch, when positive, divides the x values by it and labels
	// the axis "epoch".
	StepsPerEpoch int
	// Width and Height are the display size in CSS pixels (0: default).
	Width, Height int
}

// LossCurves plots the loss of several runs against steps (or epochs) with a
// legend: one colored line per run, the way one compares SGD against SGD
// with momentum, or three learning rates, on the same axes. On a log scale
// linear convergence is a straight line and a diverging run shoots off the
// top. Points that are NaN or infinite (and, on a log scale, losses that
// are not positive) are left out and break the line: missing values show
// as a gap, not as a straight line across it.
func LossCurves(runs []Run, opt LossOptions) *Figure {
	if opt.Smooth < 0 || opt.Smooth >= 1 {
		panic(fmt.Errorf("plotting: LossCurves: smoothing factor %g is not in [0, 1)", opt.Smooth))
	}
	xlabel := opt.XLabel
	if xlabel == "" {
		xlabel = "step"
		if opt.StepsPerEpoch > 0 {
			xlabel = "epoch"
		}
	}
	ylabel := opt.YLabel
	if ylabel == "" {
		ylabel = "loss"
	}
	p := newPlot(opt.Title, xlabel, ylabel)
	addGrid(p)
	if opt.LogY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = logTicks{}
	}
	drawn := 0
	for i, r := range runs {
		if r.X != nil && len(r.X) != len(r.Y) {
			panic(fmt.Errorf("plotting: LossCurves: run %q has %d x values and %d y values", r.Name, len(r.X), len(r.Y)))
		}
		col := runColor(i)
		ys := r.Y
		if opt.Smooth > 0 {
			faint := color.NRGBA{col.R, col.G, col.B, 0x50}
			if l := lossLine(r, r.Y, opt, faint, 0.8); l != nil {
				p.Add(l)
			}
			ys = EMA(r.Y, opt.Smooth)
		}
		l := lossLine(r, ys, opt, col, 1.5)
		if l == nil {
			continue
		}
		drawn++
		p.Add(l)
		if r.Name != "" {
			p.Legend.Add(r.Name, l)
		}
	}
	if opt.LogY && drawn > 0 && p.Y.Min == p.Y.Max {
		// A constant loss: gonum/plot would widen the range by ±1, below
		// zero, which a log axis cannot show.
		p.Y.Min, p.Y.Max = p.Y.Min/2, p.Y.Max*2
	}
	if drawn == 0 {
		// An empty plot still needs a valid range: a log axis cannot hold 0.
		p.X.Min, p.X.Max = 0, 1
		p.Y.Min, p.Y.Max = 0.1, 1
	}
	return newFigure(p, nil, opt.Width, opt.Height)
}

// LossCurve plots one run's loss against the step: the simplest picture of
// training, a curve falling fast and then flattening out.
func LossCurve(loss []float64) *Figure {
	return LossCurves([]Run{{Y: loss}}, LossOptions{})
}

// lossLine returns the line through the finite (and, on a log scale,
// positive) points of ys, or nil if there are none. A point that cannot be
// drawn breaks the line: the pieces on either side are separate segments,
// so a gap in the data shows as a gap rather than as a straight line
// bridging it.
func lossLine(r Run, ys []float64, opt LossOptions, col color.Color, width float64) *curve {
	var segs []plotter.XYs
	var cur plotter.XYs
	total := 0
	for i, y := range ys {
		x := float64(i)
		if r.X != nil {
			x = r.X[i]
		}
		if opt.StepsPerEpoch > 0 {
			x /= float64(opt.StepsPerEpoch)
		}
		if math.IsNaN(y) || math.IsInf(y, 0) || math.IsNaN(x) || math.IsInf(x, 0) || (opt.LogY && y <= 0) {
			if len(cur) > 0 {
				segs = append(segs, cur)
				cur = nil
			}
			continue
		}
		cur = append(cur, plotter.XY{X: x, Y: y})
		total++
	}
	if len(cur) > 0 {
		segs = append(segs, cur)
	}
	if total == 0 {
		return nil
	}
	// Each segment gets a share of the point budget in proportion to its
	// length.
	for i, seg := range segs {
		segs[i] = decimate(seg, max(1, maxBuckets*len(seg)/total))
	}
	return &curve{segs: segs, style: draw.LineStyle{Color: col, Width: vg.Points(width)}}
}

// maxBuckets bounds the points drawn per curve: a figure is about a
// thousand pixels wide, so a million-step run drawn point by point would
// cost seconds for nothing.
const maxBuckets = 1000

// decimate keeps, of each of n consecutive buckets of points, the lowest
// and the highest in their original order, so that spikes and the
// envelope of a noisy curve survive. Curves of at most 2n points are kept
// whole.
func decimate(xys plotter.XYs, n int) plotter.XYs {
	if len(xys) <= 2*n {
		return xys
	}
	out := make(plotter.XYs, 0, 2*n)
	size := (len(xys) + n - 1) / n
	for start := 0; start < len(xys); start += size {
		end := min(start+size, len(xys))
		lo, hi := start, start
		for i := start + 1; i < end; i++ {
			if xys[i].Y < xys[lo].Y {
				lo = i
			}
			if xys[i].Y > xys[hi].Y {
				hi = i
			}
		}
		first, second := min(lo, hi), max(lo, hi)
		out = append(out, xys[first])
		if second != first {
			out = append(out, xys[second])
		}
	}
	return out
}

// EMA smooths ys with an exponential moving average, s = β·s + (1−β)·y,
// corrected for its start at zero as Adam corrects its moments, so the
// first values are not pulled towards 0. NaN and infinite values are passed
// through unchanged and left out of the average, so a run that diverges
// still shows where it did. β = 0 returns a copy of ys.
func EMA(ys []float64, beta float64) []float64 {
	out := make([]float64, len(ys))
	var s, weight float64
	for i, y := range ys {
		if math.IsNaN(y) || math.IsInf(y, 0) {
			out[i] = y
			continue
		}
		s = beta*s + (1-beta)*y
		weight = beta*weight + (1 - beta)
		out[i] = s / weight
	}
	return out
}
