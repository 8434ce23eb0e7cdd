// Command train trains a 784-256-10 multilayer perceptron on Fashion-MNIST
// with optimlib alone: data loading, the model, the loss, backpropagation and
// SGD with momentum. It prints the mean training loss of every epoch and the
// accuracy on the 10,000 test images.
//
//	go run ./optimlib/examples/train -n 10000 -epochs 3
//
// The data are read from the IDX files of Debian's dataset-fashion-mnist
// package (/usr/share/datasets/fashion-mnist) or from the directory given by
// -data.
package main

import (
	"flag"
	"fmt"
	"io"
	"math/rand"
	"os"

	"github.com/descentlab/descent/optimlib/data"
	"github.com/descentlab/descent/optimlib/nn"
	"github.com/descentlab/descent/optimlib/optim"
	"github.com/descentlab/descent/optimlib/tensor"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "train:", err)
		os.Exit(1)
	}
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	dir := fs.String("data", "", "directory of the Fashion-MNIST IDX files (default "+data.FashionMNISTDir+")")
	n := fs.Int("n", 0, "number of training images to use (0: all 60000)")
	epochs := fs.Int("epochs", 5, "number of passes over the training images")
	lr := fs.Float64("lr", 0.05, "learning rate γ")
	momentum := fs.Float64("momentum", 0.9, "momentum β")
	batch := fs.Int("batch", 128, "mini-batch size")
	seed := fs.Int64("seed", 1, "seed of the initialization and the shuffling")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *n < 0 || *epochs < 0 || *batch <= 0 || *lr <= 0 || *momentum < 0 || *momentum >= 1 {
		return fmt.Errorf("want -n ≥ 0, -epochs ≥ 0, -batch > 0, -lr > 0 and 0 ≤ -momentum < 1; got %d, %d, %d, %g, %g", *n, *epochs, *batch, *lr, *momentum)
	}

	train, err := data.FashionMNIST(*dir, true)
	if err != nil {
		return err
	}
	test, err := data.FashionMNIST(*dir, false)
	if err != nil {
		return err
	}
	var trainSet data.Dataset = train
	if *n > 0 && *n < train.Len() {
		trainSet, _ = data.Split(train, *n)
	}

	rng := rand.New(rand.NewSource(*seed))
	model := nn.NewSequential(
		nn.NewFlatten(),
		nn.NewLinear(28*28, 256, rng),
		nn.NewReLU(),
		nn.NewLinear(256, 10, rng),
	)
	opt := optim.NewSGD(model.Parameters(), optim.SGD{LR: *lr, Momentum: *momentum})
	loader := data.NewDataLoader(trainSet, data.LoaderConfig{BatchSize: *batch, Shuffle: true, Seed: *seed})
	fmt.Fprintln(out, model)
	fmt.Fprintf(out, "%d training images, %d parameters, batch %d, γ = %g, β = %g\n",
		trainSet.Len(), nn.NumParameters(model), *batch, *lr, *momentum)

	for epoch := 1; epoch <= *epochs; epoch++ {
		model.Train()
		sum, count := 0.0, 0
		for loader.Next() {
			loss := nn.CrossEntropy(model.Forward(loader.X()), loader.Labels())
			opt.ZeroGrad()
			loss.Backward()
			opt.Step(nil)
			sum += loss.Item()
			count++
		}
		fmt.Fprintf(out, "epoch %d: loss %.4f\n", epoch, sum/float64(count))
	}

	acc := accuracy(model, test)
	fmt.Fprintf(out, "test accuracy: %.2f%%\n", 100*acc)
	return nil
}

// accuracy returns the fraction of ds that model classifies correctly,
// evaluated in batches without recording gradients.
func accuracy(model nn.Module, ds data.Dataset) float64 {
	model.Eval()
	loader := data.NewDataLoader(ds, data.LoaderConfig{BatchSize: 1000})
	correct := 0.0
	tensor.NoGrad(func() {
		for loader.Next() {
			labels := loader.Labels()
			correct += nn.Accuracy(model.Forward(loader.X()), labels) * float64(len(labels))
		}
	})
	return correct / float64(ds.Len())
}
