// Package problems holds test problems for optimization as plain compiled
// functions with exact gradients and Hessians: quadratics (from a matrix,
// with a spectrum diag(μ … L), with noise injected into b), Rosenbrock's
// function, logistic regression on given data, and the lecture's 1-1-1
// network L(w) = (1 − w1·w2)².
//
// Every problem implements Problem on []float64. Loss and Closure adapt a
// problem to a *tensor.Tensor parameter, setting its gradient exactly, so
// the optimizers of package optim run on it as on a model. Trajectory and
// Path2D record an optimizer's iterates on a problem, and Func2D gives a
// problem in two variables in the form plotting.Contour draws, so the
// lecture's pictures take three lines:
//
//	opt := optim.NewSGD([]*tensor.Tensor{w}, optim.SGD{LR: 0.1, Momentum: 0.5})
//	path := problems.Path2D(q, w, opt, 40)
//	plotting.Contour(problems.Func2D(q), box, []plotting.Path{{Name: "momentum", Points: path}}, plotting.ContourOptions{})
package problems

import (
	"fmt"
	"math"
	"math/rand"

	"github.com/descentlab/descent/optimlib/tensor"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize"
)

// Problem is a twice-differentiable function of n variables, in the shape
// of gonum/optimize's Problem.
type Problem interface {
	// Dim returns the number of variables n.
	Dim() int
	// Func returns f(w).
	Func(w []float64) float64
	// Grad writes ∇f(w) into grad.
	Grad(grad, w []float64)
	// Hess writes ∇²f(w) into hess (n×n).
	Hess(hess *mat.SymDense, w []float64)
}

// Optimize returns p as a gonum optimize.Problem.
func Optimize(p Problem) optimize.Problem {
	return optimize.Problem{Func: p.Func, Grad: p.Grad, Hess: p.Hess}
}

// FuncGrader is a Problem that computes f and ∇f together more cheaply
// than Func and Grad apart, sharing the work both need (Logistic computes
// Xw once instead of twice). Loss and Closure use it when p has it.
type FuncGrader interface {
	// FuncGrad writes ∇f(w) into grad and returns f(w).
	FuncGrad(grad, w []float64) float64
}

// Loss returns f at w's values and sets w's gradient to ∇f(w), as a loss's
// Backward would.
func Loss(p Problem, w *tensor.Tensor) float64 {
	checkDim("Loss", p, w.Data())
	g := tensor.Zeros(w.Shape()...)
	var f float64
	if fg, ok := p.(FuncGrader); ok {
		f = fg.FuncGrad(g.Data(), w.Data())
	} else {
		p.Grad(g.Data(), w.Data())
		f = p.Func(w.Data())
	}
	w.SetGrad(g)
	return f
}

// Closure returns a closure for Step(closure) of package optim: each call
// evaluates p at w and sets w's gradient.
func Closure(p Problem, w *tensor.Tensor) func() float64 {
	return func() float64 { return Loss(p, w) }
}

// Func2D returns f of a problem in two variables as a function of (x, y),
// the form plotting.Contour takes:
//
//	plotting.Contour(problems.Func2D(problems.Rosenbrock{N: 2}), box, paths, opt)
func Func2D(p Problem) func(x, y float64) float64 {
	if p.Dim() != 2 {
		panic(fmt.Errorf("problems: Func2D: problem has %d variables, want 2", p.Dim()))
	}
	return func(x, y float64) float64 { return p.Func([]float64{x, y}) }
}

// Stepper is what Trajectory and Path2D need of an optimizer: its Step
// with a closure. Every optim.Optimizer is one.
type Stepper interface {
	Step(closure func() float64) float64
}

// Trajectory runs steps steps of opt on p from w's current value (opt
// must own w) and returns the iterates w_0, w_1, …, w_steps, each a copy.
func Trajectory(p Problem, w *tensor.Tensor, opt Stepper, steps int) [][]float64 {
	checkTensor("Trajectory", p, w)
	closure := Closure(p, w)
	out := [][]float64{append([]float64(nil), w.Data()...)}
	for k := 0; k < steps; k++ {
		opt.Step(closure)
		out = append(out, append([]float64(nil), w.Data()...))
	}
	return out
}

// Path2D is Trajectory for a problem in two variables, with the iterates
// as (x, y) pairs, the form plotting.Path takes:
//
//	plotting.Path{Name: "momentum", Points: problems.Path2D(q, w, opt, 40)}
func Path2D(p Problem, w *tensor.Tensor, opt Stepper, steps int) [][2]float64 {
	if p.Dim() != 2 {
		panic(fmt.Errorf("problems: Path2D: problem has %d variables, want 2", p.Dim()))
	}
	ws := Trajectory(p, w, opt, steps)
	out := make([][2]float64, len(ws))
	for i, v := range ws {
		out[i] = [2]float64{v[0], v[1]}
	}
	return out
}

// HessianAt returns ∇²f(w) as a new matrix.
func HessianAt(p Problem, w []float64) *mat.SymDense {
	h := mat.NewSymDense(p.Dim(), nil)
	p.Hess(h, w)
	return h
}

func checkDim(op string, p Problem, w []float64) {
	if len(w) != p.Dim() {
		panic(fmt.Errorf("problems: %s: point has %d values, problem has %d variables", op, len(w), p.Dim()))
	}
}

// Quadratic is f(w) = ½ wᵀAw − bᵀw with A symmetric, so ∇f(w) = Aw − b,
// ∇²f = A and, when A is positive definite, w* = A⁻¹b.
type Quadratic struct {
	A *mat.SymDense
	B []float64
}

// NewQuadratic returns the quadratic with matrix a and vector b.
func NewQuadratic(a *mat.SymDense, b []float64) *Quadratic {
	if n := a.SymmetricDim(); n != len(b) {
		panic(fmt.Errorf("problems: NewQuadratic: matrix [%d %d] and vector of %d values do not match", n, n, len(b)))
	}
	return &Quadratic{A: a, B: b}
}

// NewDiagQuadratic returns the n-variable quadratic with A =
// diag(λ1 … λn), the λi evenly spaced from mu to L, and b = (1, …, 1): the
// lecture's model of a problem with condition number κ = L/μ.
func NewDiagQuadratic(n int, mu, L float64) *Quadratic {
	if n < 1 || mu <= 0 || L < mu {
		panic(fmt.Errorf("problems: NewDiagQuadratic: need n ≥ 1 and 0 < μ ≤ L, got n %d, μ %g, L %g", n, mu, L))
	}
	a := mat.NewSymDense(n, nil)
	b := make([]float64, n)
	for i := 0; i < n; i++ {
		lam := mu
		if n > 1 {
			lam = mu + (L-mu)*float64(i)/float64(n-1)
		}
		a.SetSym(i, i, lam)
		b[i] = 1
	}
	return &Quadratic{A: a, B: b}
}

// Dim returns n.
func (q *Quadratic) Dim() int { return len(q.B) }

// Func returns ½ wᵀAw − bᵀw.
func (q *Quadratic) Func(w []float64) float64 {
	checkDim("Quadratic.Func", q, w)
	aw := make([]float64, len(w))
	q.mul(aw, w)
	f := 0.0
	for i, v := range w {
		f += 0.5*v*aw[i] - q.B[i]*v
	}
	return f
}

func (q *Quadratic) mul(dst, w []float64) {
	mat.NewVecDense(len(dst), dst).MulVec(q.A, mat.NewVecDense(len(w), w))
}

// Grad writes Aw − b.
func (q *Quadratic) Grad(grad, w []float64) {
	checkDim("Quadratic.Grad", q, w)
	q.mul(grad, w)
	for i := range grad {
		grad[i] -= q.B[i]
	}
}

// Hess writes A.
func (q *Quadratic) Hess(hess *mat.SymDense, w []float64) { hess.CopySym(q.A) }

// Minimizer returns w* = A⁻¹b.
func (q *Quadratic) Minimizer() []float64 {
	var x mat.VecDense
	if err := x.SolveVec(q.A, mat.NewVecDense(len(q.B), append([]float64(nil), q.B...))); err != nil {
		panic(fmt.Errorf("problems: Quadratic.Minimizer: %v", err))
	}
	return append([]float64(nil), x.RawVector().Data...)
}

// Eigenvalues returns the eigenvalues of A in ascending order; the first
// is μ and the last L.
func (q *Quadratic) Eigenvalues() []float64 {
	var e mat.EigenSym
	if !e.Factorize(q.A, false) {
		panic(fmt.Errorf("problems: Quadratic.Eigenvalues: factorization failed"))
	}
	return e.Values(nil)
}

// NoisyQuadratic is the lecture's "quadratic with noise injected into b":
// each gradient is A w − (b + σ ξ) with ξ standard normal, an unbiased
// stochastic gradient of the quadratic f(w) = ½ wᵀAw − bᵀw. Func, Hess and
// Minimizer are those of the noise-free quadratic.
type NoisyQuadratic struct {
	*Quadratic
	Sigma float64
	Rng   *rand.Rand
}

// NewNoisyQuadratic returns q with gradient noise of standard deviation
// sigma drawn from rng.
func NewNoisyQuadratic(q *Quadratic, sigma float64, rng *rand.Rand) *NoisyQuadratic {
	if sigma < 0 || rng == nil {
		panic(fmt.Errorf("problems: NewNoisyQuadratic: need σ ≥ 0 and a random source, got σ %g", sigma))
	}
	return &NoisyQuadratic{Quadratic: q, Sigma: sigma, Rng: rng}
}

// Grad writes A w − (b + σ ξ) with fresh noise ξ.
func (q *NoisyQuadratic) Grad(grad, w []float64) {
	q.Quadratic.Grad(grad, w)
	for i := range grad {
		grad[i] -= q.Sigma * q.Rng.NormFloat64()
	}
}

// Rosenbrock is Rosenbrock's function in n ≥ 2 variables,
//
//	f(w) = Σ_{i<n−1} 100 (w_{i+1} − w_i²)² + (1 − w_i)²,
//
// with minimum 0 at (1, …, 1); for n = 2 it is (1 − x)² + 100 (y − x²)².
type Rosenbrock struct{ N int }

// Dim returns n.
func (r Rosenbrock) Dim() int {
	if r.N < 2 {
		return 2
	}
	return r.N
}

// Func returns f(w).
func (r Rosenbrock) Func(w []float64) float64 {
	checkDim("Rosenbrock.Func", r, w)
	f := 0.0
	for i := 0; i+1 < len(w); i++ {
		a, b := 1-w[i], w[i+1]-w[i]*w[i]
		f += a*a + 100*b*b
	}
	return f
}

// Grad writes ∇f(w).
func (r Rosenbrock) Grad(grad, w []float64) {
	checkDim("Rosenbrock.Grad", r, w)
	clear(grad)
	for i := 0; i+1 < len(w); i++ {
		b := w[i+1] - w[i]*w[i]
		grad[i] += -2*(1-w[i]) - 400*w[i]*b
		grad[i+1] += 200 * b
	}
}

// Hess writes ∇²f(w).
func (r Rosenbrock) Hess(hess *mat.SymDense, w []float64) {
	checkDim("Rosenbrock.Hess", r, w)
	n := len(w)
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			hess.SetSym(i, j, 0)
		}
	}
	for i := 0; i+1 < n; i++ {
		hess.SetSym(i, i, hess.At(i, i)+2-400*(w[i+1]-w[i]*w[i])+800*w[i]*w[i])
		hess.SetSym(i, i+1, -400*w[i])
		hess.SetSym(i+1, i+1, hess.At(i+1, i+1)+200)
	}
}

// Logistic is L2-regularized logistic regression on data X (one example
// per row) with labels y ∈ {0, 1}:
//
//	f(w) = (1/P) Σ_i [log(1 + exp(x_iᵀw)) − y_i x_iᵀw] + (λ/2)‖w‖².
type Logistic struct {
	X      *mat.Dense
	Y      []float64
	Lambda float64
}

// NewLogistic returns the logistic-regression problem on x and y.
func NewLogistic(x *mat.Dense, y []float64, lambda float64) *Logistic {
	r, _ := x.Dims()
	if r != len(y) {
		panic(fmt.Errorf("problems: NewLogistic: %d rows of data and %d labels do not match", r, len(y)))
	}
	return &Logistic{X: x, Y: y, Lambda: lambda}
}

// Dim returns the number of features.
func (l *Logistic) Dim() int { _, c := l.X.Dims(); return c }

func (l *Logistic) margins(w []float64) []float64 {
	r, _ := l.X.Dims()
	z := make([]float64, r)
	mat.NewVecDense(r, z).MulVec(l.X, mat.NewVecDense(len(w), w))
	return z
}

// softplus returns log(1 + eˣ) without overflow.
func softplus(x float64) float64 {
	if x > 0 {
		return x + math.Log1p(math.Exp(-x))
	}
	return math.Log1p(math.Exp(x))
}

func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// Func returns f(w).
func (l *Logistic) Func(w []float64) float64 {
	checkDim("Logistic.Func", l, w)
	return l.value(l.margins(w), w)
}

// value returns f(w) from the margins z = Xw.
func (l *Logistic) value(z, w []float64) float64 {
	f := 0.0
	for i, zi := range z {
		f += softplus(zi) - l.Y[i]*zi
	}
	f /= float64(len(z))
	for _, v := range w {
		f += 0.5 * l.Lambda * v * v
	}
	return f
}

// Grad writes (1/P) Xᵀ(σ(Xw) − y) + λw.
func (l *Logistic) Grad(grad, w []float64) {
	checkDim("Logistic.Grad", l, w)
	l.gradient(grad, l.margins(w), w)
}

// gradient writes ∇f(w) into grad from the margins z = Xw, which it
// overwrites.
func (l *Logistic) gradient(grad, z, w []float64) {
	for i, zi := range z {
		z[i] = (sigmoid(zi) - l.Y[i]) / float64(len(z))
	}
	mat.NewVecDense(len(grad), grad).MulVec(l.X.T(), mat.NewVecDense(len(z), z))
	for i, v := range w {
		grad[i] += l.Lambda * v
	}
}

// FuncGrad writes ∇f(w) into grad and returns f(w), with one product Xw
// for both: two passes over X per evaluation instead of three.
func (l *Logistic) FuncGrad(grad, w []float64) float64 {
	checkDim("Logistic.FuncGrad", l, w)
	if len(grad) != len(w) {
		panic(fmt.Errorf("problems: Logistic.FuncGrad: gradient has %d values, problem has %d variables", len(grad), len(w)))
	}
	z := l.margins(w)
	f := l.value(z, w)
	l.gradient(grad, z, w)
	return f
}

// Hess writes (1/P) Xᵀ diag(σ(1 − σ)) X + λI.
func (l *Logistic) Hess(hess *mat.SymDense, w []float64) {
	checkDim("Logistic.Hess", l, w)
	z := l.margins(w)
	r, c := l.X.Dims()
	for a := 0; a < c; a++ {
		for b := a; b < c; b++ {
			s := 0.0
			for i := 0; i < r; i++ {
				p := sigmoid(z[i])
				s += p * (1 - p) * l.X.At(i, a) * l.X.At(i, b)
			}
			s /= float64(r)
			if a == b {
				s += l.Lambda
			}
			hess.SetSym(a, b, s)
		}
	}
}

// OneOneOne is the lecture's 1-1-1 network Y = w1·w2·X trained on the one
// sample X = 1, Y = 1 with quadratic loss, L(w) = (1 − w1·w2)². Its minima
// form the hyperbola w2 = 1/w1, and the origin is a saddle point.
type OneOneOne struct{}

// Dim returns 2.
func (OneOneOne) Dim() int { return 2 }

// Func returns (1 − w1 w2)².
func (o OneOneOne) Func(w []float64) float64 {
	checkDim("OneOneOne.Func", o, w)
	r := 1 - w[0]*w[1]
	return r * r
}

// Grad writes (−2 w2 r, −2 w1 r), r = 1 − w1 w2.
func (o OneOneOne) Grad(grad, w []float64) {
	checkDim("OneOneOne.Grad", o, w)
	r := 1 - w[0]*w[1]
	grad[0] = -2 * w[1] * r
	grad[1] = -2 * w[0] * r
}

// Hess writes [[2w2², 4w1w2 − 2], [4w1w2 − 2, 2w1²]].
func (o OneOneOne) Hess(hess *mat.SymDense, w []float64) {
	checkDim("OneOneOne.Hess", o, w)
	hess.SetSym(0, 0, 2*w[1]*w[1])
	hess.SetSym(0, 1, 4*w[0]*w[1]-2)
	hess.SetSym(1, 1, 2*w[0]*w[0])
}
