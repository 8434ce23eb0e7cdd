package nn_test

import (
	"fmt"
	"math/rand"
	"os"
	"path/filepath"

	"github.com/descentlab/descent/optimlib/data"
	"github.com/descentlab/descent/optimlib/nn"
	"github.com/descentlab/descent/optimlib/tensor"
)

// A Sequential MLP: forward, cross-entropy, backward; the parameters carry
// PyTorch-style names.
func ExampleSequential() {
	rng := rand.New(rand.NewSource(1))
	model := nn.NewSequential(
		nn.NewLinear(4, 8, rng),
		nn.NewReLU(),
		nn.NewLinear(8, 3, rng),
	)
	x := tensor.Randn(rng, 5, 4)
	labels := []int{0, 2, 1, 1, 0}

	logits := model.Forward(x)
	loss := nn.CrossEntropy(logits, labels)
	model.ZeroGrad()
	loss.Backward()

	fmt.Println("logits", logits.Shape())
	for _, p := range nn.NamedParameters(model) {
		fmt.Println(p.Name, p.Tensor.Shape(), "grad", p.Tensor.Grad().Shape())
	}
	// Output:
	// logits [5 3]
	// 0.weight [8 4] grad [8 4]
	// 0.bias [8] grad [8]
	// 2.weight [3 8] grad [3 8]
	// 2.bias [3] grad [3]
}

// Training a small network on the spiral data set with mini-batches and
// plain SGD applied to the parameters' storage.
func Example_training() {
	rng := rand.New(rand.NewSource(1))
	train := data.Spiral(rng, 100, 3, 0.1)
	loader := data.NewDataLoader(train, data.LoaderConfig{BatchSize: 30, Shuffle: true, Seed: 1})
	model := nn.NewSequential(
		nn.NewLinear(2, 64, rng), nn.NewBatchNorm1d(64), nn.NewReLU(),
		nn.NewLinear(64, 3, rng),
	)
	const lr = 0.5
	for epoch := 0; epoch < 60; epoch++ {
		for loader.Next() {
			loss := nn.CrossEntropy(model.Forward(loader.X()), loader.Labels())
			model.ZeroGrad()
			loss.Backward()
			for _, p := range model.Parameters() {
				for i, g := range p.Grad().Data() {
					p.Data()[i] -= lr * g
				}
			}
		}
	}
	model.Eval()
	x, y := data.All(train)
	acc := nn.Accuracy(model.Forward(x), data.Labels(y))
	fmt.Println("training accuracy above 90%:", acc > 0.9)
	// Output:
	// training accuracy above 90%: true
}

// Batch normalization keeps running statistics in training mode (momentum
// 0.1, unbiased variance) and uses them in evaluation mode.
func ExampleNewBatchNorm1d() {
	bn := nn.NewBatchNorm1d(2)
	x := tensor.New([]float64{1, 10, 2, 20, 3, 30}, 3, 2)
	bn.Forward(x)
	fmt.Printf("running mean %.2f, running var %.2f, batches %v\n",
		bn.RunningMean.Data(), bn.RunningVar.Data(), bn.NumBatchesTracked.Item())
	bn.Eval()
	fmt.Printf("eval output row 0: %.4f\n", tensor.Row(bn.Forward(x), 0).Data())
	// Output:
	// running mean [0.20 2.00], running var [1.00 10.90], batches 1
	// eval output row 0: [0.8000 2.4231]
}

// Saving a model's state (parameters and running statistics) to a JSON file
// and loading it into a model of the same architecture.
func ExampleSave() {
	dir, err := os.MkdirTemp("", "model")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "model.json")

	build := func(seed int64) *nn.Sequential {
		rng := rand.New(rand.NewSource(seed))
		return nn.NewSequential(nn.NewLinear(3, 4, rng), nn.NewBatchNorm1d(4), nn.NewReLU(), nn.NewLinear(4, 2, rng))
	}
	trained := build(1)
	trained.Forward(tensor.Randn(rand.New(rand.NewSource(2)), 8, 3)) // updates the running statistics
	if err := nn.Save(trained, path); err != nil {
		panic(err)
	}
	restored := build(99)
	if err := nn.Load(restored, path); err != nil {
		panic(err)
	}
	trained.Eval()
	restored.Eval()
	x := tensor.Ones(1, 3)
	fmt.Println(nn.StateKeys(restored))
	fmt.Println("same output:", tensor.Equal(trained.Forward(x), restored.Forward(x), 0))
	// Output:
	// [0.weight 0.bias 1.weight 1.bias 1.running_mean 1.running_var 1.num_batches_tracked 3.weight 3.bias]
	// same output: true
}

// A model prints as its architecture, the way PyTorch shows it; a notebook
// cell whose value is a model shows the same text.
func ExampleSequential_String() {
	rng := rand.New(rand.NewSource(1))
	model := nn.NewSequential(
		nn.NewFlatten(),
		nn.NewLinear(784, 256, rng),
		nn.NewBatchNorm1d(256),
		nn.NewReLU(),
		nn.NewDropout(0.2, rng),
		nn.NewLinear(256, 10, rng),
	)
	fmt.Println(model)
	// Output:
	// Sequential(
	//   (0): Flatten(start_dim=1)
	//   (1): Linear(in_features=784, out_features=256, bias=true)
	//   (2): BatchNorm1d(256, eps=1e-05, momentum=0.1, affine=true, track_running_stats=true)
	//   (3): ReLU()
	//   (4): Dropout(p=0.2)
	//   (5): Linear(in_features=256, out_features=10, bias=true)
	// )
}
