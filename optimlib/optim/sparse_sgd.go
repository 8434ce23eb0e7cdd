package optim

import (
	"fmt"

	"github.com/descentlab/descent/optimlib/tensor"
)

// UpdateSparse applies SGD to a row-sparse gradient g, as torch.optim.SGD
// does with the sparse gradient of an embedding. Without momentum only the
// rows g stores change, w_r ← w_r − γ g_r, each stored row in turn
// (repeated rows add up). With momentum the buffer p is kept dense and
// follows the dense rule on g's dense form, which is PyTorch's sparse
// buffer with its unstored rows written out as zeros. Weight decay is
// refused (PyTorch raises "add(sparse, dense) is not supported"): it would
// touch every row.
func (r *SGD) UpdateSparse(s *State, w []float64, g *tensor.Tensor) {
	rows, vals, inner := sparseGrad("SGD", w, g, false)
	if r.WeightDecay != 0 {
		panic(fmt.Errorf("optim: SGD: weight decay %g is not supported with sparse gradients (gradient of shape %v)", r.WeightDecay, g.Shape()))
	}
	if r.Momentum != 0 {
		r.Update(s, w, tensor.Densify(g).Data())
		return
	}
	// torch adds the sparse rows times −γ: the product is rounded, then
	// added.
	forSparse(rows, vals, inner, r.Maximize, func(i int, d float64) { w[i] += float64(-r.LR * d) })
}
