package optim

import (
	"fmt"
	"math"
	"math/rand"

	"github.com/descentlab/descent/optimlib/tensor"
)

// ClipGradNorm rescales the gradients of params so that their joint norm
// is at most maxNorm, as torch.nn.utils.clip_grad_norm_: with ‖g‖ the
// normType-norm of all gradients together (math.Inf(1) for the largest
// magnitude),
//
//	g ← g · min(1, maxNorm/(‖g‖ + 10⁻⁶)).
//
// It returns ‖g‖ before clipping. Parameters without a gradient are
// skipped. A row-sparse gradient counts with its repeated rows summed, and
// is scaled in place, staying sparse, as in PyTorch. Pascanu, Mikolov & Bengio, "On the difficulty of training
// recurrent neural networks" (ICML 2013).
func ClipGradNorm(params []*tensor.Tensor, maxNorm, normType float64) float64 {
	if normType <= 0 {
		panic(fmt.Errorf("optim: ClipGradNorm: norm type %g must be positive", normType))
	}
	// grads are the stored values to scale; norms the values whose norm
	// counts (those of the coalesced gradient, for a row-sparse one).
	var grads, norms [][]float64
	for _, p := range params {
		g := p.Grad()
		switch {
		case g == nil:
		case g.IsSparse():
			grads = append(grads, g.SparseValues().Data())
			norms = append(norms, tensor.Coalesce(g).SparseValues().Data())
		default:
			grads = append(grads, g.Data())
			norms = append(norms, g.Data())
		}
	}
	if len(grads) == 0 {
		return 0
	}
	total := 0.0
	if math.IsInf(normType, 1) {
		for _, g := range norms {
			total = math.Max(total, maxAbs(g))
		}
	} else {
		// The norm of the per-parameter norms, as PyTorch computes it.
		for _, g := range norms {
			s := 0.0
			for _, v := range g {
				s += math.Pow(math.Abs(v), normType)
			}
			total += math.Pow(math.Pow(s, 1/normType), normType)
		}
		total = math.Pow(total, 1/normType)
	}
	coef := math.Min(maxNorm/(total+1e-6), 1)
	for _, g := range grads {
		for i := range g {
			g[i] *= coef
		}
	}
	return total
}

// ClipGradValue clamps every gradient coordinate to [−clip, clip], as
// torch.nn.utils.clip_grad_value_. Like PyTorch's, it refuses row-sparse
// gradients (clamping the stored values of repeated rows would not clamp
// their sum); densify them first with tensor.Densify.
func ClipGradValue(params []*tensor.Tensor, clip float64) {
	if clip < 0 {
		panic(fmt.Errorf("optim: ClipGradValue: clip value %g must be non-negative", clip))
	}
	refuseSparse("ClipGradValue", params)
	for _, p := range params {
		if g := p.Grad(); g != nil {
			d := g.Data()
			for i, v := range d {
				d[i] = math.Max(-clip, math.Min(clip, v))
			}
		}
	}
}

// AddGradNoise adds independent Gaussian noise of standard deviation sigma
// to every gradient coordinate: g ← g + σ ξ, ξ ~ N(0, 1). It turns a full
// gradient into the lecture's "GD with noise" model of SGD.
func AddGradNoise(params []*tensor.Tensor, sigma float64, rng *rand.Rand) {
	if sigma < 0 || rng == nil {
		panic(fmt.Errorf("optim: AddGradNoise: need σ ≥ 0 and a random source, got σ %g", sigma))
	}
	refuseSparse("AddGradNoise", params)
	for _, p := range params {
		if g := p.Grad(); g != nil {
			d := g.Data()
			for i := range d {
				d[i] += sigma * rng.NormFloat64()
			}
		}
	}
}

// GradNoise injects annealed Gaussian gradient noise with variance
//
//	σ_t² = η/(1 + t)^γ
//
// at step t = 0, 1, …: Neelakantan et al., "Adding gradient noise improves
// learning for very deep networks" (2015), who use η ∈ {0.01, 0.3, 1} and
// γ = 0.55.
type GradNoise struct {
	Eta, Gamma float64
	Rng        *rand.Rand
	t          int
}

// NewGradNoise returns the annealed noise; gamma 0 means 0.55.
func NewGradNoise(eta, gamma float64, rng *rand.Rand) *GradNoise {
	if eta < 0 || rng == nil {
		panic(fmt.Errorf("optim: NewGradNoise: need η ≥ 0 and a random source, got η %g", eta))
	}
	return &GradNoise{Eta: eta, Gamma: orDefault(gamma, 0.55), Rng: rng}
}

// Sigma returns the standard deviation σ_t for the next Apply.
func (n *GradNoise) Sigma() float64 { return math.Sqrt(n.Eta / math.Pow(1+float64(n.t), n.Gamma)) }

// Apply adds the noise of the current step to the gradients of params and
// advances t.
func (n *GradNoise) Apply(params []*tensor.Tensor) {
	AddGradNoise(params, n.Sigma(), n.Rng)
	n.t++
}

// refuseSparse panics when a parameter's gradient is row-sparse: op
// changes every coordinate of a gradient.
func refuseSparse(op string, params []*tensor.Tensor) {
	for _, p := range params {
		if g := p.Grad(); g != nil && g.IsSparse() {
			panic(fmt.Errorf("optim: %s: the gradient of the parameter of shape %v is row-sparse; %s needs dense gradients (tensor.Densify)", op, p.Shape(), op))
		}
	}
}
