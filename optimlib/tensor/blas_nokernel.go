//go:build !amd64 || purego

package tensor

import "gonum.org/v1/gonum/blas"

// avx2Kernel returns nil: this build has no AVX2 kernel.
func avx2Kernel() blas.Float64 { return nil }
