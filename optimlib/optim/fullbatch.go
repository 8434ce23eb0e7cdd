package optim

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/descentlab/descent/optimlib/interrupt"
	"github.com/descentlab/descent/optimlib/tensor"
)

// flatGroup is the single parameter group of the full-batch methods, which
// see all parameters as one vector w.
type flatGroup struct {
	group *Group
	n     int
}

func newFlatGroup(params []*tensor.Tensor, h Hyper) flatGroup {
	n := 0
	for _, p := range params {
		n += p.Numel()
	}
	return flatGroup{group: &Group{Params: append([]*tensor.Tensor(nil), params...), Hyper: h}, n: n}
}

// ParamGroups returns the single parameter group.
func (f *flatGroup) ParamGroups() []*Group { return []*Group{f.group} }

// LR returns the group's learning rate.
func (f *flatGroup) LR() float64 { return f.group.Hyper.LearningRate() }

// SetLR sets the group's learning rate.
func (f *flatGroup) SetLR(lr float64) { f.group.Hyper.SetLearningRate(lr) }

// ZeroGrad drops the parameters' gradients.
func (f *flatGroup) ZeroGrad() { zeroGrad(f.ParamGroups()) }

// StateDict returns the hyperparameters; these methods keep no state
// between steps that a restart would need.
func (f *flatGroup) StateDict() *StateDict {
	return stateDict(f.ParamGroups(), map[*tensor.Tensor]*State{})
}

// LoadStateDict restores the hyperparameters.
func (f *flatGroup) LoadStateDict(sd *StateDict) error {
	return loadStateDict(f.ParamGroups(), map[*tensor.Tensor]*State{}, sd)
}

func (f *flatGroup) evaluate(op string, closure func() float64, g []float64) float64 {
	if closure == nil {
		panic(fmt.Errorf("optim: %s.Step: a closure that recomputes the loss and gradients is required", op))
	}
	loss := closure()
	gatherFlatGrad(f.group.Params, g)
	return loss
}

// TensorHessian returns a Hessian callback for NewNewton computed by
// automatic differentiation (tensor.Hessian) of loss at w's current
// values; loss maps a tensor shaped like w to a scalar tensor (for
// instance a problems.Differentiable's Tensor method).
func TensorHessian(loss func(w *tensor.Tensor) *tensor.Tensor, w *tensor.Tensor) func() *mat.SymDense {
	return func() *mat.SymDense {
		n := w.Numel()
		h := tensor.Hessian(loss, w.Detach()).Data()
		s := mat.NewSymDense(n, nil)
		for i := 0; i < n; i++ {
			for j := i; j < n; j++ {
				s.SetSym(i, j, (h[i*n+j]+h[j*n+i])/2)
			}
		}
		return s
	}
}

// NewtonConfig holds Newton's method's settings.
type NewtonConfig struct {
	// LR is the step γ along the Newton direction; 0 means 1 (the pure
	// method). γ < 1 damps the step.
	LR float64 `json:"lr"`
	// Damping λ adds λI to the Hessian (Levenberg–Marquardt damping).
	Damping float64 `json:"damping"`
	// Backtracking halves the step until the Armijo condition
	// f(w + γd) ≤ f(w) + 10⁻⁴ γ gᵀd holds (at most 30 halvings).
	Backtracking bool `json:"backtracking"`
}

// LearningRate returns γ.
func (c *NewtonConfig) LearningRate() float64 { return c.LR }

// SetLearningRate sets γ.
func (c *NewtonConfig) SetLearningRate(lr float64) { c.LR = lr }

// Newton is Newton's method with the exact Hessian H = ∇²f(w):
//
//	(H + λI) d = −g,   w ← w + γ d.
//
// With γ = 1 and λ = 0 it minimizes a strictly convex quadratic in one
// step: the lecture's γ_opt = (∂²f/∂w²)⁻¹. The Hessian comes from a
// callback evaluated after the closure at the current point (for
// instance problems.HessianAt, or a Hessian computed by autodiff).
// Nocedal & Wright, "Numerical Optimization", chapter 3.3.
type Newton struct {
	flatGroup
	cfg  *NewtonConfig
	hess func() *mat.SymDense
}

// NewNewton returns Newton's method over params; hess returns the Hessian
// of the loss with respect to the parameters, flattened in order.
func NewNewton(params []*tensor.Tensor, cfg NewtonConfig, hess func() *mat.SymDense) *Newton {
	if hess == nil {
		panic(fmt.Errorf("optim: NewNewton: nil Hessian callback"))
	}
	cfg.LR = orDefault(cfg.LR, 1)
	if cfg.LR < 0 || cfg.Damping < 0 {
		panic(fmt.Errorf("optim: NewNewton: invalid lr %g or damping %g", cfg.LR, cfg.Damping))
	}
	return &Newton{flatGroup: newFlatGroup(params, &cfg), cfg: &cfg, hess: hess}
}

// Step takes one Newton step; closure is required.
func (o *Newton) Step(closure func() float64) float64 {
	g := make([]float64, o.n)
	loss := o.evaluate("Newton", closure, g)
	h := o.hess()
	if h == nil {
		panic(fmt.Errorf("optim: Newton.Step: Hessian callback returned nil, want a %d×%d matrix", o.n, o.n))
	}
	if k := h.SymmetricDim(); k != o.n {
		panic(fmt.Errorf("optim: Newton.Step: Hessian callback returned a %d×%d matrix for %d parameters", k, k, o.n))
	}
	a := mat.NewSymDense(o.n, nil)
	a.CopySym(h)
	for i := 0; i < o.n; i++ {
		a.SetSym(i, i, a.At(i, i)+o.cfg.Damping)
	}
	var d mat.VecDense
	neg := make([]float64, o.n)
	for i, v := range g {
		neg[i] = -v
	}
	var chol mat.Cholesky
	if chol.Factorize(a) {
		if err := chol.SolveVecTo(&d, mat.NewVecDense(o.n, neg)); err != nil {
			panic(fmt.Errorf("optim: Newton.Step: %v", err))
		}
	} else if err := d.SolveVec(a, mat.NewVecDense(o.n, neg)); err != nil {
		panic(fmt.Errorf("optim: Newton.Step: Hessian (+ damping) is singular: %v", err))
	}
	dir := d.RawVector().Data
	t := o.cfg.LR
	if o.cfg.Backtracking {
		x0 := make([]float64, o.n)
		getFlat(o.group.Params, x0)
		gtd := dot(g, dir)
		for k := 0; k < 30; k++ {
			addFlat(o.group.Params, t, dir)
			f := closure()
			setFlat(o.group.Params, x0)
			if f <= loss+1e-4*t*gtd {
				break
			}
			t /= 2
		}
	}
	addFlat(o.group.Params, t, dir)
	return loss
}

// CGVariant selects the formula for β in nonlinear conjugate gradients.
type CGVariant int

// The β formulas of nonlinear conjugate gradients, with y = g_{k+1} − g_k.
const (
	// FletcherReeves: β = ‖g_{k+1}‖²/‖g_k‖² (Fletcher & Reeves 1964).
	FletcherReeves CGVariant = iota
	// PolakRibierePlus: β = max(0, g_{k+1}ᵀy/‖g_k‖²) (Polak & Ribière
	// 1969; the positive part after Gilbert & Nocedal 1992).
	PolakRibierePlus
	// HestenesStiefel: β = g_{k+1}ᵀy / d_kᵀy (Hestenes & Stiefel 1952).
	HestenesStiefel
)

// String returns the variant's name.
func (v CGVariant) String() string {
	switch v {
	case FletcherReeves:
		return "Fletcher–Reeves"
	case PolakRibierePlus:
		return "Polak–Ribière+"
	case HestenesStiefel:
		return "Hestenes–Stiefel"
	}
	return fmt.Sprintf("CGVariant(%d)", int(v))
}

// CGConfig holds nonlinear conjugate gradients' settings.
type CGConfig struct {
	Variant CGVariant `json:"variant"`
	// LR scales the line search's first trial step. Default 1.
	LR float64 `json:"lr"`
	// MaxIter is the number of iterations per Step. Default 1.
	MaxIter int `json:"max_iter"`
	// ToleranceGrad stops when max|g| ≤ ToleranceGrad. Default 1e-7.
	ToleranceGrad float64 `json:"tolerance_grad"`
	// RestartEvery resets d to −g every RestartEvery iterations; 0 means
	// the number of variables.
	RestartEvery int `json:"restart_every"`
}

// LearningRate returns the line search's scale.
func (c *CGConfig) LearningRate() float64 { return c.LR }

// SetLearningRate sets the line search's scale.
func (c *CGConfig) SetLearningRate(lr float64) { c.LR = lr }

// NonlinearCG is nonlinear conjugate gradients:
//
//	d_0 = −g_0,  w_{k+1} = w_k + t_k d_k,  d_{k+1} = −g_{k+1} + β_k d_k,
//
// with β from the chosen CGVariant and t_k from a strong-Wolfe line search
// (c1 = 1e-4, c2 = 0.1). The direction restarts at −g when it is not a
// descent direction and every RestartEvery iterations. Nocedal & Wright,
// "Numerical Optimization", chapter 5.2.
type NonlinearCG struct {
	flatGroup
	cfg             *CGConfig
	d, gPrev        []float64
	tPrev, gtdPrev  float64
	iter, funcEvals int
}

// NewNonlinearCG returns nonlinear conjugate gradients over params.
func NewNonlinearCG(params []*tensor.Tensor, cfg CGConfig) *NonlinearCG {
	cfg.LR = orDefault(cfg.LR, 1)
	if cfg.MaxIter == 0 {
		cfg.MaxIter = 1
	}
	cfg.ToleranceGrad = orDefault(cfg.ToleranceGrad, 1e-7)
	if cfg.LR < 0 || cfg.MaxIter < 0 || cfg.Variant < FletcherReeves || cfg.Variant > HestenesStiefel {
		panic(fmt.Errorf("optim: NewNonlinearCG: invalid configuration %+v", cfg))
	}
	o := &NonlinearCG{flatGroup: newFlatGroup(params, &cfg), cfg: &cfg}
	if cfg.RestartEvery == 0 {
		o.cfg.RestartEvery = o.n
	}
	return o
}

// FuncEvals returns the number of closure calls made so far.
func (o *NonlinearCG) FuncEvals() int { return o.funcEvals }

// Step runs MaxIter iterations; closure is required. It returns the loss
// at the starting point.
func (o *NonlinearCG) Step(closure func() float64) float64 {
	n, params := o.n, o.group.Params
	g := make([]float64, n)
	loss := o.evaluate("NonlinearCG", closure, g)
	o.funcEvals++
	first := loss
	for it := 0; it < o.cfg.MaxIter; it++ {
		if maxAbs(g) <= o.cfg.ToleranceGrad {
			break
		}
		restart := o.d == nil || o.iter%o.cfg.RestartEvery == 0
		if !restart {
			beta := 0.0
			switch o.cfg.Variant {
			case FletcherReeves:
				beta = dot(g, g) / dot(o.gPrev, o.gPrev)
			case PolakRibierePlus:
				beta = math.Max(0, (dot(g, g)-dot(g, o.gPrev))/dot(o.gPrev, o.gPrev))
			case HestenesStiefel:
				num, den := 0.0, 0.0
				for i := range g {
					y := g[i] - o.gPrev[i]
					num += g[i] * y
					den += o.d[i] * y
				}
				if den != 0 {
					beta = num / den
				}
			}
			for i := range o.d {
				o.d[i] = -g[i] + beta*o.d[i]
			}
			if dot(g, o.d) >= 0 {
				restart = true
			}
		}
		if restart {
			o.d = make([]float64, n)
			for i, v := range g {
				o.d[i] = -v
			}
		}
		gtd := dot(g, o.d)
		var t float64
		if o.tPrev == 0 {
			t = math.Min(1, 1/sumAbs(g)) * o.cfg.LR
		} else {
			t = o.tPrev * o.gtdPrev / gtd
		}
		x0 := make([]float64, n)
		getFlat(params, x0)
		d := o.d
		obj := func(step float64) (float64, []float64) {
			addFlat(params, step, d)
			f := closure()
			gn := make([]float64, n)
			gatherFlatGrad(params, gn)
			setFlat(params, x0)
			return f, gn
		}
		o.gPrev = g
		var evals int
		loss, g, t, evals = strongWolfe(obj, t, d, loss, g, gtd, 1e-4, 0.1, 1e-12, 25)
		o.funcEvals += evals
		addFlat(params, t, d)
		o.tPrev, o.gtdPrev = t, gtd
		o.iter++
	}
	// The gradient left on the parameters is the one at the new point.
	off := 0
	for _, p := range params {
		k := p.Numel()
		p.SetGrad(tensor.New(append([]float64(nil), g[off:off+k]...), p.Shape()...))
		off += k
	}
	return first
}

func sumAbs(a []float64) float64 {
	s := 0.0
	for _, v := range a {
		s += math.Abs(v)
	}
	return s
}

// LinearCGResult reports how linear conjugate gradients ended.
type LinearCGResult struct {
	// Iterations is the number of iterations (one product with A each).
	Iterations int
	// Residual is ‖r‖ at the end, r the recursively updated residual
	// b − Ax.
	Residual float64
}

// LinearCG solves A x = b, A symmetric positive definite given by its
// product matvec(dst, v) = A v, starting from x and overwriting it: the
// method of conjugate gradients, which minimizes the quadratic
// ½ xᵀAx − bᵀx exactly in at most n iterations in exact arithmetic:
//
//	r_0 = b − A x_0,  d_0 = r_0
//	α = r_kᵀr_k / d_kᵀA d_k,  x ← x + α d_k,  r_{k+1} = r_k − α A d_k
//	β = r_{k+1}ᵀr_{k+1} / r_kᵀr_k,  d_{k+1} = r_{k+1} + β d_k
//
// It stops when ‖r‖ ≤ tol·‖b‖ or after maxIter iterations (0 means n);
// trace, if not nil, sees x after each iteration. Hestenes & Stiefel,
// "Methods of conjugate gradients for solving linear systems" (1952).
func LinearCG(matvec func(dst, v []float64), b, x []float64, tol float64, maxIter int, trace func(k int, x []float64)) LinearCGResult {
	n := len(b)
	if len(x) != n {
		panic(fmt.Errorf("optim: LinearCG: x has %d values, b has %d", len(x), n))
	}
	if maxIter <= 0 {
		maxIter = n
	}
	r, d, ad := make([]float64, n), make([]float64, n), make([]float64, n)
	matvec(ad, x)
	for i := range r {
		r[i] = b[i] - ad[i]
	}
	copy(d, r)
	rr := dot(r, r)
	bn := math.Sqrt(dot(b, b))
	k := 0
	for ; k < maxIter && math.Sqrt(rr) > tol*bn; k++ {
		interrupt.Check()
		matvec(ad, d)
		dad := dot(d, ad)
		if dad <= 0 {
			panic(fmt.Errorf("optim: LinearCG: matrix is not positive definite (dᵀAd = %g)", dad))
		}
		alpha := rr / dad
		axpy(alpha, d, x)
		axpy(-alpha, ad, r)
		rrNew := dot(r, r)
		beta := rrNew / rr
		for i := range d {
			d[i] = r[i] + beta*d[i]
		}
		rr = rrNew
		if trace != nil {
			trace(k+1, x)
		}
	}
	return LinearCGResult{Iterations: k, Residual: math.Sqrt(rr)}
}

// MatVec returns the product function of a for LinearCG.
func MatVec(a mat.Matrix) func(dst, v []float64) {
	return func(dst, v []float64) {
		mat.NewVecDense(len(dst), dst).MulVec(a, mat.NewVecDense(len(v), v))
	}
}
