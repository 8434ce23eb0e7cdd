package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// machine describes where and when the suite ran.
type machine struct {
	date                  time.Time
	cpu                   string
	cores                 int
	mhz                   float64
	goVersion             string
	commit                string
	blas                  map[string]string
	python                map[string]any
	torchThreads          int // ATen's intra-op threads
	torchBLASThreads      int // OpenBLAS's threads under torch; 0 when unknown
	threadRates           any // samples/s by "ATen,OpenBLAS" thread counts
	loadBefore, loadAfter string
	duration              time.Duration
	kernelNote            string
	sizes                 sizes
}

// torchLabel names PyTorch's thread setting, as in "ATen 1 thread,
// OpenBLAS 2 threads": torch.set_num_threads sets ATen's threads only, and
// the products run on the threads of the BLAS torch is linked against.
func (m machine) torchLabel() string {
	s := "ATen " + plural(m.torchThreads, "thread")
	if m.torchBLASThreads > 0 {
		s += ", OpenBLAS " + plural(m.torchBLASThreads, "thread")
	}
	return s
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// peak is the machine's double-precision peak in GFLOP/s: 16 FLOP per
// cycle per core (two 256-bit FMA units) at the reported clock.
func (m machine) peak() float64 { return 16 * m.mhz / 1000 * float64(m.cores) }

func environment(c *config) machine {
	m := machine{date: time.Now().UTC(), blas: map[string]string{}}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			k, v, ok := strings.Cut(sc.Text(), ":")
			if !ok {
				continue
			}
			k, v = strings.TrimSpace(k), strings.TrimSpace(v)
			switch k {
			case "model name":
				m.cpu = v
			case "processor":
				m.cores++
			case "cpu MHz":
				if m.mhz == 0 {
					m.mhz, _ = strconv.ParseFloat(v, 64)
				}
			}
		}
		f.Close()
	}
	if out, err := exec.Command("go", "version").Output(); err == nil {
		m.goVersion = strings.TrimPrefix(strings.TrimSpace(string(out)), "go version ")
	}
	m.commit = "none (no commit yet)"
	if out, err := exec.Command("git", "-C", filepath.Dir(c.benchDir), "rev-parse", "--short", "HEAD").Output(); err == nil {
		m.commit = strings.TrimSpace(string(out))
		if out, err := exec.Command("git", "-C", filepath.Dir(c.benchDir), "status", "--porcelain").Output(); err == nil && len(out) > 0 {
			m.commit += " (with uncommitted changes)"
		}
	}
	return m
}

// loadAvg returns the 1, 5 and 15 minute load averages.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], ", ")
}

// profile is the CPU profile of the MLP's training loop.
type profile struct {
	build      string
	err        string
	total      string
	categories []share
	flat       []share // top functions outside BLAS, by own time
}

type share struct {
	name, done, next string
	percent          float64
	flat             string
}

// blasFrames matches the frames of matrix products: the Go wrappers, the
// AVX2 kernel, the cgo call and the OpenBLAS threads (which spin in libc
// while they wait for work).
const blasFrames = `Dgemm|Dgemv|Ddot|Daxpy|Dscal|Dger|kernel6x8|macroKernel|packA|packB|cgocall|libopenblas|libc\.so|_ExternalCode`

// categories are what the time outside BLAS goes to; a sample counts in
// every category whose pattern matches a frame of its stack. done says what
// this profile led to, with the category's share of the OpenBLAS build's
// samples in the profile that prompted it (BENCHMARKS.md of commit 093272a);
// next is what would cut the category further.
var categories = []struct{ name, focus, done, next string }{
	{"transposes copied before products (Transpose, Permute)", `tensor\.Transpose|tensor\.Permute|transposeBlocked`,
		"nn.Linear calls tensor.Linear, which hands Wᵀ to Dgemm as a transpose flag in the forward and both backward products (was 8.8%)",
		"nothing left in this model"},
	{"cross-entropy (log-softmax, gather, their backward)", `CrossEntropy|LogSoftmax|NLLLoss|tensor\.Gather`,
		"nn.CrossEntropy takes its per-sample losses from tensor.CrossEntropyRows, log-softmax, gather and negation in one operation with one gradient loop, bit-identical to the composition (was 0.7%)",
		"little: two exponentials per logit (forward and backward) are most of what is left"},
	{"ReLU and its backward", `ReLU`,
		"nn.Sequential runs a Linear followed by a ReLU as tensor.LinearReLU, the max applied in place to the product's output: one 262 KB activation fewer per step, bit-identical (was 1.9%)",
		"gating the gradient in place, which needs the engine to know that nothing else holds it"},
	{"bias add and its gradient (broadcast, sum over the batch)", `tensor\.Add|SumAxis|broadcast|reduceTo|unbroadcast|sumTo`,
		"tensor.Linear writes the bias into the output rows and lets Dgemm accumulate the product onto them: no broadcast add (was 1.2%)",
		"the bias gradient as one Dgemv with a vector of ones"},
	{"optimizer step (SGD with momentum)", `optim\.`,
		"SGD.Update runs the common cases in AVX2/FMA loops (package internal/vec: 5× the scalar loop on data in cache, the same bits) and splits parameters of 64k elements and more between the cores (was 8.0%)",
		"it reads three 1.6 MB arrays and writes two per step: only fusing it into the weight-gradient product would save the traffic"},
	{"data loading (shuffle, uint8 → float64 batch)", `optimlib/data\.`,
		"Images.Fill looks the scaled pixel up in a 256-entry table instead of dividing per pixel, and the loader fills a batch of the package's data sets on all cores (was 2.6%)",
		"nothing cheap: LoaderConfig.Prefetch prepares batches on a goroutine, but the products occupy both cores and a preparation running beside them slowed the epoch (0.95–0.98× in side-by-side runs, also when it waited for the products to end), so the loop here loads as PyTorch's does"},
	{"autodiff bookkeeping (graph walk, gradient accumulation)", `BackwardWith|topo|accumulate`,
		"the graph walk numbers tensors in lists instead of maps for small graphs (was 2.9%)",
		"sort the graph once per shape of step instead of every Backward"},
	{"allocation and zeroing of fresh tensors", `mallocgc|memclrNoHeapPointers|tensor\.Zeros|makeslice`,
		"no transposed copy of W, no broadcast bias sum, the weight gradient written by Dgemm into the storage ZeroGrad kept instead of a fresh zeroed 1.6 MB array, and data.ReadIDX no longer discards several times the data set in growing buffers, which the runtime handed back to the system and the loop then faulted in again (up to 65 page faults per step) (was 6.2%)",
		"reuse activation buffers between steps; the batch and the activations are still fresh each step"},
	{"garbage collector (background marking)", `gcBgMarkWorker|gcDrain|scanobject|markroot`,
		"follows allocation (was 0.9%)",
		"fewer fresh tensors per step"},
}

var percentRE = regexp.MustCompile(`Showing nodes accounting for \S+, ([0-9.]+)% of (\S+) total`)

// pprofShare returns the share of samples that pprof keeps with the given
// options, and the total.
func pprofShare(bin, prof string, opts ...string) (float64, string, error) {
	args := append(append([]string{"tool", "pprof", "-top", "-nodecount=1000000"}, opts...), bin, prof)
	out, err := exec.Command("go", args...).Output()
	if err != nil {
		return 0, "", err
	}
	m := percentRE.FindStringSubmatch(string(out))
	if m == nil {
		return 0, "", nil // nothing matched the filter
	}
	p, _ := strconv.ParseFloat(m[1], 64)
	return p, m[2], nil
}

// profileMLP profiles the compiled MLP loop in one build.
func profileMLP(c *config, build string, mlpArgs []string) profile {
	p := profile{build: build}
	bin := c.workers[p.build]
	prof := filepath.Join(c.work, "mlp-"+build+".prof")
	epochs := "2"
	if c.quick {
		epochs = "1"
	}
	args := append(append([]string{bin, "mlp"}, mlpArgs...), "--epochs", epochs, "--cpuprofile", prof)
	if _, err := runJSON(args, nil); err != nil {
		p.err = err.Error()
		return p
	}
	b, total, err := pprofShare(bin, prof, "-focus="+blasFrames)
	if err != nil {
		p.err = "go tool pprof: " + err.Error()
		return p
	}
	p.total = total
	p.categories = append(p.categories, share{name: "matrix products (BLAS)", percent: b,
		done: "products without copies (see the rows below); products under 6.5·10⁶ multiply-adds (the last layer's three) on one OpenBLAS thread, 35 µs instead of 85–100 µs each; the weight gradient cleared by Go and accumulated with β = 1 rather than cleared by OpenBLAS's slower β = 0 pass; what remains is the BLAS itself (was 72.7%)",
		next: "a faster product (item 7); 128×784×256 is small to split between two threads"})
	for _, cat := range categories {
		s, _, err := pprofShare(bin, prof, "-focus="+cat.focus, "-ignore="+blasFrames)
		if err != nil {
			p.err = "go tool pprof: " + err.Error()
			return p
		}
		p.categories = append(p.categories, share{name: cat.name, done: cat.done, next: cat.next, percent: s})
	}
	out, err := exec.Command("go", "tool", "pprof", "-top", "-nodecount=10", "-ignore="+blasFrames, bin, prof).Output()
	if err != nil {
		p.err = "go tool pprof: " + err.Error()
		return p
	}
	// Rows look like: "flat flat% sum% cum cum% name".
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) < 6 || !strings.HasSuffix(f[1], "%") || f[0] == "flat" {
			continue
		}
		pct, err := strconv.ParseFloat(strings.TrimSuffix(f[1], "%"), 64)
		if err != nil || pct == 0 {
			continue
		}
		name := strings.Join(f[5:], " ")
		name = strings.TrimPrefix(name, "github.com/descentlab/descent/")
		p.flat = append(p.flat, share{name: name, percent: pct, flat: f[0]})
	}
	return p
}
