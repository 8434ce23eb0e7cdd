package optim

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"github.com/descentlab/descent/optimlib/tensor"
	"gonum.org/v1/gonum/mat"
)

// _cellRule stands for the type the interpreter generates around a rule
// defined in a notebook cell.
type _cellRule struct {
	IValue any
	WLR    func() float64
}

func (r _cellRule) LearningRate() float64         { return r.WLR() }
func (_cellRule) SetLearningRate(float64)         {}
func (_cellRule) Update(_ *State, _, _ []float64) {}

func TestOptimizerStrings(t *testing.T) {
	w, b := tensor.Zeros(3, 2), tensor.Zeros(2)
	sgd := NewSGD([]*tensor.Tensor{w, b}, SGD{LR: 0.1, Momentum: 0.9})
	sgd.AddParamGroup([]*tensor.Tensor{tensor.Zeros(4)}, &SGD{LR: 0.01})
	cases := []struct {
		opt  fmt.Stringer
		want []string
	}{
		{sgd, []string{
			"SGD (\nParameter Group 0 (2 tensors, 8 values)\n    lr: 0.1\n    momentum: 0.9\n    dampening: 0\n",
			"Parameter Group 1 (1 tensors, 4 values)\n    lr: 0.01\n    momentum: 0\n",
			"    maximize: false\n)",
		}},
		{NewAdam([]*tensor.Tensor{w}, Adam{}), []string{"Adam (\n", "    lr: 0.001\n    betas: [0.9 0.999]\n    eps: 1e-08\n", "    steady_state: false\n)"}},
		{New([]*tensor.Tensor{w}, Chain(&SGD{LR: 0.5}, &ClipValue{Clip: 1}, &Noise{Sigma: 0.1, Rng: rand.New(rand.NewSource(1))})), []string{
			"Chained (\nParameter Group 0 (1 tensors, 6 values)\n    settings: {",
			`"lr":0.5`, `"clip":1`, `"sigma":0.1`,
		}},
		{NewLBFGS([]*tensor.Tensor{w}, LBFGSConfig{StrongWolfe: true}), []string{"LBFGS (\n", "    lr: 1\n    max_iter: 20\n", "    history_size: 100\n    strong_wolfe: true\n)"}},
		{NewNewton([]*tensor.Tensor{b}, NewtonConfig{Damping: 0.5}, func() *mat.SymDense { return nil }), []string{"Newton (\n", "    lr: 1\n    damping: 0.5\n    backtracking: false\n)"}},
		{NewNonlinearCG([]*tensor.Tensor{b}, CGConfig{Variant: PolakRibierePlus}), []string{"NonlinearCG (\n", "    variant: Polak–Ribière+\n"}},
		{New([]*tensor.Tensor{b}, _cellRule{WLR: func() float64 { return 0.3 }}), []string{"Rule (\nParameter Group 0 (1 tensors, 2 values)\n    lr: 0.3\n)"}},
		{NewScheduleFreeSGD([]*tensor.Tensor{b}, ScheduleFreeSGD{LR: 1}), []string{"ScheduleFreeSGD (\n", "    warmup_steps: 0\n)"}},
	}
	for _, c := range cases {
		s := c.opt.String()
		for _, want := range c.want {
			if !strings.Contains(s, want) {
				t.Errorf("%s\ndoes not contain %q", s, want)
			}
		}
	}
}

func TestSchedulerAndAveragerStrings(t *testing.T) {
	o := twoGroups(0.9)
	step := NewStepLR(o, 2, 0.5)
	step.Step()
	step.Step()
	plateau := NewReduceLROnPlateau(twoGroups(0), DefaultPlateau())
	plateau.Step(3)
	o2 := twoGroups(0)
	ema := NewEMA([]*tensor.Tensor{tensor.Zeros(2), tensor.Zeros(1)}, 0.9)
	ema.Update()
	ema.Update()
	cases := []struct {
		s    fmt.Stringer
		want string
	}{
		{step, "StepLR(epoch 2, lr [0.05 0.025])"},
		{NewSequentialLR(o2, []*LRScheduler{NewLinearLR(o2, 0.5, 1, 4), NewExponentialLR(o2, 0.9)}, []int{4}), "SequentialLR(LinearLR, ExponentialLR at milestones [4]; epoch 0, lr [0.05 0.025])"},
		{NewChainedScheduler(o2, NewConstantLR(o2, 0.5, 2), NewCosineAnnealingLR(o2, 10, 0)), "ChainedScheduler(ConstantLR × CosineAnnealingLR; lr "},
		{ema, "exponential moving average (β = 0.9) of 2 tensors (3 values) over 2 updates"},
		{NewPolyak([]*tensor.Tensor{tensor.Zeros(4)}), "Polyak (uniform) average of 1 tensors (4 values) over 0 updates"},
		{plateau, "ReduceLROnPlateau(epoch 1, best 3, 0 bad epochs, lr [0.1 0.05])"},
	}
	for _, c := range cases {
		if got := c.s.String(); !strings.HasPrefix(got, c.want) {
			t.Errorf("got %q, want %q", got, c.want)
		}
	}
}
