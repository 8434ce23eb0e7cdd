package optim

import (
	"testing"

	"github.com/descentlab/descent/optimlib/tensor"
)

func benchRule(b *testing.B, opt *RuleOptimizer, w *tensor.Tensor) {
	w.SetGrad(tensor.Full(1e-3, w.Shape()...))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		opt.Step(nil)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(w.Numel()), "ns/param")
}

func BenchmarkSGDMomentum1e5(b *testing.B) {
	w := tensor.Zeros(100000)
	benchRule(b, NewSGD([]*tensor.Tensor{w}, SGD{LR: 0.01, Momentum: 0.9}), w)
}

func BenchmarkAdam1e5(b *testing.B) {
	w := tensor.Zeros(100000)
	benchRule(b, NewAdam([]*tensor.Tensor{w}, Adam{}), w)
}
