package curvature

import (
	"fmt"

	"github.com/descentlab/descent/optimlib/internal/vec"
	"github.com/descentlab/descent/optimlib/tensor"
)

// FromLoss returns the Hessian of loss with respect to params, at the
// parameters' current values, as an Operator on the concatenation of the
// parameters (in order, each flattened row-major).
//
// loss must build a scalar from params with tensor operations and must be
// deterministic: the same batch every call, no dropout. Each product is
// one extra backward pass through the recorded gradient graph: the
// gradient g = ∇f(w) is computed once with its own graph, and H·v is the
// gradient of <g, v> (Pearlmutter's trick), so the Hessian is never formed.
// When the parameters' values change (an optimizer took a step), the next
// product notices it, calls loss again and differentiates at the new point.
// Every parameter must require gradients.
func FromLoss(loss func() *tensor.Tensor, params []*tensor.Tensor) Operator {
	if loss == nil {
		panic(fmt.Errorf("curvature: FromLoss: nil loss function"))
	}
	if len(params) == 0 {
		panic(fmt.Errorf("curvature: FromLoss: no parameters"))
	}
	n := 0
	for i, p := range params {
		if p == nil {
			panic(fmt.Errorf("curvature: FromLoss: parameter %d is nil", i))
		}
		if !p.RequiresGrad() {
			panic(fmt.Errorf("curvature: FromLoss: parameter %d of shape %v does not require grad", i, p.Shape()))
		}
		n += p.Numel()
	}
	h := &lossHessian{loss: loss, params: append([]*tensor.Tensor(nil), params...), n: n}
	return Operator{N: n, Apply: h.apply}
}

// lossHessian keeps the gradient graph of a loss between products, with a
// copy of the parameter values it was built at.
type lossHessian struct {
	loss   func() *tensor.Tensor
	params []*tensor.Tensor
	n      int
	at     []float64
	grads  []*tensor.Tensor
}

// stale reports whether the parameters moved since the gradient graph was
// built: whether any bit of them changed, found by comparing memory
// (vec.SameBits) rather than element by element.
func (h *lossHessian) stale() bool {
	if h.grads == nil {
		return true
	}
	off := 0
	for _, p := range h.params {
		d := p.Data()
		if off+len(d) > len(h.at) || !vec.SameBits(d, h.at[off:off+len(d)]) {
			return true
		}
		off += len(d)
	}
	return false
}

func (h *lossHessian) build() {
	out := h.loss()
	if out == nil || out.Numel() != 1 {
		shape := []int(nil)
		if out != nil {
			shape = out.Shape()
		}
		panic(fmt.Errorf("curvature: FromLoss: loss of shape %v is not a scalar", shape))
	}
	if !out.RequiresGrad() {
		panic(fmt.Errorf("curvature: FromLoss: the loss does not depend on the %d parameters (computed under NoGrad, or from detached copies?)", len(h.params)))
	}
	h.grads = tensor.Grad(out, h.params, true)
	h.at = h.at[:0]
	for _, p := range h.params {
		h.at = append(h.at, p.Data()...)
	}
}

func (h *lossHessian) apply(v, out []float64) {
	if len(v) != h.n || len(out) != h.n {
		panic(fmt.Errorf("curvature: Hessian-vector product: vectors of length %d and %d for %d parameters", len(v), len(out), h.n))
	}
	if h.stale() {
		h.build()
	}
	// s = <g, v>; its gradient with respect to the parameters is H·v.
	var s *tensor.Tensor
	off := 0
	for _, g := range h.grads {
		k := g.Numel()
		if g.RequiresGrad() {
			// v is only read, and only during this call: wrapped, not
			// copied.
			term := tensor.Dot(g, tensor.New(v[off:off+k:off+k], g.Shape()...))
			if s == nil {
				s = term
			} else {
				s = tensor.Add(s, term)
			}
		}
		off += k
	}
	if s == nil {
		// The gradient does not depend on the parameters: the loss is
		// affine and its Hessian is zero.
		clear(out)
		return
	}
	hv := tensor.Grad(s, h.params, false)
	off = 0
	for _, t := range hv {
		off += copy(out[off:], t.Data())
	}
}

// Model is what FromModel needs of a network; every nn.Module has it.
type Model interface {
	Forward(x *tensor.Tensor) *tensor.Tensor
	Parameters() []*tensor.Tensor
}

// FromModel returns the Hessian of loss(m.Forward(x)) with respect to the
// model's parameters that require gradients, in the order of
// m.Parameters(). For example, with a classifier:
//
//	op := curvature.FromModel(net, x, func(out *tensor.Tensor) *tensor.Tensor {
//		return nn.CrossEntropy(out, labels)
//	})
//
// A model that has Train, Eval and Training methods (every nn.Module) is
// evaluated in eval mode, so that dropout is off and batch normalization
// uses its running statistics, which makes the loss a deterministic
// function of the parameters; its mode is restored afterwards. See
// FromLoss for how products are computed.
func FromModel(m Model, x *tensor.Tensor, loss func(out *tensor.Tensor) *tensor.Tensor) Operator {
	if m == nil || x == nil || loss == nil {
		panic(fmt.Errorf("curvature: FromModel: model, input and loss must not be nil"))
	}
	var params []*tensor.Tensor
	for _, p := range m.Parameters() {
		if p.RequiresGrad() {
			params = append(params, p)
		}
	}
	if len(params) == 0 {
		panic(fmt.Errorf("curvature: FromModel: model has no parameters that require grad"))
	}
	return FromLoss(func() *tensor.Tensor {
		if mm, ok := m.(interface {
			Train()
			Eval()
			Training() bool
		}); ok && mm.Training() {
			mm.Eval()
			defer mm.Train()
		}
		return loss(m.Forward(x))
	}, params)
}

// FromFunc returns the Hessian at w of a function of one parameter vector,
// written in tensor operations on the 1-D tensor it receives. For the
// lecture's 1-1-1 network, L(w) = (1 − w1·w2)²:
//
//	op := curvature.FromFunc(func(w *tensor.Tensor) *tensor.Tensor {
//		w1, w2 := tensor.Narrow(w, 0, 0, 1), tensor.Narrow(w, 0, 1, 1)
//		return tensor.Sum(tensor.Square(tensor.AddScalar(tensor.Neg(tensor.Mul(w1, w2)), 1)))
//	}, []float64{0.5, 2})
//
// w is copied.
func FromFunc(f func(w *tensor.Tensor) *tensor.Tensor, w []float64) Operator {
	if f == nil {
		panic(fmt.Errorf("curvature: FromFunc: nil function"))
	}
	if len(w) == 0 {
		panic(fmt.Errorf("curvature: FromFunc: empty point"))
	}
	wt := tensor.New(append([]float64(nil), w...), len(w)).SetRequiresGrad(true)
	return FromLoss(func() *tensor.Tensor { return f(wt) }, []*tensor.Tensor{wt})
}
