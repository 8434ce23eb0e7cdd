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
		stepSize = lr / (1 - torchPow(b1, t))
		bc2s = math.Sqrt(1 - torchPow(b2, t))
	}
	for i := range w {
		if dwd != 0 {
			w[i] *= 1 - float64(lr*dwd)
		}
		gi := torchGrad(g[i], w[i], wd, maximize)
		m[i] = math.FMA(1-b1, gi, float64(m[i]*b1))
		v[i] = math.FMA(float64((1-b2)*gi), gi, float64(v[i]*b2))
		d := v[i]
		if ams {
			vmax[i] = math.Max(vmax[i], v[i])
			d = vmax[i]
		}
		denom := math.Sqrt(d)/bc2s + eps
		w[i] += float64(-stepSize*m[i]) / denom
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
	clr := r.LR / (1 - torchPow(b1, float64(s.Step)))
	for i := range w {
		gi := torchGrad(g[i], w[i], r.WeightDecay, r.Maximize)
		m[i] = math.FMA(1-b1, gi, float64(m[i]*b1))
		u[i] = math.Max(u[i]*b2, math.Abs(gi)+r.Eps)
		w[i] += float64(-clr*m[i]) / u[i]
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
	bc2 := 1 - torchPow(b2, t)
	mu := b1 * (1 - float64(0.5*torchPow(0.96, t*r.MomentumDecay)))
	muNext := b1 * (1 - float64(0.5*torchPow(0.96, (t+1)*r.MomentumDecay)))
	prod := s.Val("mu_product", 1) * mu
	s.SetVal("mu_product", prod)
	prodNext := prod * mu * muNext
	c1 := -r.LR * (1 - mu) / (1 - prod)
	c2 := -r.LR * muNext / (1 - prodNext)
	for i := range w {
		gi := torchGrad(g[i], w[i], r.WeightDecay, false)
		m[i] = math.FMA(1-b1, gi, float64(m[i]*b1))
		v[i] = math.FMA(float64((1-b2)*gi), gi, float64(v[i]*b2))
		d := math.Sqrt(v[i]/bc2) + r.Eps
		w[i] += float64(c1*gi) / d
		w[i] += float64(c2*m[i]) / d
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
	bc1 := 1 - torchPow(b1, t)
	b2t := torchPow(b2, t)
	bc2 := 1 - b2t
	rhoInf := 2/(1-b2) - 1
	rhoT := rhoInf - 2*t*b2t/bc2
	rect := 0.0
	if rhoT > 5 {
		rect = math.Sqrt((rhoT - 4) * (rhoT - 2) * rhoInf / ((rhoInf - 4) * (rhoInf - 2) * rhoT))
	}
	sbc2 := math.Sqrt(bc2)
	for i := range w {
		gi := torchGrad(g[i], w[i], r.WeightDecay, false)
		m[i] = math.FMA(1-b1, gi, float64(m[i]*b1))
		v[i] = math.FMA(float64((1-b2)*gi), gi, float64(v[i]*b2))
		mh := m[i] / bc1
		if rhoT > 5 {
			// torch computes float / tensor as the tensor's reciprocal
			// times the float.
			adaptive := float64(1/(math.Sqrt(v[i])+r.Eps)) * sbc2
			w[i] -= float64(float64(float64(mh*r.LR)*adaptive) * rect)
		} else {
			w[i] -= float64(mh * r.LR)
		}
	}
}

// The update rules of the torch.optim optimizers repeat torch's operations
// in torch's order: add_ with alpha and addcmul_ are fused multiply-adds
// (one rounding), addcdiv_ multiplies by the value before dividing, and
// Python's x ** y is correctly rounded. Written so, runs agree with
// PyTorch's to the last bit wherever the gradients do, even along paths
// where a last-bit change would grow. float64(…) conversions keep the Go
// compiler from fusing other products into multiply-adds.

// torchGrad returns the gradient as torch's rules first adjust it: negated
// to maximize, then g + λw with one rounding (grad.add(param, alpha=λ)).
func torchGrad(g, w, lambda float64, maximize bool) float64 {
	if maximize {
		g = -g
	}
	if lambda != 0 {
		g = math.FMA(lambda, w, g)
	}
	return g
}

// torchPow returns xʸ rounded to the nearest float64, for the powers of
// hyperparameters in bias corrections and decays (Python's x ** y, which
// C's pow computes correctly rounded in all but rare near-halfway cases;
// math.Pow may be off by an ulp). It works in double-double arithmetic:
// binary powering for integer y, e^(y ln x) otherwise. Arguments outside
// x > 0 and finite y ≠ 0 go to math.Pow.
func torchPow(x, y float64) float64 {
	if !(x > 0) || math.IsInf(x, 0) || math.IsNaN(y) || math.IsInf(y, 0) || y == 0 {
		return math.Pow(x, y)
	}
	if y == math.Trunc(y) && math.Abs(y) < 1<<31 {
		r, b := dd{1, 0}, dd{x, 0}
		for n := int64(math.Abs(y)); n > 0; n >>= 1 {
			if n&1 == 1 {
				r = r.mul(b)
			}
			b = b.mul(b)
		}
		if y < 0 {
			r = dd{1, 0}.div(r)
		}
		return r.hi + r.lo
	}
	p := ddExp(ddLog(x).mul(dd{y, 0}))
	return p.hi + p.lo
}

// dd is an unevaluated sum hi + lo of two float64 with |lo| ≤ ulp(hi)/2,
// about 106 bits of precision.
type dd struct{ hi, lo float64 }

func twoSum(a, b float64) dd {
	s := a + b
	bb := s - a
	return dd{s, (a - (s - bb)) + (b - bb)}
}

func quickTwoSum(a, b float64) dd {
	s := a + b
	return dd{s, b - (s - a)}
}

func (a dd) add(b dd) dd {
	s := twoSum(a.hi, b.hi)
	return quickTwoSum(s.hi, s.lo+a.lo+b.lo)
}

func (a dd) mul(b dd) dd {
	p := a.hi * b.hi
	e := math.FMA(a.hi, b.hi, -p)
	return quickTwoSum(p, e+(float64(a.hi*b.lo)+float64(a.lo*b.hi)))
}

func (a dd) div(b dd) dd {
	q1 := a.hi / b.hi
	r := a.add(b.mul(dd{-q1, 0}))
	q2 := r.hi / b.hi
	r = r.add(b.mul(dd{-q2, 0}))
	q3 := r.hi / b.hi
	return quickTwoSum(q1, q2).add(dd{q3, 0})
}

func (a dd) ldexp(k int) dd { return dd{math.Ldexp(a.hi, k), math.Ldexp(a.lo, k)} }

var ddLn2 = dd{0.6931471805599453, 2.3190468138462996e-17}

// ddExp returns eᵃ: a = k ln 2 + r, e^(r/2¹⁰) − 1 from its Taylor series,
// squared up ten times as (e^s − 1)(e^s + 1), times 2ᵏ.
func ddExp(a dd) dd {
	k := math.Round(a.hi / ddLn2.hi)
	const halvings = 10
	r := a.add(ddLn2.mul(dd{-k, 0})).ldexp(-halvings)
	s := dd{}
	for n := 12; n >= 1; n-- {
		s = s.add(dd{1, 0}).mul(r).div(dd{float64(n), 0})
	}
	for i := 0; i < halvings; i++ {
		s = s.mul(s.add(dd{2, 0}))
	}
	return s.add(dd{1, 0}).ldexp(int(k))
}

// ddLog returns ln x for x > 0: math.Log's value refined by one Newton
// step on eʸ = x.
func ddLog(x float64) dd {
	y0 := dd{math.Log(x), 0}
	e := ddExp(y0)
	return y0.add(dd{x, 0}.add(dd{-e.hi, -e.lo}).div(e))
}
