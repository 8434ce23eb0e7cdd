package optim

import (
	"encoding/json"
	"math/rand"
	"testing"

	"github.com/descentlab/descent/optimlib/problems"
	"github.com/descentlab/descent/optimlib/tensor"
)

func TestChainEqualsBuiltIn(t *testing.T) {
	q := rotatedQuadratic(5, 1, 20)
	tests := []struct {
		name        string
		chain, flat func(w *tensor.Tensor) Optimizer
		before      func(w *tensor.Tensor) // applied to the flat run's gradient
	}{
		{"weight decay",
			func(w *tensor.Tensor) Optimizer {
				return New([]*tensor.Tensor{w}, Chain(&SGD{LR: 0.02, Momentum: 0.9}, &WeightDecay{Lambda: 0.1}))
			},
			func(w *tensor.Tensor) Optimizer {
				return NewSGD([]*tensor.Tensor{w}, SGD{LR: 0.02, Momentum: 0.9, WeightDecay: 0.1})
			}, nil},
		{"clip value",
			func(w *tensor.Tensor) Optimizer {
				return New([]*tensor.Tensor{w}, Chain(&Adam{LR: 0.05, Betas: [2]float64{0.9, 0.999}, Eps: 1e-8}, &ClipValue{Clip: 0.5}))
			},
			func(w *tensor.Tensor) Optimizer { return NewAdam([]*tensor.Tensor{w}, Adam{LR: 0.05}) },
			func(w *tensor.Tensor) { ClipGradValue([]*tensor.Tensor{w}, 0.5) }},
		{"clip norm",
			func(w *tensor.Tensor) Optimizer {
				return New([]*tensor.Tensor{w}, Chain(&SGD{LR: 0.05}, &ClipNorm{MaxNorm: 1}))
			},
			func(w *tensor.Tensor) Optimizer { return NewSGD([]*tensor.Tensor{w}, SGD{LR: 0.05}) },
			func(w *tensor.Tensor) { ClipGradNorm([]*tensor.Tensor{w}, 1, 2) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w1, w2 := tensor.New([]float64{3, -2, 1, 5, 0}), tensor.New([]float64{3, -2, 1, 5, 0})
			a, b := tc.chain(w1), tc.flat(w2)
			for k := 0; k < 30; k++ {
				problems.Loss(q, w1)
				a.Step(nil)
				problems.Loss(q, w2)
				if tc.before != nil {
					tc.before(w2)
				}
				b.Step(nil)
				if d := dist(w1.Data(), w2.Data()); d > 1e-6*(1+dist(w2.Data(), make([]float64, 5))) {
					t.Fatalf("step %d: chain %v, built-in %v", k, w1.Data(), w2.Data())
				}
			}
		})
	}
}

func TestChainStateDictAndNoise(t *testing.T) {
	mk := func() *RuleOptimizer {
		return New([]*tensor.Tensor{tensor.Zeros(2)}, Chain(&SGD{LR: 0.1}, &WeightDecay{Lambda: 0.3}, &Noise{Sigma: 0.2, Rng: rand.New(rand.NewSource(1))}))
	}
	a := mk()
	a.ParamGroups()[0].Params[0].SetGrad(tensor.Ones(2))
	a.Step(nil)
	if v := a.ParamGroups()[0].Params[0].Data(); v[0] == v[1] {
		t.Fatal("noise added the same value to both coordinates")
	}
	a.ParamGroups()[0].Hyper.(*Chained).Transforms[0].(*WeightDecay).Lambda = 0.7
	raw, err := json.Marshal(a.StateDict())
	if err != nil {
		t.Fatal(err)
	}
	b := mk()
	var sd StateDict
	if err := json.Unmarshal(raw, &sd); err != nil {
		t.Fatal(err)
	}
	if err := b.LoadStateDict(&sd); err != nil {
		t.Fatal(err)
	}
	if got := b.ParamGroups()[0].Hyper.(*Chained).Transforms[0].(*WeightDecay).Lambda; got != 0.7 {
		t.Fatalf("loaded λ = %g, want 0.7", got)
	}
}
