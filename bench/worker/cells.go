package main

import (
	"strconv"
	"strings"
)

// The cells below are what a student types in a notebook. The in-process
// measurement (cellmlp, steps -mode cell) runs them through interp, the
// kernel measurement sends the same text through jupyter_client (task cells
// prints them), and the compiled tasks run the same loops as Go code, so
// that the three differ only in who runs the loop.

// mlpSetupCell loads Fashion-MNIST, builds the 784-256-10 MLP (with the
// shared initial weights when a path is given) and the optimizer.
const mlpSetupCell = `import (
	"encoding/binary"
	"math"
	"math/rand"
	"os"
)

func readFloats(path string) []float64 {
	b, err := os.ReadFile(path)
	if err != nil {
		panic(err)
	}
	out := make([]float64, len(b)/8)
	for i := range out {
		out[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:]))
	}
	return out
}

train, err := data.FashionMNIST({{DATA}}, true)
if err != nil {
	panic(err)
}
var ds data.Dataset = train
if n := {{SAMPLES}}; n > 0 && n < train.Len() {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	ds = data.Subset(train, idx)
}
rng := rand.New(rand.NewSource(1))
lin1, lin2 := nn.NewLinear(784, 256, rng), nn.NewLinear(256, 10, rng)
if path := {{INIT}}; path != "" {
	w := readFloats(path)
	copy(lin1.Weight.Data(), w[:256*784])
	copy(lin1.Bias.Data(), w[256*784:256*785])
	copy(lin2.Weight.Data(), w[256*785:256*785+2560])
	copy(lin2.Bias.Data(), w[256*785+2560:])
}
model := nn.NewSequential(nn.NewFlatten(), lin1, nn.NewReLU(), lin2)
opt := optim.NewSGD(model.Parameters(), optim.SGD{LR: 0.01, Momentum: 0.9})
loader := data.NewDataLoader(ds, data.LoaderConfig{BatchSize: {{BATCH}}, Shuffle: true, Seed: 1})
`

// mlpEpochCell trains one epoch and prints the loop's time as JSON.
const mlpEpochCell = `import "time"

start := time.Now()
total, steps, samples := 0.0, 0, 0
for loader.Next() {
	b := loader.Batch()
	loss := nn.CrossEntropy(model.Forward(b.X), b.Labels())
	opt.ZeroGrad()
	loss.Backward()
	opt.Step(nil)
	total += loss.Item()
	steps++
	samples += b.X.Size(0)
}
fmt.Printf("{\"seconds\": %g, \"loss\": %g, \"steps\": %d, \"samples\": %d}\n",
	time.Since(start).Seconds(), total/float64(steps), steps, samples)
`

// stepsSetupCell defines the two lecture problems in tensor operations.
const stepsSetupCell = `a := tensor.New([]float64{3, 1, 1, 2}, 2, 2)
bvec := tensor.New([]float64{1, 1}, 2)

// quadratic is ½ wᵀAw − bᵀw.
func quadratic(w *tensor.Tensor) *tensor.Tensor {
	aw := tensor.Reshape(tensor.MatMul(a, tensor.Reshape(w, 2, 1)), 2)
	return tensor.Sub(tensor.MulScalar(tensor.Dot(w, aw), 0.5), tensor.Dot(bvec, w))
}

// rosenbrock is (1 − x)² + 100 (y − x²)².
func rosenbrock(w *tensor.Tensor) *tensor.Tensor {
	x, y := tensor.Narrow(w, 0, 0, 1), tensor.Narrow(w, 0, 1, 1)
	return tensor.Sum(tensor.Add(tensor.Square(tensor.AddScalar(tensor.Neg(x), 1)),
		tensor.MulScalar(tensor.Square(tensor.Sub(y, tensor.Square(x))), 100)))
}

w := tensor.New([]float64{-1.5, 2}, 2)
w.SetRequiresGrad(true)
f := {{PROBLEM}}
opt := {{OPTIMIZER}}
`

// stepsLoopCell runs the optimizer and prints the loop's time as JSON.
const stepsLoopCell = `import "time"

start := time.Now()
var loss *tensor.Tensor
for i := 0; i < {{STEPS}}; i++ {
	opt.ZeroGrad()
	loss = f(w)
	loss.Backward()
	opt.Step(nil)
}
fmt.Printf("{\"seconds\": %g, \"loss\": %.17g}\n", time.Since(start).Seconds(), loss.Item())
`

// fill replaces the {{NAME}} placeholders of a cell.
func fill(cell string, vars map[string]string) string {
	var pairs []string
	for k, v := range vars {
		pairs = append(pairs, "{{"+k+"}}", v)
	}
	return strings.NewReplacer(pairs...).Replace(cell)
}

// mlpCells returns the setup and epoch cells of the MLP benchmark.
func mlpCells(dataDir, initPath string, samples, batch int) (setup, epoch string) {
	setup = fill(mlpSetupCell, map[string]string{
		"DATA":    strconv.Quote(dataDir),
		"INIT":    strconv.Quote(initPath),
		"SAMPLES": strconv.Itoa(samples),
		"BATCH":   strconv.Itoa(batch),
	})
	return setup, mlpEpochCell
}

// stepsCells returns the setup and loop cells of the lecture-scale runs.
func stepsCells(problem, method string, lr float64, steps int) (setup, loop string) {
	fn := "quadratic"
	if problem == "rosen" {
		fn = "rosenbrock"
	}
	lrs := strconv.FormatFloat(lr, 'g', -1, 64)
	opt := "optim.NewGD([]*tensor.Tensor{w}, " + lrs + ")"
	if method == "adam" {
		opt = "optim.NewAdam([]*tensor.Tensor{w}, optim.Adam{LR: " + lrs + "})"
	}
	setup = fill(stepsSetupCell, map[string]string{"PROBLEM": fn, "OPTIMIZER": opt})
	loop = fill(stepsLoopCell, map[string]string{"STEPS": strconv.Itoa(steps)})
	return setup, loop
}
