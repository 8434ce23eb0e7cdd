package optim

import (
	"encoding/json"
	"math"
	"math/rand"
	"testing"

	"github.com/descentlab/descent/optimlib/nn"
	"github.com/descentlab/descent/optimlib/problems"
	"github.com/descentlab/descent/optimlib/tensor"
)

func TestClipMatchesTorch(t *testing.T) {
	var fx struct {
		Grads  [][]float64 `json:"grads"`
		Shapes [][]int     `json:"shapes"`
		Cases  []struct {
			Kind     string      `json:"kind"`
			MaxNorm  float64     `json:"max_norm"`
			NormType any         `json:"norm_type"`
			Total    float64     `json:"total"`
			Clip     float64     `json:"clip"`
			Grads    [][]float64 `json:"grads"`
		} `json:"cases"`
	}
	readJSON(t, "clip.json", &fx)
	for ci, c := range fx.Cases {
		params := make([]*tensor.Tensor, len(fx.Grads))
		for i, g := range fx.Grads {
			params[i] = tensor.Zeros(fx.Shapes[i]...)
			params[i].SetGrad(tensor.New(append([]float64(nil), g...), fx.Shapes[i]...))
		}
		if c.Kind == "norm" {
			nt := math.Inf(1)
			if v, ok := c.NormType.(float64); ok {
				nt = v
			}
			total := ClipGradNorm(params, c.MaxNorm, nt)
			if !relClose(total, c.Total, fixtureTol) {
				t.Errorf("case %d: total norm %.17g, torch %.17g", ci, total, c.Total)
			}
		} else {
			ClipGradValue(params, c.Clip)
		}
		for i, p := range params {
			for j, v := range p.Grad().Data() {
				if !relClose(v, c.Grads[i][j], fixtureTol) {
					t.Fatalf("case %d (%s): grad[%d][%d] = %.17g, torch %.17g", ci, c.Kind, i, j, v, c.Grads[i][j])
				}
			}
		}
	}
}

// runTrajectory runs opt for steps on p from w0 and returns the iterates.
func runTrajectory(opt Optimizer, w *tensor.Tensor, p problems.Problem, steps int) [][]float64 {
	var out [][]float64
	for k := 0; k < steps; k++ {
		opt.Step(problems.Closure(p, w))
		out = append(out, append([]float64(nil), w.Data()...))
	}
	return out
}

func TestStateDictRoundTrip(t *testing.T) {
	q := rotatedQuadratic(5, 1, 20)
	makers := map[string]func(w *tensor.Tensor) Optimizer{
		"SGD": func(w *tensor.Tensor) Optimizer {
			return NewSGD([]*tensor.Tensor{w}, SGD{LR: 0.02, Momentum: 0.9, Nesterov: true})
		},
		"Adam":  func(w *tensor.Tensor) Optimizer { return NewAdam([]*tensor.Tensor{w}, Adam{LR: 0.05, AMSGrad: true}) },
		"NAdam": func(w *tensor.Tensor) Optimizer { return NewNAdam([]*tensor.Tensor{w}, NAdam{LR: 0.05}) },
		"ASGD":  func(w *tensor.Tensor) Optimizer { return NewASGD([]*tensor.Tensor{w}, ASGD{LR: 0.02, T0: 3}) },
		"Rprop": func(w *tensor.Tensor) Optimizer { return NewRprop([]*tensor.Tensor{w}, Rprop{}) },
		"LBFGS": func(w *tensor.Tensor) Optimizer {
			return NewLBFGS([]*tensor.Tensor{w}, LBFGSConfig{MaxIter: 2, StrongWolfe: true})
		},
		"Lion": func(w *tensor.Tensor) Optimizer { return NewLion([]*tensor.Tensor{w}, Lion{LR: 0.01}) },
		"SF-AdamW": func(w *tensor.Tensor) Optimizer {
			return NewScheduleFreeAdamW([]*tensor.Tensor{w}, ScheduleFreeAdamW{LR: 0.05})
		},
	}
	for name, mk := range makers {
		t.Run(name, func(t *testing.T) {
			w := tensor.New(make([]float64, 5))
			opt := mk(w)
			runTrajectory(opt, w, q, 7)
			raw, err := json.Marshal(opt.StateDict())
			if err != nil {
				t.Fatal(err)
			}
			want := runTrajectory(opt, w, q, 5)

			// A fresh optimizer at the point where the state was saved.
			w3 := tensor.New(make([]float64, 5))
			runTrajectory(mk(w3), w3, q, 7)
			opt2 := mk(w3)
			var sd StateDict
			if err := json.Unmarshal(raw, &sd); err != nil {
				t.Fatal(err)
			}
			opt2.SetLR(123) // overwritten by the load
			if err := opt2.LoadStateDict(&sd); err != nil {
				t.Fatal(err)
			}
			got := runTrajectory(opt2, w3, q, 5)
			for k := range want {
				for i := range want[k] {
					if got[k][i] != want[k][i] {
						t.Fatalf("step %d after reload: %v, want %v", k, got[k], want[k])
					}
				}
			}
		})
	}
}

func TestLoadStateDictErrors(t *testing.T) {
	a := NewSGD([]*tensor.Tensor{tensor.Zeros(3)}, SGD{LR: 0.1, Momentum: 0.9})
	b := NewSGD([]*tensor.Tensor{tensor.Zeros(4)}, SGD{LR: 0.1, Momentum: 0.9})
	a.ParamGroups()[0].Params[0].SetGrad(tensor.Ones(3))
	a.Step(nil)
	if err := b.LoadStateDict(a.StateDict()); err == nil {
		t.Fatal("loading a state for 3 values into a parameter of 4 succeeded")
	}
	b.AddParamGroup([]*tensor.Tensor{tensor.Zeros(1)}, &SGD{LR: 1})
	if err := b.LoadStateDict(a.StateDict()); err == nil {
		t.Fatal("loading 1 group into 2 succeeded")
	}
}

func TestParamGroupsOwnHyperparameters(t *testing.T) {
	w1, w2 := tensor.New([]float64{1}), tensor.New([]float64{1})
	opt := NewSGD([]*tensor.Tensor{w1}, SGD{LR: 0.1})
	opt.AddParamGroup([]*tensor.Tensor{w2}, &SGD{LR: 0.5})
	w1.SetGrad(tensor.New([]float64{1}))
	w2.SetGrad(tensor.New([]float64{1}))
	opt.Step(nil)
	if w1.Data()[0] != 0.9 || w2.Data()[0] != 0.5 {
		t.Fatalf("after one step w1 = %g, w2 = %g; want 0.9, 0.5", w1.Data()[0], w2.Data()[0])
	}
	opt.SetLR(0.01)
	if opt.LR() != 0.01 || opt.ParamGroups()[1].Hyper.LearningRate() != 0.01 {
		t.Fatal("SetLR did not reach every group")
	}
	opt.ZeroGrad()
	if w1.Grad() != nil || w2.Grad() != nil {
		t.Fatal("ZeroGrad left gradients")
	}
	opt.Step(nil) // no gradients: nothing moves
	if w1.Data()[0] != 0.9 {
		t.Fatal("a parameter without gradient moved")
	}
	defer func() {
		if recover() == nil {
			t.Fatal("adding a parameter twice did not panic")
		}
	}()
	opt.AddParamGroup([]*tensor.Tensor{w1}, &SGD{LR: 1})
}

func TestSteadyStateAdam(t *testing.T) {
	// The lecture's form: m ← βm + (1−β)g, v ← αv + (1−α)g², w ← w − γ m/(√v+ε).
	w := tensor.New([]float64{2})
	opt := NewAdam([]*tensor.Tensor{w}, Adam{LR: 0.1, Betas: [2]float64{0.5, 0.8}, SteadyState: true})
	m, v, x := 0.0, 0.0, 2.0
	for k := 0; k < 10; k++ {
		g := 3*x - 1
		w.SetGrad(tensor.New([]float64{g}))
		opt.Step(nil)
		m = 0.5*m + 0.5*g
		v = 0.8*v + 0.2*g*g
		x -= 0.1 * m / (math.Sqrt(v) + 1e-8)
		if !relClose(w.Data()[0], x, 1e-14) {
			t.Fatalf("step %d: %g, want %g", k, w.Data()[0], x)
		}
	}
}

func TestLionMovesEachCoordinateByLR(t *testing.T) {
	q := rotatedQuadratic(4, 1, 10)
	w := tensor.New([]float64{3, -2, 1, 5})
	opt := NewLion([]*tensor.Tensor{w}, Lion{LR: 0.01})
	prev := append([]float64(nil), w.Data()...)
	for k := 0; k < 50; k++ {
		opt.Step(problems.Closure(q, w))
		for i, v := range w.Data() {
			if d := math.Abs(v - prev[i]); math.Abs(d-0.01) > 1e-12 {
				t.Fatalf("step %d: coordinate %d moved by %g, want γ = 0.01", k, i, d)
			}
		}
		copy(prev, w.Data())
	}
	if q.Func(w.Data()) >= q.Func([]float64{3, -2, 1, 5}) {
		t.Fatal("Lion did not decrease the loss")
	}
}

func TestLAMBTrustRatio(t *testing.T) {
	// Without weight decay each step has length exactly γ‖w‖.
	q := rotatedQuadratic(6, 1, 10)
	w := tensor.New([]float64{1, 2, 3, -1, -2, 0.5})
	opt := NewLAMB([]*tensor.Tensor{w}, LAMB{LR: 0.01})
	for k := 0; k < 20; k++ {
		before := append([]float64(nil), w.Data()...)
		norm := dist(before, make([]float64, 6))
		opt.Step(problems.Closure(q, w))
		if d := dist(w.Data(), before); math.Abs(d-0.01*norm) > 1e-12 {
			t.Fatalf("step %d: moved %g, want γ‖w‖ = %g", k, d, 0.01*norm)
		}
	}
}

func TestScheduleFreeAveraging(t *testing.T) {
	q := rotatedQuadratic(4, 1, 10)
	cases := []struct {
		name string
		opt  func(w *tensor.Tensor) *ScheduleFree
		// weight of step t in the average of z
		weight func(t int) float64
	}{
		{"SGD", func(w *tensor.Tensor) *ScheduleFree {
			return NewScheduleFreeSGD([]*tensor.Tensor{w}, ScheduleFreeSGD{LR: 0.05})
		}, func(int) float64 { return 1 }},
		{"AdamW", func(w *tensor.Tensor) *ScheduleFree {
			return NewScheduleFreeAdamW([]*tensor.Tensor{w}, ScheduleFreeAdamW{LR: 0.05})
		}, func(t int) float64 { return 1 - math.Pow(0.999, float64(t)) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := tensor.New([]float64{1, -1, 2, 0})
			opt := c.opt(w)
			sum := make([]float64, 4)
			total := 0.0
			for k := 1; k <= 40; k++ {
				opt.Step(problems.Closure(q, w))
				z := opt.State(w).Bufs["z"]
				for i := range sum {
					sum[i] += c.weight(k) * z[i]
				}
				total += c.weight(k)
			}
			y := append([]float64(nil), w.Data()...)
			opt.Eval()
			for i, v := range w.Data() {
				if want := sum[i] / total; !relClose(v, want, 1e-10) {
					t.Fatalf("x[%d] = %.15g, weighted average of z = %.15g", i, v, want)
				}
			}
			func() {
				defer func() {
					if recover() == nil {
						t.Fatal("Step in eval mode did not panic")
					}
				}()
				opt.Step(problems.Closure(q, w))
			}()
			opt.Train()
			for i, v := range w.Data() {
				if !relClose(v, y[i], 1e-12) {
					t.Fatalf("Train after Eval: y[%d] = %g, was %g", i, v, y[i])
				}
			}
		})
	}
}

func TestAveragers(t *testing.T) {
	w := tensor.New([]float64{0, 0})
	pol, ema := NewPolyak([]*tensor.Tensor{w}), NewEMA([]*tensor.Tensor{w}, 0.5)
	vals := [][]float64{{1, 2}, {3, 4}, {5, 0}}
	for _, v := range vals {
		copy(w.Data(), v)
		pol.Update()
		ema.Update()
	}
	if got := pol.Average(0).Data(); got[0] != 3 || got[1] != 2 {
		t.Fatalf("Polyak average %v, want [3 2]", got)
	}
	// EMA: 1 → 0.5·1+0.5·3 = 2 → 0.5·2+0.5·5 = 3.5; 2 → 3 → 1.5.
	if got := ema.Average(0).Data(); got[0] != 3.5 || got[1] != 1.5 {
		t.Fatalf("EMA %v, want [3.5 1.5]", got)
	}
	pol.Swap()
	if w.Data()[0] != 3 || pol.Average(0).Data()[0] != 5 {
		t.Fatal("Swap did not exchange the values")
	}
	pol.Swap()
	dst := tensor.Zeros(2)
	ema.CopyTo([]*tensor.Tensor{dst})
	if dst.Data()[0] != 3.5 {
		t.Fatal("CopyTo did not copy")
	}
}

func TestPolyakAveragingReducesNoise(t *testing.T) {
	// The lecture: with SGD the average of the iterates beats the last one.
	rng := rand.New(rand.NewSource(1))
	q := problems.NewNoisyQuadratic(problems.NewDiagQuadratic(10, 1, 4), 1, rng)
	w := tensor.New(make([]float64, 10))
	opt := NewSGD([]*tensor.Tensor{w}, SGD{LR: 0.1})
	avg := NewPolyak([]*tensor.Tensor{w})
	for k := 0; k < 2000; k++ {
		opt.Step(problems.Closure(q, w))
		if k >= 200 {
			avg.Update()
		}
	}
	ws := q.Minimizer()
	last, mean := dist(w.Data(), ws), dist(avg.Average(0).Data(), ws)
	if mean > last/3 {
		t.Fatalf("averaged error %g not well below last-iterate error %g", mean, last)
	}
}

func TestASGDAverage(t *testing.T) {
	w := tensor.New([]float64{1})
	opt := NewASGD([]*tensor.Tensor{w}, ASGD{LR: 0.1, T0: 2, Lambd: 1e-12})
	var iterates []float64
	for k := 0; k < 6; k++ {
		w.SetGrad(tensor.New([]float64{w.Data()[0] - 3}))
		opt.Step(nil)
		iterates = append(iterates, w.Data()[0])
	}
	// Step t uses μ = 1/max(1, t − 1 − t0): the average restarts at step
	// t0 + 2 = 4 and is uniform over steps 4..6.
	want := (iterates[3] + iterates[4] + iterates[5]) / 3
	if got := Averaged(opt, w)[0]; !relClose(got, want, 1e-12) {
		t.Fatalf("ASGD average %g, want %g", got, want)
	}
}

func TestGradNoise(t *testing.T) {
	n := NewGradNoise(0.3, 0, rand.New(rand.NewSource(2)))
	if s := n.Sigma(); !relClose(s, math.Sqrt(0.3), 1e-15) {
		t.Fatalf("σ_0 = %g", s)
	}
	p := tensor.Zeros(20000)
	p.SetGrad(tensor.Zeros(20000))
	n.Apply([]*tensor.Tensor{p})
	if s := n.Sigma(); !relClose(s, math.Sqrt(0.3/math.Pow(2, 0.55)), 1e-15) {
		t.Fatalf("σ_1 = %g", s)
	}
	sum := 0.0
	for _, v := range p.Grad().Data() {
		sum += v * v
	}
	if sd := math.Sqrt(sum / 20000); math.Abs(sd-math.Sqrt(0.3)) > 0.02 {
		t.Fatalf("noise standard deviation %g, want %g", sd, math.Sqrt(0.3))
	}
}

func TestUpdateBN(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	lin := nn.NewLinear(3, 4, rng)
	bn := nn.NewBatchNorm1d(4)
	model := nn.NewSequential(lin, bn, nn.NewReLU())
	var batches []*tensor.Tensor
	// update_bn's statistics: the plain average over batches of each
	// batch's mean and unbiased variance.
	want, wantVar := make([]float64, 4), make([]float64, 4)
	for b := 0; b < 3; b++ {
		x := tensor.Randn(rng, 5, 3)
		batches = append(batches, x)
		h := lin.Forward(x).Data()
		for j := 0; j < 4; j++ {
			s, ss := 0.0, 0.0
			for i := 0; i < 5; i++ {
				s += h[i*4+j]
			}
			for i := 0; i < 5; i++ {
				ss += (h[i*4+j] - s/5) * (h[i*4+j] - s/5)
			}
			want[j] += s / 5 / 3
			wantVar[j] += ss / 4 / 3
		}
	}
	model.Eval()
	UpdateBN(model, batches)
	if model.Training() {
		t.Fatal("UpdateBN left the model in training mode")
	}
	if bn.CumulativeAverage {
		t.Fatal("UpdateBN did not restore the momentum setting")
	}
	for j, v := range bn.RunningMean.Data() {
		if !relClose(v, want[j], 1e-12) {
			t.Fatalf("running mean[%d] = %g, mean over batches %g", j, v, want[j])
		}
	}
	for j, v := range bn.RunningVar.Data() {
		if !relClose(v, wantVar[j], 1e-12) {
			t.Fatalf("running var[%d] = %g, average batch variance %g", j, v, wantVar[j])
		}
	}
}

// Every method satisfies the common interfaces.
var (
	_ Optimizer = (*RuleOptimizer)(nil)
	_ Optimizer = (*ScheduleFree)(nil)
	_ Optimizer = (*LBFGS)(nil)
	_ Optimizer = (*Newton)(nil)
	_ Optimizer = (*NonlinearCG)(nil)
	_ Scheduler = (*LRScheduler)(nil)
	_ Scheduler = (*SequentialLR)(nil)
	_ Scheduler = (*ChainedScheduler)(nil)
	_ Rule      = (*Chained)(nil)
)
