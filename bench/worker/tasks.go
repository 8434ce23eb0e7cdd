package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"math/rand"
	"os"
	"runtime/pprof"
	"strings"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/descentlab/descent/interp"
	"github.com/descentlab/descent/optimlib/curvature"
	"github.com/descentlab/descent/optimlib/data"
	"github.com/descentlab/descent/optimlib/nn"
	"github.com/descentlab/descent/optimlib/optim"
	"github.com/descentlab/descent/optimlib/problems"
	"github.com/descentlab/descent/optimlib/tensor"
)

// newMLP builds the 784-256-10 ReLU MLP, with the initial weights of the
// file at initPath (W1, b1, W2, b2 in PyTorch's layout) when it is given.
func newMLP(initPath string) (*nn.Sequential, error) {
	rng := rand.New(rand.NewSource(1))
	lin1, lin2 := nn.NewLinear(784, 256, rng), nn.NewLinear(256, 10, rng)
	if initPath != "" {
		w, err := readFloats(initPath)
		if err != nil {
			return nil, err
		}
		if len(w) != 256*785+2570 {
			return nil, fmt.Errorf("read %s: %d values, the MLP has %d parameters", initPath, len(w), 256*785+2570)
		}
		copy(lin1.Weight.Data(), w[:256*784])
		copy(lin1.Bias.Data(), w[256*784:256*785])
		copy(lin2.Weight.Data(), w[256*785:256*785+2560])
		copy(lin2.Bias.Data(), w[256*785+2560:])
	}
	return nn.NewSequential(nn.NewFlatten(), lin1, nn.NewReLU(), lin2), nil
}

// trainSet returns Fashion-MNIST's training set, or its first n samples.
func trainSet(dir string, n int) (data.Dataset, error) {
	train, err := data.FashionMNIST(dir, true)
	if err != nil {
		return nil, err
	}
	if n <= 0 || n >= train.Len() {
		return train, nil
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return data.Subset(train, idx), nil
}

// mlpTask trains the MLP for one epoch, compiled or through a cell.
func mlpTask(fs *flag.FlagSet, args []string, cell bool) func() (result, error) {
	dir := fs.String("data", data.FashionMNISTDir, "Fashion-MNIST `directory`")
	initPath := fs.String("init", "", "initial weights `file` (float64: W1, b1, W2, b2)")
	samples := fs.Int("samples", 0, "train on the first `n` samples (0: all)")
	batch := fs.Int("batch", 128, "batch size")
	epochs := fs.Int("epochs", 1, "epochs (compiled only)")
	profile := fs.String("cpuprofile", "", "write a CPU profile of the loop to `file`")
	prefetch := fs.Int("prefetch", 0, "batches prepared ahead (data.LoaderConfig.Prefetch; compiled only)")
	_ = fs.Parse(args)
	return func() (result, error) {
		if cell {
			stop, err := startProfile(*profile)
			if err != nil {
				return nil, err
			}
			defer stop()
			return cellMLP(*dir, *initPath, *samples, *batch)
		}
		ds, err := trainSet(*dir, *samples)
		if err != nil {
			return nil, err
		}
		model, err := newMLP(*initPath)
		if err != nil {
			return nil, err
		}
		opt := optim.NewSGD(model.Parameters(), optim.SGD{LR: 0.01, Momentum: 0.9})
		loader := data.NewDataLoader(ds, data.LoaderConfig{BatchSize: *batch, Shuffle: true, Seed: 1, Prefetch: *prefetch})
		stop, err := startProfile(*profile)
		if err != nil {
			return nil, err
		}
		defer stop()
		start := time.Now()
		total, steps, n := 0.0, 0, 0
		for e := 0; e < *epochs; e++ {
			for loader.Next() {
				b := loader.Batch()
				loss := nn.CrossEntropy(model.Forward(b.X), b.Labels())
				opt.ZeroGrad()
				loss.Backward()
				opt.Step(nil)
				total += loss.Item()
				steps++
				n += b.X.Size(0)
			}
		}
		sec := seconds(start)
		return result{"seconds": sec, "samples": n, "steps": steps, "loss": total / float64(steps),
			"samples_per_s": float64(n) / sec}, nil
	}
}

// startProfile starts a CPU profile into the file at path, if path is not
// empty, and returns the function that stops it.
func startProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

// newSession returns an interpreter session whose standard output is out.
func newSession(out *bytes.Buffer) (*interp.Session, error) {
	return interp.NewSession(interp.Options{Stdout: out, Stderr: os.Stderr})
}

// runCells runs setup untimed, then loop, and returns the JSON object that
// loop printed together with the wall time of its Execute call.
func runCells(setup, loop string) (result, float64, error) {
	var out bytes.Buffer
	s, err := newSession(&out)
	if err != nil {
		return nil, 0, err
	}
	ctx := context.Background()
	if _, err := s.Execute(ctx, setup); err != nil {
		return nil, 0, fmt.Errorf("setup cell: %v", err)
	}
	out.Reset()
	start := time.Now()
	if _, err := s.Execute(ctx, loop); err != nil {
		return nil, 0, fmt.Errorf("loop cell: %v", err)
	}
	wall := seconds(start)
	var res result
	line := strings.TrimSpace(out.String())
	if i := strings.LastIndexByte(line, '\n'); i >= 0 {
		line = line[i+1:]
	}
	if err := json.Unmarshal([]byte(line), &res); err != nil {
		return nil, 0, fmt.Errorf("loop cell printed %q: %v", line, err)
	}
	return res, wall, nil
}

func cellMLP(dir, initPath string, samples, batch int) (result, error) {
	setup, epoch := mlpCells(dir, initPath, samples, batch)
	res, wall, err := runCells(setup, epoch)
	if err != nil {
		return nil, err
	}
	sec, _ := res["seconds"].(float64)
	n, _ := res["samples"].(float64)
	res["execute_seconds"] = wall
	res["samples_per_s"] = n / sec
	return res, nil
}

// cellsTask prints the cells, for the kernel measurement.
func cellsTask(fs *flag.FlagSet, args []string) func() (result, error) {
	dir := fs.String("data", data.FashionMNISTDir, "Fashion-MNIST `directory`")
	initPath := fs.String("init", "", "initial weights `file`")
	samples := fs.Int("samples", 0, "train on the first `n` samples (0: all)")
	batch := fs.Int("batch", 128, "batch size")
	_ = fs.Parse(args)
	return func() (result, error) {
		setup, epoch := mlpCells(*dir, *initPath, *samples, *batch)
		return result{"mlp_setup": setup, "mlp_epoch": epoch}, nil
	}
}

// cnnTask trains a small CNN with batch normalization on a subset.
func cnnTask(fs *flag.FlagSet, args []string) func() (result, error) {
	dir := fs.String("data", data.FashionMNISTDir, "Fashion-MNIST `directory`")
	samples := fs.Int("samples", 2048, "train on the first `n` samples")
	batch := fs.Int("batch", 64, "batch size")
	profile := fs.String("cpuprofile", "", "write a CPU profile of the loop to `file`")
	_ = fs.Parse(args)
	return func() (result, error) {
		ds, err := trainSet(*dir, *samples)
		if err != nil {
			return nil, err
		}
		rng := rand.New(rand.NewSource(1))
		model := nn.NewSequential(
			nn.NewConv2d(1, 8, 3, 1, 1, rng), nn.NewBatchNorm2d(8), nn.NewReLU(), nn.NewMaxPool2d(2, 2, 0),
			nn.NewConv2d(8, 16, 3, 1, 1, rng), nn.NewBatchNorm2d(16), nn.NewReLU(), nn.NewMaxPool2d(2, 2, 0),
			nn.NewFlatten(), nn.NewLinear(16*7*7, 10, rng))
		opt := optim.NewSGD(model.Parameters(), optim.SGD{LR: 0.01, Momentum: 0.9})
		loader := data.NewDataLoader(ds, data.LoaderConfig{BatchSize: *batch, Shuffle: true, Seed: 1})
		stop, err := startProfile(*profile)
		if err != nil {
			return nil, err
		}
		defer stop()
		start := time.Now()
		total, steps, n := 0.0, 0, 0
		for loader.Next() {
			b := loader.Batch()
			loss := nn.CrossEntropy(model.Forward(b.X), b.Labels())
			opt.ZeroGrad()
			loss.Backward()
			opt.Step(nil)
			total += loss.Item()
			steps++
			n += b.X.Size(0)
		}
		sec := seconds(start)
		return result{"seconds": sec, "samples": n, "steps": steps, "loss": total / float64(steps),
			"samples_per_s": float64(n) / sec}, nil
	}
}

// stepsTask runs GD or Adam on the 2-D quadratic or Rosenbrock's function,
// from a cell or compiled.
func stepsTask(fs *flag.FlagSet, args []string) func() (result, error) {
	problem := fs.String("problem", "quad", "quad or rosen")
	method := fs.String("method", "gd", "gd or adam")
	lr := fs.Float64("lr", 0.1, "learning rate")
	steps := fs.Int("steps", 10000, "steps")
	mode := fs.String("mode", "cell", "cell or compiled")
	profile := fs.String("cpuprofile", "", "write a CPU profile of the run to `file`")
	_ = fs.Parse(args)
	return func() (result, error) {
		stop, err := startProfile(*profile)
		if err != nil {
			return nil, err
		}
		defer stop()
		var res result
		if *mode == "cell" {
			setup, loop := stepsCells(*problem, *method, *lr, *steps)
			r, wall, err := runCells(setup, loop)
			if err != nil {
				return nil, err
			}
			r["execute_seconds"] = wall
			res = r
		} else {
			res = compiledSteps(*problem, *method, *lr, *steps)
		}
		sec, _ := res["seconds"].(float64)
		res["us_per_step"] = sec / float64(*steps) * 1e6
		return res, nil
	}
}

// compiledSteps is stepsSetupCell and stepsLoopCell as compiled Go.
func compiledSteps(problem, method string, lr float64, steps int) result {
	a := tensor.New([]float64{3, 1, 1, 2}, 2, 2)
	bvec := tensor.New([]float64{1, 1}, 2)
	quadratic := func(w *tensor.Tensor) *tensor.Tensor {
		aw := tensor.Reshape(tensor.MatMul(a, tensor.Reshape(w, 2, 1)), 2)
		return tensor.Sub(tensor.MulScalar(tensor.Dot(w, aw), 0.5), tensor.Dot(bvec, w))
	}
	rosenbrock := func(w *tensor.Tensor) *tensor.Tensor {
		x, y := tensor.Narrow(w, 0, 0, 1), tensor.Narrow(w, 0, 1, 1)
		return tensor.Sum(tensor.Add(tensor.Square(tensor.AddScalar(tensor.Neg(x), 1)),
			tensor.MulScalar(tensor.Square(tensor.Sub(y, tensor.Square(x))), 100)))
	}
	w := tensor.New([]float64{-1.5, 2}, 2)
	w.SetRequiresGrad(true)
	f := quadratic
	if problem == "rosen" {
		f = rosenbrock
	}
	var opt optim.Optimizer = optim.NewGD([]*tensor.Tensor{w}, lr)
	if method == "adam" {
		opt = optim.NewAdam([]*tensor.Tensor{w}, optim.Adam{LR: lr})
	}
	start := time.Now()
	var loss *tensor.Tensor
	for i := 0; i < steps; i++ {
		opt.ZeroGrad()
		loss = f(w)
		loss.Backward()
		opt.Step(nil)
	}
	return result{"seconds": seconds(start), "loss": loss.Item()}
}

// lbfgsTask minimizes the regularized logistic regression of the data file
// with L-BFGS until max|g| ≤ tol.
func lbfgsTask(fs *flag.FlagSet, args []string) func() (result, error) {
	path := fs.String("data", "", "regression data `file` (float64: X row-major, then y)")
	n := fs.Int("n", 4000, "examples")
	d := fs.Int("d", 1000, "dimension")
	lambda := fs.Float64("lambda", 1e-3, "L2 regularization λ")
	tol := fs.Float64("tol", 1e-6, "tolerance on max|g|")
	grad := fs.String("grad", "exact", "exact (compiled gradient) or autodiff (tensor operations)")
	profile := fs.String("cpuprofile", "", "write a CPU profile of the run to `file`")
	_ = fs.Parse(args)
	return func() (result, error) {
		stop, err := startProfile(*profile)
		if err != nil {
			return nil, err
		}
		defer stop()
		v, err := readFloats(*path)
		if err != nil {
			return nil, err
		}
		if len(v) != *n**d+*n {
			return nil, fmt.Errorf("read %s: %d values, want %d×%d + %d", *path, len(v), *n, *d, *n)
		}
		p := problems.NewLogistic(mat.NewDense(*n, *d, v[:*n**d]), v[*n**d:], *lambda)
		w := tensor.Zeros(*d)
		w.SetRequiresGrad(true)
		closure := problems.Closure(p, w)
		if *grad == "autodiff" {
			closure = func() float64 {
				w.ZeroGrad()
				loss := p.Tensor(w)
				loss.Backward()
				return loss.Item()
			}
		}
		opt := optim.NewLBFGS([]*tensor.Tensor{w}, optim.LBFGSConfig{
			MaxIter: 10000, MaxEval: 20000, ToleranceGrad: *tol, ToleranceChange: 1e-300,
			HistorySize: 10, StrongWolfe: true,
		})
		start := time.Now()
		opt.Step(closure)
		sec := seconds(start)
		g := make([]float64, *d)
		p.Grad(g, w.Data())
		gmax := 0.0
		for _, x := range g {
			gmax = math.Max(gmax, math.Abs(x))
		}
		return result{"seconds": sec, "iterations": opt.Iterations(), "evals": opt.FuncEvals(),
			"loss": p.Func(w.Data()), "gmax": gmax}, nil
	}
}

// hvpTask times Hessian-vector products of the MLP's loss on one batch and
// a fixed number of power iterations for λmax.
func hvpTask(fs *flag.FlagSet, args []string) func() (result, error) {
	dir := fs.String("data", data.FashionMNISTDir, "Fashion-MNIST `directory`")
	initPath := fs.String("init", "", "initial weights `file`")
	batch := fs.Int("batch", 128, "examples in the loss")
	reps := fs.Int("reps", 20, "Hessian-vector products timed")
	iters := fs.Int("iters", 20, "power iterations")
	profile := fs.String("cpuprofile", "", "write a CPU profile of the timed products to `file`")
	_ = fs.Parse(args)
	return func() (result, error) {
		ds, err := trainSet(*dir, *batch)
		if err != nil {
			return nil, err
		}
		x, y := data.All(ds)
		labels := data.Labels(y)
		model, err := newMLP(*initPath)
		if err != nil {
			return nil, err
		}
		op := curvature.FromModel(model, x, func(out *tensor.Tensor) *tensor.Tensor {
			return nn.CrossEntropy(out, labels)
		})
		v, hv := make([]float64, op.N), make([]float64, op.N)
		rng := rand.New(rand.NewSource(2))
		for i := range v {
			v[i] = rng.NormFloat64()
		}
		op.Apply(v, hv) // warm-up
		stop, err := startProfile(*profile)
		if err != nil {
			return nil, err
		}
		defer stop()
		start := time.Now()
		for i := 0; i < *reps; i++ {
			op.Apply(v, hv)
		}
		hvpSec := seconds(start) / float64(*reps)
		start = time.Now()
		// A fixed number of power iterations, as the PyTorch side does: the
		// tolerance is never met, so each iteration is one product.
		pr := curvature.PowerIteration(op, curvature.PowerSettings{MaxIter: *iters, Tol: 1e-300, Seed: 1})
		lmaxSec := seconds(start)
		return result{"hvp_ms": hvpSec * 1e3, "lmax_seconds": lmaxSec, "lambda_max": pr.Value,
			"products": pr.Iterations, "params": op.N}, nil
	}
}

// matmulTask measures the rate of n×n matrix products through tensor.MatMul.
func matmulTask(fs *flag.FlagSet, args []string) func() (result, error) {
	n := fs.Int("n", 1024, "matrix size")
	reps := fs.Int("reps", 5, "products timed")
	_ = fs.Parse(args)
	return func() (result, error) {
		rng := rand.New(rand.NewSource(1))
		a, b := tensor.Rand(rng, *n, *n), tensor.Rand(rng, *n, *n)
		var sec float64
		tensor.NoGrad(func() {
			// Warm-up until the heap is at its steady size: before the
			// first collections each 8 MB result lands on fresh pages,
			// which the product then faults in (the Python side warms
			// up alike).
			for range 8 {
				tensor.MatMul(a, b)
			}
			start := time.Now()
			for i := 0; i < *reps; i++ {
				tensor.MatMul(a, b)
			}
			sec = seconds(start) / float64(*reps)
		})
		nf := float64(*n)
		return result{"seconds": sec, "gflops": 2 * nf * nf * nf / sec / 1e9}, nil
	}
}
