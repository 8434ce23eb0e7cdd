//go:build !cgo || !unix || purego

// Package openblas would load OpenBLAS at run time; this build cannot:
// loading it needs cgo on a Unix system, and the purego tag leaves gonum
// alone.
package openblas

import (
	"errors"

	"gonum.org/v1/gonum/blas"
)

// Load reports that this build cannot load OpenBLAS.
func Load() (blas.Float64, error) {
	return nil, errors.New("this build cannot load OpenBLAS (it needs cgo on a Unix system and no purego tag)")
}

// Name says that OpenBLAS is not available in this build.
func Name() string { return "OpenBLAS (not in this build)" }

// SetThreads reports that there is no OpenBLAS to set.
func SetThreads(int) bool { return false }
