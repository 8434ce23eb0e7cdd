package curvature

import (
	"fmt"

	"gonum.org/v1/gonum/mat"

	"github.com/descentlab/descent/optimlib/interrupt"
)

// MaxDense is the largest dimension for which Hessian forms a dense matrix
// (8·MaxDense² bytes, 800 MB at the limit); beyond it Hessian panics, and
// the matrix-free methods (Lanczos, LambdaMax, Trace, EstimateDensity) are
// the way to go.
const MaxDense = 10000

// Hessian returns the operator's matrix, column by column from N products
// with the unit vectors. For a loss operator (FromLoss, FromModel,
// FromFunc) this is the exact Hessian, up to rounding; the two triangles
// of an autodiff Hessian can differ in the last bits, and the result is
// their average.
func Hessian(op Operator) *mat.SymDense {
	op.check("Hessian")
	n := op.N
	if n > MaxDense {
		panic(fmt.Errorf("curvature: Hessian: %d parameters exceed MaxDense = %d; use Lanczos or LambdaMax", n, MaxDense))
	}
	cols := make([]float64, n*n) // column j at cols[j*n:]
	e := make([]float64, n)
	for j := 0; j < n; j++ {
		interrupt.Check()
		e[j] = 1
		op.Apply(e, cols[j*n:(j+1)*n])
		e[j] = 0
	}
	h := mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			h.SetSym(i, j, (cols[j*n+i]+cols[i*n+j])/2)
		}
	}
	return h
}
