package problems_test

import (
	"fmt"

	"github.com/descentlab/descent/optimlib/optim"
	"github.com/descentlab/descent/optimlib/problems"
	"github.com/descentlab/descent/optimlib/tensor"
)

// A problem gives values, gradients and Hessians on []float64, and drives
// an optimizer's tensor parameter through Loss or Closure.
func ExampleNewDiagQuadratic() {
	q := problems.NewDiagQuadratic(3, 1, 10) // eigenvalues 1, 5.5, 10
	ev := q.Eigenvalues()
	fmt.Printf("μ = %g, L = %g, κ = %g\n", ev[0], ev[2], ev[2]/ev[0])
	w := tensor.Zeros(3)
	f := problems.Loss(q, w) // f(w) and w's gradient Aw − b
	fmt.Println(f, w.Grad().Data())
	// Output:
	// μ = 1, L = 10, κ = 10
	// 0 [-1 -1 -1]
}

// Rosenbrock's valley minimized by L-BFGS through Closure, which evaluates
// the problem at the parameter tensor and sets its gradient; Func2D gives
// the same function in the form a contour plot takes.
func ExampleClosure() {
	p := problems.Rosenbrock{N: 2}
	w := tensor.New([]float64{-1.2, 1})
	opt := optim.NewLBFGS([]*tensor.Tensor{w}, optim.LBFGSConfig{StrongWolfe: true, MaxIter: 100})
	opt.Step(problems.Closure(p, w))
	fmt.Printf("minimum at (%.4f, %.4f)\n", w.Data()[0], w.Data()[1])
	f := problems.Func2D(p)
	fmt.Println("f(-1.2, 1) =", f(-1.2, 1))
	// Output:
	// minimum at (1.0000, 1.0000)
	// f(-1.2, 1) = 24.199999999999996
}

// The iterates of an optimizer on a problem in two variables, ready to be
// drawn over a contour map as plotting.Path{Name: "momentum", Points: path}.
func ExamplePath2D() {
	q := problems.NewDiagQuadratic(2, 1, 5) // minimum at (1, 0.2)
	w := tensor.New([]float64{-3, 1.6})
	opt := optim.NewSGD([]*tensor.Tensor{w}, optim.SGD{LR: 0.1, Momentum: 0.5})
	path := problems.Path2D(q, w, opt, 60)
	fmt.Printf("%d points: %.3f, %.3f, ..., %.3f\n", len(path), path[0], path[1], path[60])
	// Output: 61 points: [-3.000 1.600], [-2.600 0.900], ..., [1.000 0.200]
}
