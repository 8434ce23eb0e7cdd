package plotting

import (
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// sans is the face every figure uses: a sans-serif reads better than the
// gonum/plot default serif at notebook sizes.
var sans = font.Font{Typeface: "Liberation", Variant: "Sans"}

// RunColors are the colors given to runs and trajectories in order: the
// first run is blue, the second orange, the third green, and so on.
var RunColors = []color.RGBA{
	{0x1f, 0x77, 0xb4, 0xff}, // blue
	{0xff, 0x7f, 0x0e, 0xff}, // orange
	{0x2c, 0xa0, 0x2c, 0xff}, // green
	{0xd6, 0x27, 0x28, 0xff}, // red
	{0x94, 0x67, 0xbd, 0xff}, // purple
	{0x8c, 0x56, 0x4b, 0xff}, // brown
	{0xe3, 0x77, 0xc2, 0xff}, // pink
	{0x7f, 0x7f, 0x7f, 0xff}, // gray
	{0xbc, 0xbd, 0x22, 0xff}, // olive
	{0x17, 0xbe, 0xcf, 0xff}, // cyan
}

// PathColors are the colors of optimizer trajectories drawn over contour
// maps: warm, saturated colors that stand out against the blue-green-yellow
// levels of the map.
var PathColors = []color.RGBA{
	{0xe4, 0x1a, 0x1c, 0xff}, // red
	{0xff, 0x7f, 0x00, 0xff}, // orange
	{0xf0, 0x32, 0xe6, 0xff}, // magenta
	{0x00, 0x00, 0x00, 0xff}, // black
	{0xa6, 0x56, 0x28, 0xff}, // brown
	{0xff, 0xff, 0xff, 0xff}, // white
}

// ClassColors color labelled points: the lecture's blue for y = −1 (or the
// first class) and red for y = +1 (or the second), then further classes.
var ClassColors = []color.RGBA{
	{0x1f, 0x5f, 0xd6, 0xff}, // blue
	{0xd6, 0x27, 0x28, 0xff}, // red
	{0x2c, 0xa0, 0x2c, 0xff}, // green
	{0xff, 0x7f, 0x0e, 0xff}, // orange
	{0x94, 0x67, 0xbd, 0xff}, // purple
	{0x8c, 0x56, 0x4b, 0xff}, // brown
}

func runColor(i int) color.RGBA   { return RunColors[i%len(RunColors)] }
func pathColor(i int) color.RGBA  { return PathColors[i%len(PathColors)] }
func classColor(i int) color.RGBA { return ClassColors[i%len(ClassColors)] }

// Mark colors: reference lines drawn on spectra and loss curves.
var (
	markMin  = color.RGBA{0x2c, 0xa0, 0x2c, 0xff} // λmin: green
	markMax  = color.RGBA{0xd6, 0x27, 0x28, 0xff} // λmax: red
	markLR   = color.RGBA{0x00, 0x00, 0x00, 0xff} // 2/η: black
	gridGray = color.RGBA{0xe0, 0xe0, 0xe0, 0xff}
	inkGray  = color.RGBA{0x40, 0x40, 0x40, 0xff}
)

// viridisAnchors sample the perceptually uniform viridis map at nine
// evenly spaced points; colors in between are interpolated linearly.
var viridisAnchors = [][3]float64{
	{68, 1, 84}, {72, 40, 120}, {62, 73, 137}, {49, 104, 142}, {38, 130, 142},
	{31, 158, 137}, {53, 183, 121}, {109, 205, 89}, {180, 222, 44}, {253, 231, 37},
}

// viridis maps t in [0, 1] to the viridis color map.
func viridis(t float64) color.RGBA {
	return interpolate(viridisAnchors, t)
}

// divergingAnchors run from blue through white to red, for matrices whose
// entries take both signs (Hessians, covariances).
var divergingAnchors = [][3]float64{
	{33, 102, 172}, {103, 169, 207}, {209, 229, 240}, {247, 247, 247},
	{253, 219, 199}, {239, 138, 98}, {178, 24, 43},
}

func diverging(t float64) color.RGBA {
	return interpolate(divergingAnchors, t)
}

func interpolate(anchors [][3]float64, t float64) color.RGBA {
	if math.IsNaN(t) {
		return color.RGBA{0xff, 0xff, 0xff, 0xff}
	}
	t = math.Max(0, math.Min(1, t))
	s := t * float64(len(anchors)-1)
	i := int(s)
	if i >= len(anchors)-1 {
		i = len(anchors) - 2
	}
	f := s - float64(i)
	a, b := anchors[i], anchors[i+1]
	c := func(k int) uint8 { return uint8(a[k] + f*(b[k]-a[k]) + 0.5) }
	return color.RGBA{c(0), c(1), c(2), 0xff}
}

// newPlot returns a gonum plot with the package's fonts and labels.
func newPlot(title, xlabel, ylabel string) *plot.Plot {
	p := plot.New()
	p.BackgroundColor = nil // the figure's background shows through
	p.Title.Text = title
	p.Title.TextStyle.Font = font.From(sans, 12)
	p.Title.Padding = vg.Points(6)
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	for _, ax := range []*plot.Axis{&p.X, &p.Y} {
		ax.Label.TextStyle.Font = font.From(sans, 11)
		ax.Tick.Label.Font = font.From(sans, 9)
		ax.Padding = vg.Points(2)
		ax.Tick.Marker = niceTicks{}
	}
	p.Legend.TextStyle.Font = font.From(sans, 9)
	p.Legend.Top = true
	p.Legend.Padding = vg.Points(2)
	p.Legend.ThumbnailWidth = vg.Points(18)
	return p
}

// addGrid draws light grid lines behind the data.
func addGrid(p *plot.Plot) {
	g := plotter.NewGrid()
	g.Vertical.Color = gridGray
	g.Horizontal.Color = gridGray
	p.Add(g)
}

func lineStyle(c color.Color, width float64) draw.LineStyle {
	return draw.LineStyle{Color: c, Width: vg.Points(width)}
}

func textStyle(size float64, c color.Color) draw.TextStyle {
	return draw.TextStyle{
		Color:   c,
		Font:    font.From(sans, vg.Length(size)),
		Handler: plot.DefaultTextHandler,
	}
}

// chunk is the number of segments stroked at a time. The rasterizer's cost
// grows with the square of the cells one path covers, so a long, noisy
// curve drawn as one path takes seconds; in pieces it takes milliseconds.
const chunk = 64

// strokeChunked strokes the polyline pts, clipped to c, in pieces of chunk
// segments that share their end points.
func strokeChunked(c draw.Canvas, sty draw.LineStyle, pts []vg.Point) {
	for _, line := range c.ClipLinesXY(pts) {
		for start := 0; start < len(line)-1; start += chunk {
			c.StrokeLines(sty, line[start:min(start+chunk+1, len(line))])
		}
	}
}

// curve is a line through points in data coordinates, drawn in pieces:
// one polyline per segment, with nothing drawn between segments. A
// segment of a single point is drawn as a dot the width of the line.
type curve struct {
	segs  []plotter.XYs
	style draw.LineStyle
}

func (cv *curve) Plot(c draw.Canvas, plt *plot.Plot) {
	trX, trY := plt.Transforms(&c)
	for _, seg := range cv.segs {
		pts := make([]vg.Point, len(seg))
		for i, p := range seg {
			pts[i] = vg.Point{X: trX(p.X), Y: trY(p.Y)}
		}
		if len(pts) == 1 {
			if c.Contains(pts[0]) {
				c.DrawGlyph(draw.GlyphStyle{Color: cv.style.Color, Radius: cv.style.Width / 2, Shape: draw.CircleGlyph{}}, pts[0])
			}
			continue
		}
		strokeChunked(c, cv.style, pts)
	}
}

func (cv *curve) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, ymin = math.Inf(1), math.Inf(1)
	xmax, ymax = math.Inf(-1), math.Inf(-1)
	for _, seg := range cv.segs {
		x0, x1, y0, y1 := plotter.XYRange(seg)
		xmin, xmax = math.Min(xmin, x0), math.Max(xmax, x1)
		ymin, ymax = math.Min(ymin, y0), math.Max(ymax, y1)
	}
	return xmin, xmax, ymin, ymax
}

func (cv *curve) Thumbnail(c *draw.Canvas) {
	y := c.Center().Y
	c.StrokeLine2(cv.style, c.Min.X, y, c.Max.X, y)
}
