package tensor

import (
	"fmt"
	"os"

	"github.com/descentlab/descent/optimlib/tensor/internal/openblas"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/blas/gonum"
)

// BLASEnv is the environment variable that chooses, once when the package
// is initialized, the BLAS behind matrix products among three
// implementations of gonum's blas64 interface:
//
//   - "openblas": OpenBLAS, loaded at run time with dlopen (libopenblas.so.0,
//     else libopenblas.so), for the routines that dominate optimlib's time
//     (Dgemm, Dgemv, Ddot, Daxpy, Dscal, Dnrm2); gonum for the rest. Needs
//     cgo at build time and the library at run time, not its headers.
//   - "go": gonum with Dgemm replaced by optimlib's AVX2/FMA kernel (amd64
//     CPUs with AVX2 and FMA, builds without the purego tag).
//   - "gonum": gonum's pure Go implementation alone.
//
// "auto", the default, takes the first of these that works. When the chosen
// one is unavailable, or the value is none of these, one line on standard
// error says why and which BLAS is used instead, and the program goes on.
const BLASEnv = "DESCENT_BLAS"

// defaultBLAS is the choice when DESCENT_BLAS is unset or empty. A build can
// change it, for example to compare BLAS variants without setting the
// variable: go build -ldflags "-X
// github.com/descentlab/descent/optimlib/tensor.defaultBLAS=go".
var defaultBLAS = "auto"

// blasKind is the implementation in use: "openblas", "go" or "gonum".
var blasKind string

func init() {
	choice := os.Getenv(BLASEnv)
	if choice == "" {
		choice = defaultBLAS
	}
	if warning := useBLAS(choice); warning != "" {
		fmt.Fprintln(os.Stderr, warning)
	}
}

// useBLAS installs the implementation named by choice into blas64 and
// returns a message, empty when the choice was honoured, that says why it
// was not and what is used instead.
func useBLAS(choice string) (warning string) {
	install := func(kind string, impl blas.Float64) {
		blasKind = kind
		blas64.Use(impl)
	}
	auto := func() string {
		if impl, err := openblas.Load(); err == nil {
			install("openblas", impl)
		} else if impl := avx2Kernel(); impl != nil {
			install("go", impl)
		} else {
			install("gonum", gonum.Implementation{})
		}
		return BLAS()
	}
	switch choice {
	case "auto":
		auto()
	case "openblas":
		if _, err := openblas.Load(); err != nil {
			return fmt.Sprintf("tensor: %s=openblas: %v; using %s", BLASEnv, err, auto())
		}
		auto()
	case "go":
		impl := avx2Kernel()
		if impl == nil {
			install("gonum", gonum.Implementation{})
			return fmt.Sprintf("tensor: %s=go: the AVX2 kernel needs an amd64 CPU with AVX2 and FMA and a build without the purego tag; using %s", BLASEnv, BLAS())
		}
		install("go", impl)
	case "gonum":
		install("gonum", gonum.Implementation{})
	default:
		return fmt.Sprintf("tensor: %s=%q is not one of auto, openblas, go, gonum; using %s", BLASEnv, choice, auto())
	}
	return ""
}

// BLAS returns the name of the BLAS implementation behind matrix products:
// "gonum (pure Go)", "gonum (pure Go) + AVX2 Dgemm" (optimlib's AVX2/FMA
// matrix product, gonum for the rest) or, when OpenBLAS is in use, its
// version, the file it was loaded from and its thread count, as in
// "OpenBLAS 0.3.21 (libopenblas.so.0, 2 threads)".
func BLAS() string {
	switch blasKind {
	case "openblas":
		return openblas.Name()
	case "go":
		return "gonum (pure Go) + AVX2 Dgemm"
	}
	return "gonum (pure Go)"
}

// SetBLASThreads sets the number of threads that OpenBLAS uses for each
// routine, as OPENBLAS_NUM_THREADS does at startup. It panics when n < 1 and
// returns an error when the BLAS in use is not OpenBLAS or the library has
// no such setting; the AVX2 kernel splits large products over GOMAXPROCS
// goroutines instead (see runtime.GOMAXPROCS). Call it between products,
// not while another goroutine multiplies matrices.
func SetBLASThreads(n int) error {
	if n < 1 {
		panic(fmt.Errorf("tensor: SetBLASThreads: %d threads, want at least 1", n))
	}
	if blasKind != "openblas" {
		return fmt.Errorf("tensor: SetBLASThreads: the BLAS in use, %s, has no thread setting", BLAS())
	}
	if !openblas.SetThreads(n) {
		return fmt.Errorf("tensor: SetBLASThreads: %s lacks openblas_set_num_threads", BLAS())
	}
	return nil
}
