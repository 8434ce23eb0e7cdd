package optim

import (
	"fmt"
	"math"

	"github.com/descentlab/descent/optimlib/tensor"
)

// RMSprop divides the gradient by a running root mean square
// (torch.optim.RMSprop). With Alpha α:
//
//	g ← g + λ w
//	v ← α v + (1 − α) g²
//	ḡ ← α ḡ + (1 − α) g;  s = √(v − ḡ²) + ε      (Centered)
//	s = √v + ε                                    (otherwise)
//	p ← β p + g/s,  w ← w − γ p                   (Momentum β > 0)
//	w ← w − γ g/s                                 (otherwise)
//
// Tieleman & Hinton, Lecture 6.5 of "Neural networks for machine learning"
// (Coursera, 2012); Graves, "Generating sequences with recurrent neural
// networks" (2013) for the centered form.
type RMSprop struct {
	LR          float64 `json:"lr"`
	Alpha       float64 `json:"alpha"`
	Eps         float64 `json:"eps"`
	WeightDecay float64 `json:"weight_decay"`
	Momentum    float64 `json:"momentum"`
	Centered    bool    `json:"centered"`
	Maximize    bool    `json:"maximize"`
}

// NewRMSprop returns an RMSprop optimizer. Zero fields take PyTorch's
// defaults: LR 1e-2, Alpha 0.99, Eps 1e-8.
func NewRMSprop(params []*tensor.Tensor, cfg RMSprop) *RuleOptimizer {
	cfg.LR = orDefault(cfg.LR, 1e-2)
	cfg.Alpha = orDefault(cfg.Alpha, 0.99)
	cfg.Eps = orDefault(cfg.Eps, 1e-8)
	if cfg.LR < 0 || cfg.Alpha < 0 || cfg.Eps < 0 || cfg.Momentum < 0 || cfg.WeightDecay < 0 {
		panic(fmt.Errorf("optim: NewRMSprop: negative hyperparameter in %+v", cfg))
	}
	return New(params, &cfg)
}

func orDefault(v, def float64) float64 {
	if v == 0 {
		return def
	}
	return v
}

// LearningRate returns γ.
func (r *RMSprop) LearningRate() float64 { return r.LR }

// SetLearningRate sets γ.
func (r *RMSprop) SetLearningRate(lr float64) { r.LR = lr }

// MomentumBeta returns β.
func (r *RMSprop) MomentumBeta() float64 { return r.Momentum }

// SetMomentumBeta sets β.
func (r *RMSprop) SetMomentumBeta(b float64) { r.Momentum = b }

// Update applies the rule to one parameter.
func (r *RMSprop) Update(s *State, w, g []float64) {
	checkLen("RMSprop", w, g)
	a := r.Alpha
	v, _ := s.Buf("square_avg", len(w))
	var gavg, p []float64
	if r.Centered {
		gavg, _ = s.Buf("grad_avg", len(w))
	}
	if r.Momentum > 0 {
		p, _ = s.Buf("momentum_buffer", len(w))
	}
	for i := range w {
		gi := torchGrad(g[i], w[i], r.WeightDecay, r.Maximize)
		v[i] = math.FMA(float64((1-a)*gi), gi, float64(v[i]*a))
		var avg float64
		if r.Centered {
			gavg[i] = math.FMA(1-a, gi, float64(gavg[i]*a))
			avg = math.Sqrt(math.FMA(-gavg[i], gavg[i], v[i]))
		} else {
			avg = math.Sqrt(v[i])
		}
		avg += r.Eps
		if r.Momentum > 0 {
			p[i] = float64(p[i]*r.Momentum) + gi/avg
			w[i] = math.FMA(-r.LR, p[i], w[i])
		} else {
			w[i] += float64(-r.LR*gi) / avg
		}
	}
}

// Adagrad accumulates squared gradients (torch.optim.Adagrad). With
// LRDecay η and the accumulator G starting at InitialAccumulatorValue:
//
//	g ← g + λ w
//	γ_t = γ/(1 + (t − 1) η)
//	G ← G + g²
//	w ← w − γ_t g/(√G + ε)
//
// Duchi, Hazan & Singer, "Adaptive subgradient methods for online learning
// and stochastic optimization" (JMLR 2011).
type Adagrad struct {
	LR                      float64 `json:"lr"`
	LRDecay                 float64 `json:"lr_decay"`
	WeightDecay             float64 `json:"weight_decay"`
	InitialAccumulatorValue float64 `json:"initial_accumulator_value"`
	Eps                     float64 `json:"eps"`
	Maximize                bool    `json:"maximize"`
}

// NewAdagrad returns an Adagrad optimizer. Zero fields take PyTorch's
// defaults: LR 1e-2, Eps 1e-10.
func NewAdagrad(params []*tensor.Tensor, cfg Adagrad) *RuleOptimizer {
	cfg.LR = orDefault(cfg.LR, 1e-2)
	cfg.Eps = orDefault(cfg.Eps, 1e-10)
	if cfg.LR < 0 || cfg.LRDecay < 0 || cfg.WeightDecay < 0 || cfg.InitialAccumulatorValue < 0 || cfg.Eps < 0 {
		panic(fmt.Errorf("optim: NewAdagrad: negative hyperparameter in %+v", cfg))
	}
	return New(params, &cfg)
}

// LearningRate returns γ.
func (r *Adagrad) LearningRate() float64 { return r.LR }

// SetLearningRate sets γ.
func (r *Adagrad) SetLearningRate(lr float64) { r.LR = lr }

// Update applies the rule to one parameter.
func (r *Adagrad) Update(s *State, w, g []float64) {
	checkLen("Adagrad", w, g)
	sum, fresh := s.Buf("sum", len(w))
	if fresh {
		for i := range sum {
			sum[i] = r.InitialAccumulatorValue
		}
	}
	clr := r.LR / (1 + float64(float64(s.Step-1)*r.LRDecay))
	for i := range w {
		gi := torchGrad(g[i], w[i], r.WeightDecay, r.Maximize)
		sum[i] = math.FMA(gi, gi, sum[i])
		w[i] += float64(-clr*gi) / (math.Sqrt(sum[i]) + r.Eps)
	}
}

// UpdateSparse applies Adagrad to a row-sparse gradient g, as
// torch.optim.Adagrad does: g's repeated rows are summed first, and only
// the rows g stores change, each by the rule above. Weight decay is refused
// with PyTorch's error, since it would touch every row.
func (r *Adagrad) UpdateSparse(s *State, w []float64, g *tensor.Tensor) {
	if r.WeightDecay != 0 {
		panic(fmt.Errorf("optim: Adagrad: weight_decay option is not compatible with sparse gradients (gradient of shape %v)", g.Shape()))
	}
	rows, vals, inner := sparseGrad("Adagrad", w, g, true)
	sum, fresh := s.Buf("sum", len(w))
	if fresh {
		for i := range sum {
			sum[i] = r.InitialAccumulatorValue
		}
	}
	clr := r.LR / (1 + float64(float64(s.Step-1)*r.LRDecay))
	// torch squares the values, adds them to the sum, and adds
	// g/(√sum + ε) with alpha −clr (one rounding).
	forSparse(rows, vals, inner, r.Maximize, func(i int, gi float64) {
		sum[i] += float64(gi * gi)
		w[i] = math.FMA(-clr, gi/(math.Sqrt(sum[i])+r.Eps), w[i])
	})
}

// Adadelta adapts the step from running averages of squared gradients and
// squared updates (torch.optim.Adadelta). With Rho ρ:
//
//	g ← g + λ w
//	v ← ρ v + (1 − ρ) g²
//	Δ = √(u + ε)/√(v + ε) · g
//	u ← ρ u + (1 − ρ) Δ²
//	w ← w − γ Δ
//
// Zeiler, "ADADELTA: An adaptive learning rate method" (2012).
type Adadelta struct {
	LR          float64 `json:"lr"`
	Rho         float64 `json:"rho"`
	Eps         float64 `json:"eps"`
	WeightDecay float64 `json:"weight_decay"`
	Maximize    bool    `json:"maximize"`
}

// NewAdadelta returns an Adadelta optimizer. Zero fields take PyTorch's
// defaults: LR 1, Rho 0.9, Eps 1e-6.
func NewAdadelta(params []*tensor.Tensor, cfg Adadelta) *RuleOptimizer {
	cfg.LR = orDefault(cfg.LR, 1)
	cfg.Rho = orDefault(cfg.Rho, 0.9)
	cfg.Eps = orDefault(cfg.Eps, 1e-6)
	if cfg.LR < 0 || cfg.Rho < 0 || cfg.Rho > 1 || cfg.Eps < 0 || cfg.WeightDecay < 0 {
		panic(fmt.Errorf("optim: NewAdadelta: invalid hyperparameter in %+v", cfg))
	}
	return New(params, &cfg)
}

// LearningRate returns γ.
func (r *Adadelta) LearningRate() float64 { return r.LR }

// SetLearningRate sets γ.
func (r *Adadelta) SetLearningRate(lr float64) { r.LR = lr }

// Update applies the rule to one parameter.
func (r *Adadelta) Update(s *State, w, g []float64) {
	checkLen("Adadelta", w, g)
	rho := r.Rho
	v, _ := s.Buf("square_avg", len(w))
	u, _ := s.Buf("acc_delta", len(w))
	for i := range w {
		gi := torchGrad(g[i], w[i], r.WeightDecay, r.Maximize)
		v[i] = math.FMA(float64((1-rho)*gi), gi, float64(v[i]*rho))
		std := math.Sqrt(v[i] + r.Eps)
		delta := float64(math.Sqrt(u[i]+r.Eps)/std) * gi
		u[i] = math.FMA(float64((1-rho)*delta), delta, float64(u[i]*rho))
		w[i] = math.FMA(-r.LR, delta, w[i])
	}
}

// Rprop is resilient backpropagation (torch.optim.Rprop): only the sign of
// the gradient is used, with a per-coordinate step η that starts at γ:
//
//	η ← clamp(η·η₊, η_min, η_max)  if g·g_prev > 0
//	η ← clamp(η·η₋, η_min, η_max), g ← 0  if g·g_prev < 0
//	w ← w − η sign(g),  g_prev ← g
//
// with (η₋, η₊) = Etas and (η_min, η_max) = StepSizes. Riedmiller & Braun,
// "A direct adaptive method for faster backpropagation learning: the RPROP
// algorithm" (ICNN 1993).
type Rprop struct {
	LR        float64    `json:"lr"`
	Etas      [2]float64 `json:"etas"`
	StepSizes [2]float64 `json:"step_sizes"`
	Maximize  bool       `json:"maximize"`
}

// NewRprop returns an Rprop optimizer. Zero fields take PyTorch's
// defaults: LR 1e-2, Etas (0.5, 1.2), StepSizes (1e-6, 50).
func NewRprop(params []*tensor.Tensor, cfg Rprop) *RuleOptimizer {
	cfg.LR = orDefault(cfg.LR, 1e-2)
	if cfg.Etas == [2]float64{} {
		cfg.Etas = [2]float64{0.5, 1.2}
	}
	if cfg.StepSizes == [2]float64{} {
		cfg.StepSizes = [2]float64{1e-6, 50}
	}
	if cfg.LR < 0 || cfg.Etas[0] <= 0 || cfg.Etas[0] >= 1 || cfg.Etas[1] <= 1 {
		panic(fmt.Errorf("optim: NewRprop: need lr ≥ 0 and 0 < η₋ < 1 < η₊, got lr %g, etas %v", cfg.LR, cfg.Etas))
	}
	return New(params, &cfg)
}

// LearningRate returns γ, the initial step.
func (r *Rprop) LearningRate() float64 { return r.LR }

// SetLearningRate sets γ; it affects parameters not yet updated.
func (r *Rprop) SetLearningRate(lr float64) { r.LR = lr }

// Update applies the rule to one parameter.
func (r *Rprop) Update(s *State, w, g []float64) {
	checkLen("Rprop", w, g)
	prev, _ := s.Buf("prev", len(w))
	eta, fresh := s.Buf("step_size", len(w))
	if fresh {
		for i := range eta {
			eta[i] = r.LR
		}
	}
	em, ep := r.Etas[0], r.Etas[1]
	lo, hi := r.StepSizes[0], r.StepSizes[1]
	for i := range w {
		gi := g[i]
		if r.Maximize {
			gi = -gi
		}
		f := 1.0
		switch pr := gi * prev[i]; {
		case pr > 0:
			f = ep
		case pr < 0:
			f = em
		}
		eta[i] = math.Min(math.Max(eta[i]*f, lo), hi)
		if f == em {
			gi = 0
		}
		w[i] = math.FMA(-sign(gi), eta[i], w[i])
		prev[i] = gi
	}
}

func sign(x float64) float64 {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return 0
}

// ASGD is averaged stochastic gradient descent (torch.optim.ASGD). With
// the decaying step η_t (η_1 = γ) and averaging weight μ_t (μ_1 = 1):
//
//	g ← g + λ_wd w
//	w ← w (1 − λ η_t) − η_t g
//	w̄ ← w̄ + μ_t (w − w̄)
//	η_{t+1} = γ/(1 + λ γ t)^α,  μ_{t+1} = 1/max(1, t − t₀)
//
// with λ = Lambd. The average w̄ is in the state buffer "ax" (Averaged).
// Polyak & Juditsky, "Acceleration of stochastic approximation by
// averaging" (SIAM J. Control Optim. 1992).
type ASGD struct {
	LR          float64 `json:"lr"`
	Lambd       float64 `json:"lambd"`
	Alpha       float64 `json:"alpha"`
	T0          float64 `json:"t0"`
	WeightDecay float64 `json:"weight_decay"`
	Maximize    bool    `json:"maximize"`
}

// NewASGD returns an ASGD optimizer. Zero fields take PyTorch's defaults:
// LR 1e-2, Lambd 1e-4, Alpha 0.75, T0 1e6.
func NewASGD(params []*tensor.Tensor, cfg ASGD) *RuleOptimizer {
	cfg.LR = orDefault(cfg.LR, 1e-2)
	cfg.Lambd = orDefault(cfg.Lambd, 1e-4)
	cfg.Alpha = orDefault(cfg.Alpha, 0.75)
	cfg.T0 = orDefault(cfg.T0, 1e6)
	if cfg.LR < 0 || cfg.WeightDecay < 0 {
		panic(fmt.Errorf("optim: NewASGD: invalid lr %g or weight decay %g", cfg.LR, cfg.WeightDecay))
	}
	return New(params, &cfg)
}

// LearningRate returns γ.
func (r *ASGD) LearningRate() float64 { return r.LR }

// SetLearningRate sets γ.
func (r *ASGD) SetLearningRate(lr float64) { r.LR = lr }

// Update applies the rule to one parameter.
func (r *ASGD) Update(s *State, w, g []float64) {
	checkLen("ASGD", w, g)
	ax, _ := s.Buf("ax", len(w))
	eta := s.Val("eta", r.LR)
	mu := s.Val("mu", 1)
	for i := range w {
		gi := torchGrad(g[i], w[i], r.WeightDecay, r.Maximize)
		w[i] *= 1 - float64(r.Lambd*eta)
		w[i] = math.FMA(-eta, gi, w[i])
		if mu != 1 {
			ax[i] += float64((w[i] - ax[i]) * mu)
		} else {
			ax[i] = w[i]
		}
	}
	t := float64(s.Step)
	s.SetVal("eta", r.LR/torchPow(1+float64(r.Lambd*r.LR*t), r.Alpha))
	s.SetVal("mu", 1/math.Max(1, t-r.T0))
}

// Averaged returns ASGD's running average w̄ of p, or nil before p's first
// step. opt must be an ASGD optimizer.
func Averaged(opt *RuleOptimizer, p *tensor.Tensor) []float64 {
	if s := opt.State(p); s != nil {
		return s.Bufs["ax"]
	}
	return nil
}
