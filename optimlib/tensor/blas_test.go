package tensor

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/blas/gonum"
)

// TestInstalledBLASMatchesGonum compares the routines that the active BLAS
// (the AVX2 kernel, OpenBLAS or gonum itself) takes over with gonum's pure
// Go reference, over shapes that exercise every edge of the blocking:
// partial tiles, several k-panels, transposes, strides wider than the
// matrix, α and β.
func TestInstalledBLASMatchesGonum(t *testing.T) {
	impl := blas64.Implementation()
	ref := gonum.Implementation{}
	rng := rand.New(rand.NewSource(7))
	fill := func(n int) []float64 {
		s := make([]float64, n)
		for i := range s {
			s[i] = rng.NormFloat64()
		}
		return s
	}
	type dims struct{ m, n, k int }
	shapes := []dims{{1, 1, 1}, {6, 8, 16}, {7, 9, 17}, {13, 17, 300}, {100, 31, 513}, {97, 130, 64}, {128, 256, 50}, {5, 200, 40}, {20, 37, 100}, {24, 64, 600}, {25, 16, 64}, {8, 2100, 9}}
	for _, d := range shapes {
		for _, tA := range []blas.Transpose{blas.NoTrans, blas.Trans} {
			for _, tB := range []blas.Transpose{blas.NoTrans, blas.Trans} {
				for _, ab := range [][2]float64{{1, 0}, {0.5, 1}, {-2, 0.25}} {
					name := fmt.Sprintf("%dx%dx%d/%c%c/α=%g,β=%g", d.m, d.n, d.k, tA, tB, ab[0], ab[1])
					ar, ac := d.m, d.k
					if tA == blas.Trans {
						ar, ac = d.k, d.m
					}
					br, bc := d.k, d.n
					if tB == blas.Trans {
						br, bc = d.n, d.k
					}
					lda, ldb, ldc := ac+3, bc+1, d.n+2
					a, b, c := fill(ar*lda), fill(br*ldb), fill(d.m*ldc)
					want := append([]float64(nil), c...)
					ref.Dgemm(tA, tB, d.m, d.n, d.k, ab[0], a, lda, b, ldb, ab[1], want, ldc)
					impl.Dgemm(tA, tB, d.m, d.n, d.k, ab[0], a, lda, b, ldb, ab[1], c, ldc)
					for i := range c {
						if math.Abs(c[i]-want[i]) > 1e-12*math.Max(1, math.Abs(want[i]))*float64(d.k) {
							t.Fatalf("%s: element %d = %v, want %v", name, i, c[i], want[i])
						}
					}
				}
			}
		}
	}
	x, y := fill(50), fill(50)
	if got, want := impl.Ddot(25, x, 2, y, 2), ref.Ddot(25, x, 2, y, 2); math.Abs(got-want) > 1e-12 {
		t.Errorf("Ddot = %v, want %v", got, want)
	}
	y2 := append([]float64(nil), y...)
	impl.Daxpy(50, 0.3, x, 1, y, 1)
	ref.Daxpy(50, 0.3, x, 1, y2, 1)
	ma := fill(7 * 9)
	gy, wy := fill(9), fill(9)
	copy(wy, gy)
	impl.Dgemv(blas.Trans, 7, 9, 1.5, ma, 9, x[:7], 1, 0.5, gy, 1)
	ref.Dgemv(blas.Trans, 7, 9, 1.5, ma, 9, x[:7], 1, 0.5, wy, 1)
	for i := range y {
		if math.Abs(y[i]-y2[i]) > 1e-12 {
			t.Fatalf("Daxpy element %d = %v, want %v", i, y[i], y2[i])
		}
	}
	for i := range gy {
		if math.Abs(gy[i]-wy[i]) > 1e-12 {
			t.Fatalf("Dgemv element %d = %v, want %v", i, gy[i], wy[i])
		}
	}
}

func TestBLASBadArgumentsPanic(t *testing.T) {
	impl := blas64.Implementation()
	short := make([]float64, 10)
	if msg := panicAny(func() {
		impl.Dgemm(blas.NoTrans, blas.NoTrans, 32, 32, 32, 1, short, 32, short, 32, 0, short, 32)
	}); msg == "" {
		t.Error("Dgemm with short slices did not panic")
	}
}

func panicAny(f func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprint(r)
		}
	}()
	f()
	return ""
}

func TestMatMulLargeMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewSource(9))
	a, b := Randn(rng, 3, 70, 90), Randn(rng, 90, 33)
	got := MatMul(a, b)
	for bi := 0; bi < 3; bi++ {
		for i := 0; i < 70; i++ {
			for j := 0; j < 33; j++ {
				s := 0.0
				for p := 0; p < 90; p++ {
					s += a.data[bi*70*90+i*90+p] * b.data[p*33+j]
				}
				if g := got.data[bi*70*33+i*33+j]; math.Abs(g-s) > 1e-10 {
					t.Fatalf("MatMul[%d,%d,%d] = %v, want %v", bi, i, j, g, s)
				}
			}
		}
	}
}
