package curvature

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/descentlab/descent/optimlib/tensor"
)

// The benchmarks measure the curvature of a 784-256-10 ReLU network
// (203,530 parameters) with cross-entropy loss on the first 1,000
// Fashion-MNIST training images. They skip when the data set is missing.
// The parameters follow a fixed formula (benchParams) so that
// testdata/bench_torch.py builds the very same model and batch; with
// DESCENT_PYTHON naming a Python that has torch, BenchmarkHVP runs that
// script and reports PyTorch's time beside ours:
//
//	DESCENT_PYTHON=python3 go test -run '^$' -bench . -benchtime 1x ./optimlib/curvature/

const benchSamples = 1000

// torchRan keeps BenchmarkHVP from running the PyTorch script again when
// the testing package calls it with a larger b.N.
var torchRan bool

func fashionDir() string {
	if d := os.Getenv("DESCENT_FASHION_MNIST"); d != "" {
		return d
	}
	return "/usr/share/datasets/fashion-mnist"
}

// readIDX reads the header and the first count items of a gzipped IDX file.
func readIDX(path string, count int) ([]byte, []int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		return nil, nil, err
	}
	var magic uint32
	if err := binary.Read(z, binary.BigEndian, &magic); err != nil {
		return nil, nil, err
	}
	dims := make([]int, magic&0xff)
	item := 1
	for i := range dims {
		var d uint32
		if err := binary.Read(z, binary.BigEndian, &d); err != nil {
			return nil, nil, err
		}
		dims[i] = int(d)
		if i > 0 {
			item *= int(d)
		}
	}
	buf := make([]byte, count*item)
	if _, err := io.ReadFull(z, buf); err != nil {
		return nil, nil, err
	}
	return buf, dims, nil
}

// benchBatch returns the first n training images (scaled to [0, 1]) and
// their labels.
func benchBatch(b *testing.B, n int) (*tensor.Tensor, []int) {
	dir := fashionDir()
	pix, _, err := readIDX(filepath.Join(dir, "train-images-idx3-ubyte.gz"), n)
	if err != nil {
		b.Skipf("Fashion-MNIST not available: %v", err)
	}
	lab, _, err := readIDX(filepath.Join(dir, "train-labels-idx1-ubyte.gz"), n)
	if err != nil {
		b.Skipf("Fashion-MNIST not available: %v", err)
	}
	x := make([]float64, len(pix))
	for i, p := range pix {
		x[i] = float64(p) / 255
	}
	labels := make([]int, n)
	for i := range labels {
		labels[i] = int(lab[i])
	}
	return tensor.New(x, n, 784), labels
}

// benchParams returns the parameters of a Linear layer (weight out×in,
// bias out): weight[k] = sin(0.7·k + layer)/√in and bias[k] =
// 0.01·cos(1.3·k + layer) over flat indices k. testdata/bench_torch.py uses
// the same formula.
func benchParams(layer, in, out int) []*tensor.Tensor {
	w := make([]float64, in*out)
	for k := range w {
		w[k] = math.Sin(0.7*float64(k)+float64(layer)) / math.Sqrt(float64(in))
	}
	bias := make([]float64, out)
	for k := range bias {
		bias[k] = 0.01 * math.Cos(1.3*float64(k)+float64(layer))
	}
	return []*tensor.Tensor{
		tensor.New(w, out, in).SetRequiresGrad(true),
		tensor.New(bias, out).SetRequiresGrad(true),
	}
}

// benchOperator returns the Hessian operator of the benchmark network.
func benchOperator(b *testing.B) Operator {
	return FromLoss(benchLoss(b))
}

// benchLoss returns the benchmark network's loss closure and parameters.
func benchLoss(b *testing.B) (func() *tensor.Tensor, []*tensor.Tensor) {
	x, labels := benchBatch(b, benchSamples)
	params := append(benchParams(0, 784, 256), benchParams(1, 256, 10)...)
	loss := func() *tensor.Tensor {
		h := tensor.ReLU(tensor.Add(tensor.MatMul(x, tensor.Transpose(params[0])), params[1]))
		out := tensor.Add(tensor.MatMul(h, tensor.Transpose(params[2])), params[3])
		return crossEntropy(out, labels)
	}
	return loss, params
}

func unitVector(n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = math.Sin(float64(i) + 0.5)
	}
	s := 0.0
	for _, x := range v {
		s += x * x
	}
	for i := range v {
		v[i] /= math.Sqrt(s)
	}
	return v
}

// BenchmarkHVP times one Hessian-vector product through the kept gradient
// graph, and one from scratch (forward, gradient with its graph, product),
// which is what PyTorch's usual double-backward HVP does. Each is the best
// of three, as in bench_torch.py, because the machine may be shared.
func BenchmarkHVP(b *testing.B) {
	loss, params := benchLoss(b)
	n := 0
	for _, p := range params {
		n += p.Numel()
	}
	v, out := unitVector(n), make([]float64, n)
	best := func(f func()) time.Duration {
		var d time.Duration
		for i := range 3 {
			start := time.Now()
			f()
			if e := time.Since(start); i == 0 || e < d {
				d = e
			}
		}
		return d
	}
	b.ResetTimer()
	var fresh, kept time.Duration
	for range b.N {
		fresh = best(func() { FromLoss(loss, params).Apply(v, out) })
		op := FromLoss(loss, params)
		op.Apply(v, out) // builds the gradient graph
		kept = best(func() { op.Apply(v, out) })
	}
	b.StopTimer()
	b.ReportMetric(float64(fresh.Milliseconds()), "ms/fresh-HVP")
	b.ReportMetric(float64(kept.Milliseconds()), "ms/kept-HVP")
	b.Logf("%d parameters, BLAS %s: HVP from scratch %v, through the kept graph %v", n, tensor.BLAS(), fresh.Round(time.Millisecond), kept.Round(time.Millisecond))
	python := os.Getenv("DESCENT_PYTHON")
	if python == "" || torchRan {
		return
	}
	torchRan = true
	// PyTorch gets as many threads as Go has processors.
	cmd := exec.Command(python, "bench_torch.py", "--data", fashionDir(), "--samples", fmt.Sprint(benchSamples),
		"--threads", fmt.Sprint(runtime.GOMAXPROCS(0)))
	cmd.Dir = "testdata"
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	raw, err := cmd.Output()
	if err != nil {
		b.Fatalf("bench_torch.py: %v\n%s", err, stderr.String())
	}
	var torch struct {
		Params     int     `json:"params"`
		Threads    int     `json:"threads"`
		FreshMS    float64 `json:"fresh_hvp_ms"`
		KeptMS     float64 `json:"kept_hvp_ms"`
		HVPNorm    float64 `json:"hvp_norm"`
		LambdaMax  float64 `json:"lambda_max"`
		PowerIters int     `json:"power_iterations"`
	}
	if err := json.Unmarshal(raw, &torch); err != nil {
		b.Fatalf("bench_torch.py output %q: %v", raw, err)
	}
	norm := 0.0
	for _, x := range out {
		norm += x * x
	}
	b.ReportMetric(torch.FreshMS, "ms/torch-fresh-HVP")
	b.ReportMetric(torch.KeptMS, "ms/torch-kept-HVP")
	b.Logf("PyTorch (%d threads): HVP from scratch %.0f ms, through a retained graph %.0f ms; ‖H·v‖ ours %.12g, torch %.12g; torch power iteration λmax %.8g after %d products",
		torch.Threads, torch.FreshMS, torch.KeptMS, math.Sqrt(norm), torch.HVPNorm, torch.LambdaMax, torch.PowerIters)
}

// BenchmarkLambdaMax times power iteration to a relative residual of 1e-3.
func BenchmarkLambdaMax(b *testing.B) {
	op := benchOperator(b)
	b.ResetTimer()
	for range b.N {
		r := PowerIteration(op, PowerSettings{Tol: 1e-3, MaxIter: 100})
		b.ReportMetric(r.Value, "λmax")
		b.ReportMetric(float64(r.Iterations), "HVPs")
		b.Logf("λmax = %.8g after %d products (converged %v)", r.Value, r.Iterations, r.Converged)
	}
}

// BenchmarkTop5 times Lanczos for the five largest eigenvalues to a
// relative residual of 1e-6.
func BenchmarkTop5(b *testing.B) {
	op := benchOperator(b)
	b.ResetTimer()
	for range b.N {
		r := Lanczos(op, 5, 0, LanczosSettings{Tol: 1e-6, MaxSteps: 80})
		b.ReportMetric(float64(r.Steps), "HVPs")
		b.Logf("top-5 %v after %d steps (converged %v), residuals %.2g", r.Top.Values, r.Steps, r.Converged, r.Top.Residuals)
	}
}

// BenchmarkDensity times stochastic Lanczos quadrature with 5 probes of 50
// steps.
func BenchmarkDensity(b *testing.B) {
	op := benchOperator(b)
	b.ResetTimer()
	for range b.N {
		d := EstimateDensity(op, DensitySettings{Probes: 5, Steps: 50})
		b.ReportMetric(float64(d.HVPs), "HVPs")
		b.Logf("%v", d)
	}
}
