package data_test

import (
	"fmt"
	"math/rand"

	"gonum.org/v1/gonum/mat"

	"github.com/descentlab/descent/optimlib/data"
	"github.com/descentlab/descent/optimlib/tensor"
)

// A DataLoader loop: each `for loader.Next()` loop is one epoch of shuffled
// mini-batches.
func ExampleDataLoader() {
	ds := data.Spiral(rand.New(rand.NewSource(1)), 10, 3, 0.1)
	loader := data.NewDataLoader(ds, data.LoaderConfig{BatchSize: 8, Shuffle: true, Seed: 42, DropLast: true})
	for epoch := 1; epoch <= 2; epoch++ {
		batches, samples := 0, 0
		for loader.Next() {
			x, labels := loader.X(), loader.Labels()
			batches++
			samples += len(labels)
			if batches == 1 {
				fmt.Println("x", x.Shape(), "labels", len(labels))
			}
		}
		fmt.Println("epoch", epoch, "batches", batches, "samples", samples)
	}
	// Output:
	// x [8 2] labels 8
	// epoch 1 batches 3 samples 24
	// x [8 2] labels 8
	// epoch 2 batches 3 samples 24
}

// Fashion-MNIST from the Debian package dataset-fashion-mnist, as 1×28×28
// images in [0, 1] with class indices.
func ExampleFashionMNIST() {
	train, err := data.FashionMNIST("", true) // "" means data.FashionMNISTDir
	if err != nil {
		fmt.Println(err) // names the Debian package when the files are absent
		return
	}
	loader := data.NewDataLoader(train, data.LoaderConfig{BatchSize: 128, Shuffle: true, Seed: 1})
	loader.Next()
	fmt.Println(loader.X().Shape(), data.FashionMNISTClasses[loader.Labels()[0]])
}

// The lecture's conditioning demonstration: for least squares the Hessian
// is the second moment of the inputs, so offset and unequal scales make it
// poorly conditioned, and standardizing the inputs repairs it.
func ExampleRegression() {
	rng := rand.New(rand.NewSource(1))
	ds := data.Regression(rng, 10000, []float64{1, -2}, 0, 0.1, []float64{3, 3}, []float64{1, 0.2})
	cond := func(ds data.Dataset) float64 {
		x, _ := data.All(ds)
		h := mat.NewSymDense(2, nil)
		h.SymOuterK(1/float64(ds.Len()), tensor.ToDense(x).T())
		var eig mat.EigenSym
		eig.Factorize(h, false)
		v := eig.Values(nil)
		return v[1] / v[0]
	}
	std, _, _ := data.Standardize(ds)
	fmt.Printf("condition number raw: %.0f\n", cond(ds))
	fmt.Printf("condition number standardized: %.1f\n", cond(std))
	// Output:
	// condition number raw: 36
	// condition number standardized: 1.0
}

// The lecture's two Gaussian classes for a single linear unit: inputs
// [n, 2], labels ±1 in a column, ready for a Linear(2, 1) output.
func ExampleTwoGaussians() {
	ds := data.TwoGaussians(rand.New(rand.NewSource(1)), 100, 4, 1)
	x, y := data.All(ds)
	fmt.Println(ds)
	fmt.Println("x", x.Shape(), "y", y.Shape(), "first labels", y.Data()[:4])
	// Output:
	// TensorDataset(100 samples, x [2], y [1])
	// x [100 2] y [100 1] first labels [-1 1 -1 1]
}
