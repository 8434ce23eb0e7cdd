// Package plotting draws the pictures of optimization work — loss curves,
// contour maps with optimizer trajectories, Hessian eigen-spectra, decision
// boundaries, heat maps and live training views — with gonum.org/v1/plot.
//
// Every picture is a *Figure. In a Descent notebook a Figure that is a
// cell's last value, or is passed to display.Show, appears inline as a sharp
// PNG (or SVG on request); in a plain Go program Figure.Save writes it to a
// file. Inputs are plain Go values ([]float64, func(x, y float64) float64,
// [][2]float64 trajectories, gonum matrices), so the package works with
// any optimizer, not only optimlib's.
//
// The pictures, one call each:
//   - LossCurves and LossCurve: loss against step or epoch, linear or log,
//     optionally smoothed (EMA);
//   - Contour and ContourSurface: level sets of a 2-D objective with
//     optimizer trajectories (Path) on top; LearningRateRegimes: the
//     lecture's four learning rates side by side; OneOneOneNetwork: the
//     1-1-1 network's loss and its hyperbola of minima;
//   - Eigenvalues, EigenHistogram and SpectralDensity: Hessian spectra
//     with λmin, λmax and 2/η marked;
//   - Scatter, DecisionBoundary and HeatMap: data sets, a linear unit's
//     boundary, matrices;
//   - NewLiveView: a training run drawn while it happens;
//   - Grid: several figures as the panels of one.
package plotting

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgpdf"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Display sizes, in CSS pixels, of figures that were not resized. They fit
// a notebook column with room to spare.
const (
	DefaultWidth  = 640
	DefaultHeight = 400
)

// PixelRatio is how many image pixels a PNG has per CSS pixel of display
// size: figures are drawn at twice their display size and shown at their
// display size, so lines and text stay sharp on high-density screens.
const PixelRatio = 2

// pointsPerPixel converts CSS pixels (1/96 inch) to vg points (1/72 inch).
const pointsPerPixel = 0.75

// Figure is one picture: a single plot, or a grid of panels that share a
// heading. It renders itself inline in a notebook (it implements
// display.MIMEBundler) and writes PNG, SVG or PDF files.
type Figure struct {
	title  string
	panels []*panel
	cols   int
	width  int
	height int
	svg    bool
	footer *progressBar
}

type panel struct {
	plot   *plot.Plot
	bar    *colorBar
	legend *plot.Legend // drawn over a translucent backdrop, or nil
}

// newPanel takes the legend entries the builders added to p, so that the
// panel draws them over a backdrop that keeps them readable on a map.
// Entries added later through Figure.Plot are drawn by gonum/plot itself.
func newPanel(p *plot.Plot, bar *colorBar) *panel {
	leg := p.Legend
	p.Legend = plot.NewLegend()
	p.Legend.TextStyle = leg.TextStyle
	p.Legend.Top = leg.Top
	p.Legend.Padding = leg.Padding
	p.Legend.ThumbnailWidth = leg.ThumbnailWidth
	leg.XOffs, leg.YOffs = -vg.Points(5), -vg.Points(5)
	return &panel{plot: p, bar: bar, legend: &leg}
}

func newFigure(p *plot.Plot, bar *colorBar, width, height int) *Figure {
	f := &Figure{
		title:  p.Title.Text,
		panels: []*panel{newPanel(p, bar)},
		cols:   1,
		width:  DefaultWidth,
		height: DefaultHeight,
	}
	if width > 0 {
		f.width = width
	}
	if height > 0 {
		f.height = height
	}
	return f
}

// newFigureSized is newFigure with the size defaulting to defWidth×defHeight
// instead of DefaultWidth×DefaultHeight: maps and scatter plots want a
// squarer picture than curves.
func newFigureSized(p *plot.Plot, bar *colorBar, width, height, defWidth, defHeight int) *Figure {
	if width <= 0 {
		width = defWidth
	}
	if height <= 0 {
		height = defHeight
	}
	return newFigure(p, bar, width, height)
}

// Grid arranges the panels of figs in a grid with cols columns, filled row
// by row: the lecture's side-by-side comparisons (small and large steps,
// with and without momentum) as one picture. The result is sized so that
// each panel is about 420×330 pixels, at most 1000 pixels wide; Resize
// changes that.
func Grid(cols int, figs ...*Figure) *Figure {
	var panels []*panel
	for _, f := range figs {
		if f != nil {
			panels = append(panels, f.panels...)
		}
	}
	if len(panels) == 0 {
		panic(errors.New("plotting: Grid: no panels"))
	}
	if cols <= 0 {
		panic(fmt.Errorf("plotting: Grid: %d columns", cols))
	}
	cols = min(cols, len(panels))
	rows := (len(panels) + cols - 1) / cols
	w := min(420*cols, 1000)
	h := rows * (w / cols) * 33 / 42
	return &Figure{panels: panels, cols: cols, width: w, height: h}
}

// Title is the figure's title: the heading of a grid or the title of its
// single plot.
func (f *Figure) Title() string { return f.title }

// WithTitle sets the figure's title and returns f. A grid shows it as a
// heading above its panels.
func (f *Figure) WithTitle(title string) *Figure {
	f.title = title
	if len(f.panels) == 1 {
		f.panels[0].plot.Title.Text = title
	}
	return f
}

// Size is the figure's display size in CSS pixels.
func (f *Figure) Size() (width, height int) { return f.width, f.height }

// Resize sets the display size in CSS pixels and returns f. PNG images are
// PixelRatio times larger.
func (f *Figure) Resize(width, height int) *Figure {
	if width <= 0 || height <= 0 {
		panic(fmt.Errorf("plotting: Resize: size %d×%d is not positive", width, height))
	}
	f.width, f.height = width, height
	return f
}

// UseSVG makes the figure display as SVG instead of PNG, and returns f.
// SVG is sharp at any zoom and small for line plots; large heat maps and
// filled contours are smaller as PNG.
func (f *Figure) UseSVG() *Figure {
	f.svg = true
	return f
}

// Panels is the number of panels in the figure.
func (f *Figure) Panels() int { return len(f.panels) }

// Plot returns the gonum plot of panel i (0 for a single plot), for
// adjustments the package has no option for: axis ranges, extra plotters,
// tick marks.
func (f *Figure) Plot(i int) *plot.Plot {
	if i < 0 || i >= len(f.panels) {
		panic(fmt.Errorf("plotting: Plot: panel %d of %d", i, len(f.panels)))
	}
	return f.panels[i].plot
}

// String describes the figure, for example "<Figure 640×400: Loss>", or
// for a frame of a live view, its progress line. It is the figure's
// text/plain form.
func (f *Figure) String() string {
	if f.footer != nil {
		return f.footer.text
	}
	var b strings.Builder
	fmt.Fprintf(&b, "<Figure %d×%d", f.width, f.height)
	if len(f.panels) > 1 {
		fmt.Fprintf(&b, ", %d panels", len(f.panels))
	}
	if f.title != "" {
		b.WriteString(": " + f.title)
	}
	b.WriteString(">")
	return b.String()
}

// MIMEBundle renders the figure for display: image/png (or image/svg+xml
// after UseSVG) with the display size as width and height metadata, and
// text/plain for front ends that show no images. A figure that cannot be
// drawn shows the reason as text.
func (f *Figure) MIMEBundle() (data, metadata map[string]any) {
	data = map[string]any{"text/plain": f.String()}
	metadata = map[string]any{}
	size := map[string]any{"width": f.width, "height": f.height}
	if f.svg {
		svg, err := f.SVG()
		if err != nil {
			data["text/plain"] = f.String() + "\n" + err.Error()
			return data, metadata
		}
		data["image/svg+xml"] = string(svg)
		return data, metadata
	}
	img, err := f.PNG()
	if err != nil {
		data["text/plain"] = f.String() + "\n" + err.Error()
		return data, metadata
	}
	data["image/png"] = img
	metadata["image/png"] = size
	return data, metadata
}

// PNG renders the figure as a PNG image PixelRatio times its display size.
func (f *Figure) PNG() ([]byte, error) {
	var buf bytes.Buffer
	if err := f.WritePNG(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// SVG renders the figure as an SVG document of its display size.
func (f *Figure) SVG() ([]byte, error) {
	var buf bytes.Buffer
	if err := f.WriteSVG(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Image draws the figure into an RGBA image PixelRatio times its display
// size.
func (f *Figure) Image() (img image.Image, err error) {
	w, h := f.points()
	c := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(96*PixelRatio))
	if err := f.render(draw.New(c), "Image"); err != nil {
		return nil, err
	}
	return c.Image(), nil
}

// WritePNG writes the figure as PNG to w.
func (f *Figure) WritePNG(w io.Writer) error {
	img, err := f.Image()
	if err != nil {
		return err
	}
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(w, img); err != nil {
		return fmt.Errorf("plotting: WritePNG: %w", err)
	}
	return nil
}

// WriteSVG writes the figure as SVG to w.
func (f *Figure) WriteSVG(w io.Writer) error {
	pw, ph := f.points()
	c := vgsvg.New(pw, ph)
	if err := f.render(draw.New(c), "WriteSVG"); err != nil {
		return err
	}
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return fmt.Errorf("plotting: WriteSVG: %w", err)
	}
	// Viewers without Liberation Sans fall back to a wider face and labels
	// collide; Arial has the same metrics.
	svg := bytes.ReplaceAll(buf.Bytes(), []byte("font-family:Liberation Sans;"), []byte("font-family:'Liberation Sans',Arial,Helvetica,sans-serif;"))
	if _, err := w.Write(svg); err != nil {
		return fmt.Errorf("plotting: WriteSVG: %w", err)
	}
	return nil
}

// drawImage draws img stretched over rect. SVG viewers keep an embedded
// image's aspect ratio, so on vector canvases img is first resampled
// (nearest neighbor, about two pixels per point) to the shape of rect.
func drawImage(c draw.Canvas, rect vg.Rectangle, img image.Image) {
	if _, _, raster := rasterOf(c); raster {
		c.DrawImage(rect, img)
		return
	}
	size := rect.Size()
	w := max(1, min(2000, int(math.Abs(float64(size.X))*2+0.5)))
	h := max(1, min(2000, int(math.Abs(float64(size.Y))*2+0.5)))
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	b := img.Bounds()
	for y := range h {
		sy := b.Min.Y + y*b.Dy()/h
		for x := range w {
			out.Set(x, y, img.At(b.Min.X+x*b.Dx()/w, sy))
		}
	}
	c.DrawImage(rect, out)
}

// Save writes the figure to path in the format its extension names:
// .png, .svg or .pdf.
func (f *Figure) Save(path string) (err error) {
	ext := strings.ToLower(filepath.Ext(path))
	var buf bytes.Buffer
	switch ext {
	case ".png":
		err = f.WritePNG(&buf)
	case ".svg":
		err = f.WriteSVG(&buf)
	case ".pdf":
		pw, ph := f.points()
		c := vgpdf.New(pw, ph)
		if err = f.render(draw.New(c), "Save"); err == nil {
			_, err = c.WriteTo(&buf)
		}
	default:
		return fmt.Errorf("plotting: Save: %q: unknown format %q (want .png, .svg or .pdf)", path, ext)
	}
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("plotting: Save: %w", err)
	}
	return nil
}

func (f *Figure) points() (w, h vg.Length) {
	return vg.Length(f.width) * pointsPerPixel, vg.Length(f.height) * pointsPerPixel
}

// render draws the figure on c, turning a panic of the plotting library
// (degenerate data ranges, for instance) into an error.
func (f *Figure) render(c draw.Canvas, op string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("plotting: %s: %v", op, r)
		}
	}()
	f.draw(c)
	return nil
}

func (f *Figure) draw(c draw.Canvas) {
	// Raster canvases start white; filling them again costs a pass over
	// every pixel. Vector canvases start transparent.
	if _, _, raster := rasterOf(c); !raster {
		c.SetColor(color.White)
		c.Fill(c.Rectangle.Path())
	}
	pad := vg.Points(6)
	if f.footer != nil {
		h := vg.Points(30)
		f.footer.draw(draw.Crop(c, 2*pad, -2*pad, pad, -(c.Size().Y - h)))
		c = draw.Crop(c, 0, 0, h, 0)
	}
	if len(f.panels) > 1 && f.title != "" {
		sty := textStyle(13, color.Black)
		sty.XAlign = draw.XCenter
		sty.YAlign = draw.YTop
		c.FillText(sty, vg.Point{X: c.Center().X, Y: c.Max.Y - pad}, f.title)
		c = draw.Crop(c, 0, 0, 0, -(sty.Height(f.title) + pad))
	}
	rows := (len(f.panels) + f.cols - 1) / f.cols
	tiles := draw.Tiles{
		Rows: rows, Cols: f.cols,
		PadTop: pad, PadBottom: pad, PadLeft: pad, PadRight: 2 * pad,
		PadX: 3 * pad, PadY: 2 * pad,
	}
	for i, p := range f.panels {
		p.draw(tiles.At(c, i%f.cols, i/f.cols))
	}
}

func (p *panel) draw(c draw.Canvas) {
	main := c
	if p.bar != nil {
		main = draw.Crop(c, 0, -p.bar.width(), 0, 0)
	}
	p.plot.Draw(main)
	data := p.plot.DataCanvas(main)
	if p.legend != nil {
		drawLegend(p.legend, data)
	}
	if p.bar != nil {
		bar := c
		bar.Min = vg.Point{X: main.Max.X + vg.Points(8), Y: data.Min.Y}
		bar.Max = vg.Point{X: c.Max.X, Y: data.Max.Y}
		p.bar.draw(bar)
	}
}

var backdrop = color.NRGBA{0xff, 0xff, 0xff, 0xc8}

func drawLegend(l *plot.Legend, c draw.Canvas) {
	size := l.Rectangle(c).Size() // its placement is only right for Left
	if size.X <= 0 {
		return // no entries
	}
	var r vg.Rectangle
	r.Min.X, r.Max.X = c.Max.X-size.X, c.Max.X
	if l.Left {
		r.Min.X, r.Max.X = c.Min.X, c.Min.X+size.X
	}
	r.Min.Y, r.Max.Y = c.Max.Y-size.Y, c.Max.Y
	if !l.Top {
		r.Min.Y, r.Max.Y = c.Min.Y, c.Min.Y+size.Y
	}
	r.Min.X += l.XOffs
	r.Max.X += l.XOffs
	r.Min.Y += l.YOffs
	r.Max.Y += l.YOffs
	pad := vg.Points(3)
	c.FillPolygon(backdrop, []vg.Point{
		{X: r.Min.X - pad, Y: r.Min.Y - pad}, {X: r.Max.X + pad, Y: r.Min.Y - pad},
		{X: r.Max.X + pad, Y: r.Max.Y + pad}, {X: r.Min.X - pad, Y: r.Max.Y + pad},
	})
	l.Draw(c)
}

// colorBar is the legend of a color map, drawn to the right of a panel:
// either continuous (a heat map's value range) or banded (the levels of a
// filled contour map).
type colorBar struct {
	label    string
	min, max float64
	cmap     func(t float64) color.RGBA
	levels   []float64    // band boundaries, for banded bars
	bands    []color.RGBA // len(levels)+1 band colors, bottom to top
}

const barThickness = 10

func (b *colorBar) width() vg.Length {
	w := vg.Points(barThickness + 8 + 4)
	sty := textStyle(9, color.Black)
	var widest vg.Length
	for _, l := range b.labels() {
		widest = max(widest, sty.Width(l.text))
	}
	w += widest
	if b.label != "" {
		w += sty.Height(b.label) + vg.Points(4)
	}
	return w
}

type barLabel struct {
	frac float64 // position along the bar, 0 at the bottom
	text string
}

func (b *colorBar) labels() []barLabel {
	var out []barLabel
	if b.bands != nil {
		n := len(b.bands)
		step := max(1, (len(b.levels)+7)/8)
		for i := 0; i < len(b.levels); i += step {
			out = append(out, barLabel{float64(i+1) / float64(n), formatTick(b.levels[i])})
		}
		return out
	}
	for _, t := range (plot.DefaultTicks{}).Ticks(b.min, b.max) {
		if t.Label == "" || t.Value < b.min || t.Value > b.max {
			continue
		}
		out = append(out, barLabel{(t.Value - b.min) / (b.max - b.min), t.Label})
	}
	return out
}

func (b *colorBar) draw(c draw.Canvas) {
	h := c.Max.Y - c.Min.Y
	if h <= 0 {
		return
	}
	x0, x1 := c.Min.X, c.Min.X+vg.Points(barThickness)
	if b.bands != nil {
		n := len(b.bands)
		for i, col := range b.bands {
			y0 := c.Min.Y + h*vg.Length(i)/vg.Length(n)
			y1 := c.Min.Y + h*vg.Length(i+1)/vg.Length(n)
			c.FillPolygon(col, []vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}})
		}
	} else {
		const steps = 256
		img := image.NewRGBA(image.Rect(0, 0, 1, steps))
		for i := range steps {
			img.SetRGBA(0, steps-1-i, b.cmap(float64(i)/(steps-1)))
		}
		drawImage(c, vg.Rectangle{Min: vg.Point{X: x0, Y: c.Min.Y}, Max: vg.Point{X: x1, Y: c.Max.Y}}, img)
	}
	edge := lineStyle(inkGray, 0.5)
	c.StrokeLines(edge, []vg.Point{{X: x0, Y: c.Min.Y}, {X: x1, Y: c.Min.Y}, {X: x1, Y: c.Max.Y}, {X: x0, Y: c.Max.Y}, {X: x0, Y: c.Min.Y}})
	sty := textStyle(9, color.Black)
	sty.YAlign = draw.YCenter
	for _, l := range b.labels() {
		y := c.Min.Y + h*vg.Length(l.frac)
		c.StrokeLine2(edge, x1, y, x1+vg.Points(3), y)
		c.FillText(sty, vg.Point{X: x1 + vg.Points(5), Y: y}, l.text)
	}
	if b.label != "" {
		lsty := textStyle(9, color.Black)
		lsty.Rotation = math.Pi / 2
		lsty.XAlign = draw.XCenter
		lsty.YAlign = draw.YTop
		c.FillText(lsty, vg.Point{X: c.Max.X, Y: c.Min.Y + h/2}, b.label)
	}
}

// formatTick prints v with three significant digits.
func formatTick(v float64) string {
	return strconv.FormatFloat(v, 'g', 3, 64)
}
