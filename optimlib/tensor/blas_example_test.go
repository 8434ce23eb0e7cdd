package tensor_test

import (
	"fmt"
	"os"

	"github.com/descentlab/descent/optimlib/tensor"
)

// BLAS names the implementation chosen at startup; run a program with
// DESCENT_BLAS=go (or gonum, or openblas) to choose another. With OpenBLAS,
// SetBLASThreads changes its thread count, which BLAS then reports.
func ExampleBLAS() {
	fmt.Println("BLAS:", tensor.BLAS())
	if err := tensor.SetBLASThreads(1); err != nil {
		fmt.Fprintln(os.Stderr, err) // not OpenBLAS: the Go kernels use GOMAXPROCS
		return
	}
	fmt.Println("BLAS:", tensor.BLAS()) // BLAS: OpenBLAS 0.3.21 (libopenblas.so.0, 1 thread)
}
