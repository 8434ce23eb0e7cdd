//go:build openblas

package tensor

/*
#cgo LDFLAGS: -lopenblas
#include <cblas.h>
*/
import "C"

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/blas/gonum"
)

// openBLAS routes the BLAS routines that dominate optimlib's time (matrix
// products, matrix-vector products, dot and axpy) to OpenBLAS through its
// C interface and leaves every other routine to gonum's pure Go code.
// Calls that OpenBLAS would reject, or that are empty, go to gonum too, so
// that bad arguments panic with gonum's messages instead of reaching C.
type openBLAS struct{ gonum.Implementation }

func init() {
	blas64.Use(openBLAS{})
	blasName = "OpenBLAS"
}

func cTrans(t blas.Transpose) C.enum_CBLAS_TRANSPOSE {
	if t == blas.NoTrans {
		return C.CblasNoTrans
	}
	return C.CblasTrans
}

func validTrans(t blas.Transpose) bool {
	return t == blas.NoTrans || t == blas.Trans || t == blas.ConjTrans
}

// vecFits reports whether n elements with a positive increment inc lie
// within a slice of length l.
func vecFits(l, n, inc int) bool { return inc > 0 && l >= 1+(n-1)*inc }

// Dgemm computes C = α·op(A)·op(B) + β·C with cblas_dgemm.
func (o openBLAS) Dgemm(tA, tB blas.Transpose, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	ar, ac := m, k
	if tA != blas.NoTrans {
		ar, ac = k, m
	}
	br, bc := k, n
	if tB != blas.NoTrans {
		br, bc = n, k
	}
	if m <= 0 || n <= 0 || k <= 0 || !validTrans(tA) || !validTrans(tB) ||
		!fits(len(a), ar, ac, lda) || !fits(len(b), br, bc, ldb) || !fits(len(c), m, n, ldc) {
		o.Implementation.Dgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	C.cblas_dgemm(C.CblasRowMajor, cTrans(tA), cTrans(tB), C.blasint(m), C.blasint(n), C.blasint(k),
		C.double(alpha), (*C.double)(&a[0]), C.blasint(lda), (*C.double)(&b[0]), C.blasint(ldb),
		C.double(beta), (*C.double)(&c[0]), C.blasint(ldc))
}

// Dgemv computes y = α·op(A)·x + β·y with cblas_dgemv.
func (o openBLAS) Dgemv(tA blas.Transpose, m, n int, alpha float64, a []float64, lda int, x []float64, incX int, beta float64, y []float64, incY int) {
	lx, ly := n, m
	if tA != blas.NoTrans {
		lx, ly = m, n
	}
	if m <= 0 || n <= 0 || !validTrans(tA) || !fits(len(a), m, n, lda) || !vecFits(len(x), lx, incX) || !vecFits(len(y), ly, incY) {
		o.Implementation.Dgemv(tA, m, n, alpha, a, lda, x, incX, beta, y, incY)
		return
	}
	C.cblas_dgemv(C.CblasRowMajor, cTrans(tA), C.blasint(m), C.blasint(n), C.double(alpha),
		(*C.double)(&a[0]), C.blasint(lda), (*C.double)(&x[0]), C.blasint(incX),
		C.double(beta), (*C.double)(&y[0]), C.blasint(incY))
}

// Ddot returns xᵀy with cblas_ddot.
func (o openBLAS) Ddot(n int, x []float64, incX int, y []float64, incY int) float64 {
	if n <= 0 || !vecFits(len(x), n, incX) || !vecFits(len(y), n, incY) {
		return o.Implementation.Ddot(n, x, incX, y, incY)
	}
	return float64(C.cblas_ddot(C.blasint(n), (*C.double)(&x[0]), C.blasint(incX), (*C.double)(&y[0]), C.blasint(incY)))
}

// Daxpy computes y = α·x + y with cblas_daxpy.
func (o openBLAS) Daxpy(n int, alpha float64, x []float64, incX int, y []float64, incY int) {
	if n <= 0 || !vecFits(len(x), n, incX) || !vecFits(len(y), n, incY) {
		o.Implementation.Daxpy(n, alpha, x, incX, y, incY)
		return
	}
	C.cblas_daxpy(C.blasint(n), C.double(alpha), (*C.double)(&x[0]), C.blasint(incX), (*C.double)(&y[0]), C.blasint(incY))
}
