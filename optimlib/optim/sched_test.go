package optim

import (
	"testing"

	"github.com/descentlab/descent/optimlib/tensor"
)

type schedCase struct {
	Name      string      `json:"name"`
	LRs       [][]float64 `json:"lrs"`
	Momentums [][]float64 `json:"momentums"`
	Metrics   []float64   `json:"metrics"`
}

// twoGroups mirrors the fixture's optimizer: SGD with lr 0.1 and a second
// group with lr 0.05.
func twoGroups(momentum float64) *RuleOptimizer {
	o := NewSGD([]*tensor.Tensor{tensor.Zeros(1)}, SGD{LR: 0.1, Momentum: momentum})
	o.AddParamGroup([]*tensor.Tensor{tensor.Zeros(1)}, &SGD{LR: 0.05, Momentum: momentum})
	return o
}

func TestSchedulersMatchTorch(t *testing.T) {
	var fx struct {
		Cases []schedCase `json:"cases"`
	}
	readJSON(t, "schedulers.json", &fx)
	build := map[string]func(o *RuleOptimizer) Scheduler{
		"StepLR":            func(o *RuleOptimizer) Scheduler { return NewStepLR(o, 10, 0.5) },
		"MultiStepLR":       func(o *RuleOptimizer) Scheduler { return NewMultiStepLR(o, []int{15, 40, 40, 70}, 0.3) },
		"ExponentialLR":     func(o *RuleOptimizer) Scheduler { return NewExponentialLR(o, 0.95) },
		"CosineAnnealingLR": func(o *RuleOptimizer) Scheduler { return NewCosineAnnealingLR(o, 30, 0.001) },
		"LinearLR":          func(o *RuleOptimizer) Scheduler { return NewLinearLR(o, 0.1, 1, 20) },
		"ConstantLR":        func(o *RuleOptimizer) Scheduler { return NewConstantLR(o, 0.25, 7) },
		"LambdaLR": func(o *RuleOptimizer) Scheduler {
			return NewLambdaLR(o, func(e int) float64 { return 1.0 / (1.0 + 0.1*float64(e)) })
		},
		"MultiplicativeLR": func(o *RuleOptimizer) Scheduler {
			return NewMultiplicativeLR(o, func(int) float64 { return 0.97 })
		},
		"PolynomialLR": func(o *RuleOptimizer) Scheduler { return NewPolynomialLR(o, 60, 2) },
		"OneCycleLR": func(o *RuleOptimizer) Scheduler {
			return NewOneCycleLR(o, OneCycleConfig{MaxLR: []float64{0.5, 0.2}, TotalSteps: 100})
		},
		"OneCycleLR_three_phase_linear": func(o *RuleOptimizer) Scheduler {
			return NewOneCycleLR(o, OneCycleConfig{MaxLR: []float64{0.3}, TotalSteps: 100, ThreePhase: true, Linear: true,
				PctStart: 0.25, DivFactor: 10, FinalDivFactor: 100})
		},
		"SequentialLR": func(o *RuleOptimizer) Scheduler {
			warm := NewLinearLR(o, 0.01, 1, 10)
			cos := NewCosineAnnealingLR(o, 90, 0)
			return NewSequentialLR(o, []*LRScheduler{warm, cos}, []int{10})
		},
		"CyclicLR_triangular2": func(o *RuleOptimizer) Scheduler {
			return NewCyclicLR(o, CyclicConfig{BaseLR: []float64{0.01, 0.02}, MaxLR: []float64{0.3}, StepSizeUp: 10, StepSizeDown: 5, Mode: "triangular2"})
		},
		"CyclicLR_exp_range": func(o *RuleOptimizer) Scheduler {
			return NewCyclicLR(o, CyclicConfig{BaseLR: []float64{0.01}, MaxLR: []float64{0.2}, StepSizeUp: 7, Mode: "exp_range", Gamma: 0.97,
				BaseMomentum: 0.7, MaxMomentum: 0.95})
		},
		"CosineAnnealingWarmRestarts": func(o *RuleOptimizer) Scheduler { return NewCosineAnnealingWarmRestarts(o, 10, 2, 0.01) },
		"ChainedScheduler": func(o *RuleOptimizer) Scheduler {
			return NewChainedScheduler(o, NewConstantLR(o, 0.5, 4), NewExponentialLR(o, 0.9))
		},
		"SequentialLR_three": func(o *RuleOptimizer) Scheduler {
			warm := NewConstantLR(o, 0.5, 5)
			step := NewStepLR(o, 20, 0.1)
			expo := NewExponentialLR(o, 0.9)
			return NewSequentialLR(o, []*LRScheduler{warm, step, expo}, []int{5, 60})
		},
	}
	plateau := map[string]func(o *RuleOptimizer) *ReduceLROnPlateau{
		"ReduceLROnPlateau": func(o *RuleOptimizer) *ReduceLROnPlateau {
			c := DefaultPlateau()
			c.Patience, c.Factor, c.Cooldown, c.MinLR = 5, 0.5, 2, []float64{0.002, 0.001}
			return NewReduceLROnPlateau(o, c)
		},
		"ReduceLROnPlateau_max_abs": func(o *RuleOptimizer) *ReduceLROnPlateau {
			c := DefaultPlateau()
			c.Max, c.AbsThreshold, c.Threshold, c.Patience, c.Factor = true, true, 0.5, 3, 0.7
			return NewReduceLROnPlateau(o, c)
		},
	}
	for _, c := range fx.Cases {
		t.Run(c.Name, func(t *testing.T) {
			mom := 0.0
			if c.Momentums != nil {
				mom = 0.9
			}
			o := twoGroups(mom)
			check := func(k int, got []float64) {
				t.Helper()
				for i, want := range c.LRs[k] {
					if !relClose(got[i], want, fixtureTol) {
						t.Fatalf("step %d group %d: lr %.17g, torch %.17g", k, i, got[i], want)
					}
				}
				if c.Momentums != nil {
					for i, want := range c.Momentums[k] {
						if got := o.ParamGroups()[i].Hyper.(Momentum).MomentumBeta(); !relClose(got, want, fixtureTol) {
							t.Fatalf("step %d group %d: momentum %.17g, torch %.17g", k, i, got, want)
						}
					}
				}
			}
			if mk, ok := plateau[c.Name]; ok {
				s := mk(o)
				check(0, s.LastLR())
				for k, m := range c.Metrics {
					o.Step(nil)
					s.Step(m)
					check(k+1, s.LastLR())
				}
				return
			}
			mk, ok := build[c.Name]
			if !ok {
				t.Fatalf("no Go scheduler for fixture %q", c.Name)
			}
			s := mk(o)
			check(0, s.LastLR())
			for k := 1; k < len(c.LRs); k++ {
				o.Step(nil)
				s.Step()
				check(k, s.LastLR())
				for i, g := range o.ParamGroups() {
					if g.Hyper.LearningRate() != s.LastLR()[i] {
						t.Fatalf("step %d: group %d has lr %g, scheduler reports %g", k, i, g.Hyper.LearningRate(), s.LastLR()[i])
					}
				}
			}
		})
	}
}
