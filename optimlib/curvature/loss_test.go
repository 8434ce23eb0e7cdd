package curvature

import (
	"encoding/json"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"testing"

	"github.com/descentlab/descent/optimlib/tensor"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

// The fixture functions, in tensor operations; testdata/gen_fixtures.py
// defines the same ones in PyTorch.
var fixtureFunctions = map[string]func(w *tensor.Tensor) *tensor.Tensor{
	"rosenbrock":        rosenbrock,
	"one_one_one":       oneOneOne,
	"logsumexp_quartic": logSumExpQuartic,
	"sigmoid_chain":     sigmoidChain,
}

func rosenbrock(w *tensor.Tensor) *tensor.Tensor {
	n := w.Numel()
	a, b := tensor.Narrow(w, 0, 0, n-1), tensor.Narrow(w, 0, 1, n-1)
	return tensor.Sum(tensor.Add(
		tensor.MulScalar(tensor.Square(tensor.Sub(b, tensor.Square(a))), 100),
		tensor.Square(tensor.AddScalar(tensor.Neg(a), 1))))
}

// oneOneOne is the lecture's 1-1-1 network trained on x = 1, y = 1:
// L(w) = (1 − w1·w2)².
func oneOneOne(w *tensor.Tensor) *tensor.Tensor {
	w1, w2 := tensor.Narrow(w, 0, 0, 1), tensor.Narrow(w, 0, 1, 1)
	return tensor.Sum(tensor.Square(tensor.AddScalar(tensor.Neg(tensor.Mul(w1, w2)), 1)))
}

var lseA = tensor.New([]float64{1.0, -2.0, 0.5, 0.3, 0.8, -1.1, -0.7, 0.2, 0.9, 1.5, 0.4, -0.3}, 4, 3)

func logSumExpQuartic(w *tensor.Tensor) *tensor.Tensor {
	z := tensor.MatMul(lseA, tensor.Reshape(w, 3, 1))
	return tensor.Add(tensor.Log(tensor.Sum(tensor.Exp(z))),
		tensor.MulScalar(tensor.Square(tensor.Sum(tensor.Square(w))), 0.5))
}

func sigmoidChain(w *tensor.Tensor) *tensor.Tensor {
	n := w.Numel()
	a, b := tensor.Narrow(w, 0, 0, n-1), tensor.Narrow(w, 0, 1, n-1)
	return tensor.Add(
		tensor.Sum(tensor.Mul(tensor.Sigmoid(tensor.Mul(a, b)), tensor.Exp(tensor.MulScalar(a, 0.3)))),
		tensor.Sum(tensor.PowScalar(tensor.Tanh(w), 3)))
}

// mlp is a multilayer perceptron built from tensor operations, with
// PyTorch's Linear layout (weight out×in, then bias) and a tanh or sigmoid
// between layers. It records the modes its Forward ran in.
type mlp struct {
	params     []*tensor.Tensor
	activation string
	training   bool
	modes      []bool
}

func (m *mlp) Forward(x *tensor.Tensor) *tensor.Tensor {
	m.modes = append(m.modes, m.training)
	h := x
	for i := 0; i < len(m.params); i += 2 {
		h = tensor.Add(tensor.MatMul(h, tensor.Transpose(m.params[i])), m.params[i+1])
		if i+2 < len(m.params) {
			if m.activation == "tanh" {
				h = tensor.Tanh(h)
			} else {
				h = tensor.Sigmoid(h)
			}
		}
	}
	return h
}

func (m *mlp) Parameters() []*tensor.Tensor { return m.params }
func (m *mlp) Train()                       { m.training = true }
func (m *mlp) Eval()                        { m.training = false }
func (m *mlp) Training() bool               { return m.training }

func crossEntropy(logits *tensor.Tensor, labels []int) *tensor.Tensor {
	return tensor.Neg(tensor.Mean(tensor.Gather(tensor.LogSoftmax(logits, 1), 1, labels)))
}

func mseLoss(pred, y *tensor.Tensor) *tensor.Tensor {
	return tensor.Mean(tensor.Square(tensor.Sub(pred, y)))
}

type fixtureFunction struct {
	Name    string      `json:"name"`
	W       []float64   `json:"w"`
	Loss    float64     `json:"loss"`
	Grad    []float64   `json:"grad"`
	Hessian [][]float64 `json:"hessian"`
}

type fixtureMLP struct {
	Name       string      `json:"name"`
	Activation string      `json:"activation"`
	LossKind   string      `json:"loss_kind"`
	X          [][]float64 `json:"x"`
	Labels     []int       `json:"labels"`
	Y          [][]float64 `json:"y"`
	Params     []struct {
		Shape []int     `json:"shape"`
		Data  []float64 `json:"data"`
	} `json:"params"`
	Loss    float64     `json:"loss"`
	Grad    []float64   `json:"grad"`
	Hessian [][]float64 `json:"hessian"`
}

type fixtures struct {
	Functions []fixtureFunction `json:"functions"`
	MLPs      []fixtureMLP      `json:"mlps"`
}

func loadFixtures(t *testing.T) fixtures {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "hessians.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f fixtures
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Functions) == 0 || len(f.MLPs) == 0 {
		t.Fatal("hessians.json has no cases")
	}
	return f
}

func matrix2D(rows [][]float64) *tensor.Tensor {
	var data []float64
	for _, r := range rows {
		data = append(data, r...)
	}
	return tensor.New(data, len(rows), len(rows[0]))
}

// build returns the model, a loss closure and the parameters of a fixture
// MLP.
func (c fixtureMLP) build() (*mlp, func() *tensor.Tensor) {
	m := &mlp{activation: c.Activation, training: true}
	for _, p := range c.Params {
		m.params = append(m.params, tensor.New(append([]float64(nil), p.Data...), p.Shape...).SetRequiresGrad(true))
	}
	x := matrix2D(c.X)
	loss := func(out *tensor.Tensor) *tensor.Tensor { return crossEntropy(out, c.Labels) }
	if c.LossKind == "mse" {
		y := matrix2D(c.Y)
		loss = func(out *tensor.Tensor) *tensor.Tensor { return mseLoss(out, y) }
	}
	return m, func() *tensor.Tensor { return loss(m.Forward(x)) }
}

// assertClose compares a dense matrix to rows, relative to the largest
// entry of rows.
func assertClose(t *testing.T, got mat.Matrix, want [][]float64, rel float64) {
	t.Helper()
	n, _ := got.Dims()
	if n != len(want) {
		t.Fatalf("dimension %d, want %d", n, len(want))
	}
	scale := 0.0
	for _, r := range want {
		for _, v := range r {
			scale = math.Max(scale, math.Abs(v))
		}
	}
	worst := 0.0
	for i := range want {
		for j := range want[i] {
			worst = math.Max(worst, math.Abs(got.At(i, j)-want[i][j]))
		}
	}
	if worst > rel*math.Max(scale, 1e-300) {
		t.Fatalf("largest difference %.3g exceeds %.0e of the largest entry %.6g", worst, rel, scale)
	}
}

func TestHessianMatchesTorch(t *testing.T) {
	fx := loadFixtures(t)
	for _, c := range fx.Functions {
		t.Run(c.Name, func(t *testing.T) {
			f := fixtureFunctions[c.Name]
			if f == nil {
				t.Fatalf("no Go definition of %s", c.Name)
			}
			if got := f(tensor.New(append([]float64(nil), c.W...))).Item(); math.Abs(got-c.Loss) > 1e-10*math.Max(1, math.Abs(c.Loss)) {
				t.Fatalf("loss = %.15g, torch %.15g", got, c.Loss)
			}
			assertClose(t, Hessian(FromFunc(f, c.W)), c.Hessian, 1e-10)
		})
	}
	for _, c := range fx.MLPs {
		t.Run(c.Name, func(t *testing.T) {
			m, loss := c.build()
			if got := loss().Item(); math.Abs(got-c.Loss) > 1e-10*math.Abs(c.Loss) {
				t.Fatalf("loss = %.15g, torch %.15g", got, c.Loss)
			}
			assertClose(t, Hessian(FromLoss(loss, m.params)), c.Hessian, 1e-10)
		})
	}
}

// gradient returns ∇loss at the parameters' current values, flattened.
func gradient(loss func() *tensor.Tensor, params []*tensor.Tensor) []float64 {
	var g []float64
	for _, t := range tensor.Grad(loss(), params, false) {
		g = append(g, t.Data()...)
	}
	return g
}

func TestHessianMatchesFiniteDifferences(t *testing.T) {
	fx := loadFixtures(t)
	type problem struct {
		name   string
		loss   func() *tensor.Tensor
		params []*tensor.Tensor
	}
	var problems []problem
	for _, c := range fx.Functions {
		w := tensor.New(append([]float64(nil), c.W...)).SetRequiresGrad(true)
		f := fixtureFunctions[c.Name]
		problems = append(problems, problem{c.Name, func() *tensor.Tensor { return f(w) }, []*tensor.Tensor{w}})
	}
	for _, c := range fx.MLPs {
		m, loss := c.build()
		problems = append(problems, problem{c.Name, loss, m.params})
	}
	for _, p := range problems {
		t.Run(p.name, func(t *testing.T) {
			h := Hessian(FromLoss(p.loss, p.params))
			n, _ := h.Dims()
			// Central differences of the gradient, one coordinate at a
			// time: error O(δ²) from the third derivative plus rounding
			// O(ε/δ).
			const delta = 1e-5
			fd := make([][]float64, n)
			for i := range fd {
				fd[i] = make([]float64, n)
			}
			j := 0
			for _, prm := range p.params {
				d := prm.Data()
				for k := range d {
					orig := d[k]
					d[k] = orig + delta
					gp := gradient(p.loss, p.params)
					d[k] = orig - delta
					gm := gradient(p.loss, p.params)
					d[k] = orig
					for i := range fd {
						fd[i][j] = (gp[i] - gm[i]) / (2 * delta)
					}
					j++
				}
			}
			assertClose(t, h, fd, 1e-6)
		})
	}
}

func TestHVPMatchesDenseHessian(t *testing.T) {
	c := loadFixtures(t).MLPs[0]
	m, loss := c.build()
	op := FromModel(m, matrix2D(c.X), func(out *tensor.Tensor) *tensor.Tensor { return crossEntropy(out, c.Labels) })
	_ = loss
	rng := rand.New(rand.NewSource(1))
	v := make([]float64, op.N)
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	got := op.MulVec(v)
	h := matrix2D(c.Hessian)
	want := tensor.MatMul(h, tensor.New(v, op.N, 1)).Data()
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-10*math.Max(1, math.Abs(want[i])) {
			t.Fatalf("(H·v)[%d] = %.15g, torch Hessian gives %.15g", i, got[i], want[i])
		}
	}
	// The model ran in eval mode and was put back in training mode.
	if len(m.modes) == 0 || m.modes[len(m.modes)-1] || !m.training {
		t.Fatalf("forward modes %v, training after = %v; want eval during, training after", m.modes, m.training)
	}
}

func TestOperatorFollowsParameterChanges(t *testing.T) {
	w := tensor.New([]float64{0, 0}).SetRequiresGrad(true)
	op := FromLoss(func() *tensor.Tensor { return oneOneOne(w) }, []*tensor.Tensor{w})
	if got := op.MulVec([]float64{1, 0}); got[0] != 0 || got[1] != -2 {
		t.Fatalf("H(0,0)·e1 = %v, want [0 -2]", got)
	}
	// H = [[2w2², 4w1w2 − 2], [4w1w2 − 2, 2w1²]]; at (1, 3): [[18, 10], [10, 2]].
	copy(w.Data(), []float64{1, 3})
	if got := op.MulVec([]float64{1, 0}); got[0] != 18 || got[1] != 10 {
		t.Fatalf("after the parameters moved, H(1,3)·e1 = %v, want [18 10]", got)
	}
}

func TestAffineLossHasZeroHessian(t *testing.T) {
	w := tensor.New([]float64{1, 2, 3}).SetRequiresGrad(true)
	c := tensor.New([]float64{4, -1, 2})
	op := FromLoss(func() *tensor.Tensor { return tensor.Sum(tensor.Mul(c, w)) }, []*tensor.Tensor{w})
	if got := op.MulVec([]float64{1, 1, 1}); got[0] != 0 || got[1] != 0 || got[2] != 0 {
		t.Fatalf("H·v = %v for a linear loss, want zeros", got)
	}
}

// linearUnitHessian returns the Hessian of the single linear unit's loss
// f(w) = (1/P) Σ (yᵢ − wᵀxᵢ)² on inputs x (P×d).
func linearUnitHessian(x *mat.Dense, y []float64) *mat.SymDense {
	p, d := x.Dims()
	xt := tensor.FromDense(x)
	yt := tensor.New(append([]float64(nil), y...), p, 1)
	w := tensor.Zeros(d, 1).SetRequiresGrad(true)
	return Hessian(FromLoss(func() *tensor.Tensor {
		return tensor.Mean(tensor.Square(tensor.Sub(yt, tensor.MatMul(xt, w))))
	}, []*tensor.Tensor{w}))
}

// twoGaussians is the lecture's classification data: two clouds of points
// in the plane, labelled −1 (blue) and +1 (red), with raw coordinates that
// are neither centered nor of equal scale.
func twoGaussians(rng *rand.Rand, perClass int) (*mat.Dense, []float64) {
	x := mat.NewDense(2*perClass, 2, nil)
	y := make([]float64, 2*perClass)
	for i := range y {
		label, mx, my := -1.0, 2.0, 20.0
		if i >= perClass {
			label, mx, my = 1.0, 3.0, 35.0
		}
		x.Set(i, 0, mx+0.5*rng.NormFloat64())
		x.Set(i, 1, my+5*rng.NormFloat64())
		y[i] = label
	}
	return x, y
}

func TestLinearUnitHessianIsInputCovariance(t *testing.T) {
	x, y := twoGaussians(rand.New(rand.NewSource(42)), 50)
	p, d := x.Dims()
	h := linearUnitHessian(x, y)
	// With f(w) = (1/P) Σ (yᵢ − wᵀxᵢ)², H = (2/P) Σ xᵢxᵢᵀ = (2/P)·XᵀX, twice
	// the second-moment matrix of the inputs (the lecture writes the loss
	// with a factor ½, which removes the 2). It does not depend on w or y.
	var xtx mat.SymDense
	xtx.SymOuterK(2/float64(p), x.T())
	if !mat.EqualApprox(h, &xtx, 1e-12*mat.Norm(&xtx, math.Inf(1))) {
		t.Fatalf("H = %v, want (2/P)·XᵀX = %v", mat.Formatted(h), mat.Formatted(&xtx))
	}
	// For centered inputs it is twice the covariance matrix (gonum's
	// covariance divides by P−1).
	centered := standardize(x, false)
	hc := linearUnitHessian(centered, y)
	cov := mat.NewSymDense(d, nil)
	stat.CovarianceMatrix(cov, centered, nil)
	cov.ScaleSym(2*float64(p-1)/float64(p), cov)
	if !mat.EqualApprox(hc, cov, 1e-12*mat.Norm(cov, math.Inf(1))) {
		t.Fatalf("H(centered) = %v, want 2·Cov = %v", mat.Formatted(hc), mat.Formatted(cov))
	}
}

// standardize centers each column of x and, when scale is set, divides it
// by its standard deviation.
func standardize(x *mat.Dense, scale bool) *mat.Dense {
	p, d := x.Dims()
	out := mat.NewDense(p, d, nil)
	for j := 0; j < d; j++ {
		col := mat.Col(nil, j, x)
		mean, sd := stat.MeanStdDev(col, nil)
		if !scale {
			sd = 1
		}
		for i, v := range col {
			out.Set(i, j, (v-mean)/sd)
		}
	}
	return out
}

func TestNormalizingInputsLowersCondition(t *testing.T) {
	x, y := twoGaussians(rand.New(rand.NewSource(42)), 100)
	raw := DenseSpectrum(FromMatrix(linearUnitHessian(x, y))).Condition()
	centered := DenseSpectrum(FromMatrix(linearUnitHessian(standardize(x, false), y))).Condition()
	normalized := DenseSpectrum(FromMatrix(linearUnitHessian(standardize(x, true), y))).Condition()
	t.Logf("condition number: raw %.4g, centered %.4g, centered and scaled %.4g", raw, centered, normalized)
	if !(raw > 4*centered && centered > 20*normalized) {
		t.Fatalf("condition numbers raw %.4g, centered %.4g, normalized %.4g; want each step to lower it", raw, centered, normalized)
	}
	// Unit variances leave only the correlation ρ between the inputs:
	// κ = (1+|ρ|)/(1−|ρ|).
	rho := stat.Correlation(mat.Col(nil, 0, x), mat.Col(nil, 1, x), nil)
	if want := (1 + math.Abs(rho)) / (1 - math.Abs(rho)); math.Abs(normalized-want) > 1e-9*want {
		t.Fatalf("normalized condition %.12g, want (1+|ρ|)/(1−|ρ|) = %.12g", normalized, want)
	}
}

func TestOneOneOneNetwork(t *testing.T) {
	tests := []struct {
		name   string
		w      []float64
		values []float64 // ascending
		saddle bool
	}{
		{"origin is a saddle", []float64{0, 0}, []float64{-2, 2}, true},
		{"hyperbola (1, 1)", []float64{1, 1}, []float64{0, 4}, false},
		{"hyperbola (2, 0.5)", []float64{2, 0.5}, []float64{0, 2 * (4 + 0.25)}, false},
		{"hyperbola (-0.25, -4)", []float64{-0.25, -4}, []float64{0, 2 * (0.0625 + 16)}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			op := FromFunc(oneOneOne, tc.w)
			sp := DenseSpectrum(op)
			for i, want := range tc.values {
				if math.Abs(sp.Values[i]-want) > 1e-12*math.Max(1, want) {
					t.Fatalf("eigenvalues %v, want %v", sp.Values, tc.values)
				}
			}
			lz := Lanczos(op, 1, 1, LanczosSettings{})
			if math.Abs(lz.Top.Values[0]-tc.values[1]) > 1e-10 || math.Abs(lz.Bottom.Values[0]-tc.values[0]) > 1e-10 {
				t.Fatalf("Lanczos: top %v bottom %v, want %v", lz.Top.Values, lz.Bottom.Values, tc.values)
			}
			if got := LambdaMax(op); math.Abs(got-tc.values[1]) > 1e-6 {
				t.Fatalf("LambdaMax = %g, want %g", got, tc.values[1])
			}
			if got := sp.NegativeFraction(); (got == 0.5) != tc.saddle {
				t.Fatalf("NegativeFraction = %g, saddle %v", got, tc.saddle)
			}
			if !tc.saddle {
				// The zero eigenvector is tangent to the hyperbola w1·w2 = 1,
				// (w1, −w2)/‖·‖: the loss stays zero along it.
				w1, w2 := tc.w[0], tc.w[1]
				nrm := math.Hypot(w1, w2)
				if d := math.Abs(sp.Vectors.At(0, 0)*w1/nrm - sp.Vectors.At(1, 0)*w2/nrm); math.Abs(d-1) > 1e-10 {
					t.Fatalf("zero eigenvector (%g, %g) is not tangent to the hyperbola at %v", sp.Vectors.At(0, 0), sp.Vectors.At(1, 0), tc.w)
				}
				if sp.ZeroCount() != 1 || sp.Condition() != 1 {
					t.Fatalf("ZeroCount %d, Condition %g; want 1 and 1 (one nonzero eigenvalue)", sp.ZeroCount(), sp.Condition())
				}
			}
		})
	}
}
