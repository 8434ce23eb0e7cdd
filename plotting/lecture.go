package plotting

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// OneOneOneNetwork draws the loss of the lecture's 1-1-1 network, y = w2·w1·x
// trained on the single sample x = 1, y = 1: L(w1, w2) = (1 − w1·w2)². Its
// minima are not a point but the hyperbola w1·w2 = 1 (dashed), two valleys
// separated by a saddle at the origin (marked ◇); the objective is not
// convex although each weight alone enters it quadratically. Trajectories
// are drawn as in Contour; a zero box shows [−2.5, 2.5]².
func OneOneOneNetwork(box Box, paths []Path, opt ContourOptions) *Figure {
	if box == (Box{}) {
		box = Box{-2.5, 2.5, -2.5, 2.5}
	}
	box.check("OneOneOneNetwork")
	if opt.Title == "" {
		opt.Title = "1-1-1 network: L = (1 − w1·w2)²"
	}
	n := opt.N
	if n == 0 {
		n = 150
	}
	loss := func(w1, w2 float64) float64 { d := 1 - w1*w2; return d * d }
	p, bar := contourPlot(Sample(loss, box, n, n), opt, "OneOneOneNetwork")
	hyp := &hyperbolaPlotter{style: lineStyle(color.Black, 1.8)}
	hyp.style.Dashes = []vg.Length{vg.Points(6), vg.Points(3)}
	p.Add(hyp)
	p.Legend.Add("minima w1·w2 = 1", hyp)
	saddle := &markerPlotter{points: [][2]float64{{0, 0}}, style: draw.GlyphStyle{Color: color.Black, Radius: vg.Points(4.5), Shape: diamond{}}}
	p.Add(saddle)
	p.Legend.Add("saddle", glyphThumb{saddle.style})
	addPaths(p, paths)
	addMinima(p, opt.Minima)
	return newFigureSized(p, bar, opt.Width, opt.Height, 560, 480)
}

// hyperbolaPlotter draws both branches of w2 = 1/w1 across the axes.
type hyperbolaPlotter struct {
	style draw.LineStyle
}

func (hp *hyperbolaPlotter) Plot(c draw.Canvas, plt *plot.Plot) {
	trX, trY := plt.Transforms(&c)
	const n = 400
	for _, sign := range []float64{-1, 1} {
		// Parametrize each branch by t = log|w1| so that both its steep and
		// its flat end are sampled finely.
		lo, hi := -8.0, 8.0
		var pts []vg.Point
		for k := range n + 1 {
			t := lo + (hi-lo)*float64(k)/n
			x := sign * math.Exp(t)
			if x < plt.X.Min-1 || x > plt.X.Max+1 {
				continue
			}
			y := 1 / x
			if y < plt.Y.Min-1 || y > plt.Y.Max+1 {
				continue
			}
			pts = append(pts, vg.Point{X: trX(x), Y: trY(y)})
		}
		if len(pts) > 1 {
			c.StrokeLines(hp.style, c.ClipLinesXY(pts)...)
		}
	}
}

func (hp *hyperbolaPlotter) Thumbnail(c *draw.Canvas) {
	y := c.Center().Y
	c.StrokeLine2(hp.style, c.Min.X, y, c.Max.X, y)
}

// diamond is a filled square standing on a corner.
type diamond struct{}

func (diamond) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	r := sty.Radius
	c.FillPolygon(sty.Color, []vg.Point{{X: pt.X, Y: pt.Y - r}, {X: pt.X + r, Y: pt.Y}, {X: pt.X, Y: pt.Y + r}, {X: pt.X - r, Y: pt.Y}})
}

// Regime is a learning rate as a multiple of γopt, with the lecture's name
// for what gradient descent does at it.
type Regime struct {
	Factor float64
	Name   string
}

// Regimes are the learning rates of LearningRateRegimes' four panels.
var Regimes = []Regime{
	{0.5, "γ < γopt"},
	{1, "γ = γopt"},
	{1.5, "γopt < γ < 2γopt"},
	{2.1, "γ ≥ 2γopt"},
}

// LearningRateRegimes draws the lecture's four pictures of gradient descent
// from start on f, one panel per learning rate: γ = ½γopt creeps towards the
// minimum, γ = γopt jumps straight to it along the stiffest direction,
// 1.5γopt overshoots and oscillates inwards, and 2.1γopt oscillates
// outwards and diverges. For a quadratic, γopt = 1/λmax, the inverse of the
// Hessian's largest eigenvalue. Gradients are central differences of f,
// so any smooth f works; steps is the number of iterations per panel.
func LearningRateRegimes(f func(x, y float64) float64, box Box, start [2]float64, gammaOpt float64, steps int) *Figure {
	box.check("LearningRateRegimes")
	if !(gammaOpt > 0) || steps < 1 {
		panic(fmt.Errorf("plotting: LearningRateRegimes: γopt %g and %d steps (want both positive)", gammaOpt, steps))
	}
	s := Sample(f, box, 120, 120)
	var figs []*Figure
	for _, r := range Regimes {
		lr := r.Factor * gammaOpt
		path := GradientDescent(f, start, lr, steps)
		title := fmt.Sprintf("%s (γ = %s)", r.Name, formatTick(lr))
		p, _ := contourPlot(s, ContourOptions{Title: title}, "LearningRateRegimes")
		p.Title.TextStyle.Font.Size = 10
		addPaths(p, []Path{{Name: fmt.Sprintf("%d steps", steps), Points: path}})
		figs = append(figs, newFigure(p, nil, 0, 0))
	}
	return Grid(2, figs...).WithTitle("Gradient descent: four learning-rate regimes")
}

// GradientDescent runs steps iterations of w ← w − γ ∇f(w) from start, with
// ∇f by central differences, and returns the path w0, w1, ..., stopping
// early once it leaves every finite value behind. It is the trajectory of
// LearningRateRegimes, for drawing on maps of one's own.
func GradientDescent(f func(x, y float64) float64, start [2]float64, lr float64, steps int) [][2]float64 {
	w := start
	path := [][2]float64{w}
	for range steps {
		gx, gy := centralGradient(f, w[0], w[1])
		w = [2]float64{w[0] - lr*gx, w[1] - lr*gy}
		if !isFinite(w[0]) || !isFinite(w[1]) {
			break
		}
		path = append(path, w)
	}
	return path
}

func centralGradient(f func(x, y float64) float64, x, y float64) (float64, float64) {
	hx := 1e-5 * math.Max(1, math.Abs(x))
	hy := 1e-5 * math.Max(1, math.Abs(y))
	return (f(x+hx, y) - f(x-hx, y)) / (2 * hx), (f(x, y+hy) - f(x, y-hy)) / (2 * hy)
}
