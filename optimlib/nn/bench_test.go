package nn

import (
	"math/rand"
	"testing"

	"github.com/descentlab/descent/optimlib/tensor"
)

// BenchmarkMLPStep measures one training step of a 784-256-10 ReLU MLP on a
// batch of 128: forward, cross-entropy, backward and a plain SGD update on
// the parameters' storage. testdata/bench_mlp.py measures the same step in
// PyTorch.
func BenchmarkMLPStep(b *testing.B) {
	rng := rand.New(rand.NewSource(1))
	model := NewSequential(NewLinear(784, 256, rng), NewReLU(), NewLinear(256, 10, rng))
	benchTrainStep(b, model, tensor.Rand(rng, 128, 784), rng)
}

// benchTrainStep measures training steps of model on the batch x with
// random labels: forward, cross-entropy, backward and a plain SGD update
// on the parameters' storage; it reports samples per second.
func benchTrainStep(b *testing.B, model Module, x *tensor.Tensor, rng *rand.Rand) {
	labels := make([]int, x.Size(0))
	for i := range labels {
		labels[i] = rng.Intn(10)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		loss := CrossEntropy(model.Forward(x), labels)
		model.ZeroGrad()
		loss.Backward()
		for _, p := range model.Parameters() {
			d := p.Data()
			for j, g := range p.Grad().Data() {
				d[j] -= 0.01 * g
			}
		}
	}
	b.ReportMetric(float64(x.Size(0)*b.N)/b.Elapsed().Seconds(), "samples/s")
}
