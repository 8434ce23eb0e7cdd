package optim

import (
	"fmt"
	"math"

	"github.com/descentlab/descent/optimlib/internal/parallel"
	"github.com/descentlab/descent/optimlib/internal/vec"
	"github.com/descentlab/descent/optimlib/tensor"
)

// SGD is stochastic gradient descent with momentum in PyTorch's form
// (torch.optim.SGD). With Momentum β = 0 it is plain gradient descent
//
//	w ← w − γ g.
//
// With momentum, the buffer p starts at the first gradient and then
//
//	g ← g + λ w                         (WeightDecay λ)
//	p ← β p + (1 − τ) g                 (Dampening τ)
//	w ← w − γ p                         (heavy ball)
//	w ← w − γ (g + β p)                 (Nesterov)
//
// Maximize negates g first. Polyak, "Some methods of speeding up the
// convergence of iteration methods" (1964); Sutskever et al., "On the
// importance of initialization and momentum in deep learning" (ICML 2013)
// for the Nesterov form.
type SGD struct {
	LR          float64 `json:"lr"`
	Momentum    float64 `json:"momentum"`
	Dampening   float64 `json:"dampening"`
	WeightDecay float64 `json:"weight_decay"`
	Nesterov    bool    `json:"nesterov"`
	Maximize    bool    `json:"maximize"`
}

// NewSGD returns an SGD optimizer over params; cfg.LR is required.
func NewSGD(params []*tensor.Tensor, cfg SGD) *RuleOptimizer {
	if cfg.LR < 0 || cfg.Momentum < 0 || cfg.WeightDecay < 0 {
		panic(fmt.Errorf("optim: NewSGD: invalid lr %g, momentum %g or weight decay %g", cfg.LR, cfg.Momentum, cfg.WeightDecay))
	}
	if cfg.Nesterov && (cfg.Momentum <= 0 || cfg.Dampening != 0) {
		panic(fmt.Errorf("optim: NewSGD: Nesterov momentum requires a momentum and zero dampening"))
	}
	return New(params, &cfg)
}

// NewGD returns full-batch gradient descent with the fixed step γ = lr,
// w ← w − γ ∇f(w): SGD without momentum, fed the full gradient. See
// StepInverseL and StepOptimal for the step sizes of the theory. Cauchy,
// "Méthode générale pour la résolution des systèmes d'équations
// simultanées" (C. R. Acad. Sci. Paris, 1847).
func NewGD(params []*tensor.Tensor, lr float64) *RuleOptimizer {
	return NewSGD(params, SGD{LR: lr})
}

// LearningRate returns γ.
func (r *SGD) LearningRate() float64 { return r.LR }

// SetLearningRate sets γ.
func (r *SGD) SetLearningRate(lr float64) { r.LR = lr }

// MomentumBeta returns β.
func (r *SGD) MomentumBeta() float64 { return r.Momentum }

// SetMomentumBeta sets β.
func (r *SGD) SetMomentumBeta(b float64) { r.Momentum = b }

// Update applies the rule to one parameter. Every element gets exactly the
// arithmetic of torch.optim.SGD's loop; the common cases (no weight decay,
// no dampening, not maximizing) run in vector loops without per-element
// branches (package vec), and a large parameter is split between the cores.
func (r *SGD) Update(s *State, w, g []float64) {
	checkLen("SGD", w, g)
	var p []float64
	fresh := false
	if r.Momentum != 0 {
		p, fresh = s.Buf("momentum_buffer", len(w))
		p = p[:len(w)]
	}
	g = g[:len(w)]
	parallel.Ranges(len(w), minChunk, func(lo, hi int) {
		var pc []float64
		if p != nil {
			pc = p[lo:hi]
		}
		r.update(w[lo:hi], g[lo:hi], pc, fresh)
	})
}

// minChunk is the smallest number of elements worth a goroutine of its own
// in SGD's update (see parallel.Ranges): below it, starting the goroutine
// costs more than the loop.
const minChunk = 1 << 15

// update is Update on one chunk of a parameter. PyTorch's add_ with an
// alpha rounds once (a fused multiply-add on this hardware), so the rule is
// written with math.FMA where torch.optim.SGD adds with an alpha, and with
// float64() around the products it rounds on their own; the iterates are
// then torch's, bit for bit.
func (r *SGD) update(w, g, p []float64, fresh bool) {
	lr, mom, damp, wd := r.LR, r.Momentum, r.Dampening, r.WeightDecay
	g = g[:len(w)]
	plain := wd == 0 && !r.Maximize
	switch {
	case mom == 0 && plain:
		vec.ScaledAdd(w, g, -lr)
		return
	case mom != 0 && plain && damp == 0 && !r.Nesterov && !fresh:
		// mul_(mom) then add_(d, alpha=1): a rounding each.
		vec.Momentum(w, g, p, -lr, mom)
		return
	}
	for i := range w {
		d := g[i]
		if r.Maximize {
			d = -d
		}
		if wd != 0 {
			d = math.FMA(wd, w[i], d)
		}
		if mom != 0 {
			if fresh {
				p[i] = d
			} else {
				p[i] = math.FMA(1-damp, d, float64(p[i]*mom))
			}
			if r.Nesterov {
				d = math.FMA(mom, p[i], d)
			} else {
				d = p[i]
			}
		}
		w[i] = math.FMA(-lr, d, w[i])
	}
}

// HeavyBall is Polyak's heavy-ball method in the lecture's second form,
//
//	w_{k+1} = w_k − γ g_k + β (w_k − w_{k−1}),
//
// with w_{−1} = w_0. It produces the same iterates as SGD with momentum β
// and no dampening, whose buffer form is p ← β p + g, w ← w − γ p. Polyak,
// "Some methods of speeding up the convergence of iteration methods"
// (1964).
type HeavyBall struct {
	LR   float64 `json:"lr"`
	Beta float64 `json:"beta"`
}

// NewHeavyBall returns a heavy-ball optimizer over params.
func NewHeavyBall(params []*tensor.Tensor, cfg HeavyBall) *RuleOptimizer {
	if cfg.LR < 0 || cfg.Beta < 0 || cfg.Beta >= 1 {
		panic(fmt.Errorf("optim: NewHeavyBall: need lr ≥ 0 and 0 ≤ β < 1, got lr %g, β %g", cfg.LR, cfg.Beta))
	}
	return New(params, &cfg)
}

// LearningRate returns γ.
func (r *HeavyBall) LearningRate() float64 { return r.LR }

// SetLearningRate sets γ.
func (r *HeavyBall) SetLearningRate(lr float64) { r.LR = lr }

// MomentumBeta returns β.
func (r *HeavyBall) MomentumBeta() float64 { return r.Beta }

// SetMomentumBeta sets β.
func (r *HeavyBall) SetMomentumBeta(b float64) { r.Beta = b }

// Update applies the rule to one parameter.
func (r *HeavyBall) Update(s *State, w, g []float64) {
	checkLen("HeavyBall", w, g)
	prev, fresh := s.Buf("w_prev", len(w))
	if fresh {
		copy(prev, w)
	}
	for i := range w {
		next := w[i] - r.LR*g[i] + r.Beta*(w[i]-prev[i])
		prev[i] = w[i]
		w[i] = next
	}
}

// StepInverseL returns γ = 1/L, the standard gradient-descent step for an
// L-smooth function; on a quadratic with Hessian eigenvalues in [μ, L] the
// error then shrinks by at least 1 − μ/L per step.
func StepInverseL(L float64) float64 {
	if L <= 0 {
		panic(fmt.Errorf("optim: StepInverseL: L = %g must be positive", L))
	}
	return 1 / L
}

// StepOptimal returns γ = 2/(μ+L), the fixed step that minimizes
// max|1 − γλ| over λ ∈ [μ, L]; the error then shrinks by (κ−1)/(κ+1) per
// step, κ = L/μ.
func StepOptimal(mu, L float64) float64 {
	if mu <= 0 || L < mu {
		panic(fmt.Errorf("optim: StepOptimal: need 0 < μ ≤ L, got μ %g, L %g", mu, L))
	}
	return 2 / (mu + L)
}

// HeavyBallOptimal returns Polyak's optimal heavy-ball constants for a
// quadratic with Hessian eigenvalues in [μ, L]:
//
//	γ = 4/(√L + √μ)²,  β = ((√κ − 1)/(√κ + 1))²,
//
// with which the error shrinks asymptotically by (√κ − 1)/(√κ + 1) per step.
func HeavyBallOptimal(mu, L float64) (lr, beta float64) {
	if mu <= 0 || L < mu {
		panic(fmt.Errorf("optim: HeavyBallOptimal: need 0 < μ ≤ L, got μ %g, L %g", mu, L))
	}
	sl, sm := math.Sqrt(L), math.Sqrt(mu)
	lr = 4 / ((sl + sm) * (sl + sm))
	q := (sl - sm) / (sl + sm)
	return lr, q * q
}
