package tensor

// blasName names the BLAS implementation that blas64 uses; a build with the
// openblas tag replaces it at initialization.
var blasName = "gonum (pure Go)"

// BLAS returns the name of the BLAS implementation behind matrix products:
// "gonum (pure Go)" by default, "OpenBLAS" in a build with the openblas tag
// (go build -tags openblas, which needs cgo and libopenblas).
func BLAS() string { return blasName }
