package optim

import (
	"fmt"

	"github.com/descentlab/descent/optimlib/nn"
	"github.com/descentlab/descent/optimlib/tensor"
)

// Averager keeps an average of parameter iterates: the uniform (Polyak)
// average
//
//	w̄_K = (1/K) Σ_{k=1}^{K} w_k,
//
// which the lecture recommends for plain SGD, or the exponential moving
// average w̄ ← β w̄ + (1 − β) w (w̄ = w_1 at the first update). Call
// Update after each optimizer step. Polyak & Juditsky, "Acceleration of
// stochastic approximation by averaging" (1992); Izmailov et al.,
// "Averaging weights leads to wider optima and better generalization"
// (UAI 2018) for averaging in deep learning.
type Averager struct {
	params []*tensor.Tensor
	avg    [][]float64
	n      int
	decay  float64
	ema    bool
}

// NewPolyak returns a uniform average of params.
func NewPolyak(params []*tensor.Tensor) *Averager { return newAverager(params, 0, false) }

// NewEMA returns an exponential moving average of params with decay β in
// [0, 1).
func NewEMA(params []*tensor.Tensor, decay float64) *Averager {
	if decay < 0 || decay >= 1 {
		panic(fmt.Errorf("optim: NewEMA: decay %g must be in [0, 1)", decay))
	}
	return newAverager(params, decay, true)
}

func newAverager(params []*tensor.Tensor, decay float64, ema bool) *Averager {
	a := &Averager{params: append([]*tensor.Tensor(nil), params...), decay: decay, ema: ema}
	for _, p := range params {
		a.avg = append(a.avg, make([]float64, p.Numel()))
	}
	return a
}

// Update folds the parameters' current values into the average.
func (a *Averager) Update() {
	a.n++
	for i, p := range a.params {
		w, m := p.Data(), a.avg[i]
		switch {
		case a.n == 1:
			copy(m, w)
		case a.ema:
			for j := range m {
				m[j] = a.decay*m[j] + (1-a.decay)*w[j]
			}
		default:
			k := float64(a.n)
			for j := range m {
				m[j] += (w[j] - m[j]) / k
			}
		}
	}
}

// Count returns the number of updates so far.
func (a *Averager) Count() int { return a.n }

// Average returns the average of the i-th parameter as a new tensor of its
// shape.
func (a *Averager) Average(i int) *tensor.Tensor {
	return tensor.New(append([]float64(nil), a.avg[i]...), a.params[i].Shape()...)
}

// CopyTo writes the averages into dst, parameters of the same shapes in
// the same order (for instance those of a copy of the model).
func (a *Averager) CopyTo(dst []*tensor.Tensor) {
	if len(dst) != len(a.params) {
		panic(fmt.Errorf("optim: Averager.CopyTo: %d tensors, averaging %d", len(dst), len(a.params)))
	}
	for i, p := range dst {
		if p.Numel() != len(a.avg[i]) {
			panic(fmt.Errorf("optim: Averager.CopyTo: tensor %d has shape %v, average has %d values", i, p.Shape(), len(a.avg[i])))
		}
		copy(p.Data(), a.avg[i])
	}
}

// Swap exchanges the parameters' values with the averages: call it to
// evaluate the averaged model, and again to continue training.
func (a *Averager) Swap() {
	if a.n == 0 {
		panic(fmt.Errorf("optim: Averager.Swap: no update yet"))
	}
	for i, p := range a.params {
		w, m := p.Data(), a.avg[i]
		for j := range w {
			w[j], m[j] = m[j], w[j]
		}
	}
}

// UpdateBN recomputes the running statistics of every batch-norm layer in
// model for its current parameters (an averaged model's statistics are not
// the average of the statistics): it resets them and runs the model in
// training mode, without gradients, over the batches, with each layer's
// statistics the plain average over the batches, as
// torch.optim.swa_utils.update_bn. The model's mode and the layers'
// momentum settings are restored.
func UpdateBN(model nn.Module, batches []*tensor.Tensor) {
	type saved struct {
		bn         *nn.BatchNorm
		cumulative bool
	}
	var bns []saved
	nn.Walk(model, func(m nn.Module) {
		if bn, ok := m.(*nn.BatchNorm); ok {
			bns = append(bns, saved{bn, bn.CumulativeAverage})
			bn.ResetRunningStats()
			bn.CumulativeAverage = true
		}
	})
	if len(bns) == 0 {
		return
	}
	training := model.Training()
	model.Train()
	tensor.NoGrad(func() {
		for _, x := range batches {
			model.Forward(x)
		}
	})
	for _, s := range bns {
		s.bn.CumulativeAverage = s.cumulative
	}
	if !training {
		model.Eval()
	}
}
