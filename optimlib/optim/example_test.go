package optim_test

import (
	"fmt"
	"math"
	"math/rand"

	"github.com/descentlab/descent/optimlib/optim"
	"github.com/descentlab/descent/optimlib/problems"
	"github.com/descentlab/descent/optimlib/tensor"
	"gonum.org/v1/gonum/mat"
)

// SGD with momentum on an ill-conditioned quadratic, in PyTorch's loop:
// compute the loss and gradient, step, zero the gradient.
func ExampleNewSGD() {
	q := problems.NewDiagQuadratic(4, 1, 100) // κ = 100
	w := tensor.Zeros(4)
	opt := optim.NewSGD([]*tensor.Tensor{w}, optim.SGD{LR: 0.01, Momentum: 0.9})
	for k := 0; k < 300; k++ {
		problems.Loss(q, w) // sets w's gradient
		opt.Step(nil)
		opt.ZeroGrad()
	}
	fmt.Printf("f(w) = %.6f, f(w*) = %.6f\n", q.Func(w.Data()), q.Func(q.Minimizer()))
	// Output: f(w) = -0.527169, f(w*) = -0.527169
}

// L-BFGS with a closure that re-evaluates the loss, on Rosenbrock's
// function.
func ExampleNewLBFGS() {
	r := problems.Rosenbrock{N: 2}
	w := tensor.New([]float64{-1.5, 2})
	opt := optim.NewLBFGS([]*tensor.Tensor{w}, optim.LBFGSConfig{StrongWolfe: true, MaxIter: 100, ToleranceGrad: 1e-10, ToleranceChange: 1e-15})
	closure := func() float64 {
		opt.ZeroGrad()
		return problems.Loss(r, w)
	}
	opt.Step(closure)
	fmt.Printf("w = [%.6f %.6f] after %d evaluations\n", w.Data()[0], w.Data()[1], opt.FuncEvals())
	// Output: w = [1.000000 1.000000] after 53 evaluations
}

// Linear warm-up then cosine annealing, stepped once per epoch.
func ExampleNewSequentialLR() {
	w := tensor.Zeros(1)
	opt := optim.NewAdam([]*tensor.Tensor{w}, optim.Adam{LR: 0.1})
	warm := optim.NewLinearLR(opt, 0.1, 1, 5)
	cos := optim.NewCosineAnnealingLR(opt, 10, 0)
	sched := optim.NewSequentialLR(opt, []*optim.LRScheduler{warm, cos}, []int{5})
	for epoch := 0; epoch < 15; epoch++ {
		fmt.Printf("%.4f ", opt.LR())
		// ... one epoch of training: opt.Step per batch ...
		sched.Step()
	}
	fmt.Println()
	// Output: 0.0100 0.0280 0.0460 0.0640 0.0820 0.1000 0.0976 0.0905 0.0794 0.0655 0.0500 0.0345 0.0206 0.0095 0.0024
}

// Gradient transformations composed in front of an update rule, in the
// manner of Optax: clip each coordinate, add L2 decay, then take an SGD
// step.
func ExampleChain() {
	w := tensor.New([]float64{1, -2})
	rule := optim.Chain(&optim.SGD{LR: 0.1}, &optim.ClipValue{Clip: 0.5}, &optim.WeightDecay{Lambda: 0.1})
	opt := optim.New([]*tensor.Tensor{w}, rule)
	w.SetGrad(tensor.New([]float64{3, -0.2}))
	opt.Step(nil)
	fmt.Printf("%.3f\n", w.Data())
	// Output: [0.940 -1.960]
}

// Polyak's heavy ball with its optimal constants on a quadratic with
// eigenvalues in [μ, L] = [1, 100]: the error shrinks by about
// (√κ − 1)/(√κ + 1) = 9/11 per step, against (κ − 1)/(κ + 1) = 99/101 for
// gradient descent with its best fixed step.
func ExampleNewHeavyBall() {
	q := problems.NewDiagQuadratic(10, 1, 100)
	lr, beta := optim.HeavyBallOptimal(1, 100)
	w := tensor.Zeros(10)
	opt := optim.NewHeavyBall([]*tensor.Tensor{w}, optim.HeavyBall{LR: lr, Beta: beta})
	gd := tensor.Zeros(10)
	gdOpt := optim.NewGD([]*tensor.Tensor{gd}, optim.StepOptimal(1, 100))
	for k := 0; k < 100; k++ {
		opt.Step(problems.Closure(q, w))
		gdOpt.Step(problems.Closure(q, gd))
	}
	dist := func(v []float64) float64 {
		s := 0.0
		for i, x := range q.Minimizer() {
			s += (v[i] - x) * (v[i] - x)
		}
		return math.Sqrt(s)
	}
	fmt.Printf("γ = %.4f, β = %.4f\n", lr, beta)
	fmt.Printf("error after 100 steps: heavy ball %.1e, gradient descent %.1e\n", dist(w.Data()), dist(gd.Data()))
	// Output:
	// γ = 0.0331, β = 0.6694
	// error after 100 steps: heavy ball 3.7e-08, gradient descent 1.4e-01
}

// Newton's method minimizes a quadratic in one step, from any start: the
// lecture's γopt = 1/f″ in many dimensions.
func ExampleNewNewton() {
	q := problems.NewDiagQuadratic(3, 1, 1000)
	w := tensor.New([]float64{5, -3, 2})
	opt := optim.NewNewton([]*tensor.Tensor{w}, optim.NewtonConfig{}, func() *mat.SymDense {
		return problems.HessianAt(q, w.Data())
	})
	opt.Step(problems.Closure(q, w))
	fmt.Printf("w = %.4f, w* = %.4f\n", w.Data(), q.Minimizer())
	// Output: w = [1.0000 0.0020 0.0010], w* = [1.0000 0.0020 0.0010]
}

// The uniform average of SGD's iterates on a quadratic with noisy
// gradients lies much closer to the minimum than the last iterate, which
// keeps fluctuating around it.
func ExampleNewPolyak() {
	q := problems.NewNoisyQuadratic(problems.NewDiagQuadratic(2, 1, 2), 1, rand.New(rand.NewSource(1)))
	w := tensor.Zeros(2)
	opt := optim.NewSGD([]*tensor.Tensor{w}, optim.SGD{LR: 0.1})
	avg := optim.NewPolyak([]*tensor.Tensor{w})
	for k := 0; k < 2000; k++ {
		opt.Step(problems.Closure(q, w))
		avg.Update()
	}
	ws := q.Minimizer()
	last, mean := w.Data(), avg.Average(0).Data()
	fmt.Printf("last iterate off by %.3f, average off by %.3f\n",
		math.Hypot(last[0]-ws[0], last[1]-ws[1]), math.Hypot(mean[0]-ws[0], mean[1]-ws[1]))
	// Output: last iterate off by 0.087, average off by 0.013
}
