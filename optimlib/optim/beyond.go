package optim

import (
	"fmt"
	"math"

	"github.com/descentlab/descent/optimlib/tensor"
)

// Lion is evolved sign momentum. With β1, β2 = Betas:
//
//	c = β1 m + (1 − β1) g
//	w ← w − γ (sign(c) + λ w)
//	m ← β2 m + (1 − β2) g
//
// Chen et al., "Symbolic discovery of optimization algorithms" (NeurIPS
// 2023).
type Lion struct {
	LR          float64    `json:"lr"`
	Betas       [2]float64 `json:"betas"`
	WeightDecay float64    `json:"weight_decay"`
	Maximize    bool       `json:"maximize"`
}

// NewLion returns a Lion optimizer. Zero fields take the paper's defaults:
// LR 1e-4, Betas (0.9, 0.99).
func NewLion(params []*tensor.Tensor, cfg Lion) *RuleOptimizer {
	cfg.LR = orDefault(cfg.LR, 1e-4)
	if cfg.Betas == [2]float64{} {
		cfg.Betas = [2]float64{0.9, 0.99}
	}
	if cfg.LR < 0 || cfg.WeightDecay < 0 || cfg.Betas[0] < 0 || cfg.Betas[0] >= 1 || cfg.Betas[1] < 0 || cfg.Betas[1] >= 1 {
		panic(fmt.Errorf("optim: NewLion: invalid lr %g, betas %v or weight decay %g", cfg.LR, cfg.Betas, cfg.WeightDecay))
	}
	return New(params, &cfg)
}

// LearningRate returns γ.
func (r *Lion) LearningRate() float64 { return r.LR }

// SetLearningRate sets γ.
func (r *Lion) SetLearningRate(lr float64) { r.LR = lr }

// MomentumBeta returns β1.
func (r *Lion) MomentumBeta() float64 { return r.Betas[0] }

// SetMomentumBeta sets β1.
func (r *Lion) SetMomentumBeta(b float64) { r.Betas[0] = b }

// Update applies the rule to one parameter.
func (r *Lion) Update(s *State, w, g []float64) {
	checkLen("Lion", w, g)
	b1, b2 := r.Betas[0], r.Betas[1]
	m, _ := s.Buf("exp_avg", len(w))
	for i := range w {
		gi := g[i]
		if r.Maximize {
			gi = -gi
		}
		c := b1*m[i] + (1-b1)*gi
		w[i] -= r.LR * (sign(c) + r.WeightDecay*w[i])
		m[i] = b2*m[i] + (1-b2)*gi
	}
}

// LAMB is layer-wise adaptive moments: Adam's bias-corrected direction,
// with decoupled weight decay, rescaled per parameter tensor by a trust
// ratio:
//
//	m ← β1 m + (1 − β1) g,  v ← β2 v + (1 − β2) g²
//	u = m/(1 − β1ᵗ) / (√(v/(1 − β2ᵗ)) + ε) + λ w
//	w ← w − γ (‖w‖/‖u‖) u
//
// (the ratio is 1 when ‖w‖ or ‖u‖ is 0). You et al., "Large batch
// optimization for deep learning: training BERT in 76 minutes" (ICLR
// 2020).
type LAMB struct {
	LR          float64    `json:"lr"`
	Betas       [2]float64 `json:"betas"`
	Eps         float64    `json:"eps"`
	WeightDecay float64    `json:"weight_decay"`
}

// NewLAMB returns a LAMB optimizer. Zero fields take the paper's defaults:
// LR 1e-3, Betas (0.9, 0.999), Eps 1e-6.
func NewLAMB(params []*tensor.Tensor, cfg LAMB) *RuleOptimizer {
	cfg.Eps = orDefault(cfg.Eps, 1e-6)
	cfg.LR, cfg.Betas, cfg.Eps = adamDefaults("NewLAMB", cfg.LR, cfg.Betas, cfg.Eps, 1e-3)
	return New(params, &cfg)
}

// LearningRate returns γ.
func (r *LAMB) LearningRate() float64 { return r.LR }

// SetLearningRate sets γ.
func (r *LAMB) SetLearningRate(lr float64) { r.LR = lr }

// MomentumBeta returns β1.
func (r *LAMB) MomentumBeta() float64 { return r.Betas[0] }

// SetMomentumBeta sets β1.
func (r *LAMB) SetMomentumBeta(b float64) { r.Betas[0] = b }

// Update applies the rule to one parameter tensor.
func (r *LAMB) Update(s *State, w, g []float64) {
	checkLen("LAMB", w, g)
	b1, b2 := r.Betas[0], r.Betas[1]
	m, _ := s.Buf("exp_avg", len(w))
	v, _ := s.Buf("exp_avg_sq", len(w))
	u, _ := s.Buf("update", len(w))
	t := float64(s.Step)
	bc1, bc2 := 1-math.Pow(b1, t), 1-math.Pow(b2, t)
	wn, un := 0.0, 0.0
	for i := range w {
		m[i] = b1*m[i] + (1-b1)*g[i]
		v[i] = b2*v[i] + (1-b2)*g[i]*g[i]
		u[i] = (m[i]/bc1)/(math.Sqrt(v[i]/bc2)+r.Eps) + r.WeightDecay*w[i]
		wn += w[i] * w[i]
		un += u[i] * u[i]
	}
	ratio := 1.0
	if wn > 0 && un > 0 {
		ratio = math.Sqrt(wn) / math.Sqrt(un)
	}
	for i := range w {
		w[i] -= r.LR * ratio * u[i]
	}
}

// ScheduleFreeSGD is schedule-free SGD. The optimizer keeps the base
// sequence z and the average x; gradients are taken at their
// interpolation y = (1 − β) z + β x, which the parameters hold in
// training mode:
//
//	z ← z − γ_t g(y)          (g includes λ y)
//	x ← (1 − c) x + c z,  c = γ_t²/Σ_{s≤t} γ_s²
//	y = (1 − β) z + β x
//
// with γ_t = γ·min(1, t/Warmup). Eval switches the parameters to x (the
// point to evaluate and keep), Train back to y. Defazio et al., "The road
// less scheduled" (NeurIPS 2024).
type ScheduleFreeSGD struct {
	LR          float64 `json:"lr"`
	Momentum    float64 `json:"momentum"`
	WeightDecay float64 `json:"weight_decay"`
	Warmup      int     `json:"warmup_steps"`
}

// LearningRate returns γ.
func (r *ScheduleFreeSGD) LearningRate() float64 { return r.LR }

// SetLearningRate sets γ.
func (r *ScheduleFreeSGD) SetLearningRate(lr float64) { r.LR = lr }

func (r *ScheduleFreeSGD) beta() float64 { return r.Momentum }

// Update applies the rule to one parameter.
func (r *ScheduleFreeSGD) Update(s *State, y, g []float64) {
	checkLen("ScheduleFreeSGD", y, g)
	lr := r.LR * warmupFactor(s.Step, r.Warmup)
	c := scheduleFreeWeight(s, lr)
	sfStep(s, y, g, lr, c, r.Momentum, r.WeightDecay, nil)
}

// ScheduleFreeAdamW is schedule-free AdamW: as ScheduleFreeSGD, with the
// gradient divided by Adam's second-moment estimate,
//
//	v ← β2 v + (1 − β2) g²,  ĝ = g/(√v + ε) + λ y,
//	γ_t = γ·min(1, t/Warmup)·√(1 − β2ᵗ),
//	c = γ̄_t²/Σ γ̄_s² with γ̄_t = max_{s≤t} γ_s,
//
// and z ← z − γ_t ĝ; β = Betas[0] interpolates y. Defazio et al., "The
// road less scheduled" (NeurIPS 2024).
type ScheduleFreeAdamW struct {
	LR          float64    `json:"lr"`
	Betas       [2]float64 `json:"betas"`
	Eps         float64    `json:"eps"`
	WeightDecay float64    `json:"weight_decay"`
	Warmup      int        `json:"warmup_steps"`
}

// LearningRate returns γ.
func (r *ScheduleFreeAdamW) LearningRate() float64 { return r.LR }

// SetLearningRate sets γ.
func (r *ScheduleFreeAdamW) SetLearningRate(lr float64) { r.LR = lr }

func (r *ScheduleFreeAdamW) beta() float64 { return r.Betas[0] }

// Update applies the rule to one parameter.
func (r *ScheduleFreeAdamW) Update(s *State, y, g []float64) {
	checkLen("ScheduleFreeAdamW", y, g)
	b2 := r.Betas[1]
	lr := r.LR * warmupFactor(s.Step, r.Warmup) * math.Sqrt(1-math.Pow(b2, float64(s.Step)))
	lrMax := math.Max(lr, s.Val("lr_max", 0))
	s.SetVal("lr_max", lrMax)
	c := scheduleFreeWeight(s, lrMax)
	v, _ := s.Buf("exp_avg_sq", len(y))
	sfStep(s, y, g, lr, c, r.Betas[0], r.WeightDecay, func(i int, gi float64) float64 {
		v[i] = v[i]*b2 + (1-b2)*gi*gi
		return gi / (math.Sqrt(v[i]) + r.Eps)
	})
}

func warmupFactor(step, warmup int) float64 {
	if warmup > 0 && step < warmup {
		return float64(step) / float64(warmup)
	}
	return 1
}

// scheduleFreeWeight adds lr² to the running sum and returns the
// averaging weight c = lr²/Σ lr².
func scheduleFreeWeight(s *State, lr float64) float64 {
	w := lr * lr
	sum := s.Val("weight_sum", 0) + w
	s.SetVal("weight_sum", sum)
	if sum == 0 {
		return 0
	}
	return w / sum
}

// sfStep updates y in place (holding y = (1 − β) z + β x) and z.
// precond, when not nil, maps the raw gradient coordinate to the step
// direction.
func sfStep(s *State, y, g []float64, lr, c, beta, wd float64, precond func(i int, g float64) float64) {
	z, fresh := s.Buf("z", len(y))
	if fresh {
		copy(z, y)
	}
	for i := range y {
		gi := g[i]
		if precond != nil {
			gi = precond(i, gi)
		}
		gi += wd * y[i]
		// x_new = (1−c) x + c z_new with z_new = z − γ g, and
		// y_new = (1−β) z_new + β x_new, written in y and z only.
		y[i] += c * (z[i] - y[i])
		y[i] += lr * (beta*(1-c) - 1) * gi
		z[i] -= lr * gi
	}
}

// ScheduleFree is a schedule-free optimizer with its train/eval switch.
type ScheduleFree struct {
	*RuleOptimizer
	eval bool
}

type scheduleFreeRule interface {
	Rule
	beta() float64
}

// NewScheduleFreeSGD returns schedule-free SGD. Zero fields take the
// reference defaults: Momentum 0.9. LR is required.
func NewScheduleFreeSGD(params []*tensor.Tensor, cfg ScheduleFreeSGD) *ScheduleFree {
	cfg.Momentum = orDefault(cfg.Momentum, 0.9)
	if cfg.LR <= 0 || cfg.Momentum < 0 || cfg.Momentum >= 1 || cfg.WeightDecay < 0 {
		panic(fmt.Errorf("optim: NewScheduleFreeSGD: invalid configuration %+v", cfg))
	}
	return &ScheduleFree{RuleOptimizer: New(params, &cfg)}
}

// NewScheduleFreeAdamW returns schedule-free AdamW. Zero fields take the
// reference defaults: LR 0.0025, Betas (0.9, 0.999), Eps 1e-8.
func NewScheduleFreeAdamW(params []*tensor.Tensor, cfg ScheduleFreeAdamW) *ScheduleFree {
	cfg.LR, cfg.Betas, cfg.Eps = adamDefaults("NewScheduleFreeAdamW", cfg.LR, cfg.Betas, cfg.Eps, 0.0025)
	return &ScheduleFree{RuleOptimizer: New(params, &cfg)}
}

// Step updates the parameters; it panics in eval mode.
func (o *ScheduleFree) Step(closure func() float64) float64 {
	if o.eval {
		panic(fmt.Errorf("optim: ScheduleFree.Step: optimizer is in eval mode; call Train first"))
	}
	return o.RuleOptimizer.Step(closure)
}

// Eval sets the parameters to the averaged point x, for evaluation and
// for keeping the result.
func (o *ScheduleFree) Eval() { o.convert(true) }

// Train sets the parameters back to the gradient point y.
func (o *ScheduleFree) Train() { o.convert(false) }

// Evaluating reports whether the optimizer is in eval mode.
func (o *ScheduleFree) Evaluating() bool { return o.eval }

func (o *ScheduleFree) convert(toEval bool) {
	if o.eval == toEval {
		return
	}
	o.eval = toEval
	for _, g := range o.groups {
		beta := g.Hyper.(scheduleFreeRule).beta()
		for _, p := range g.Params {
			s := o.state[p]
			if s == nil {
				continue
			}
			z := s.Bufs["z"]
			w := p.Data()
			for i := range w {
				if toEval {
					// x = (y − (1 − β) z)/β
					w[i] = (w[i] - (1-beta)*z[i]) / beta
				} else {
					w[i] = (1-beta)*z[i] + beta*w[i]
				}
			}
		}
	}
}
