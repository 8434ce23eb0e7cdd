package tensor

import (
	"math/rand"
	"testing"
)

func benchMatMul(b *testing.B, m, k, n int) {
	rng := rand.New(rand.NewSource(1))
	x, y := Randn(rng, m, k), Randn(rng, k, n)
	b.ReportAllocs()
	b.SetBytes(int64(8 * (m*k + k*n + m*n)))
	for b.Loop() {
		MatMul(x, y)
	}
	b.ReportMetric(2*float64(m*k*n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

func BenchmarkMatMul256(b *testing.B)         { benchMatMul(b, 256, 256, 256) }
func BenchmarkMatMul128x784x256(b *testing.B) { benchMatMul(b, 128, 784, 256) }

// mlp is the 784-256-10 perceptron of the benchmark, trained by plain SGD on
// the cross-entropy of a batch.
type mlp struct {
	w1, b1, w2, b2 *Tensor
}

func newMLP(rng *rand.Rand) *mlp {
	return &mlp{
		w1: Uniform(rng, -1/28.0, 1/28.0, 784, 256).SetRequiresGrad(true),
		b1: Zeros(256).SetRequiresGrad(true),
		w2: Uniform(rng, -1/16.0, 1/16.0, 256, 10).SetRequiresGrad(true),
		b2: Zeros(10).SetRequiresGrad(true),
	}
}

// step runs forward, backward and an SGD update and returns the loss.
func (m *mlp) step(x *Tensor, labels []int, lr float64) float64 {
	h := ReLU(Add(MatMul(x, m.w1), m.b1))
	logits := Add(MatMul(h, m.w2), m.b2)
	loss := Neg(Mean(Gather(LogSoftmax(logits, 1), 1, labels)))
	loss.Backward()
	for _, p := range []*Tensor{m.w1, m.b1, m.w2, m.b2} {
		g := p.Grad().Data()
		for i := range p.data {
			p.data[i] -= lr * g[i]
		}
		p.ZeroGrad()
	}
	return loss.Item()
}

// BenchmarkMLPStepLinear is BenchmarkMLPStep with PyTorch's weight layout
// (out×in) through Linear, as nn layers hold their weights.
func BenchmarkMLPStepLinear(b *testing.B) {
	rng := rand.New(rand.NewSource(1))
	w1 := Uniform(rng, -1/28.0, 1/28.0, 256, 784).SetRequiresGrad(true)
	b1 := Zeros(256).SetRequiresGrad(true)
	w2 := Uniform(rng, -1/16.0, 1/16.0, 10, 256).SetRequiresGrad(true)
	b2 := Zeros(10).SetRequiresGrad(true)
	x, labels := mlpBatch(rng)
	b.ReportAllocs()
	for b.Loop() {
		h := ReLU(Linear(x, w1, b1))
		loss := Neg(Mean(Gather(LogSoftmax(Linear(h, w2, b2), 1), 1, labels)))
		loss.Backward()
		for _, p := range []*Tensor{w1, b1, w2, b2} {
			g := p.Grad().Data()
			for i := range p.data {
				p.data[i] -= 0.01 * g[i]
			}
			p.ZeroGrad()
		}
	}
	b.ReportMetric(128*float64(b.N)/b.Elapsed().Seconds(), "samples/s")
}

func mlpBatch(rng *rand.Rand) (*Tensor, []int) {
	x := Rand(rng, 128, 784)
	labels := make([]int, 128)
	for i := range labels {
		labels[i] = rng.Intn(10)
	}
	return x, labels
}

func TestMLPStepLearns(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	m := newMLP(rng)
	x, labels := mlpBatch(rng)
	first := m.step(x, labels, 0.1)
	var last float64
	for i := 0; i < 20; i++ {
		last = m.step(x, labels, 0.1)
	}
	if !(last < first-0.15) {
		t.Errorf("loss went from %v to %v on a fixed batch", first, last)
	}
}

// BenchmarkMLPStep measures one training step (forward, backward, SGD) of a
// 784-256-10 ReLU perceptron on a batch of 128.
func BenchmarkMLPStep(b *testing.B) {
	rng := rand.New(rand.NewSource(1))
	m := newMLP(rng)
	x, labels := mlpBatch(rng)
	b.ReportAllocs()
	for b.Loop() {
		m.step(x, labels, 0.01)
	}
	b.ReportMetric(128*float64(b.N)/b.Elapsed().Seconds(), "samples/s")
}

// BenchmarkCNNStep measures forward and backward of a small convolutional
// network on a batch of 64 28×28 images: conv 1→8 (3×3, padding 1), ReLU,
// 2×2 max-pool, conv 8→16, ReLU, max-pool, linear 784→10, cross-entropy.
func BenchmarkCNNStep(b *testing.B) {
	rng := rand.New(rand.NewSource(1))
	x := Rand(rng, 64, 1, 28, 28)
	labels := make([]int, 64)
	for i := range labels {
		labels[i] = rng.Intn(10)
	}
	w1 := Uniform(rng, -0.3, 0.3, 8, 1, 3, 3).SetRequiresGrad(true)
	b1 := Zeros(8).SetRequiresGrad(true)
	w2 := Uniform(rng, -0.1, 0.1, 16, 8, 3, 3).SetRequiresGrad(true)
	b2 := Zeros(16).SetRequiresGrad(true)
	w3 := Uniform(rng, -0.03, 0.03, 784, 10).SetRequiresGrad(true)
	b.ReportAllocs()
	for b.Loop() {
		h := MaxPool2d(ReLU(Conv2d(x, w1, b1, 1, 1)), 2, 2, 0)
		h = MaxPool2d(ReLU(Conv2d(h, w2, b2, 1, 1)), 2, 2, 0)
		logits := MatMul(Flatten(h, 1), w3)
		loss := Neg(Mean(Gather(LogSoftmax(logits, 1), 1, labels)))
		loss.Backward()
		for _, p := range []*Tensor{w1, b1, w2, b2, w3} {
			p.ZeroGrad()
		}
	}
	b.ReportMetric(64*float64(b.N)/b.Elapsed().Seconds(), "samples/s")
}
