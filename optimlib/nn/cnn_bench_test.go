package nn

import (
	"math/rand"
	"testing"

	"github.com/descentlab/descent/optimlib/tensor"
)

// The benchmarks below measure the layers of the benchmark suite's small
// CNN (conv 1→8, batch norm, ReLU, max-pool; conv 8→16, batch norm, ReLU,
// max-pool; linear 784→10) at its batch size of 64, each forward and
// backward, and a whole training step.

// benchLayer times m's forward pass on x and the backward pass of a fixed
// weighting of its output; inputGrad asks for the gradient of x too (the
// first layer of a model does not need it).
func benchLayer(b *testing.B, m Module, inputGrad bool, shape ...int) {
	rng := rand.New(rand.NewSource(1))
	x := tensor.Randn(rng, shape...).SetRequiresGrad(inputGrad)
	var g *tensor.Tensor
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		y := m.Forward(x)
		if g == nil {
			g = tensor.Randn(rng, y.Shape()...)
		}
		y.BackwardWith(g, false)
		x.ZeroGrad()
		m.ZeroGrad()
	}
}

func BenchmarkCNNConv1(b *testing.B) {
	benchLayer(b, NewConv2d(1, 8, 3, 1, 1, rand.New(rand.NewSource(1))), false, 64, 1, 28, 28)
}

func BenchmarkCNNConv2(b *testing.B) {
	benchLayer(b, NewConv2d(8, 16, 3, 1, 1, rand.New(rand.NewSource(1))), true, 64, 8, 14, 14)
}

func BenchmarkCNNBatchNorm1(b *testing.B) { benchLayer(b, NewBatchNorm2d(8), true, 64, 8, 28, 28) }

func BenchmarkCNNBatchNorm2(b *testing.B) { benchLayer(b, NewBatchNorm2d(16), true, 64, 16, 14, 14) }

func BenchmarkCNNMaxPool1(b *testing.B) { benchLayer(b, NewMaxPool2d(2, 2, 0), true, 64, 8, 28, 28) }

// BenchmarkCNNStep is one training step of the whole CNN with plain SGD on
// the parameters' storage.
func BenchmarkCNNStep(b *testing.B) {
	rng := rand.New(rand.NewSource(1))
	model := NewSequential(
		NewConv2d(1, 8, 3, 1, 1, rng), NewBatchNorm2d(8), NewReLU(), NewMaxPool2d(2, 2, 0),
		NewConv2d(8, 16, 3, 1, 1, rng), NewBatchNorm2d(16), NewReLU(), NewMaxPool2d(2, 2, 0),
		NewFlatten(), NewLinear(16*7*7, 10, rng))
	benchTrainStep(b, model, tensor.Rand(rng, 64, 1, 28, 28), rng)
}
