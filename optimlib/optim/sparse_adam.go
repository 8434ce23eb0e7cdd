package optim

import (
	"fmt"
	"math"

	"github.com/descentlab/descent/optimlib/tensor"
)

// SparseAdam is the lazy variant of Adam for row-sparse gradients
// (torch.optim.SparseAdam), the optimizer of embedding tables trained with
// nn.Embedding's SparseGrad. At step t the gradient's repeated rows are
// summed first (coalesced); then, for each row r it stores, and only for
// those, with β1, β2 = Betas:
//
//	g ← −g                                      (Maximize)
//	m_r ← m_r + (1 − β1)(g_r − m_r)              (= β1 m_r + (1 − β1) g_r)
//	v_r ← v_r + (1 − β2)(g_r² − v_r)             (= β2 v_r + (1 − β2) g_r²)
//	w_r ← w_r − γ √(1 − β2ᵗ)/(1 − β1ᵗ) · m_r/(√v_r + ε)
//
// Rows the gradient does not store keep w, m and v as they are: their
// moments are not decayed, which is what makes the variant lazy and a
// step cost proportional to the rows used. The step count t is the
// parameter's, not the row's. The bias corrections are folded into the
// step size, with ε added to √v_r rather than to √v̂_r (Kingma & Ba's
// "more efficient" ordering, which torch.optim.Adam does not use). There is
// no weight decay. A dense gradient makes Step panic, as PyTorch raises
// "SparseAdam does not support dense gradients".
//
// Kingma & Ba, "Adam: A method for stochastic optimization" (ICLR 2015);
// the lazy sparse update is PyTorch's torch.optim.SparseAdam.
type SparseAdam struct {
	LR       float64    `json:"lr"`
	Betas    [2]float64 `json:"betas"`
	Eps      float64    `json:"eps"`
	Maximize bool       `json:"maximize"`
}

// NewSparseAdam returns a SparseAdam optimizer over params, which must be
// dense (their gradients are row-sparse). Zero fields take PyTorch's
// defaults: LR 1e-3, Betas (0.9, 0.999), Eps 1e-8. It panics, as PyTorch
// does, unless LR > 0, Eps > 0 and 0 ≤ β < 1.
func NewSparseAdam(params []*tensor.Tensor, cfg SparseAdam) *RuleOptimizer {
	var sparse []int
	for i, p := range params {
		if p.IsSparse() {
			sparse = append(sparse, i)
		}
	}
	if len(sparse) > 0 {
		panic(fmt.Errorf("optim: NewSparseAdam: sparse params at indices %v: SparseAdam requires dense parameter tensors", sparse))
	}
	cfg.LR = orDefault(cfg.LR, 1e-3)
	cfg.Eps = orDefault(cfg.Eps, 1e-8)
	if cfg.Betas == [2]float64{} {
		cfg.Betas = [2]float64{0.9, 0.999}
	}
	cfg.check("NewSparseAdam")
	return New(params, &cfg)
}

func (r *SparseAdam) check(op string) {
	b1, b2 := r.Betas[0], r.Betas[1]
	if !(r.LR > 0) || !(r.Eps > 0) || !(b1 >= 0 && b1 < 1) || !(b2 >= 0 && b2 < 1) {
		panic(fmt.Errorf("optim: %s: invalid lr %g, betas %v or eps %g (want lr > 0, eps > 0, 0 ≤ β < 1)", op, r.LR, r.Betas, r.Eps))
	}
}

// LearningRate returns γ.
func (r *SparseAdam) LearningRate() float64 { return r.LR }

// SetLearningRate sets γ.
func (r *SparseAdam) SetLearningRate(lr float64) { r.LR = lr }

// MomentumBeta returns β1.
func (r *SparseAdam) MomentumBeta() float64 { return r.Betas[0] }

// SetMomentumBeta sets β1.
func (r *SparseAdam) SetMomentumBeta(b float64) { r.Betas[0] = b }

// Update panics: SparseAdam takes row-sparse gradients only (UpdateSparse).
func (r *SparseAdam) Update(s *State, w, g []float64) {
	panic(r.denseGradientError(nil))
}

func (r *SparseAdam) denseGradientError(p *tensor.Tensor) error {
	where := ""
	if p != nil {
		where = fmt.Sprintf(" (dense gradient of parameter of shape %v)", p.Shape())
	}
	return fmt.Errorf("optim: SparseAdam does not support dense gradients, please consider Adam instead%s", where)
}

// UpdateSparse applies the rule to the rows of w that g stores.
func (r *SparseAdam) UpdateSparse(s *State, w []float64, g *tensor.Tensor) {
	rows, vals, inner := sparseGrad("SparseAdam", w, g, true)
	b1, b2 := r.Betas[0], r.Betas[1]
	m, _ := s.Buf("exp_avg", len(w))
	v, _ := s.Buf("exp_avg_sq", len(w))
	t := float64(s.Step)
	bc1 := 1 - torchPow(b1, t)
	bc2 := 1 - torchPow(b2, t)
	stepSize := r.LR * math.Sqrt(bc2) / bc1
	forSparse(rows, vals, inner, r.Maximize, func(i int, gi float64) {
		// PyTorch's order: the moment updates are formed as increments
		// (each operation rounded on its own), and the step divides the
		// new moments, which torch recomputes from the same increments.
		dm := float64(float64(gi-m[i]) * (1 - b1))
		dv := float64(float64(float64(gi*gi)-v[i]) * (1 - b2))
		m[i] += dm
		v[i] += dv
		w[i] += float64(-stepSize * (m[i] / (math.Sqrt(v[i]) + r.Eps)))
	})
}

// sparseGrad returns the stored rows of the row-sparse gradient g of the
// parameter storage w (distinct and in increasing order, their values
// summed, when coalesce is set), their values row after row, and the
// number of elements of a row. It panics when g does not have w's size.
func sparseGrad(op string, w []float64, g *tensor.Tensor, coalesce bool) (rows []int, vals []float64, inner int) {
	if g.Numel() != len(w) {
		panic(fmt.Errorf("optim: %s: gradient of shape %v has %d values, parameter %d", op, g.Shape(), g.Numel(), len(w)))
	}
	if coalesce {
		g = tensor.Coalesce(g)
	}
	if n := g.Size(0); n > 0 {
		inner = len(w) / n
	}
	return g.SparseRows(), g.SparseValues().Data(), inner
}

// forSparse calls f with the storage index i and the gradient value of
// every element of the stored rows, in order; the value is negated when
// maximize is set.
func forSparse(rows []int, vals []float64, inner int, maximize bool, f func(i int, gi float64)) {
	for k, row := range rows {
		for j, gi := range vals[k*inner : (k+1)*inner] {
			if maximize {
				gi = -gi
			}
			f(row*inner+j, gi)
		}
	}
}
