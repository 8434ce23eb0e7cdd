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
	"gonum.org/v1/gonum/mat"
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

// worst tracks the largest relative difference seen, for the test log.
type worst struct{ rel, abs float64 }

func (w *worst) add(a, b float64) {
	d := math.Abs(a - b)
	w.abs = math.Max(w.abs, d)
	if b != 0 {
		w.rel = math.Max(w.rel, d/math.Abs(b))
	}
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
		return NewLBFGS(params, LBFGSConfig{LR: lr, MaxIter: int(f("max_iter")), HistorySize: int(f("history_size")), StrongWolfe: ls == "strong_wolfe"})
	}
	t.Fatalf("no optimizer %q", r.Optimizer)
	return nil
}

// signedProblem supplies the gradient of sign·f.
type signedProblem struct {
	problems.Problem
	sign float64
}

func (s signedProblem) Func(w []float64) float64 { return s.sign * s.Problem.Func(w) }
func (s signedProblem) Grad(g, w []float64) {
	s.Problem.Grad(g, w)
	for i := range g {
		g[i] *= s.sign
	}
}

func TestTorchOptimizerTrajectories(t *testing.T) {
	var fx optFixtures
	readJSON(t, "optimizers.json", &fx)
	q := fx.Problems.Quadratic
	a := mat.NewSymDense(len(q.B), nil)
	for i := range q.A {
		for j := i; j < len(q.A); j++ {
			a.SetSym(i, j, q.A[i][j])
		}
	}
	quad := problems.NewQuadratic(a, q.B)
	seen := map[string]bool{}
	var w worst
	steps := 0
	for _, r := range fx.Runs {
		t.Run(fmt.Sprintf("%s/%s/%s", r.Problem, r.Optimizer, r.Tag), func(t *testing.T) {
			seen[r.Optimizer] = true
			sign := 1.0
			if m, _ := r.Options["maximize"].(bool); m {
				sign = -1
			}
			var params []*tensor.Tensor
			var closure func() float64
			switch r.Problem {
			case "quadratic", "rosenbrock":
				var p problems.Problem = quad
				w0 := q.W0
				if r.Problem == "rosenbrock" {
					p, w0 = problems.Rosenbrock{N: 2}, fx.Problems.Rosenbrock.W0
				}
				w := tensor.New(append([]float64(nil), w0...))
				params = []*tensor.Tensor{w}
				closure = problems.Closure(signedProblem{p, sign}, w)
			case "mlp":
				m := newMLP(&fx.Problems.MLP)
				params = m.params
				closure = func() float64 { return sign * m.lossAndGrad(sign) }
			}
			steps += followTrajectory(t, r, params, closure, &w)
		})
	}
	t.Logf("%d runs, %d steps compared; largest difference from torch: %.2g relative, %.2g absolute", len(fx.Runs), steps, w.rel, w.abs)
	for _, name := range []string{"SGD", "Adam", "AdamW", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam", "ASGD", "RMSprop", "Rprop", "LBFGS"} {
		if !seen[name] {
			t.Errorf("no fixture for %s", name)
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
