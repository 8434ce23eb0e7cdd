//go:build !amd64 || purego

package vec

// AVX2FMA is false: this build has no vector kernels.
const AVX2FMA = false

func scaledAddAVX2(w, grad *float64, n int, a float64) { panic("vec: no AVX2 kernel in this build") }
func momentumAVX2(w, grad, p *float64, n int, a, mom float64) {
	panic("vec: no AVX2 kernel in this build")
}
