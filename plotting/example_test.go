package plotting_test

import (
	"bytes"
	"fmt"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/descentlab/descent/interp/display"
	"github.com/descentlab/descent/plotting"
	"gonum.org/v1/gonum/mat"
)

// pngSize prints the pixel size of the figure's inline PNG.
func pngSize(f *plotting.Figure) {
	data, _ := f.MIMEBundle()
	cfg, err := png.DecodeConfig(bytes.NewReader(data["image/png"].([]byte)))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%dx%d PNG\n", cfg.Width, cfg.Height)
}

func bowl(x, y float64) float64 { return 0.5*x*x + 5*y*y }

func ExampleLossCurves() {
	sgd := make([]float64, 100)
	momentum := make([]float64, 100)
	for i := range sgd {
		sgd[i] = math.Exp(-float64(i)/40) * (1 + 0.2*math.Sin(float64(i)))
		momentum[i] = math.Exp(-float64(i) / 15)
	}
	f := plotting.LossCurves([]plotting.Run{
		{Name: "SGD", Y: sgd},
		{Name: "SGD + momentum", Y: momentum},
	}, plotting.LossOptions{Title: "Training loss", LogY: true, Smooth: 0.8, StepsPerEpoch: 10})
	fmt.Println(f)
	pngSize(f)
	// Output:
	// <Figure 640×400: Training loss>
	// 1280x800 PNG
}

func ExampleLossCurve() {
	fmt.Println(plotting.LossCurve([]float64{2.3, 1.1, 0.7, 0.5, 0.45}))
	// Output: <Figure 640×400>
}

func ExampleEMA() {
	fmt.Printf("%.3f\n", plotting.EMA([]float64{1, 3, 1, 3}, 0.5))
	// Output: [1.000 2.333 1.571 2.333]
}

func ExampleContour() {
	paths := []plotting.Path{
		{Name: "γ = 0.05", Points: plotting.GradientDescent(bowl, [2]float64{-4, 1.5}, 0.05, 40)},
		{Name: "γ = 0.18", Points: plotting.GradientDescent(bowl, [2]float64{-4, 1.5}, 0.18, 40)},
	}
	f := plotting.Contour(bowl, plotting.Box{XMin: -5, XMax: 5, YMin: -2, YMax: 2}, paths,
		plotting.ContourOptions{Title: "Small and large steps", Minima: [][2]float64{{0, 0}}})
	fmt.Println(f)
	pngSize(f)
	// Output:
	// <Figure 600×480: Small and large steps>
	// 1200x960 PNG
}

func ExampleContourSurface() {
	s := plotting.Sample(bowl, plotting.Box{XMin: -5, XMax: 5, YMin: -2, YMax: 2}, 100, 60)
	filled := plotting.ContourSurface(s, nil, plotting.ContourOptions{Title: "filled", Filled: true})
	lines := plotting.ContourSurface(s, nil, plotting.ContourOptions{Title: "lines", Levels: 20})
	fmt.Println(plotting.Grid(2, filled, lines))
	// Output: <Figure 840×330, 2 panels>
}

func ExampleSample() {
	s := plotting.Sample(bowl, plotting.Box{XMin: -1, XMax: 1, YMin: 0, YMax: 1}, 3, 2)
	fmt.Println(s.X, s.Y)
	fmt.Println(mat.Formatted(s.Z))
	// Output:
	// [-1 0 1] [0 1]
	// ⎡0.5    0  0.5⎤
	// ⎣5.5    5  5.5⎦
}

func ExampleGrid() {
	a := plotting.LossCurve([]float64{1, 0.5, 0.25}).WithTitle("GD")
	b := plotting.LossCurve([]float64{1, 0.3, 0.1}).WithTitle("momentum")
	f := plotting.Grid(2, a, b).WithTitle("With and without momentum")
	fmt.Println(f, f.Panels())
	// Output: <Figure 840×330, 2 panels: With and without momentum> 2
}

func ExampleLearningRateRegimes() {
	// The stiffest direction of the bowl has curvature 10, so γopt = 0.1.
	f := plotting.LearningRateRegimes(bowl, plotting.Box{XMin: -5, XMax: 5, YMin: -2, YMax: 2}, [2]float64{-4, 1.5}, 0.1, 20)
	fmt.Println(f)
	for _, r := range plotting.Regimes {
		fmt.Printf("%.1f γopt: %s\n", r.Factor, r.Name)
	}
	// Output:
	// <Figure 840×660, 4 panels: Gradient descent: four learning-rate regimes>
	// 0.5 γopt: γ < γopt
	// 1.0 γopt: γ = γopt
	// 1.5 γopt: γopt < γ < 2γopt
	// 2.1 γopt: γ ≥ 2γopt
}

func ExampleGradientDescent() {
	path := plotting.GradientDescent(bowl, [2]float64{1, 1}, 0.1, 2)
	for _, w := range path {
		fmt.Printf("(%.3f, %.3f)\n", w[0], w[1])
	}
	// Output:
	// (1.000, 1.000)
	// (0.900, 0.000)
	// (0.810, 0.000)
}

func ExampleEigenvalues() {
	eigs := []float64{0.84, 0.31, 0.12, 0.05, 0.02}
	f := plotting.Eigenvalues(eigs, plotting.SpectrumOptions{Title: "Hessian", LR: 1.5})
	fmt.Println(f)
	pngSize(f)
	// Output:
	// <Figure 640×400: Hessian>
	// 1280x800 PNG
}

func ExampleEigenHistogram() {
	eigs := make([]float64, 200)
	for i := range eigs {
		eigs[i] = 0.01 * float64(i%20)
	}
	eigs = append(eigs, 4.2, 7.5)
	fmt.Println(plotting.EigenHistogram(eigs, plotting.SpectrumOptions{Title: "bulk and outliers", Bins: 40, LR: 0.3}))
	// Output: <Figure 640×400: bulk and outliers>
}

func ExampleSpectralDensity() {
	x := make([]float64, 101)
	y := make([]float64, 101)
	for i := range x {
		x[i] = -1 + 0.06*float64(i)
		y[i] = math.Exp(-x[i]*x[i]*8) + 0.1*math.Exp(-(x[i]-4)*(x[i]-4)*20)
	}
	fmt.Println(plotting.SpectralDensity(x, y, plotting.SpectrumOptions{Title: "density", LR: 0.4}))
	// Output: <Figure 640×400: density>
}

// A network's spectrum: a tall peak at zero and an outlier at λmax = 29.8
// a thousand times less dense, visible on a log scale. The extreme Ritz
// values of a Lanczos run give the exact marks.
func ExampleSpectralDensity_logDensity() {
	x := make([]float64, 361)
	y := make([]float64, 361)
	for i := range x {
		x[i] = -3 + 0.1*float64(i)
		y[i] = math.Exp(-x[i]*x[i]*5) + 1e-3*math.Exp(-(x[i]-29.8)*(x[i]-29.8)*5)
	}
	lmin, lmax := -0.1, 29.8
	f := plotting.SpectralDensity(x, y, plotting.SpectrumOptions{
		Title:      "network spectrum",
		LambdaMin:  &lmin,
		LambdaMax:  &lmax,
		LogDensity: true,
		LR:         0.05,
	})
	fmt.Println(f)
	// Output: <Figure 640×400: network spectrum>
}

func ExampleScatter() {
	points := [][2]float64{{0, 0}, {1, 0}, {0, 1}, {2, 2}, {3, 1}}
	labels := []float64{0, 0, 1, 2, 2}
	fmt.Println(plotting.Scatter(points, labels, plotting.ScatterOptions{Title: "three classes"}))
	// Output: <Figure 560×480: three classes>
}

func ExampleDecisionBoundary() {
	points := [][2]float64{{-2, -1}, {-1, -2}, {-1.5, 0}, {1, 2}, {2, 1}, {1.5, 0.5}}
	labels := []float64{-1, -1, -1, 1, 1, 1}
	f := plotting.DecisionBoundary(points, labels, [2]float64{0.7, 0.6}, -0.1, plotting.ScatterOptions{Title: "linear unit"})
	fmt.Println(f)
	pngSize(f)
	// Output:
	// <Figure 560×480: linear unit>
	// 1120x960 PNG
}

func ExampleHeatMap() {
	// The Hessian of the single linear unit is the inputs' covariance.
	cov := mat.NewSymDense(2, []float64{1, 0.9, 0.9, 1})
	fmt.Println(plotting.HeatMap(cov, plotting.HeatMapOptions{Title: "input covariance", Label: "H"}))
	// Output: <Figure 560×480: input covariance>
}

func ExampleOneOneOneNetwork() {
	loss := func(w1, w2 float64) float64 { d := 1 - w1*w2; return d * d }
	gd := plotting.GradientDescent(loss, [2]float64{0.2, -1.8}, 0.1, 50)
	f := plotting.OneOneOneNetwork(plotting.Box{}, []plotting.Path{{Name: "GD", Points: gd}}, plotting.ContourOptions{Filled: true})
	fmt.Println(f)
	// Output: <Figure 560×480: 1-1-1 network: L = (1 − w1·w2)²>
}

// lastFrame is a display sink that keeps the latest frame, standing in for
// a notebook.
type lastFrame struct{ text string }

func (s *lastFrame) Display(b display.Bundle, id string, update bool) {
	s.text = b.Data["text/plain"].(string)
}

func (s *lastFrame) Clear(bool) {}

func ExampleNewLiveView() {
	sink := &lastFrame{}
	prev := display.SetSink(sink)
	defer display.SetSink(prev)

	v := plotting.NewLiveView(100, plotting.LiveOptions{Title: "training"})
	for step := 1; step <= 100; step++ {
		v.Observe(step, 1/float64(step))
	}
	v.Close()
	// The final frame has arrived; its text form leads with the progress.
	fmt.Println(strings.SplitN(sink.text, " · ", 2)[0])
	// Output: step 100/100 [####################] 100%
}

func ExampleFigure_Save() {
	dir, err := os.MkdirTemp("", "plots")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	f := plotting.LossCurve([]float64{1, 0.6, 0.4, 0.3})
	for _, name := range []string{"loss.png", "loss.svg", "loss.pdf"} {
		if err := f.Save(filepath.Join(dir, name)); err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println("wrote", name)
	}
	// Output:
	// wrote loss.png
	// wrote loss.svg
	// wrote loss.pdf
}

func ExampleFigure_MIMEBundle() {
	f := plotting.LossCurve([]float64{1, 0.5}).WithTitle("Loss").Resize(480, 300)
	b := display.MIME(f)
	fmt.Println(b.Data["text/plain"], b.Metadata["image/png"])
	b = display.MIME(f.UseSVG())
	_, isSVG := b.Data["image/svg+xml"].(string)
	fmt.Println(isSVG)
	// Output:
	// <Figure 480×300: Loss> map[height:300 width:480]
	// true
}
