// Package vec holds the elementwise loops of optimlib's optimizer updates,
// with AVX2/FMA versions in Go assembly on amd64 (turned off by the build
// tag purego), a bitwise comparison of float slices, and the CPU feature
// test that the tensor package's matrix kernel shares. Every update gives
// the same bits as its plain Go loop: the vector instructions round each
// product, sum and fused multiply-add exactly as the scalar ones do.
package vec

import (
	"bytes"
	"math"
	"unsafe"
)

// ScaledAdd sets w[i] = fma(a, g[i], w[i]) for i < len(w): one rounding per
// element, as PyTorch's add_ with an alpha on this hardware. g must be at
// least as long as w.
func ScaledAdd(w, g []float64, a float64) {
	g = g[:len(w)]
	n := 0
	if AVX2FMA {
		n = len(w) &^ 7
		if n > 0 {
			scaledAddAVX2(&w[0], &g[0], n, a)
		}
	}
	for i := n; i < len(w); i++ {
		w[i] = math.FMA(a, g[i], w[i])
	}
}

// Momentum sets p[i] = p[i]·mom + g[i] (the product and the sum each
// rounded) and then w[i] = fma(a, p[i], w[i]) for i < len(w): the heavy-ball
// step of torch.optim.SGD with a = −lr. g and p must be at least as long as
// w.
func Momentum(w, g, p []float64, a, mom float64) {
	g, p = g[:len(w)], p[:len(w)]
	n := 0
	if AVX2FMA {
		n = len(w) &^ 7
		if n > 0 {
			momentumAVX2(&w[0], &g[0], &p[0], n, a, mom)
		}
	}
	for i := n; i < len(w); i++ {
		v := float64(p[i]*mom) + g[i]
		p[i] = v
		w[i] = math.FMA(a, v, w[i])
	}
}

// SameBits reports whether a and b have the same length and the same bits
// in every element (so +0 and −0 differ, and a NaN equals a NaN with its
// payload), comparing memory at the speed of bytes.Equal.
func SameBits(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	if len(a) == 0 {
		return true
	}
	return bytes.Equal(unsafe.Slice((*byte)(unsafe.Pointer(&a[0])), 8*len(a)),
		unsafe.Slice((*byte)(unsafe.Pointer(&b[0])), 8*len(b)))
}
