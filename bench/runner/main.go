// Command runner drives the benchmark suite and writes BENCHMARKS.md. It is
// started by bench/run, which builds the Go worker once per BLAS (pure Go,
// the AVX2 kernel, OpenBLAS) and the descent command first.
//
// Every measurement is a separate process that prints one JSON object. The
// runner calls them round-robin (every variant of every item once, then
// again), so that a change in the machine's load shifts all of them alike,
// and reports the median of each number over the repeats.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// config is what bench/run hands over.
type config struct {
	quick    bool
	reps     int
	out      string
	work     string
	benchDir string
	python   string
	workers  map[string]string // build name → worker binary
	descent  string            // descent binary (OpenBLAS build), "" if it did not build
	data     string            // Fashion-MNIST directory
}

// variant is one way of running a measurement.
type variant struct {
	name string
	cmd  []string
	env  []string
	runs []map[string]any
	errs []string
}

// item is one numbered entry of the suite: its variants, measured the same
// number of times, passes times in each round (1 when zero).
type item struct {
	id       string
	variants []*variant
	passes   int
}

// mlpPasses is how many times each round runs item 1. Its ratio target sits
// within the noise of one run on a shared machine (the same binary's epoch
// rate moves by ±25% within minutes), so it gets three times the runs of
// the other items.
const mlpPasses = 3

// passesPerRound is passes, at least 1.
func (it *item) passesPerRound() int { return max(it.passes, 1) }

func (it *item) add(name string, env []string, cmd ...string) *variant {
	v := &variant{name: name, cmd: cmd, env: env}
	it.variants = append(it.variants, v)
	return v
}

func main() {
	var c config
	flag.BoolVar(&c.quick, "quick", false, "tiny sizes and one repeat (a smoke test of the harness)")
	flag.IntVar(&c.reps, "reps", 5, "repeats of every measurement")
	flag.StringVar(&c.out, "out", "BENCHMARKS.md", "report `file`")
	flag.StringVar(&c.work, "work", "", "scratch `directory`")
	flag.StringVar(&c.benchDir, "bench", "bench", "the bench `directory` (Python scripts)")
	flag.StringVar(&c.python, "python", "/usr/bin/python3", "Python with torch, scipy and jupyter_client")
	flag.StringVar(&c.data, "data", "/usr/share/datasets/fashion-mnist", "Fashion-MNIST `directory`")
	purego := flag.String("worker-purego", "", "worker built with -tags purego")
	def := flag.String("worker-default", "", "worker whose BLAS is the AVX2 kernel (DESCENT_BLAS=go, or built with that default)")
	openblas := flag.String("worker-openblas", "", "worker whose BLAS is OpenBLAS (DESCENT_BLAS=openblas, or built with that default)")
	flag.StringVar(&c.descent, "descent", "", "descent command (default build: OpenBLAS when installed)")
	flag.Parse()
	if c.quick {
		c.reps = 1
	}
	c.workers = map[string]string{"purego": *purego, "default": *def, "openblas": *openblas}
	if c.work == "" {
		dir, err := os.MkdirTemp("", "descent-bench")
		if err != nil {
			fatal(err)
		}
		defer os.RemoveAll(dir)
		c.work = dir
	}
	if err := run(&c); err != nil {
		fatal(err)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "bench:", err)
	os.Exit(1)
}

// sizes are the problem sizes of a full or a quick run.
type sizes struct {
	mlpSamples, cnnSamples, steps, logN, logD, hvpReps, hvpIters, matN, matReps, kernelReps int
	streamMB                                                                                float64
}

func sizesFor(quick bool) sizes {
	if quick {
		return sizes{mlpSamples: 512, cnnSamples: 128, steps: 200, logN: 400, logD: 100, hvpReps: 2,
			hvpIters: 3, matN: 128, matReps: 2, kernelReps: 5, streamMB: 1}
	}
	return sizes{mlpSamples: 0, cnnSamples: 512, steps: 10000, logN: 4000, logD: 1000, hvpReps: 10,
		hvpIters: 30, matN: 1024, matReps: 3, kernelReps: 50, streamMB: 10}
}

func run(c *config) error {
	began := time.Now()
	sz := sizesFor(c.quick)
	env := environment(c)
	env.loadBefore = loadAvg()
	py := func(args ...string) []string {
		return append([]string{c.python, filepath.Join(c.benchDir, "torch_bench.py")}, args...)
	}
	w := func(build string, args ...string) []string {
		return append([]string{c.workers[build]}, args...)
	}
	logf("generating shared inputs in %s", c.work)
	if _, err := runJSON(py("gendata", c.work, "--n", itoa(sz.logN), "--d", itoa(sz.logD)), nil); err != nil {
		return err
	}
	initFile := filepath.Join(c.work, "mlp_init.f64")
	logreg := filepath.Join(c.work, "logreg.f64")
	for _, b := range []string{"purego", "default", "openblas"} {
		info, err := runJSON(w(b, "info"), nil)
		if err != nil {
			return err
		}
		env.blas[b] = str(info["blas"])
	}
	pinfo, err := runJSON(py("info"), nil)
	if err != nil {
		return err
	}
	env.python = pinfo
	// A quick run skips choosing PyTorch's thread counts: ATen gets one,
	// OpenBLAS keeps its default.
	env.torchThreads, env.torchBLASThreads = 1, int(num(pinfo["torch_blas_threads_default"]))
	if !c.quick {
		tinfo, err := runJSON(py("threads", "--init", initFile, "--data", c.data, "--steps", "20"), nil)
		if err != nil {
			return err
		}
		env.torchThreads, env.torchBLASThreads = int(num(tinfo["threads"])), int(num(tinfo["blas_threads"]))
		env.threadRates = tinfo["rates"]
	}
	// --blas-threads=0 leaves OpenBLAS's threads as they are.
	th, thb := "--threads="+itoa(env.torchThreads), "--blas-threads=0"
	if !c.quick {
		thb = "--blas-threads=" + itoa(env.torchBLASThreads)
	}
	logf("PyTorch: %s (MLP samples/s by ATen,OpenBLAS threads: %v)", env.torchLabel(), env.threadRates)

	// The descent kernelspec, installed into the scratch directory.
	kernelOK := ""
	var kenv []string
	if c.descent != "" {
		prefix := filepath.Join(c.work, "jupyter")
		if out, err := exec.Command(c.descent, "install", "--prefix", prefix).CombinedOutput(); err != nil {
			kernelOK = "descent install failed: " + strings.TrimSpace(string(out))
		} else {
			kenv = []string{"JUPYTER_PATH=" + filepath.Join(prefix, "share", "jupyter")}
		}
	} else {
		kernelOK = "the descent command did not build"
	}
	cellsFile := filepath.Join(c.work, "cells.json")
	mlpArgs := []string{"--data", c.data, "--init", initFile, "--samples", itoa(sz.mlpSamples)}
	if cells, err := runJSON(w("openblas", append([]string{"cells"}, mlpArgs...)...), nil); err == nil {
		delete(cells, "blas")
		b, _ := json.Marshal(cells)
		if err := os.WriteFile(cellsFile, b, 0o644); err != nil {
			return err
		}
	}
	kb := func(args ...string) []string {
		return append([]string{c.python, filepath.Join(c.benchDir, "kernel_bench.py")}, args...)
	}

	var items []*item
	mlp := &item{id: "mlp", passes: mlpPasses}
	if c.quick {
		mlp.passes = 1
	}
	// The pure-Go build is the slow fallback: a third of the epoch gives its
	// rate and keeps the run short.
	puregoArgs := append([]string{"mlp"}, mlpArgs...)
	if sz.mlpSamples == 0 {
		puregoArgs = append(puregoArgs, "--samples", "20000")
	}
	mlp.add("go-purego", nil, w("purego", puregoArgs...)...)
	for _, b := range []string{"default", "openblas"} {
		mlp.add("go-"+b, nil, w(b, append([]string{"mlp"}, mlpArgs...)...)...)
	}
	mlp.add("go-openblas-1t", []string{"OPENBLAS_NUM_THREADS=1"}, w("openblas", append([]string{"mlp"}, mlpArgs...)...)...)
	mlp.add("cell", nil, w("openblas", append([]string{"cellmlp"}, mlpArgs...)...)...)
	if kernelOK == "" {
		mlp.add("kernel", kenv, kb("--kernel", "descent", "mlp", "--cells", cellsFile)...)
	}
	mlp.add("torch", nil, py("mlp", th, thb, "--data", c.data, "--init", initFile, "--samples", itoa(sz.mlpSamples))...)
	items = append(items, mlp)

	cnn := &item{id: "cnn"}
	for _, b := range []string{"default", "openblas"} {
		cnn.add("go-"+b, nil, w(b, "cnn", "--data", c.data, "--samples", itoa(sz.cnnSamples), "--batch", "64")...)
	}
	cnn.add("torch", nil, py("cnn", th, thb, "--data", c.data, "--samples", itoa(sz.cnnSamples), "--batch", "64")...)
	items = append(items, cnn)

	steps := &item{id: "steps"}
	for _, p := range stepProblems {
		args := []string{"--problem", p.problem, "--method", p.method, "--lr", p.lr, "--steps", itoa(sz.steps)}
		steps.add(p.key()+"/cell", nil, w("openblas", append(append([]string{"steps"}, args...), "--mode", "cell")...)...)
		steps.add(p.key()+"/compiled", nil, w("openblas", append(append([]string{"steps"}, args...), "--mode", "compiled")...)...)
		steps.add(p.key()+"/torch", nil, py(append([]string{"steps", th, thb}, args...)...)...)
	}
	items = append(items, steps)

	lb := &item{id: "lbfgs"}
	lbArgs := []string{"--n", itoa(sz.logN), "--d", itoa(sz.logD), "--tol", "1e-6"}
	lb.add("go-exact", nil, w("openblas", append([]string{"lbfgs", "--data", logreg, "--grad", "exact"}, lbArgs...)...)...)
	lb.add("go-exact-1t", []string{"OPENBLAS_NUM_THREADS=1"}, w("openblas", append([]string{"lbfgs", "--data", logreg, "--grad", "exact"}, lbArgs...)...)...)
	lb.add("go-autodiff", nil, w("openblas", append([]string{"lbfgs", "--data", logreg, "--grad", "autodiff"}, lbArgs...)...)...)
	lb.add("scipy", nil, py(append([]string{"scipy", "--file", logreg}, lbArgs...)...)...)
	lb.add("torch", nil, py(append([]string{"lbfgs", th, thb, "--file", logreg}, lbArgs...)...)...)
	items = append(items, lb)

	hvp := &item{id: "hvp"}
	hvArgs := []string{"--data", c.data, "--init", initFile, "--reps", itoa(sz.hvpReps), "--iters", itoa(sz.hvpIters)}
	hvp.add("go-default", nil, w("default", append([]string{"hvp"}, hvArgs...)...)...)
	hvp.add("go-openblas", nil, w("openblas", append([]string{"hvp"}, hvArgs...)...)...)
	hvp.add("torch", nil, py(append([]string{"hvp", th, thb}, hvArgs...)...)...)
	items = append(items, hvp)

	kern := &item{id: "kernel"}
	if kernelOK == "" {
		kern.add("descent", kenv, kb("--kernel", "descent", "io", "--reps", itoa(sz.kernelReps), "--mb", ftoa(sz.streamMB))...)
	}
	kern.add("ipykernel", nil, kb("--kernel", "python3", "io", "--reps", itoa(sz.kernelReps), "--mb", ftoa(sz.streamMB))...)
	items = append(items, kern)

	mm := &item{id: "matmul"}
	for _, b := range []string{"purego", "default", "openblas"} {
		mm.add("go-"+b, nil, w(b, "matmul", "-n", itoa(sz.matN), "-reps", itoa(sz.matReps))...)
	}
	mm.add("numpy", nil, py("matmul", "--n", itoa(sz.matN), "--reps", itoa(sz.matReps))...)
	mm.add("torch", nil, py("matmul", th, thb, "--lib", "torch", "--n", itoa(sz.matN), "--reps", itoa(sz.matReps))...)
	items = append(items, mm)

	for r := 0; r < c.reps; r++ {
		logf("round %d of %d (%.0f s so far)", r+1, c.reps, time.Since(began).Seconds())
		for _, it := range items {
			passes := it.passesPerRound()
			for p := 0; p < passes; p++ {
				for _, v := range it.variants {
					res, err := runJSON(v.cmd, v.env)
					if err != nil {
						v.errs = append(v.errs, err.Error())
						logf("  %s %s: %v", it.id, v.name, err)
						continue
					}
					// Each pass is a round of its own for the ratios.
					res["round"] = float64(r*passes + p)
					v.runs = append(v.runs, res)
				}
			}
		}
	}

	logf("profiling the MLP step")
	var profs []profile
	for _, b := range []string{"default", "openblas"} {
		profs = append(profs, profileMLP(c, b, mlpArgs))
	}

	env.loadAfter = loadAvg()
	env.duration = time.Since(began)
	env.kernelNote = kernelOK
	env.sizes = sz
	rep := report{c: c, env: env, items: map[string]*item{}, profs: profs}
	for _, it := range items {
		rep.items[it.id] = it
	}
	var buf bytes.Buffer
	rep.write(&buf)
	if err := os.WriteFile(c.out, buf.Bytes(), 0o644); err != nil {
		return err
	}
	logf("wrote %s in %.0f s", c.out, env.duration.Seconds())
	return nil
}

// stepProblem is one lecture-scale run of item 3.
type stepProblem struct{ problem, method, lr string }

func (p stepProblem) key() string { return p.problem + "/" + p.method }

var stepProblems = []stepProblem{
	{"quad", "gd", "0.1"},
	{"quad", "adam", "0.01"},
	{"rosen", "gd", "0.0005"},
	{"rosen", "adam", "0.01"},
}

// runJSON runs a measurement and decodes the last line of its output.
func runJSON(cmd []string, env []string) (map[string]any, error) {
	c := exec.Command(cmd[0], cmd[1:]...)
	c.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	c.Stdout, c.Stderr = &stdout, &stderr
	if err := c.Run(); err != nil {
		return nil, fmt.Errorf("%s: %v: %s", filepath.Base(cmd[0])+" "+strings.Join(cmd[1:2], " "), err, firstLine(stderr.String()))
	}
	line := lastLine(stdout.String())
	var res map[string]any
	if err := json.Unmarshal([]byte(line), &res); err != nil {
		return nil, fmt.Errorf("%s: output %q: %v", strings.Join(cmd, " "), line, err)
	}
	return res, nil
}

func firstLine(s string) string {
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			return l
		}
	}
	return ""
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if l := strings.TrimSpace(lines[i]); l != "" {
			return l
		}
	}
	return ""
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
}

func itoa(n int) string { return fmt.Sprint(n) }

func ftoa(x float64) string { return fmt.Sprint(x) }

func str(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return fmt.Sprint(v)
}

func num(v any) float64 {
	f, _ := v.(float64)
	return f
}

// median returns the median of the key's values over the variant's runs,
// and how many runs had it.
func (v *variant) median(key string) (float64, int) {
	var xs []float64
	for _, r := range v.runs {
		if f, ok := r[key].(float64); ok {
			xs = append(xs, f)
		}
	}
	return median(xs), len(xs)
}

// spread returns the smallest and largest value of key over the runs.
func (v *variant) spread(key string) (lo, hi float64) {
	for i, r := range v.runs {
		f := num(r[key])
		if i == 0 || f < lo {
			lo = f
		}
		if i == 0 || f > hi {
			hi = f
		}
	}
	return lo, hi
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// ok reports whether the variant produced at least one result.
func (v *variant) ok() bool { return len(v.runs) > 0 }

// failure is the first error of a variant that never succeeded.
func (v *variant) failure() string {
	if len(v.errs) == 0 {
		return "not run"
	}
	return v.errs[0]
}
