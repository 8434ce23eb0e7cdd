package main

import (
	"bufio"
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
	torchThreads          int
	threadRates           any
	loadBefore, loadAfter string
	duration              time.Duration
	kernelNote            string
	sizes                 sizes
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
	name, fix string
	percent   float64
	flat      string
}

// blasFrames matches the frames of matrix products: the Go wrappers, the
// AVX2 kernel, the cgo call and the OpenBLAS threads (which spin in libc
// while they wait for work).
const blasFrames = `Dgemm|Dgemv|Ddot|Daxpy|Dscal|Dger|kernel6x8|macroKernel|packA|packB|cgocall|libopenblas|libc\.so|_ExternalCode`

// categories are what the time outside BLAS goes to; a sample counts in
// every category whose pattern matches a frame of its stack.
var categories = []struct{ name, focus, fix string }{
	{"transposes copied before products (Transpose, Permute)", `tensor\.Transpose|tensor\.Permute|transposeBlocked`,
		"hand the transpose to Dgemm as a flag (TransA/TransB) instead of copying the matrix"},
	{"cross-entropy (log-softmax, gather, their backward)", `CrossEntropy|LogSoftmax|NLLLoss|tensor\.Gather`,
		"a fused softmax + cross-entropy op: one pass forward, gradient softmax − one-hot in one pass back"},
	{"ReLU and its backward", `ReLU`,
		"a fused linear + ReLU op: bias add and max in one pass over the product, the mask reused backward"},
	{"bias add and its gradient (broadcast, sum over the batch)", `tensor\.Add|SumAxis|broadcast|reduceTo|unbroadcast|sumTo`,
		"add the bias in the fused linear pass; the bias gradient as one Dgemv with a vector of ones"},
	{"optimizer step (SGD with momentum)", `optim\.`,
		"a loop specialized for the common case, with the per-element branches (dampening, Nesterov, weight decay, maximize) hoisted out"},
	{"data loading (shuffle, uint8 → float64 batch)", `optimlib/data\.`,
		"fill the batch in one pass over contiguous bytes, without a call per sample; reuse the batch tensor"},
	{"autodiff bookkeeping (graph walk, gradient accumulation)", `BackwardWith|topo|accumulate`,
		"accumulate into the first gradient instead of adding copies; sort the graph once per shape of step"},
	{"allocation and zeroing of fresh tensors", `mallocgc|memclrNoHeapPointers|tensor\.Zeros|makeslice`,
		"reuse activation and gradient buffers between steps (a pool per shape) and skip zeroing buffers that are overwritten"},
	{"garbage collector (background marking)", `gcBgMarkWorker|gcDrain|scanobject|markroot`,
		"follows allocation: fewer fresh tensors per step, less marking"},
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
		fix: "the BLAS itself (see item 7); products of 128×784×256 are small for two threads"})
	for _, cat := range categories {
		s, _, err := pprofShare(bin, prof, "-focus="+cat.focus, "-ignore="+blasFrames)
		if err != nil {
			p.err = "go tool pprof: " + err.Error()
			return p
		}
		p.categories = append(p.categories, share{name: cat.name, fix: cat.fix, percent: s})
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
