package plotting

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"slices"
	"sort"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Box is the rectangle [XMin, XMax] × [YMin, YMax] of the plane that a
// contour map shows.
type Box struct {
	XMin, XMax, YMin, YMax float64
}

func (b Box) check(op string) {
	if !(b.XMin < b.XMax && b.YMin < b.YMax) {
		panic(fmt.Errorf("plotting: %s: box [%g, %g]×[%g, %g] is empty", op, b.XMin, b.XMax, b.YMin, b.YMax))
	}
}

// Path is one optimizer trajectory in the plane: the iterates w₀, w₁, ...
// as (x, y) pairs, with the name its legend entry shows.
type Path struct {
	Name   string
	Points [][2]float64
}

// Surface is a function of two variables sampled on a grid: Z.At(j, i) is
// the value at (X[i], Y[j]), so Z has len(Y) rows and len(X) columns.
// X and Y increase.
type Surface struct {
	X, Y []float64
	Z    *mat.Dense
}

// Sample evaluates f on an nx×ny grid spanning box, corners included.
// Infinite values are kept; contour maps treat them as above every level.
func Sample(f func(x, y float64) float64, box Box, nx, ny int) *Surface {
	box.check("Sample")
	if nx < 2 || ny < 2 {
		panic(fmt.Errorf("plotting: Sample: grid %d×%d is smaller than 2×2", nx, ny))
	}
	s := &Surface{X: linspace(box.XMin, box.XMax, nx), Y: linspace(box.YMin, box.YMax, ny), Z: mat.NewDense(ny, nx, nil)}
	for j, y := range s.Y {
		for i, x := range s.X {
			s.Z.Set(j, i, f(x, y))
		}
	}
	return s
}

func linspace(lo, hi float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = lo + (hi-lo)*float64(i)/float64(n-1)
	}
	return out
}

func (s *Surface) check(op string) {
	if s == nil || s.Z == nil {
		panic(fmt.Errorf("plotting: %s: nil surface", op))
	}
	r, c := s.Z.Dims()
	if r != len(s.Y) || c != len(s.X) || r < 2 || c < 2 {
		panic(fmt.Errorf("plotting: %s: surface Z is %d×%d for %d x and %d y values (want len(Y)×len(X), at least 2×2)", op, r, c, len(s.X), len(s.Y)))
	}
}

func (s *Surface) box() Box {
	return Box{s.X[0], s.X[len(s.X)-1], s.Y[0], s.Y[len(s.Y)-1]}
}

// ContourOptions adjust a contour map. The zero value draws 12 contour
// lines of a function sampled on a 150×150 grid, axes labelled w1 and w2.
type ContourOptions struct {
	Title          string
	XLabel, YLabel string // default "w1" and "w2"
	// N is the number of grid points per axis at which Contour samples f
	// (default 150).
	N int
	// Levels is the number of contour levels (default 12), placed at evenly
	// spaced quantiles of the sampled values so that both a round bowl and
	// a narrow curved valley get lines where they matter. LevelValues
	// overrides them.
	Levels      int
	LevelValues []float64
	// Filled paints the bands between levels (dark is low) and adds a color
	// bar; otherwise the levels are colored lines.
	Filled bool
	// Minima are marked with a black ×, for instance the known minimizer.
	Minima [][2]float64
	// Width and Height are the display size in CSS pixels (0: 600×480).
	Width, Height int
}

// Contour draws the level sets of f over box, with optimizer trajectories
// on top: each path a line of its own color through dots at the iterates,
// a ring at the start and a triangle at the end, named in the legend. This
// is the lecture's central picture: small steps creeping down a valley,
// large steps zig-zagging across it, momentum overshooting and curling in,
// SGD wandering around the minimum. Paths leaving the box are cut at its
// edge; the axes stay on the box.
func Contour(f func(x, y float64) float64, box Box, paths []Path, opt ContourOptions) *Figure {
	box.check("Contour")
	n := opt.N
	if n == 0 {
		n = 150
	}
	return ContourSurface(Sample(f, box, n, n), paths, opt)
}

// ContourSurface draws the contour map of an already sampled surface with
// trajectories overlaid, as Contour does: useful when the objective is
// costly (a network's loss on a plane through weight space) and is sampled
// once for several pictures.
func ContourSurface(s *Surface, paths []Path, opt ContourOptions) *Figure {
	p, bar := contourPlot(s, opt, "ContourSurface")
	addPaths(p, paths)
	addMinima(p, opt.Minima)
	return newFigureSized(p, bar, opt.Width, opt.Height, 600, 480)
}

// contourPlot draws the levels of s, filled or as lines, on a new plot
// whose axes are fixed to the surface's box.
func contourPlot(s *Surface, opt ContourOptions, op string) (*plot.Plot, *colorBar) {
	s.check(op)
	xl, yl := opt.XLabel, opt.YLabel
	if xl == "" {
		xl = "w1"
	}
	if yl == "" {
		yl = "w2"
	}
	p := newPlot(opt.Title, xl, yl)
	finite := finiteValues(s.Z)
	levels := slices.Clone(opt.LevelValues)
	if len(levels) == 0 {
		n := opt.Levels
		if n <= 0 {
			n = 12
		}
		levels = quantileLevels(finite, n)
	}
	sort.Float64s(levels)
	levels = slices.Compact(levels)
	var bar *colorBar
	if opt.Filled && len(levels) > 0 {
		bands := make([]color.RGBA, len(levels)+1)
		for i := range bands {
			bands[i] = viridis(float64(i) / float64(len(levels)))
		}
		p.Add(&bandPainter{s: s, levels: levels, bands: bands})
		bar = &colorBar{levels: levels, bands: bands}
	}
	if len(levels) > 0 {
		styles := make([]draw.LineStyle, len(levels))
		for i := range levels {
			if opt.Filled {
				styles[i] = lineStyle(color.NRGBA{0xff, 0xff, 0xff, 0x70}, 0.5)
			} else {
				styles[i] = lineStyle(viridis(float64(i)/float64(max(1, len(levels)-1))*0.9), 1)
			}
		}
		p.Add(newIsolines(s, levels, styles))
	}
	b := s.box()
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = b.XMin, b.XMax, b.YMin, b.YMax
	return p, bar
}

func finiteValues(m *mat.Dense) []float64 {
	r, c := m.Dims()
	out := make([]float64, 0, r*c)
	for i := range r {
		for j := range c {
			if v := m.At(i, j); !math.IsNaN(v) && !math.IsInf(v, 0) {
				out = append(out, v)
			}
		}
	}
	sort.Float64s(out)
	return out
}

// quantileLevels returns n levels at the quantiles (k+½)/n of the sorted
// values, without repeats.
func quantileLevels(sorted []float64, n int) []float64 {
	if len(sorted) == 0 {
		return nil
	}
	var out []float64
	for k := range n {
		q := (float64(k) + 0.5) / float64(n)
		h := q * float64(len(sorted)-1)
		i := int(h)
		v := sorted[i]
		if i+1 < len(sorted) {
			v += (h - float64(i)) * (sorted[i+1] - sorted[i])
		}
		if len(out) == 0 || v > out[len(out)-1] {
			out = append(out, v)
		}
	}
	return out
}

// bandPainter fills the bands between contour levels. On a raster canvas
// it paints the device pixels directly, interpolating the surface at each
// one, which is sharper and faster than scaling an image; on vector
// canvases it embeds an image finer than the grid.
type bandPainter struct {
	s      *Surface
	levels []float64
	bands  []color.RGBA
}

func (bp *bandPainter) Plot(c draw.Canvas, plt *plot.Plot) {
	s := bp.s
	x0, x1 := s.X[0], s.X[len(s.X)-1]
	y0, y1 := s.Y[0], s.Y[len(s.Y)-1]
	trX, trY := plt.Transforms(&c)
	img, dpi, ok := rasterOf(c)
	if !ok {
		// An image of the rectangle's shape at two pixels per point.
		rect := vg.Rectangle{Min: vg.Point{X: trX(x0), Y: trY(y0)}, Max: vg.Point{X: trX(x1), Y: trY(y1)}}
		w := max(1, min(2000, int(float64(rect.Size().X)*2+0.5)))
		h := max(1, min(2000, int(float64(rect.Size().Y)*2+0.5)))
		bi := image.NewRGBA(image.Rect(0, 0, w, h))
		bp.paint(bi, bi.Bounds(),
			func(px int) float64 { return x0 + (x1-x0)*(float64(px)+0.5)/float64(w) },
			func(py int) float64 { return y1 - (y1-y0)*(float64(py)+0.5)/float64(h) })
		c.DrawImage(rect, bi)
		return
	}
	height := float64(img.Bounds().Dy())
	dots := func(l vg.Length) float64 { return l.Dots(dpi) }
	left, right := dots(trX(x0)), dots(trX(x1))
	top, bottom := height-dots(trY(y1)), height-dots(trY(y0))
	// Paint the pixels whose centers lie in both the surface and the canvas.
	first := func(lo float64) int { return int(math.Ceil(lo - 0.5)) }
	r := image.Rect(
		first(math.Max(left, dots(c.Min.X))), first(math.Max(top, height-dots(c.Max.Y))),
		first(math.Min(right, dots(c.Max.X))), first(math.Min(bottom, height-dots(c.Min.Y))),
	).Intersect(img.Bounds())
	bp.paint(img, r,
		func(px int) float64 { return x0 + (x1-x0)*(float64(px)+0.5-left)/(right-left) },
		func(py int) float64 { return y1 - (y1-y0)*(float64(py)+0.5-top)/(bottom-top) })
}

// rasterOf finds the image under a canvas drawn by vgimg.
func rasterOf(c draw.Canvas) (*image.RGBA, float64, bool) {
	cv := c.Canvas
	for {
		dc, ok := cv.(draw.Canvas)
		if !ok {
			break
		}
		cv = dc.Canvas
	}
	vc, ok := cv.(*vgimg.Canvas)
	if !ok {
		return nil, 0, false
	}
	img, ok := vc.Image().(*image.RGBA)
	return img, vc.DPI(), ok
}

// paint colors the pixels of r in img by the band of the surface's value
// at (xAt(px), yAt(py)), interpolated bilinearly so that band edges follow
// the contour lines drawn on top. NaN values leave pixels untouched.
func (bp *bandPainter) paint(img *image.RGBA, r image.Rectangle, xAt, yAt func(int) float64) {
	s, levels := bp.s, bp.levels
	ci := make([]int, r.Dx())
	cf := make([]float64, r.Dx())
	for k := range ci {
		ci[k], cf[k] = cell(s.X, xAt(r.Min.X+k))
	}
	// Infinities become a value beyond every level, so that interpolating
	// next to them gives the outermost band instead of NaN.
	big := 1 + 10*math.Max(math.Abs(levels[0]), math.Abs(levels[len(levels)-1]))
	raw := s.Z.RawMatrix()
	at := func(j, i int) float64 {
		v := raw.Data[j*raw.Stride+i]
		if math.IsInf(v, 0) {
			return math.Copysign(big, v)
		}
		return v
	}
	for py := r.Min.Y; py < r.Max.Y; py++ {
		j, fy := cell(s.Y, yAt(py))
		for k := range ci {
			i, fx := ci[k], cf[k]
			v := (1-fy)*((1-fx)*at(j, i)+fx*at(j, i+1)) + fy*((1-fx)*at(j+1, i)+fx*at(j+1, i+1))
			if math.IsNaN(v) {
				continue
			}
			c := bp.bands[sort.SearchFloat64s(levels, v)]
			off := img.PixOffset(r.Min.X+k, py)
			img.Pix[off], img.Pix[off+1], img.Pix[off+2], img.Pix[off+3] = c.R, c.G, c.B, c.A
		}
	}
}

// cell finds the grid interval [xs[i], xs[i+1]] holding x and x's fraction
// of the way through it.
func cell(xs []float64, x float64) (int, float64) {
	i := sort.SearchFloat64s(xs, x) - 1
	i = max(0, min(i, len(xs)-2))
	f := (x - xs[i]) / (xs[i+1] - xs[i])
	return i, math.Max(0, math.Min(1, f))
}

// addPaths draws trajectories with legend entries, and a legend key for the
// start and end markers.
func addPaths(p *plot.Plot, paths []Path) {
	for i, path := range paths {
		pp := &pathPlotter{points: path.Points, color: pathColor(i)}
		p.Add(pp)
		name := path.Name
		if name == "" {
			name = fmt.Sprintf("path %d", i+1)
		}
		p.Legend.Add(name, pp)
	}
	if len(paths) > 0 {
		p.Legend.Add("start", glyphThumb{startGlyph(inkGray)})
		p.Legend.Add("end", glyphThumb{endGlyph(inkGray)})
	}
}

func addMinima(p *plot.Plot, minima [][2]float64) {
	if len(minima) == 0 {
		return
	}
	m := &markerPlotter{points: minima, style: draw.GlyphStyle{Color: color.Black, Radius: vg.Points(5), Shape: thickCross{}}}
	p.Add(m)
	p.Legend.Add("minimum", glyphThumb{m.style})
}

func startGlyph(c color.Color) draw.GlyphStyle {
	return draw.GlyphStyle{Color: c, Radius: vg.Points(4.5), Shape: thickRing{}}
}

func endGlyph(c color.Color) draw.GlyphStyle {
	return draw.GlyphStyle{Color: c, Radius: vg.Points(5), Shape: draw.PyramidGlyph{}}
}

// pathPlotter draws one trajectory without widening the axes: a divergent
// run leaves the box instead of shrinking the map to a dot.
type pathPlotter struct {
	points [][2]float64
	color  color.RGBA
}

// maxDots is the longest path whose iterates are all drawn as dots; longer
// paths are lines only, as dots would merge into a smear.
const maxDots = 300

func (pp *pathPlotter) Plot(c draw.Canvas, plt *plot.Plot) {
	trX, trY := plt.Transforms(&c)
	limit := 1e6 * (math.Abs(plt.X.Max-plt.X.Min) + math.Abs(plt.Y.Max-plt.Y.Min) + math.Abs(plt.X.Max) + math.Abs(plt.Y.Max))
	var pts []vg.Point
	for _, w := range pp.points {
		if math.IsNaN(w[0]) || math.IsNaN(w[1]) || math.Abs(w[0]) > limit || math.Abs(w[1]) > limit {
			break // the run diverged: draw it up to here
		}
		pts = append(pts, vg.Point{X: trX(w[0]), Y: trY(w[1])})
	}
	if len(pts) == 0 {
		return
	}
	strokeChunked(c, lineStyle(pp.color, 1.5), pts)
	if len(pts) <= maxDots {
		dot := draw.GlyphStyle{Color: pp.color, Radius: vg.Points(1.6), Shape: draw.CircleGlyph{}}
		for _, pt := range pts[1:] {
			c.DrawGlyph(dot, pt)
		}
	}
	c.DrawGlyph(startGlyph(pp.color), pts[0])
	if len(pts) > 1 {
		c.DrawGlyph(endGlyph(pp.color), pts[len(pts)-1])
	}
}

// Thumbnail draws the legend key: a short line through a dot.
func (pp *pathPlotter) Thumbnail(c *draw.Canvas) {
	y := c.Center().Y
	c.StrokeLine2(lineStyle(pp.color, 1.5), c.Min.X, y, c.Max.X, y)
	c.DrawGlyphNoClip(draw.GlyphStyle{Color: pp.color, Radius: vg.Points(2), Shape: draw.CircleGlyph{}}, c.Center())
}

// markerPlotter draws one glyph at each point, without widening the axes.
type markerPlotter struct {
	points [][2]float64
	style  draw.GlyphStyle
}

func (m *markerPlotter) Plot(c draw.Canvas, plt *plot.Plot) {
	trX, trY := plt.Transforms(&c)
	for _, w := range m.points {
		c.DrawGlyph(m.style, vg.Point{X: trX(w[0]), Y: trY(w[1])})
	}
}

type glyphThumb struct{ style draw.GlyphStyle }

func (g glyphThumb) Thumbnail(c *draw.Canvas) { c.DrawGlyphNoClip(g.style, c.Center()) }

// thickRing is a ring with a stroke heavy enough to read over contour lines.
type thickRing struct{}

func (thickRing) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	c.SetLineStyle(draw.LineStyle{Color: sty.Color, Width: vg.Points(1.5)})
	var p vg.Path
	p.Move(vg.Point{X: pt.X + sty.Radius, Y: pt.Y})
	p.Arc(pt, sty.Radius, 0, 2*math.Pi)
	p.Close()
	c.Stroke(p)
}

// thickCross is an × with a heavy stroke.
type thickCross struct{}

func (thickCross) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	c.SetLineStyle(draw.LineStyle{Color: sty.Color, Width: vg.Points(2)})
	r := sty.Radius * 0.8
	var p vg.Path
	p.Move(vg.Point{X: pt.X - r, Y: pt.Y - r})
	p.Line(vg.Point{X: pt.X + r, Y: pt.Y + r})
	p.Move(vg.Point{X: pt.X - r, Y: pt.Y + r})
	p.Line(vg.Point{X: pt.X + r, Y: pt.Y - r})
	c.Stroke(p)
}
