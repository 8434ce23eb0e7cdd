package nn

import (
	"strings"
	"testing"

	"github.com/descentlab/descent/optimlib/tensor"
)

// TestNormGradientPathsMatchPyTorch replays the normalization layers'
// fixtures and takes every gradient twice from the same forward pass:
// without a graph (the fused loops) and with createGraph (the gradient in
// tensor operations that second derivatives go through). Both must match
// PyTorch, and so each other.
func TestNormGradientPathsMatchPyTorch(t *testing.T) {
	var fx struct{ Cases []fxLayer }
	readFixture(t, "layers.json", &fx)
	seen := map[string]bool{}
	for _, c := range fx.Cases {
		if !strings.Contains(c.Kind, "Norm") {
			continue
		}
		seen[c.Kind] = true
		t.Run(c.Name, func(t *testing.T) {
			m := buildLayer(t, c.Kind, c.Args)
			if err := LoadStateDict(m, toStateDict(c.State)); err != nil {
				t.Fatal(err)
			}
			params := NamedParameters(m)
			for i, st := range c.Steps {
				if st.Train {
					m.Train()
				} else {
					m.Eval()
				}
				x := st.Input.tensor().SetRequiresGrad(true)
				y := m.Forward(x)
				if err := closeTo(y, st.Output); err != nil {
					t.Fatalf("step %d (train %v) output: %v", i, st.Train, err)
				}
				inputs := []*tensor.Tensor{x}
				for _, p := range params {
					inputs = append(inputs, p.Tensor)
				}
				loss := tensor.Sum(tensor.Mul(y, st.Upstream.tensor()))
				for _, createGraph := range []bool{false, true} {
					grads := tensor.Grad(loss, inputs, createGraph)
					if err := closeTo(grads[0], st.InputGrad); err != nil {
						t.Errorf("step %d (createGraph %v) input gradient: %v", i, createGraph, err)
					}
					for j, p := range params {
						if err := closeTo(grads[j+1], st.ParamGrads[p.Name]); err != nil {
							t.Errorf("step %d (createGraph %v) gradient of %s: %v", i, createGraph, p.Name, err)
						}
					}
				}
				sd := StateDict(m)
				for k, v := range st.State {
					if err := closeTo(sd[k], v); err != nil {
						t.Errorf("step %d state %s: %v", i, k, err)
					}
				}
			}
		})
	}
	for _, k := range []string{"BatchNorm1d", "BatchNorm2d", "InstanceNorm1d", "InstanceNorm2d", "LayerNorm", "GroupNorm"} {
		if !seen[k] {
			t.Errorf("no %s case in the fixture", k)
		}
	}
}

// TestBatchNormHessianThroughModel compares the Hessian of a loss with
// respect to a BatchNorm2d layer's affine parameters, through the layer,
// with finite differences of its gradient.
func TestBatchNormHessianThroughModel(t *testing.T) {
	rng := newRNG()
	bn := NewBatchNorm2d(3)
	x := tensor.Randn(rng, 4, 3, 2, 2)
	k := tensor.Randn(rng, 4, 3, 2, 2)
	for _, p := range bn.Parameters() {
		for i := range p.Data() {
			p.Data()[i] += 0.3 * rng.NormFloat64()
		}
	}
	f := func([]*tensor.Tensor) *tensor.Tensor {
		return tensor.Sum(tensor.Mul(tensor.Tanh(bn.Forward(x)), k))
	}
	if err := tensor.GradGradCheck(f, []*tensor.Tensor{x, bn.Weight, bn.Bias}, 1e-5, 1e-5); err != nil {
		t.Error(err)
	}
}
