package plotting

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"slices"
	"strconv"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// ScatterOptions adjust a scatter plot of labelled points.
type ScatterOptions struct {
	Title          string
	XLabel, YLabel string // default "x1" and "x2"
	Width, Height  int    // display size in CSS pixels (0: 560×480)
}

// Scatter draws 2-D points colored by label: with labels −1 and +1, the
// lecture's blue and red classes; other labels take one color per distinct
// value, in increasing order. Each class has a legend entry "y = label".
func Scatter(points [][2]float64, labels []float64, opt ScatterOptions) *Figure {
	p := scatterPlot(points, labels, opt, "Scatter")
	return newFigureSized(p, nil, opt.Width, opt.Height, 560, 480)
}

// DecisionBoundary draws labelled points with the line where a linear unit
// changes its mind, w·x + b = 0, across the whole plot: the picture of a
// single unit with two inputs trained as a classifier, the blue class on
// one side, the red one on the other. A zero w has no boundary.
func DecisionBoundary(points [][2]float64, labels []float64, w [2]float64, b float64, opt ScatterOptions) *Figure {
	p := scatterPlot(points, labels, opt, "DecisionBoundary")
	if w[0] != 0 || w[1] != 0 {
		line := &boundaryPlotter{w: w, b: b, style: lineStyle(color.Black, 2)}
		p.Add(line)
		p.Legend.Add("w·x + b = 0", line)
	}
	return newFigureSized(p, nil, opt.Width, opt.Height, 560, 480)
}

func scatterPlot(points [][2]float64, labels []float64, opt ScatterOptions, op string) *plot.Plot {
	if labels != nil && len(labels) != len(points) {
		panic(fmt.Errorf("plotting: %s: %d points and %d labels", op, len(points), len(labels)))
	}
	xl, yl := opt.XLabel, opt.YLabel
	if xl == "" {
		xl = "x1"
	}
	if yl == "" {
		yl = "x2"
	}
	p := newPlot(opt.Title, xl, yl)
	addGrid(p)
	classes := classesOf(labels)
	for ci, cl := range classes {
		var xys plotter.XYs
		for i, pt := range points {
			if (labels == nil || labels[i] == cl) && isFinite(pt[0]) && isFinite(pt[1]) {
				xys = append(xys, plotter.XY{X: pt[0], Y: pt[1]})
			}
		}
		col := classColor(ci)
		if len(classes) == 2 && classes[0] == -1 && classes[1] == 1 {
			col = ClassColors[ci] // −1 blue, +1 red, as in the lecture
		}
		s := &plotter.Scatter{XYs: xys, GlyphStyle: draw.GlyphStyle{Color: color.NRGBA{col.R, col.G, col.B, 0xd0}, Radius: vg.Points(2.8), Shape: draw.CircleGlyph{}}}
		p.Add(s)
		if labels != nil {
			p.Legend.Add("y = "+labelText(cl, classes[0] < 0), s)
		}
	}
	// Fix the axes on the data, padded, so that the boundary line spans it.
	if len(points) > 0 {
		x0, x1, y0, y1 := p.X.Min, p.X.Max, p.Y.Min, p.Y.Max
		dx, dy := math.Max(x1-x0, 1e-9)*0.06, math.Max(y1-y0, 1e-9)*0.06
		p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = x0-dx, x1+dx, y0-dy, y1+dy
	}
	return p
}

// classesOf returns the distinct labels in increasing order; nil labels
// make one class.
func classesOf(labels []float64) []float64 {
	if labels == nil {
		return []float64{0}
	}
	cl := slices.Clone(labels)
	slices.Sort(cl)
	return slices.Compact(cl)
}

// labelText prints a label, positive ones with a sign when signed, so that
// "+1" pairs with "-1".
func labelText(v float64, signed bool) string {
	s := strconv.FormatFloat(v, 'g', 4, 64)
	if v > 0 && signed {
		return "+" + s
	}
	return s
}

// boundaryPlotter draws the line w·x + b = 0 across the plot's axes.
type boundaryPlotter struct {
	w     [2]float64
	b     float64
	style draw.LineStyle
}

func (l *boundaryPlotter) Plot(c draw.Canvas, plt *plot.Plot) {
	trX, trY := plt.Transforms(&c)
	var a, z [2]float64
	if math.Abs(l.w[1]) >= math.Abs(l.w[0]) {
		a = [2]float64{plt.X.Min, -(l.w[0]*plt.X.Min + l.b) / l.w[1]}
		z = [2]float64{plt.X.Max, -(l.w[0]*plt.X.Max + l.b) / l.w[1]}
	} else {
		a = [2]float64{-(l.w[1]*plt.Y.Min + l.b) / l.w[0], plt.Y.Min}
		z = [2]float64{-(l.w[1]*plt.Y.Max + l.b) / l.w[0], plt.Y.Max}
	}
	line := []vg.Point{{X: trX(a[0]), Y: trY(a[1])}, {X: trX(z[0]), Y: trY(z[1])}}
	c.StrokeLines(l.style, c.ClipLinesXY(line)...)
}

func (l *boundaryPlotter) Thumbnail(c *draw.Canvas) {
	y := c.Center().Y
	c.StrokeLine2(l.style, c.Min.X, y, c.Max.X, y)
}

// HeatMapOptions adjust a heat map.
type HeatMapOptions struct {
	Title          string
	XLabel, YLabel string // default "column" and "row"
	Label          string // color bar label
	Width, Height  int    // display size in CSS pixels (0: 560×480)
}

// HeatMap draws a matrix as a grid of colored cells, row 0 at the top as
// the matrix is written, with a color bar: a Hessian or a covariance matrix
// shows its structure at a glance (a bright diagonal, coupled blocks). A
// matrix with entries of both signs gets a blue–white–red scale centered on
// zero; otherwise dark is small and yellow large. NaN entries are white.
func HeatMap(m mat.Matrix, opt HeatMapOptions) *Figure {
	r, c := m.Dims()
	if r == 0 || c == 0 {
		panic(fmt.Errorf("plotting: HeatMap: matrix is %d×%d", r, c))
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for i := range r {
		for j := range c {
			if v := m.At(i, j); isFinite(v) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	if lo > hi {
		lo, hi = 0, 1
	}
	cmap := viridis
	if lo < 0 && hi > 0 {
		a := math.Max(-lo, hi)
		lo, hi = -a, a
		cmap = diverging
	}
	if lo == hi {
		lo, hi = lo-0.5, hi+0.5
	}
	// Each entry becomes a block of pixels, so that scaling the image keeps
	// cells crisp instead of blurring them together.
	s := max(1, 600/max(r, c))
	img := image.NewRGBA(image.Rect(0, 0, c*s, r*s))
	for i := range r {
		for j := range c {
			v := m.At(i, j)
			col := color.RGBA{0xff, 0xff, 0xff, 0xff}
			if !math.IsNaN(v) {
				col = cmap((v - lo) / (hi - lo))
			}
			for y := i * s; y < (i+1)*s; y++ {
				for x := j * s; x < (j+1)*s; x++ {
					img.SetRGBA(x, y, col)
				}
			}
		}
	}
	xl, yl := opt.XLabel, opt.YLabel
	if xl == "" {
		xl = "column"
	}
	if yl == "" {
		yl = "row"
	}
	p := newPlot(opt.Title, xl, yl)
	p.Add(&imagePlotter{img: img, box: Box{-0.5, float64(c) - 0.5, -0.5, float64(r) - 0.5}})
	p.X.Min, p.X.Max = -0.5, float64(c)-0.5
	p.Y.Min, p.Y.Max = -0.5, float64(r)-0.5
	p.X.Tick.Marker = indexTicks{n: c}
	p.Y.Tick.Marker = indexTicks{n: r, flip: true}
	bar := &colorBar{label: opt.Label, min: lo, max: hi, cmap: cmap}
	return newFigureSized(p, bar, opt.Width, opt.Height, 560, 480)
}

// indexTicks label matrix indices at round positions; flipped, position y
// shows row n−1−y, so that row 0 is at the top.
type indexTicks struct {
	n    int
	flip bool
}

func (t indexTicks) Ticks(lo, hi float64) []plot.Tick {
	step := max(1, int(niceStep(float64(t.n)/6)))
	var ticks []plot.Tick
	for k := 0; k < t.n; k += step {
		pos := float64(k)
		if t.flip {
			pos = float64(t.n - 1 - k)
		}
		ticks = append(ticks, plot.Tick{Value: pos, Label: strconv.Itoa(k)})
	}
	return ticks
}

// imagePlotter stretches an image over a box of the plot.
type imagePlotter struct {
	img image.Image
	box Box
}

func (ip *imagePlotter) Plot(c draw.Canvas, plt *plot.Plot) {
	trX, trY := plt.Transforms(&c)
	drawImage(c, vg.Rectangle{
		Min: vg.Point{X: trX(ip.box.XMin), Y: trY(ip.box.YMin)},
		Max: vg.Point{X: trX(ip.box.XMax), Y: trY(ip.box.YMax)},
	}, ip.img)
}
