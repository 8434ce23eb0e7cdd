package optim

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/descentlab/descent/optimlib/problems"
	"github.com/descentlab/descent/optimlib/tensor"
)

// Tests in this file compare with testdata/*.json, written by
// testdata/gen_fixtures.py from PyTorch 1.13 and scipy.

const fixtureTol = 1e-10

type optRun struct {
	Problem    string         `json:"problem"`
	Optimizer  string         `json:"optimizer"`
	Tag        string         `json:"tag"`
	Options    map[string]any `json:"options"`
	LR         float64        `json:"lr"`
	Steps      int            `json:"steps"`
	Losses     []float64      `json:"losses"`
	Trajectory [][]float64    `json:"trajectory"`
	FuncEvals  []int          `json:"func_evals"`
	// SensitiveFrom is the first step at which torch's own run moves by
	// more than 1e-11 when one start value changes by a relative 2e-16
	// (nil if none): from there on, only arithmetic that repeats torch's
	// bit for bit can follow it.
	SensitiveFrom *int `json:"sensitive_from"`
}

type optFixtures struct {
	Problems struct {
		Quadratic struct {
			A  [][]float64 `json:"A"`
			B  []float64   `json:"b"`
			W0 []float64   `json:"w0"`
		} `json:"quadratic"`
		Rosenbrock struct {
			W0 []float64 `json:"w0"`
		} `json:"rosenbrock"`
		MLP mlpData `json:"mlp"`
	} `json:"problems"`
	Runs []optRun `json:"runs"`
}

func readJSON(t testing.TB, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// relClose compares relatively, and absolutely for |b| < 1.
func relClose(a, b, tol float64) bool {
	return math.Abs(a-b) <= tol*math.Max(1, math.Abs(b))
}

// worst tracks the largest difference seen, for the test log: absolute,
// and scaled as the tolerance is, by max(1, |torch's value|).
type worst struct{ scaled, abs float64 }

func (w *worst) add(a, b float64) {
	d := math.Abs(a - b)
	w.abs = math.Max(w.abs, d)
	w.scaled = math.Max(w.scaled, d/math.Max(1, math.Abs(b)))
}

func (w *worst) merge(o worst) {
	w.scaled, w.abs = math.Max(w.scaled, o.scaled), math.Max(w.abs, o.abs)
}

// buildOptimizer maps a fixture's torch options onto this package.
func buildOptimizer(t *testing.T, r optRun, params []*tensor.Tensor) Optimizer {
	o := r.Options
	f := func(k string) float64 {
		if v, ok := o[k]; ok {
			return v.(float64)
		}
		return 0
	}
	b := func(k string) bool { v, _ := o[k].(bool); return v }
	pair := func(k string) [2]float64 {
		if v, ok := o[k].([]any); ok {
			return [2]float64{v[0].(float64), v[1].(float64)}
		}
		return [2]float64{}
	}
	lr := r.LR
	switch r.Optimizer {
	case "SGD":
		return NewSGD(params, SGD{LR: lr, Momentum: f("momentum"), Dampening: f("dampening"), WeightDecay: f("weight_decay"), Nesterov: b("nesterov"), Maximize: b("maximize")})
	case "Adam":
		return NewAdam(params, Adam{LR: lr, Betas: pair("betas"), Eps: f("eps"), WeightDecay: f("weight_decay"), AMSGrad: b("amsgrad"), Maximize: b("maximize")})
	case "AdamW":
		wd := DefaultAdamWDecay
		if _, ok := o["weight_decay"]; ok {
			wd = f("weight_decay")
		}
		return NewAdamW(params, AdamW{LR: lr, Betas: pair("betas"), Eps: f("eps"), WeightDecay: wd, AMSGrad: b("amsgrad"), Maximize: b("maximize")})
	case "Adagrad":
		return NewAdagrad(params, Adagrad{LR: lr, LRDecay: f("lr_decay"), WeightDecay: f("weight_decay"), InitialAccumulatorValue: f("initial_accumulator_value"), Eps: f("eps"), Maximize: b("maximize")})
	case "Adadelta":
		return NewAdadelta(params, Adadelta{LR: lr, Rho: f("rho"), Eps: f("eps"), WeightDecay: f("weight_decay"), Maximize: b("maximize")})
	case "Adamax":
		return NewAdamax(params, Adamax{LR: lr, Betas: pair("betas"), Eps: f("eps"), WeightDecay: f("weight_decay"), Maximize: b("maximize")})
	case "NAdam":
		return NewNAdam(params, NAdam{LR: lr, Betas: pair("betas"), Eps: f("eps"), WeightDecay: f("weight_decay"), MomentumDecay: f("momentum_decay")})
	case "RAdam":
		return NewRAdam(params, RAdam{LR: lr, Betas: pair("betas"), Eps: f("eps"), WeightDecay: f("weight_decay")})
	case "ASGD":
		return NewASGD(params, ASGD{LR: lr, Lambd: f("lambd"), Alpha: f("alpha"), T0: f("t0"), WeightDecay: f("weight_decay"), Maximize: b("maximize")})
	case "RMSprop":
		return NewRMSprop(params, RMSprop{LR: lr, Alpha: f("alpha"), Eps: f("eps"), WeightDecay: f("weight_decay"), Momentum: f("momentum"), Centered: b("centered"), Maximize: b("maximize")})
	case "Rprop":
		return NewRprop(params, Rprop{LR: lr, Etas: pair("etas"), StepSizes: pair("step_sizes"), Maximize: b("maximize")})
	case "LBFGS":
		ls, _ := o["line_search_fn"].(string)
		return NewLBFGS(params, LBFGSConfig{LR: lr, MaxIter: int(f("max_iter")), MaxEval: int(f("max_eval")), HistorySize: int(f("history_size")),
			ToleranceGrad: f("tolerance_grad"), ToleranceChange: f("tolerance_change"), StrongWolfe: ls == "strong_wolfe"})
	}
	t.Fatalf("no optimizer %q", r.Optimizer)
	return nil
}

// torchQuadratic is the fixture's quadratic with its gradient Aw − b and
// loss ½ wᵀAw − bᵀw computed as gen_fixtures.py does, in plain float64
// arithmetic summing in index order (float64 conversions forbid fused
// multiply-adds), times sign.
func torchQuadratic(a [][]float64, b []float64, w *tensor.Tensor, sign float64) func() float64 {
	return func() float64 {
		x := w.Data()
		ax := make([]float64, len(x))
		for i, row := range a {
			s := 0.0
			for j, v := range row {
				s += float64(v * x[j])
			}
			ax[i] = s
		}
		loss := 0.0
		g := make([]float64, len(x))
		for i, xi := range x {
			loss += float64(float64(0.5*xi)*ax[i]) - float64(b[i]*xi)
			g[i] = sign * (ax[i] - b[i])
		}
		w.SetGrad(tensor.New(g))
		return sign * loss
	}
}

// torchRosenbrock is Rosenbrock's function of two variables and its
// gradient, times sign, in gen_fixtures.py's order of operations.
func torchRosenbrock(w *tensor.Tensor, sign float64) func() float64 {
	return func() float64 {
		x, y := w.Data()[0], w.Data()[1]
		a, b := 1-x, y-float64(x*x)
		loss := float64(a*a) + float64(100*float64(b*b))
		gx := float64(-2*a) - float64(float64(400*x)*b)
		gy := 200 * b
		w.SetGrad(tensor.New([]float64{sign * gx, sign * gy}))
		return sign * loss
	}
}

// torchOptimizers lists torch.optim's optimizers with a dense update, each
// of which must have a full-length run with default options on every
// problem.
var torchOptimizers = []string{"SGD", "Adam", "AdamW", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam", "ASGD", "RMSprop", "Rprop", "LBFGS"}

const fixtureSteps = 100

func TestTorchOptimizerTrajectories(t *testing.T) {
	var fx optFixtures
	readJSON(t, "optimizers.json", &fx)
	q := fx.Problems.Quadratic
	full := map[string]bool{}
	var all, sensitive worst
	steps, sensitiveSteps := 0, 0
	var short []string
	exact, runs := map[string]int{}, map[string]int{}
	for _, r := range fx.Runs {
		t.Run(fmt.Sprintf("%s/%s/%s", r.Problem, r.Optimizer, r.Tag), func(t *testing.T) {
			if r.Steps < fixtureSteps && (r.SensitiveFrom == nil || *r.SensitiveFrom != r.Steps) {
				t.Errorf("run has %d steps, yet torch is not sensitive from step %d", r.Steps, r.Steps)
			}
			sign := 1.0
			if m, _ := r.Options["maximize"].(bool); m {
				sign = -1
			}
			var params []*tensor.Tensor
			var closure func() float64
			switch r.Problem {
			case "quadratic":
				w := tensor.New(append([]float64(nil), q.W0...))
				params, closure = []*tensor.Tensor{w}, torchQuadratic(q.A, q.B, w, sign)
			case "rosenbrock":
				w := tensor.New(append([]float64(nil), fx.Problems.Rosenbrock.W0...))
				params, closure = []*tensor.Tensor{w}, torchRosenbrock(w, sign)
			case "mlp":
				m := newMLP(&fx.Problems.MLP)
				params = m.params
				closure = func() float64 { return sign * m.lossAndGrad(sign) }
			default:
				t.Fatalf("unknown problem %q", r.Problem)
			}
			var rw worst
			n := followTrajectory(t, r, params, closure, &rw)
			all.merge(rw)
			runs[r.Problem]++
			if rw.abs == 0 {
				exact[r.Problem]++
			}
			steps += n
			if r.SensitiveFrom != nil && n > *r.SensitiveFrom {
				sensitiveSteps += n - *r.SensitiveFrom
				sensitive.merge(rw)
				t.Logf("torch sensitive to a 2e-16 change of the start from step %d; largest difference over %d steps %.2g", *r.SensitiveFrom, n, rw.abs)
			}
			if n < fixtureSteps {
				short = append(short, fmt.Sprintf("%s/%s/%s: %d", r.Problem, r.Optimizer, r.Tag, n))
			} else if len(r.Options) == 0 {
				full[r.Problem+"/"+r.Optimizer] = true
			}
		})
	}
	t.Logf("%d runs, %d steps compared; largest difference from torch %.2g (relative, absolute below 1), %.2g absolute",
		len(fx.Runs), steps, all.scaled, all.abs)
	t.Logf("%d of those steps where torch is sensitive to a 2e-16 change of the start; largest difference there %.2g", sensitiveSteps, sensitive.abs)
	t.Logf("runs equal to torch's bit for bit: quadratic %d of %d, rosenbrock %d of %d, mlp %d of %d",
		exact["quadratic"], runs["quadratic"], exact["rosenbrock"], runs["rosenbrock"], exact["mlp"], runs["mlp"])
	if len(short) > 0 {
		t.Logf("runs shorter than %d steps: %v", fixtureSteps, short)
	}
	for _, p := range []string{"quadratic", "rosenbrock", "mlp"} {
		for _, name := range torchOptimizers {
			if !full[p+"/"+name] {
				t.Errorf("no %d-step run of %s with default options on %s", fixtureSteps, name, p)
			}
		}
	}
}

// followTrajectory builds r's optimizer over params, runs r.Steps steps
// with closure computing the loss and the gradients, and fails at the first
// loss, closure count (L-BFGS) or parameter value that differs from torch's.
// It folds the differences into w and returns the number of steps compared.
func followTrajectory(t *testing.T, r optRun, params []*tensor.Tensor, closure func() float64, w *worst) int {
	t.Helper()
	opt := buildOptimizer(t, r, params)
	for k := 0; k < r.Steps; k++ {
		var loss float64
		if r.Optimizer == "LBFGS" {
			loss = opt.Step(closure)
		} else {
			loss = closure()
			opt.Step(nil)
		}
		if !relClose(loss, r.Losses[k], fixtureTol) {
			t.Fatalf("step %d: loss %.17g, torch %.17g", k, loss, r.Losses[k])
		}
		if lb, ok := opt.(*LBFGS); ok && lb.FuncEvals() != r.FuncEvals[k] {
			t.Fatalf("step %d: %d closure evaluations, torch %d", k, lb.FuncEvals(), r.FuncEvals[k])
		}
		off := 0
		for _, p := range params {
			for _, v := range p.Data() {
				if want := r.Trajectory[k][off]; !relClose(v, want, fixtureTol) {
					t.Fatalf("step %d: parameter %d = %.17g, torch %.17g", k, off, v, want)
				}
				w.add(v, r.Trajectory[k][off])
				off++
			}
		}
	}
	return r.Steps
}

func TestLBFGSMatchesScipy(t *testing.T) {
	var fx struct {
		X0       []float64 `json:"x0"`
		X        []float64 `json:"x"`
		F        float64   `json:"f"`
		Funcalls int       `json:"funcalls"`
		TorchX   []float64 `json:"torch_x"`
		TorchFE  int       `json:"torch_func_evals"`
	}
	readJSON(t, "lbfgs_scipy.json", &fx)
	w := tensor.New(append([]float64(nil), fx.X0...))
	opt := NewLBFGS([]*tensor.Tensor{w}, LBFGSConfig{StrongWolfe: true, MaxIter: 1000, MaxEval: 2000, ToleranceGrad: 1e-12, ToleranceChange: 1e-15, HistorySize: 10})
	opt.Step(problems.Closure(problems.Rosenbrock{N: 2}, w))
	for i, v := range w.Data() {
		if math.Abs(v-fx.X[i]) > 1e-8 {
			t.Errorf("w[%d] = %.17g, scipy %.17g", i, v, fx.X[i])
		}
	}
	if opt.FuncEvals() != fx.TorchFE {
		t.Errorf("%d evaluations, torch.optim.LBFGS %d", opt.FuncEvals(), fx.TorchFE)
	}
	for i, v := range w.Data() {
		if math.Abs(v-fx.TorchX[i]) > 1e-12 {
			t.Errorf("w[%d] = %.17g, torch %.17g", i, v, fx.TorchX[i])
		}
	}
	t.Logf("L-BFGS on Rosenbrock from %v: %d evaluations, %d iterations (torch.optim.LBFGS: %d); scipy fmin_l_bfgs_b: %d evaluations", fx.X0, opt.FuncEvals(), opt.Iterations(), fx.TorchFE, fx.Funcalls)
}

// TestTorchKernels checks the arithmetic the optimizers share with torch
// against testdata/kernels.json: dot products and sums must equal torch's
// bit for bit, powers must be the exactly rounded values.
func TestTorchKernels(t *testing.T) {
	var fx struct {
		Vectors []struct {
			X      []float64 `json:"x"`
			Y      []float64 `json:"y"`
			Dot    float64   `json:"dot"`
			Sum    float64   `json:"sum"`
			AbsSum float64   `json:"abs_sum"`
		} `json:"vectors"`
		Powers [][4]float64 `json:"powers"`
	}
	readJSON(t, "kernels.json", &fx)
	if len(fx.Vectors) == 0 || len(fx.Powers) == 0 {
		t.Fatalf("kernel fixtures hold %d vectors and %d powers; regenerate testdata", len(fx.Vectors), len(fx.Powers))
	}
	for _, v := range fx.Vectors {
		abs := make([]float64, len(v.X))
		for i, x := range v.X {
			abs[i] = math.Abs(x)
		}
		for _, c := range []struct {
			name      string
			got, want float64
		}{
			{"dot", blasDot(v.X, v.Y), v.Dot},
			{"sum", torchSum(v.X), v.Sum},
			{"abs sum", torchSum(abs), v.AbsSum},
		} {
			if c.got != c.want {
				t.Errorf("n = %d: %s %.17g, torch %.17g", len(v.X), c.name, c.got, c.want)
			}
		}
	}
	pythonOff, goOff := 0, 0
	for _, p := range fx.Powers {
		x, y, exact, python := p[0], p[1], p[2], p[3]
		if got := torchPow(x, y); got != exact {
			t.Errorf("torchPow(%v, %v) = %.17g, exactly rounded %.17g", x, y, got, exact)
		}
		if python != exact {
			pythonOff++
		}
		if math.Pow(x, y) != exact {
			goOff++
		}
	}
	t.Logf("%d vectors; %d powers: Python's x ** y differs from the exactly rounded value in %d, math.Pow in %d",
		len(fx.Vectors), len(fx.Powers), pythonOff, goOff)
}
