package curvature

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// Operator is a symmetric linear map on R^N given by its product with a
// vector: Apply(v, out) sets out = H·v. Both slices have length N and must
// not overlap. Apply may keep state between calls, so an Operator is not
// safe for concurrent use.
//
// An Operator is usually the Hessian of a loss (FromLoss, FromModel,
// FromFunc), but any symmetric matrix will do (FromMatrix), so that every
// algorithm of the package works the same on a toy quadratic and on a
// network.
type Operator struct {
	N     int
	Apply func(v, out []float64)
}

// NewOperator returns the operator of dimension n whose product is apply.
func NewOperator(n int, apply func(v, out []float64)) Operator {
	op := Operator{N: n, Apply: apply}
	op.check("NewOperator")
	return op
}

// String describes the operator by its dimension; its entries are known
// only through products.
func (op Operator) String() string {
	return fmt.Sprintf("Operator(%d×%d, symmetric, by Hessian-vector products)", op.N, op.N)
}

// MulVec returns H·v in a new slice.
func (op Operator) MulVec(v []float64) []float64 {
	op.check("MulVec")
	if len(v) != op.N {
		panic(fmt.Errorf("curvature: MulVec: vector of length %d for an operator of dimension %d", len(v), op.N))
	}
	out := make([]float64, op.N)
	op.Apply(v, out)
	return out
}

func (op Operator) check(name string) {
	if op.N <= 0 {
		panic(fmt.Errorf("curvature: %s: operator dimension %d, want > 0", name, op.N))
	}
	if op.Apply == nil {
		panic(fmt.Errorf("curvature: %s: operator of dimension %d has no Apply function", name, op.N))
	}
}

// FromMatrix returns the operator v ↦ A·v of a symmetric matrix. A
// mat.Symmetric is used as it is; any other square matrix must be symmetric
// to within 1e-12 of its largest entry, and FromMatrix panics otherwise.
// The matrix is copied.
func FromMatrix(a mat.Matrix) Operator {
	r, c := a.Dims()
	if r != c {
		panic(fmt.Errorf("curvature: FromMatrix: matrix of shape [%d %d] is not square", r, c))
	}
	if r == 0 {
		panic(fmt.Errorf("curvature: FromMatrix: empty matrix"))
	}
	s := mat.NewSymDense(r, nil)
	if sym, ok := a.(mat.Symmetric); ok {
		s.CopySym(sym)
	} else {
		scale := 0.0
		for i := 0; i < r; i++ {
			for j := 0; j < r; j++ {
				scale = math.Max(scale, math.Abs(a.At(i, j)))
			}
		}
		for i := 0; i < r; i++ {
			for j := i; j < r; j++ {
				x, y := a.At(i, j), a.At(j, i)
				if math.Abs(x-y) > 1e-12*scale {
					panic(fmt.Errorf("curvature: FromMatrix: matrix of shape [%d %d] is not symmetric: a[%d][%d]=%g, a[%d][%d]=%g", r, c, i, j, x, j, i, y))
				}
				s.SetSym(i, j, (x+y)/2)
			}
		}
	}
	return Operator{N: r, Apply: func(v, out []float64) {
		mat.NewVecDense(r, out).MulVec(s, mat.NewVecDense(r, v))
	}}
}

// Shift returns the operator H + σI, whose eigenvalues are those of H
// moved by σ and whose eigenvectors are the same.
func Shift(op Operator, sigma float64) Operator {
	op.check("Shift")
	return Operator{N: op.N, Apply: func(v, out []float64) {
		op.Apply(v, out)
		for i, x := range v {
			out[i] += sigma * x
		}
	}}
}
