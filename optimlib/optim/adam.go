package optim

import (
	"fmt"
	"math"

	"github.com/descentlab/descent/optimlib/tensor"
)

// Adam is adaptive moment estimation (torch.optim.Adam). With β1, β2 =
// Betas, at step t:
//
//	g ← g + λ w                                 (WeightDecay λ, L2 form)
//	m ← β1 m + (1 − β1) g
//	v ← β2 v + (1 − β2) g²
//	v̂ ← max(v̂, v)                               (AMSGrad; else v̂ = v)
//	w ← w − γ/(1 − β1ᵗ) · m / (√v̂/√(1 − β2ᵗ) + ε)
//
// SteadyState drops the bias corrections, giving the lecture's form
// w ← w − γ m/(√v + ε). Maximize negates g first. Kingma & Ba, "Adam: A
// method for stochastic optimization" (ICLR 2015); Reddi et al., "On the
// convergence of Adam and beyond" (ICLR 2018) for AMSGrad.
type Adam struct {
	LR          float64    `json:"lr"`
	Betas       [2]float64 `json:"betas"`
	Eps         float64    `json:"eps"`
	WeightDecay float64    `json:"weight_decay"`
	AMSGrad     bool       `json:"amsgrad"`
	Maximize    bool       `json:"maximize"`
	SteadyState bool       `json:"steady_state"`
}

// NewAdam returns an Adam optimizer. Zero fields take PyTorch's defaults:
// LR 1e-3, Betas (0.9, 0.999), Eps 1e-8.
func NewAdam(params []*tensor.Tensor, cfg Adam) *RuleOptimizer {
	cfg.LR, cfg.Betas, cfg.Eps = adamDefaults("NewAdam", cfg.LR, cfg.Betas, cfg.Eps, 1e-3)
	return New(params, &cfg)
}

func adamDefaults(op string, lr float64, betas [2]float64, eps, defLR float64) (float64, [2]float64, float64) {
	if lr == 0 {
		lr = defLR
	}
	if betas == [2]float64{} {
		betas = [2]float64{0.9, 0.999}
	}
	if eps == 0 {
		eps = 1e-8
	}
	if lr < 0 || eps < 0 || betas[0] < 0 || betas[0] >= 1 || betas[1] < 0 || betas[1] >= 1 {
		panic(fmt.Errorf("optim: %s: invalid lr %g, betas %v or eps %g", op, lr, betas, eps))
	}
	return lr, betas, eps
}

// LearningRate returns γ.
func (r *Adam) LearningRate() float64 { return r.LR }

// SetLearningRate sets γ.
func (r *Adam) SetLearningRate(lr float64) { r.LR = lr }

// MomentumBeta returns β1.
func (r *Adam) MomentumBeta() float64 { return r.Betas[0] }

// SetMomentumBeta sets β1.
func (r *Adam) SetMomentumBeta(b float64) { r.Betas[0] = b }

// Update applies the rule to one parameter.
func (r *Adam) Update(s *State, w, g []float64) {
	checkLen("Adam", w, g)
	adamUpdate(s, w, g, r.LR, r.Betas, r.Eps, r.WeightDecay, 0, r.AMSGrad, r.Maximize, r.SteadyState)
}

// adamUpdate is the step shared by Adam (L2 decay wd) and AdamW (decoupled
// decay dwd), in PyTorch's order of operations.
func adamUpdate(s *State, w, g []float64, lr float64, betas [2]float64, eps, wd, dwd float64, ams, maximize, steady bool) {
	b1, b2 := betas[0], betas[1]
	m, _ := s.Buf("exp_avg", len(w))
	v, _ := s.Buf("exp_avg_sq", len(w))
	m, v, g = m[:len(w)], v[:len(w)], g[:len(w)]
	var vmax []float64
	if ams {
		vmax, _ = s.Buf("max_exp_avg_sq", len(w))
	}
	t := float64(s.Step)
	stepSize, bc2s := lr, 1.0
	if !steady {
		stepSize = lr / (1 - math.Pow(b1, t))
		bc2s = math.Sqrt(1 - math.Pow(b2, t))
	}
	for i := range w {
		if dwd != 0 {
			w[i] *= 1 - lr*dwd
		}
		gi := l2Grad(g[i], w[i], wd, maximize)
		m[i] = m[i]*b1 + (1-b1)*gi
		v[i] = v[i]*b2 + (1-b2)*gi*gi
		d := v[i]
		if ams {
			vmax[i] = math.Max(vmax[i], v[i])
			d = vmax[i]
		}
		denom := math.Sqrt(d)/bc2s + eps
		w[i] += -stepSize * (m[i] / denom)
	}
}

// AdamW is Adam with decoupled weight decay (torch.optim.AdamW): before the
// Adam step on the plain gradient,
//
//	w ← w (1 − γ λ),
//
// then m, v, v̂ and w as in Adam. Loshchilov & Hutter, "Decoupled weight
// decay regularization" (ICLR 2019).
type AdamW struct {
	LR          float64    `json:"lr"`
	Betas       [2]float64 `json:"betas"`
	Eps         float64    `json:"eps"`
	WeightDecay float64    `json:"weight_decay"`
	AMSGrad     bool       `json:"amsgrad"`
	Maximize    bool       `json:"maximize"`
}

// NewAdamW returns an AdamW optimizer. Zero fields take PyTorch's defaults:
// LR 1e-3, Betas (0.9, 0.999), Eps 1e-8; WeightDecay is used as given
// (PyTorch's default is 1e-2; DefaultAdamWDecay).
func NewAdamW(params []*tensor.Tensor, cfg AdamW) *RuleOptimizer {
	cfg.LR, cfg.Betas, cfg.Eps = adamDefaults("NewAdamW", cfg.LR, cfg.Betas, cfg.Eps, 1e-3)
	return New(params, &cfg)
}

// DefaultAdamWDecay is torch.optim.AdamW's default weight decay.
const DefaultAdamWDecay = 1e-2

// LearningRate returns γ.
func (r *AdamW) LearningRate() float64 { return r.LR }

// SetLearningRate sets γ.
func (r *AdamW) SetLearningRate(lr float64) { r.LR = lr }

// MomentumBeta returns β1.
func (r *AdamW) MomentumBeta() float64 { return r.Betas[0] }

// SetMomentumBeta sets β1.
func (r *AdamW) SetMomentumBeta(b float64) { r.Betas[0] = b }

// Update applies the rule to one parameter.
func (r *AdamW) Update(s *State, w, g []float64) {
	checkLen("AdamW", w, g)
	adamUpdate(s, w, g, r.LR, r.Betas, r.Eps, 0, r.WeightDecay, r.AMSGrad, r.Maximize, false)
}

// Adamax is Adam with the infinity norm (torch.optim.Adamax):
//
//	g ← g + λ w
//	m ← β1 m + (1 − β1) g
//	u ← max(β2 u, |g| + ε)
//	w ← w − γ/(1 − β1ᵗ) · m/u
//
// Kingma & Ba, "Adam: A method for stochastic optimization" (ICLR 2015),
// section 7.
type Adamax struct {
	LR          float64    `json:"lr"`
	Betas       [2]float64 `json:"betas"`
	Eps         float64    `json:"eps"`
	WeightDecay float64    `json:"weight_decay"`
	Maximize    bool       `json:"maximize"`
}

// NewAdamax returns an Adamax optimizer. Zero fields take PyTorch's
// defaults: LR 2e-3, Betas (0.9, 0.999), Eps 1e-8.
func NewAdamax(params []*tensor.Tensor, cfg Adamax) *RuleOptimizer {
	cfg.LR, cfg.Betas, cfg.Eps = adamDefaults("NewAdamax", cfg.LR, cfg.Betas, cfg.Eps, 2e-3)
	return New(params, &cfg)
}

// LearningRate returns γ.
func (r *Adamax) LearningRate() float64 { return r.LR }

// SetLearningRate sets γ.
func (r *Adamax) SetLearningRate(lr float64) { r.LR = lr }

// MomentumBeta returns β1.
func (r *Adamax) MomentumBeta() float64 { return r.Betas[0] }

// SetMomentumBeta sets β1.
func (r *Adamax) SetMomentumBeta(b float64) { r.Betas[0] = b }

// Update applies the rule to one parameter.
func (r *Adamax) Update(s *State, w, g []float64) {
	checkLen("Adamax", w, g)
	b1, b2 := r.Betas[0], r.Betas[1]
	m, _ := s.Buf("exp_avg", len(w))
	u, _ := s.Buf("exp_inf", len(w))
	clr := r.LR / (1 - math.Pow(b1, float64(s.Step)))
	for i := range w {
		gi := l2Grad(g[i], w[i], r.WeightDecay, r.Maximize)
		m[i] = m[i]*b1 + (1-b1)*gi
		u[i] = math.Max(u[i]*b2, math.Abs(gi)+r.Eps)
		w[i] += -clr * (m[i] / u[i])
	}
}

// NAdam is Adam with Nesterov momentum (torch.optim.NAdam), with the
// momentum schedule μ_t = β1 (1 − ½·0.96^(t ψ)) (MomentumDecay ψ) and
// Π_t = μ_1⋯μ_t:
//
//	g ← g + λ w
//	m ← β1 m + (1 − β1) g
//	v ← β2 v + (1 − β2) g²
//	d = √(v/(1 − β2ᵗ)) + ε
//	w ← w − γ(1 − μ_t)/(1 − Π_t) · g/d − γ μ_{t+1}/(1 − Π_t μ_t μ_{t+1}) · m/d
//
// (μ_t appears twice in the last denominator, as in PyTorch 1.13.) Dozat,
// "Incorporating Nesterov momentum into Adam" (ICLR 2016 workshop).
type NAdam struct {
	LR            float64    `json:"lr"`
	Betas         [2]float64 `json:"betas"`
	Eps           float64    `json:"eps"`
	WeightDecay   float64    `json:"weight_decay"`
	MomentumDecay float64    `json:"momentum_decay"`
}

// NewNAdam returns an NAdam optimizer. Zero fields take PyTorch's
// defaults: LR 2e-3, Betas (0.9, 0.999), Eps 1e-8, MomentumDecay 4e-3.
func NewNAdam(params []*tensor.Tensor, cfg NAdam) *RuleOptimizer {
	cfg.LR, cfg.Betas, cfg.Eps = adamDefaults("NewNAdam", cfg.LR, cfg.Betas, cfg.Eps, 2e-3)
	if cfg.MomentumDecay == 0 {
		cfg.MomentumDecay = 4e-3
	}
	return New(params, &cfg)
}

// LearningRate returns γ.
func (r *NAdam) LearningRate() float64 { return r.LR }

// SetLearningRate sets γ.
func (r *NAdam) SetLearningRate(lr float64) { r.LR = lr }

// MomentumBeta returns β1.
func (r *NAdam) MomentumBeta() float64 { return r.Betas[0] }

// SetMomentumBeta sets β1.
func (r *NAdam) SetMomentumBeta(b float64) { r.Betas[0] = b }

// Update applies the rule to one parameter.
func (r *NAdam) Update(s *State, w, g []float64) {
	checkLen("NAdam", w, g)
	b1, b2 := r.Betas[0], r.Betas[1]
	m, _ := s.Buf("exp_avg", len(w))
	v, _ := s.Buf("exp_avg_sq", len(w))
	t := float64(s.Step)
	bc2 := 1 - math.Pow(b2, t)
	mu := b1 * (1 - 0.5*math.Pow(0.96, t*r.MomentumDecay))
	muNext := b1 * (1 - 0.5*math.Pow(0.96, (t+1)*r.MomentumDecay))
	prod := s.Val("mu_product", 1) * mu
	s.SetVal("mu_product", prod)
	prodNext := prod * mu * muNext
	c1 := -r.LR * (1 - mu) / (1 - prod)
	c2 := -r.LR * muNext / (1 - prodNext)
	for i := range w {
		gi := l2Grad(g[i], w[i], r.WeightDecay, false)
		m[i] = m[i]*b1 + (1-b1)*gi
		v[i] = v[i]*b2 + (1-b2)*gi*gi
		d := math.Sqrt(v[i]/bc2) + r.Eps
		w[i] += c1 * (gi / d)
		w[i] += c2 * (m[i] / d)
	}
}

// RAdam is rectified Adam (torch.optim.RAdam). With ρ∞ = 2/(1 − β2) − 1
// and ρ_t = ρ∞ − 2t β2ᵗ/(1 − β2ᵗ):
//
//	g ← g + λ w
//	m ← β1 m + (1 − β1) g
//	v ← β2 v + (1 − β2) g²
//	m̂ = m/(1 − β1ᵗ)
//	if ρ_t > 5: r = √((ρ_t−4)(ρ_t−2)ρ∞ / ((ρ∞−4)(ρ∞−2)ρ_t)),
//	            w ← w − γ m̂ r √(1 − β2ᵗ)/(√v + ε)
//	else:       w ← w − γ m̂
//
// Liu et al., "On the variance of the adaptive learning rate and beyond"
// (ICLR 2020).
type RAdam struct {
	LR          float64    `json:"lr"`
	Betas       [2]float64 `json:"betas"`
	Eps         float64    `json:"eps"`
	WeightDecay float64    `json:"weight_decay"`
}

// NewRAdam returns a RAdam optimizer. Zero fields take PyTorch's defaults:
// LR 1e-3, Betas (0.9, 0.999), Eps 1e-8.
func NewRAdam(params []*tensor.Tensor, cfg RAdam) *RuleOptimizer {
	cfg.LR, cfg.Betas, cfg.Eps = adamDefaults("NewRAdam", cfg.LR, cfg.Betas, cfg.Eps, 1e-3)
	return New(params, &cfg)
}

// LearningRate returns γ.
func (r *RAdam) LearningRate() float64 { return r.LR }

// SetLearningRate sets γ.
func (r *RAdam) SetLearningRate(lr float64) { r.LR = lr }

// MomentumBeta returns β1.
func (r *RAdam) MomentumBeta() float64 { return r.Betas[0] }

// SetMomentumBeta sets β1.
func (r *RAdam) SetMomentumBeta(b float64) { r.Betas[0] = b }

// Update applies the rule to one parameter.
func (r *RAdam) Update(s *State, w, g []float64) {
	checkLen("RAdam", w, g)
	b1, b2 := r.Betas[0], r.Betas[1]
	m, _ := s.Buf("exp_avg", len(w))
	v, _ := s.Buf("exp_avg_sq", len(w))
	t := float64(s.Step)
	bc1 := 1 - math.Pow(b1, t)
	b2t := math.Pow(b2, t)
	bc2 := 1 - b2t
	rhoInf := 2/(1-b2) - 1
	rhoT := rhoInf - 2*t*b2t/bc2
	rect := 0.0
	if rhoT > 5 {
		rect = math.Sqrt((rhoT - 4) * (rhoT - 2) * rhoInf / ((rhoInf - 4) * (rhoInf - 2) * rhoT))
	}
	sbc2 := math.Sqrt(bc2)
	for i := range w {
		gi := l2Grad(g[i], w[i], r.WeightDecay, false)
		m[i] = m[i]*b1 + (1-b1)*gi
		v[i] = v[i]*b2 + (1-b2)*gi*gi
		mh := m[i] / bc1
		if rhoT > 5 {
			adaptive := sbc2 / (math.Sqrt(v[i]) + r.Eps)
			w[i] += -(mh * r.LR * adaptive * rect)
		} else {
			w[i] += -(mh * r.LR)
		}
	}
}
