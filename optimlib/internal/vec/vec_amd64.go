//go:build amd64 && !purego

package vec

// AVX2FMA reports whether the CPU and the operating system support AVX2 and
// FMA, the instructions of this package's kernels and of the tensor
// package's matrix kernel.
var AVX2FMA = hasAVX2FMA()

func cpuid(leaf, sub uint32) (eax, ebx, ecx, edx uint32)

func xgetbv0() uint32

// scaledAddAVX2 is ScaledAdd on n elements, n a positive multiple of 8.
//
//go:noescape
func scaledAddAVX2(w, grad *float64, n int, a float64)

// momentumAVX2 is Momentum on n elements, n a positive multiple of 8.
//
//go:noescape
func momentumAVX2(w, grad, p *float64, n int, a, mom float64)

func hasAVX2FMA() bool {
	maxLeaf, _, _, _ := cpuid(0, 0)
	if maxLeaf < 7 {
		return false
	}
	_, _, c1, _ := cpuid(1, 0)
	const fma, osxsave, avx = 1 << 12, 1 << 27, 1 << 28
	if c1&fma == 0 || c1&osxsave == 0 || c1&avx == 0 || xgetbv0()&6 != 6 {
		return false
	}
	_, b7, _, _ := cpuid(7, 0)
	return b7&(1<<5) != 0
}
