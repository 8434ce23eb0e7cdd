package plotting

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
)

func quadratic(x, y float64) float64 { return 0.5*x*x + 5*y*y }

var quadBox = Box{-5, 5, -2, 2}

// threePaths are gradient descent on quadratic with three learning rates.
func threePaths() []Path {
	return []Path{
		{Name: "γ = 0.05", Points: GradientDescent(quadratic, [2]float64{-4, 1.5}, 0.05, 40)},
		{Name: "γ = 0.15", Points: GradientDescent(quadratic, [2]float64{-4, 1.5}, 0.15, 40)},
		{Name: "γ = 0.19", Points: GradientDescent(quadratic, [2]float64{-4, 1.5}, 0.19, 40)},
	}
}

// decodePNG renders f as PNG and checks that the image is PixelRatio times
// its display size.
func decodePNG(t *testing.T, f *Figure) image.Image {
	t.Helper()
	data, err := f.PNG()
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("PNG does not decode: %v", err)
	}
	w, h := f.Size()
	if b := img.Bounds(); b.Dx() != PixelRatio*w || b.Dy() != PixelRatio*h {
		t.Fatalf("image is %d×%d, want %d×%d", b.Dx(), b.Dy(), PixelRatio*w, PixelRatio*h)
	}
	return img
}

// countColor counts the pixels within tol (per channel) of c. The images
// are opaque, so premultiplied and straight alpha agree.
func countColor(img image.Image, c color.Color, tol int) int {
	var pix []uint8
	switch m := img.(type) {
	case *image.RGBA:
		pix = m.Pix
	case *image.NRGBA:
		pix = m.Pix
	default:
		rgba := image.NewRGBA(img.Bounds())
		draw.Draw(rgba, rgba.Bounds(), img, img.Bounds().Min, draw.Src)
		pix = rgba.Pix
	}
	r0, g0, b0, _ := c.RGBA()
	n := 0
	for i := 0; i+3 < len(pix); i += 4 {
		if near(pix[i], r0, tol) && near(pix[i+1], g0, tol) && near(pix[i+2], b0, tol) {
			n++
		}
	}
	return n
}

func near(a uint8, b uint32, tol int) bool {
	d := int(a) - int(b>>8)
	return d <= tol && d >= -tol
}

// inkFraction is the share of pixels that are not white.
func inkFraction(img image.Image) float64 {
	b := img.Bounds()
	return 1 - float64(countColor(img, color.White, 8))/float64(b.Dx()*b.Dy())
}

// blend is c with alpha a over white, as it appears in the image.
func blend(c color.RGBA, a uint8) color.RGBA {
	f := float64(a) / 255
	mix := func(v uint8) uint8 { return uint8(float64(v)*f + 255*(1-f) + 0.5) }
	return color.RGBA{mix(c.R), mix(c.G), mix(c.B), 0xff}
}

func TestFiguresDrawTheirFeatures(t *testing.T) {
	eigs := []float64{5.5, 3, 0.3, 0.2, 0.1, 0.05, 0.01, -0.3}
	points := [][2]float64{{-2, -1}, {-1.5, -0.5}, {-1, -1.2}, {1, 1}, {1.5, 0.4}, {2, 1.3}}
	labels := []float64{-1, -1, -1, 1, 1, 1}
	decay := make([]float64, 200)
	noisy := make([]float64, 200)
	for i := range decay {
		decay[i] = math.Exp(-float64(i) / 40)
		noisy[i] = math.Exp(-float64(i)/60) * (1 + 0.3*math.Sin(float64(i)))
	}
	hess := mat.NewSymDense(3, []float64{2, -1, 0, -1, 2, -1, 0, -1, 2})
	tests := []struct {
		name     string
		fig      *Figure
		w, h     int
		features map[string]color.Color // each must cover at least 50 pixels
		absent   map[string]color.Color // each must cover fewer than 5 pixels
	}{
		{"loss curves", LossCurves([]Run{{Name: "SGD", Y: decay}, {Name: "momentum", Y: noisy}}, LossOptions{Title: "Loss"}), 640, 400,
			map[string]color.Color{"run 1": RunColors[0], "run 2": RunColors[1]}, map[string]color.Color{"run 3": RunColors[2]}},
		{"log loss, smoothed", LossCurves([]Run{{Y: noisy}}, LossOptions{LogY: true, Smooth: 0.9, StepsPerEpoch: 50}), 640, 400,
			map[string]color.Color{"smoothed": RunColors[0], "raw": blend(RunColors[0], 0x50)}, nil},
		{"log loss with zeros and NaN", LossCurves([]Run{{Name: "bad", Y: []float64{1, 0, -1, math.NaN(), 0.5, math.Inf(1), 0.25}}}, LossOptions{LogY: true}), 640, 400,
			map[string]color.Color{"run": RunColors[0]}, nil},
		{"no runs", LossCurves(nil, LossOptions{LogY: true, Title: "nothing yet"}), 640, 400, nil,
			map[string]color.Color{"run": RunColors[0]}},
		{"contour with paths", Contour(quadratic, quadBox, threePaths(), ContourOptions{Minima: [][2]float64{{0, 0}}}), 600, 480,
			map[string]color.Color{"path 1": PathColors[0], "path 2": PathColors[1], "path 3": PathColors[2]}, nil},
		{"contour without paths", Contour(quadratic, quadBox, nil, ContourOptions{}), 600, 480,
			map[string]color.Color{"darkest level": viridis(0)}, map[string]color.Color{"path 1": PathColors[0], "path 2": PathColors[1]}},
		{"filled contour", Contour(quadratic, quadBox, threePaths()[:1], ContourOptions{Filled: true, Levels: 8}), 600, 480,
			map[string]color.Color{"lowest band": viridis(0), "highest band": viridis(1), "path": PathColors[0]}, nil},
		{"objective with a domain", Contour(func(x, y float64) float64 { return x*x - math.Log(y) }, Box{-1, 1, -1, 1}, nil, ContourOptions{Filled: true}), 600, 480,
			map[string]color.Color{"lowest band": viridis(0), "highest band": viridis(1)}, nil},
		{"regimes", LearningRateRegimes(quadratic, quadBox, [2]float64{-4, 1.5}, 0.1, 20), 840, 660,
			map[string]color.Color{"paths": PathColors[0]}, nil},
		{"eigenvalues", Eigenvalues(eigs, SpectrumOptions{LR: 0.5}), 640, 400,
			map[string]color.Color{"stems": RunColors[0], "λmax": markMax, "λmin": markMin}, nil},
		{"eigen histogram", EigenHistogram(eigs, SpectrumOptions{Bins: 10}), 640, 400,
			map[string]color.Color{"bars": blend(RunColors[0], 0xb0), "λmax": markMax, "λmin": markMin}, nil},
		{"spectral density", SpectralDensity([]float64{-1, 0, 1, 2, 3}, []float64{0, 1, 3, 1, 0}, SpectrumOptions{}), 640, 400,
			map[string]color.Color{"curve": RunColors[0], "λmax": markMax}, nil},
		{"decision boundary", DecisionBoundary(points, labels, [2]float64{1, 1}, 0, ScatterOptions{}), 560, 480,
			map[string]color.Color{"y = -1": blend(ClassColors[0], 0xd0), "y = +1": blend(ClassColors[1], 0xd0), "boundary": color.Black}, nil},
		{"scatter", Scatter(points, []float64{0, 1, 2, 0, 1, 2}, ScatterOptions{}), 560, 480,
			map[string]color.Color{"class 0": blend(ClassColors[0], 0xd0), "class 2": blend(ClassColors[2], 0xd0)}, nil},
		{"heat map", HeatMap(hess, HeatMapOptions{Label: "H"}), 560, 480,
			map[string]color.Color{"+2": diverging(1), "-1": diverging(0.25)}, nil},
		{"1-1-1 network", OneOneOneNetwork(Box{}, []Path{{Points: [][2]float64{{0.2, -1.8}, {-0.5, -1.8}}}}, ContourOptions{}), 560, 480,
			map[string]color.Color{"path": PathColors[0]}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if w, h := tt.fig.Size(); w != tt.w || h != tt.h {
				t.Errorf("display size %d×%d, want %d×%d", w, h, tt.w, tt.h)
			}
			img := decodePNG(t, tt.fig)
			if ink := inkFraction(img); ink < 0.01 {
				t.Errorf("image is blank: %.4f of pixels are not white", ink)
			}
			for name, c := range tt.features {
				if n := countColor(img, c, 6); n < 50 {
					t.Errorf("%s: %d pixels of %v, want at least 50", name, n, c)
				}
			}
			for name, c := range tt.absent {
				if n := countColor(img, c, 6); n >= 5 {
					t.Errorf("%s: %d pixels of %v, want none", name, n, c)
				}
			}
		})
	}
}

// The hyperbola of minima is drawn in black over the map.
func TestOneOneOneNetworkDrawsHyperbola(t *testing.T) {
	loss := func(a, b float64) float64 { d := 1 - a*b; return d * d }
	box := Box{-2.5, 2.5, -2.5, 2.5}
	plain := decodePNG(t, Contour(loss, box, nil, ContourOptions{Title: "1-1-1 network: L = (1 − w1·w2)²"}).Resize(560, 480))
	net := decodePNG(t, OneOneOneNetwork(box, nil, ContourOptions{}))
	black, extra := countColor(plain, color.Black, 40), countColor(net, color.Black, 40)
	if extra < black+1000 {
		t.Errorf("black pixels: %d with the hyperbola, %d without; want at least 1000 more", extra, black)
	}
}

func TestMIMEBundle(t *testing.T) {
	f := LossCurve([]float64{3, 2, 1.5, 1.2}).WithTitle("Loss")
	data, meta := f.MIMEBundle()
	if got := data["text/plain"]; got != "<Figure 640×400: Loss>" {
		t.Errorf("text/plain = %q", got)
	}
	raw, ok := data["image/png"].([]byte)
	if !ok {
		t.Fatalf("no image/png in %v", keys(data))
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(raw))
	if err != nil || cfg.Width != 1280 || cfg.Height != 800 {
		t.Errorf("PNG %d×%d (%v), want 1280×800", cfg.Width, cfg.Height, err)
	}
	size, _ := meta["image/png"].(map[string]any)
	if size["width"] != 640 || size["height"] != 400 {
		t.Errorf("metadata %v, want width 640 and height 400", meta)
	}

	data, _ = f.Resize(300, 200).UseSVG().MIMEBundle()
	if _, ok := data["image/png"]; ok {
		t.Error("SVG figure also carries image/png")
	}
	svg, ok := data["image/svg+xml"].(string)
	if !ok {
		t.Fatalf("no image/svg+xml in %v", keys(data))
	}
	root, paths := parseSVG(t, svg)
	if root != "svg" || paths < 5 {
		t.Errorf("SVG root <%s> with %d paths, want <svg> with at least 5", root, paths)
	}
	if data["text/plain"] != "<Figure 300×200: Loss>" {
		t.Errorf("text/plain = %q", data["text/plain"])
	}
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// parseSVG checks that svg is well-formed XML and returns the root element
// and the number of path elements. Embedded images must have the shape of
// their box, since viewers keep an image's aspect ratio.
func parseSVG(t *testing.T, svg string) (root string, paths int) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(svg))
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return root, paths
		}
		if err != nil {
			t.Fatalf("SVG does not parse: %v", err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		if root == "" {
			root = se.Name.Local
		}
		switch se.Name.Local {
		case "path":
			paths++
		case "image":
			checkSVGImage(t, se)
		}
	}
}

func checkSVGImage(t *testing.T, se xml.StartElement) {
	t.Helper()
	attr := map[string]string{}
	for _, a := range se.Attr {
		attr[a.Name.Local] = a.Value
	}
	w, errW := strconv.ParseFloat(attr["width"], 64)
	h, errH := strconv.ParseFloat(attr["height"], 64)
	_, b64, found := strings.Cut(attr["href"], "base64,")
	data, errB := base64.StdEncoding.DecodeString(b64)
	if errW != nil || errH != nil || !found || errB != nil {
		t.Fatalf("image element %v", se.Attr)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("embedded image: %v", err)
	}
	box, pix := w/h, float64(cfg.Width)/float64(cfg.Height)
	if math.Abs(box/pix-1) > 0.05 && math.Abs(w-float64(cfg.Width)) > 1 {
		t.Errorf("embedded %d×%d image in a %.1f×%.1f box would be letterboxed", cfg.Width, cfg.Height, w, h)
	}
}

func TestSVGOfEveryKind(t *testing.T) {
	figs := map[string]*Figure{
		"contour":  Contour(quadratic, quadBox, threePaths(), ContourOptions{Filled: true, N: 40}),
		"heat map": HeatMap(mat.NewDense(2, 2, []float64{1, 2, 3, 4}), HeatMapOptions{}),
		"grid":     Grid(2, LossCurve([]float64{1, 0.5}), Eigenvalues([]float64{1, 2}, SpectrumOptions{})),
	}
	for name, f := range figs {
		svg, err := f.SVG()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if root, paths := parseSVG(t, string(svg)); root != "svg" || paths == 0 {
			t.Errorf("%s: root <%s>, %d paths", name, root, paths)
		}
	}
}

func TestSave(t *testing.T) {
	dir := t.TempDir()
	f := Eigenvalues([]float64{3, 1, 0.5}, SpectrumOptions{LR: 1})
	tests := []struct {
		file  string
		magic string
	}{
		{"s.png", "\x89PNG"},
		{"s.svg", "<?xml"},
		{"s.PDF", "%PDF"},
	}
	for _, tt := range tests {
		path := filepath.Join(dir, tt.file)
		if err := f.Save(path); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(data, []byte(tt.magic)) {
			t.Errorf("%s starts with %q, want %q", tt.file, data[:min(8, len(data))], tt.magic)
		}
	}
	if err := f.Save(filepath.Join(dir, "s.gif")); err == nil || !strings.Contains(err.Error(), `unknown format ".gif"`) {
		t.Errorf("Save(.gif) error = %v", err)
	}
}

// A figure the plotting library cannot draw shows the reason as text.
func TestRenderErrorBecomesText(t *testing.T) {
	f := LossCurve([]float64{1, 2})
	f.Plot(0).Y.Scale = plot.LogScale{}
	f.Plot(0).Y.Min = -1
	if _, err := f.PNG(); err == nil || !strings.HasPrefix(err.Error(), "plotting: Image:") {
		t.Fatalf("PNG error = %v", err)
	}
	data, _ := f.MIMEBundle()
	if _, ok := data["image/png"]; ok {
		t.Error("bundle has an image")
	}
	if text := data["text/plain"].(string); !strings.Contains(text, "plotting: Image:") {
		t.Errorf("text/plain = %q", text)
	}
}

func TestGrid(t *testing.T) {
	g := Grid(2, LossCurve([]float64{1, 0.5}), LossCurve([]float64{1, 0.2}), LossCurve([]float64{1, 0.1}))
	if g.Panels() != 3 {
		t.Errorf("%d panels", g.Panels())
	}
	if w, h := g.Size(); w != 840 || h != 660 {
		t.Errorf("size %d×%d, want 840×660", w, h)
	}
	if s := g.WithTitle("three").String(); s != "<Figure 840×660, 3 panels: three>" {
		t.Errorf("String() = %q", s)
	}
	decodePNG(t, g.Resize(400, 300))
}

func TestPanics(t *testing.T) {
	tests := []struct {
		name string
		f    func()
		want string
	}{
		{"empty grid", func() { Grid(2) }, "plotting: Grid: no panels"},
		{"zero size", func() { LossCurve(nil).Resize(0, 10) }, "size 0×10"},
		{"empty box", func() { Contour(quadratic, Box{1, 1, 0, 1}, nil, ContourOptions{}) }, "box [1, 1]×[0, 1] is empty"},
		{"bad smoothing", func() { LossCurves(nil, LossOptions{Smooth: 1}) }, "smoothing factor 1"},
		{"x and y lengths", func() { LossCurves([]Run{{Name: "a", X: []float64{1}, Y: []float64{1, 2}}}, LossOptions{}) }, `run "a" has 1 x values and 2 y values`},
		{"labels", func() { Scatter([][2]float64{{0, 0}}, []float64{1, 2}, ScatterOptions{}) }, "1 points and 2 labels"},
		{"no eigenvalues", func() { Eigenvalues([]float64{math.NaN()}, SpectrumOptions{}) }, "no finite eigenvalues among 1"},
		{"surface shape", func() {
			ContourSurface(&Surface{X: []float64{0, 1}, Y: []float64{0, 1}, Z: mat.NewDense(3, 2, nil)}, nil, ContourOptions{})
		}, "surface Z is 3×2 for 2 x and 2 y values"},
		{"regimes", func() { LearningRateRegimes(quadratic, quadBox, [2]float64{}, 0, 5) }, "γopt 0 and 5 steps"},
		{"density floor", func() {
			SpectralDensity([]float64{0, 1}, []float64{1, 1}, SpectrumOptions{LogDensity: true, DensityFloor: -1})
		}, "density floor -1 is not a finite non-negative number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				r := recover()
				err, ok := r.(error)
				if !ok || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "plotting: ") {
					t.Errorf("panic %v, want an error containing %q", r, tt.want)
				}
			}()
			tt.f()
		})
	}
}

func TestEMA(t *testing.T) {
	tests := []struct {
		name string
		ys   []float64
		beta float64
		want []float64
	}{
		{"no smoothing", []float64{1, 2, 3}, 0, []float64{1, 2, 3}},
		{"constant stays", []float64{2, 2, 2}, 0.9, []float64{2, 2, 2}},
		{"bias corrected", []float64{1, 3}, 0.5, []float64{1, (0.5*0.5*1 + 0.5*3) / 0.75}},
		{"NaN passes", []float64{1, math.NaN(), 3}, 0.5, []float64{1, math.NaN(), (0.5*0.5*1 + 0.5*3) / 0.75}},
	}
	for _, tt := range tests {
		got := EMA(tt.ys, tt.beta)
		for i := range got {
			if !(math.Abs(got[i]-tt.want[i]) < 1e-12 || math.IsNaN(got[i]) && math.IsNaN(tt.want[i])) {
				t.Errorf("%s: EMA = %v, want %v", tt.name, got, tt.want)
				break
			}
		}
	}
}

func TestNiceTicks(t *testing.T) {
	tests := []struct {
		lo, hi float64
		want   []string
	}{
		{0, 300, []string{"0", "50", "100", "150", "200", "250", "300"}},
		{0.05, 1.1, []string{"0.2", "0.4", "0.6", "0.8", "1"}},
		{0, 1, []string{"0", "0.2", "0.4", "0.6", "0.8", "1"}},
		{-2, 2, []string{"-2", "-1", "0", "1", "2"}},
		{0.5, 10.5, []string{"2", "4", "6", "8", "10"}},
		{3, 3, []string{"3"}},
	}
	for _, tt := range tests {
		var got []string
		for _, tk := range (niceTicks{}).Ticks(tt.lo, tt.hi) {
			if tk.Label != "" {
				got = append(got, tk.Label)
			}
		}
		if strings.Join(got, " ") != strings.Join(tt.want, " ") {
			t.Errorf("Ticks(%g, %g) labels %v, want %v", tt.lo, tt.hi, got, tt.want)
		}
	}
}

func TestDecimate(t *testing.T) {
	xys := make(plotter.XYs, 100000)
	for i := range xys {
		xys[i] = plotter.XY{X: float64(i), Y: math.Sin(float64(i) / 1000)}
	}
	xys[54321].Y = 7 // a spike
	xys[12345].Y = -3
	got := decimate(xys, 1000)
	if len(got) > 2000 {
		t.Errorf("%d points, want at most 2000", len(got))
	}
	var hasSpike, hasDip bool
	for i, p := range got {
		hasSpike = hasSpike || p.Y == 7
		hasDip = hasDip || p.Y == -3
		if i > 0 && p.X <= got[i-1].X {
			t.Fatalf("x not increasing at %d: %v after %v", i, p, got[i-1])
		}
	}
	if !hasSpike || !hasDip {
		t.Errorf("spike kept %v, dip kept %v", hasSpike, hasDip)
	}
	short := xys[:2000]
	if got := decimate(short, 1000); len(got) != 2000 {
		t.Errorf("short curve decimated to %d points", len(got))
	}
}

func TestQuantileLevels(t *testing.T) {
	vals := []float64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	got := quantileLevels(vals, 5)
	want := []float64{1, 3, 5, 7, 9}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-12 {
			t.Fatalf("levels %v, want %v", got, want)
		}
	}
	if got := quantileLevels([]float64{2, 2, 2}, 4); len(got) != 1 {
		t.Errorf("constant values give levels %v, want one", got)
	}
}

func TestGradientDescent(t *testing.T) {
	// On 0.5x² + 5y² with γ = 0.1, y vanishes in one step and x shrinks
	// by 0.9 per step.
	path := GradientDescent(quadratic, [2]float64{1, 1}, 0.1, 3)
	if len(path) != 4 {
		t.Fatalf("%d points", len(path))
	}
	for k, w := range path[1:] {
		if math.Abs(w[0]-math.Pow(0.9, float64(k+1))) > 1e-6 || math.Abs(w[1]) > 1e-6 {
			t.Errorf("w%d = %v", k+1, w)
		}
	}
	// A divergent run stops at the last finite point.
	if p := GradientDescent(quadratic, [2]float64{1, 1}, 10, 1000); len(p) >= 1000 {
		t.Errorf("divergent path has %d points", len(p))
	}
}

func BenchmarkContour200(b *testing.B) {
	paths := threePaths()
	for b.Loop() {
		f := Contour(quadratic, quadBox, paths, ContourOptions{N: 200})
		if _, err := f.PNG(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFilledContour200(b *testing.B) {
	paths := threePaths()
	for b.Loop() {
		f := Contour(quadratic, quadBox, paths, ContourOptions{N: 200, Filled: true})
		if _, err := f.PNG(); err != nil {
			b.Fatal(err)
		}
	}
}

// A long, noisy run: what a live view redraws several times a second.
func BenchmarkLossCurves100k(b *testing.B) {
	y := make([]float64, 100000)
	for i := range y {
		y[i] = math.Exp(-float64(i)/2e4) * (1 + 0.3*math.Sin(float64(i)))
	}
	for b.Loop() {
		f := LossCurves([]Run{{Name: "noisy", Y: y}}, LossOptions{LogY: true, Smooth: 0.99})
		if _, err := f.PNG(); err != nil {
			b.Fatal(err)
		}
	}
}
