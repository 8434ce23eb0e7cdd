package optim

import (
	"strings"
	"testing"

	"github.com/descentlab/descent/optimlib/problems"
	"github.com/descentlab/descent/optimlib/tensor"
	"gonum.org/v1/gonum/mat"
)

// TestBadInputPanics checks that misuse a notebook cell can make panics
// with an error naming the operation and what was wrong.
func TestBadInputPanics(t *testing.T) {
	w2 := func() *tensor.Tensor { return tensor.New([]float64{1, 2}) }
	cases := []struct {
		name string
		want string
		f    func()
	}{
		{"SGD negative lr", "NewSGD: invalid lr -1", func() { NewSGD([]*tensor.Tensor{w2()}, SGD{LR: -1}) }},
		{"Nesterov without momentum", "NewSGD: Nesterov", func() { NewSGD([]*tensor.Tensor{w2()}, SGD{LR: 1, Nesterov: true}) }},
		{"Adam beta ≥ 1", "NewAdam: invalid lr", func() { NewAdam([]*tensor.Tensor{w2()}, Adam{Betas: [2]float64{1, 0.999}}) }},
		{"parameter twice", "AddParamGroup: parameter of shape [2]", func() {
			w := w2()
			NewSGD([]*tensor.Tensor{w}, SGD{LR: 1}).AddParamGroup([]*tensor.Tensor{w}, &SGD{LR: 1})
		}},
		{"rule on mismatched gradient", "SGD: gradient has 3 values, parameter 2", func() {
			(&SGD{LR: 1}).Update(&State{}, []float64{1, 2}, []float64{1, 2, 3})
		}},
		{"LBFGS without closure", "LBFGS.Step: a closure", func() { NewLBFGS([]*tensor.Tensor{w2()}, LBFGSConfig{}).Step(nil) }},
		{"Newton with a wrong Hessian", "Newton.Step: Hessian callback returned a 3×3 matrix for 2 parameters", func() {
			w := w2()
			NewNewton([]*tensor.Tensor{w}, NewtonConfig{}, func() *mat.SymDense { return mat.NewSymDense(3, nil) }).
				Step(problems.Closure(problems.Rosenbrock{N: 2}, w))
		}},
		{"CopyTo wrong shape", "Averager.CopyTo: tensor 0 has shape [3]", func() {
			NewPolyak([]*tensor.Tensor{w2()}).CopyTo([]*tensor.Tensor{tensor.Zeros(3)})
		}},
		{"OneCycle without momentum", "NewOneCycleLR: group 0's optimizer (*optim.Adagrad) has no momentum", func() {
			NewOneCycleLR(NewAdagrad([]*tensor.Tensor{w2()}, Adagrad{}), OneCycleConfig{MaxLR: []float64{1}, TotalSteps: 10})
		}},
		{"Cyclic without momentum", "NewCyclicLR: group 0's optimizer (*optim.Adagrad) has no momentum", func() {
			NewCyclicLR(NewAdagrad([]*tensor.Tensor{w2()}, Adagrad{}), CyclicConfig{BaseLR: []float64{0.1}, MaxLR: []float64{1}})
		}},
		{"per-group values", "NewCyclicLR: 3 values for MaxLR, want 1 or 2", func() {
			NewCyclicLR(twoGroups(0.9), CyclicConfig{BaseLR: []float64{0.1}, MaxLR: []float64{1, 2, 3}})
		}},
		{"step optimal μ > L", "StepOptimal: need 0 < μ ≤ L, got μ 2, L 1", func() { StepOptimal(2, 1) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				r := recover()
				err, ok := r.(error)
				if !ok || !strings.Contains(err.Error(), "optim: "+c.want) {
					t.Errorf("panic %v, want an error containing %q", r, "optim: "+c.want)
				}
			}()
			c.f()
		})
	}
}
