package optim

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/descentlab/descent/optimlib/nn"
	"github.com/descentlab/descent/optimlib/tensor"
)

// TestTorchTrajectoriesThroughNN runs the MLP fixtures again with the
// network built from package nn and gradients from autodiff, the way a
// user trains a model.
func TestTorchTrajectoriesThroughNN(t *testing.T) {
	var fx optFixtures
	readJSON(t, "optimizers.json", &fx)
	d := &fx.Problems.MLP
	x := tensor.New(flatten(d.X), len(d.X), len(d.X[0]))
	y := tensor.New(flatten(d.Y), len(d.Y), 1)
	n := 0
	for _, r := range fx.Runs {
		if r.Problem != "mlp" {
			continue
		}
		n++
		t.Run(fmt.Sprintf("%s/%s", r.Optimizer, r.Tag), func(t *testing.T) {
			rng := rand.New(rand.NewSource(1))
			lin1, bn, lin2 := nn.NewLinear(3, 4, rng), nn.NewBatchNorm1d(4), nn.NewLinear(4, 1, rng)
			lin1.Bias = nil
			model := nn.NewSequential(lin1, bn, nn.NewReLU(), lin2)
			params := []*tensor.Tensor{lin1.Weight, bn.Weight, bn.Bias, lin2.Weight, lin2.Bias}
			for i, p := range params {
				if p.Numel() != len(d.Params[i]) {
					t.Fatalf("parameter %d has shape %v, fixture %v", i, p.Shape(), d.Shapes[i])
				}
				copy(p.Data(), d.Params[i])
			}
			sign := 1.0
			if m, _ := r.Options["maximize"].(bool); m {
				sign = -1
			}
			closure := func() float64 {
				model.ZeroGrad()
				loss := tensor.MulScalar(nn.MSELoss(model.Forward(x), y), sign)
				loss.Backward()
				return loss.Item()
			}
			followTrajectory(t, r, params, closure, &worst{})
		})
	}
	if n == 0 {
		t.Fatal("no MLP fixtures")
	}
}

func flatten(rows [][]float64) []float64 {
	var out []float64
	for _, r := range rows {
		out = append(out, r...)
	}
	return out
}
