package curvature_test

import (
	"fmt"
	"math/rand"

	"github.com/descentlab/descent/optimlib/curvature"
	"github.com/descentlab/descent/optimlib/nn"
	"github.com/descentlab/descent/optimlib/problems"
	"github.com/descentlab/descent/optimlib/tensor"
	"gonum.org/v1/gonum/mat"
)

// The Hessian of Rosenbrock's function at its minimum (1, 1), from two
// Hessian-vector products.
func ExampleHessian() {
	h := curvature.Hessian(curvature.FromFunc(problems.Rosenbrock{N: 2}.Tensor, []float64{1, 1}))
	fmt.Printf("%v\n", mat.Formatted(h))
	sp := curvature.SpectrumOf(h)
	fmt.Printf("condition number %.1f, largest stable step %.4g\n", sp.Condition(), sp.MaxStableStep())
	// Output:
	// ⎡ 802  -400⎤
	// ⎣-400   200⎦
	// condition number 2508.0, largest stable step 0.001997
}

// λmax of a small network's loss, the optimal step 1/λmax and the largest
// stable step 2/λmax of gradient descent there.
func ExampleLambdaMax() {
	rng := rand.New(rand.NewSource(1))
	model := nn.NewSequential(nn.NewLinear(2, 3, rng), nn.NewTanh(), nn.NewLinear(3, 1, rng))
	x := tensor.New([]float64{1, 2, -1, 0.5, 0.3, -2, 1.5, 1}, 4, 2)
	y := tensor.New([]float64{1, -1, 0.5, 0}, 4, 1)
	op := curvature.FromModel(model, x, func(out *tensor.Tensor) *tensor.Tensor {
		return nn.MSELoss(out, y)
	})
	lmax := curvature.LambdaMaxWith(op, curvature.PowerSettings{Tol: 1e-10, MaxIter: 1000})
	fmt.Printf("%d parameters, λmax = %.6f\n", op.N, lmax)
	fmt.Printf("optimal step %.4f, largest stable step %.4f\n", curvature.OptimalStep(lmax), curvature.MaxStableStep(lmax))
	top := curvature.TopEigen(op, 1)
	fmt.Printf("Lanczos agrees: %.6f\n", top.Values[0])
	// Output:
	// 13 parameters, λmax = 3.669272
	// optimal step 0.2725, largest stable step 0.5451
	// Lanczos agrees: 3.669272
}

// The 1-1-1 network y = w2·w1·x trained on x = 1, y = 1 has the loss
// L = (1 − w1·w2)². The origin is a saddle: one direction curves up, one
// down. On the hyperbola of solutions w1·w2 = 1, one eigenvalue is zero
// (along the hyperbola) and the other is 2(w1² + w2²).
func Example_saddle() {
	loss := problems.OneOneOne{}.Tensor // (1 − w1·w2)²
	for _, w := range [][]float64{{0, 0}, {2, 0.5}} {
		sp := curvature.DenseSpectrum(curvature.FromFunc(loss, w))
		fmt.Printf("w = %v: eigenvalues %.4g, negative fraction %.2f\n", w, sp.Values, sp.NegativeFraction())
	}
	// Output:
	// w = [0 0]: eigenvalues [-2 2], negative fraction 0.50
	// w = [2 0.5]: eigenvalues [0 8.5], negative fraction 0.00
}

// Analyze prints everything the lecture asks of a Hessian; in a notebook
// the report renders as an HTML table.
func ExampleAnalyze() {
	loss := problems.OneOneOne{}.Tensor // (1 − w1·w2)²
	fmt.Println(curvature.Analyze(curvature.FromFunc(loss, []float64{1, 1})))
	// Output:
	// Hessian spectrum
	//   parameters               2
	//   method                   exact (dense Hessian, all eigenvalues)
	//   λmax                     4
	//   λmin                     0
	//   top                      [4 0]
	//   bottom                   [0 4]
	//   trace                    4
	//   condition L/μ            1
	//   zero eigenvalues         1 (|λ| ≤ 1e-09·max|λ|)
	//   negative fraction        0 (0 of 2)
	//   curvature                no negative curvature
	//   optimal step 1/λmax      0.25
	//   max stable step 2/λmax   0.5
	//   Hessian-vector products  2
}
