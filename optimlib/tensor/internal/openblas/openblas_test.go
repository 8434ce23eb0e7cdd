//go:build cgo && unix && !purego

package openblas

import (
	"fmt"
	"math"
	"runtime"
	"strings"
	"sync"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// reset forgets the outcome of Load so that the next call loads again.
func reset() {
	lib.once = sync.Once{}
	lib.err, lib.file, lib.version = nil, "", ""
}

func TestLoadWithoutTheLibrary(t *testing.T) {
	saved, had := files[runtime.GOOS]
	defer func() {
		if had {
			files[runtime.GOOS] = saved
		} else {
			delete(files, runtime.GOOS)
		}
		reset()
	}()
	files[runtime.GOOS] = []string{"libdescent-absent.so.0", "libdescent-absent.so"}
	reset()
	impl, err := Load()
	if impl != nil || err == nil {
		t.Fatalf("Load() = %v, %v; want an error", impl, err)
	}
	for _, want := range []string{"cannot load OpenBLAS", "libdescent-absent.so.0", "libdescent-absent.so:"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Load error %q lacks %q", err, want)
		}
	}
	if _, again := Load(); again != err {
		t.Errorf("second Load error %v, want the first one, %v", again, err)
	}
	if SetThreads(1) {
		t.Error("SetThreads succeeded without a library")
	}
	if name := Name(); !strings.Contains(name, "cannot load OpenBLAS") {
		t.Errorf("Name() = %q", name)
	}
}

// TestSmallProductsOnOneThread checks that products below oneThreadMNK,
// which run with OpenBLAS held to one thread, give gonum's values and leave
// the configured thread count in place, and that a large one does too.
func TestSmallProductsOnOneThread(t *testing.T) {
	impl, err := Load()
	if err != nil {
		t.Skip(err)
	}
	if libThreads() == 0 {
		t.Skip("this OpenBLAS has no openblas_get_num_threads")
	}
	defer SetThreads(libThreads())
	var ref gonum.Implementation
	for _, threads := range []int{2, 1, 3} {
		if !SetThreads(threads) {
			t.Fatal("SetThreads failed")
		}
		for _, s := range [][3]int{{128, 10, 256}, {10, 256, 128}, {7, 5, 3}, {200, 190, 180}} {
			m, n, k := s[0], s[1], s[2]
			if small := float64(m*n*k) < oneThreadMNK; small != (m*n*k < 1e6) {
				t.Fatalf("%v: the test's sizes no longer straddle oneThreadMNK", s)
			}
			a, b := fill(m*k, 1), fill(k*n, 2)
			got, want := fill(m*n, 3), fill(m*n, 3)
			impl.Dgemm(blas.NoTrans, blas.Trans, m, n, k, 0.5, a, k, b, k, 0.25, got, n)
			ref.Dgemm(blas.NoTrans, blas.Trans, m, n, k, 0.5, a, k, b, k, 0.25, want, n)
			for i := range got {
				if d := math.Abs(got[i] - want[i]); d > 1e-12*math.Max(1, math.Abs(want[i])) {
					t.Fatalf("threads %d, %v: element %d = %v, gonum %v", threads, s, i, got[i], want[i])
				}
			}
			if got := libThreads(); got != threads {
				t.Errorf("threads %d, %v: OpenBLAS has %d threads after the product", threads, s, got)
			}
			if name := Name(); !strings.Contains(name, fmt.Sprintf("%d thread", threads)) {
				t.Errorf("threads %d: Name() = %q", threads, name)
			}
		}
	}
}

// fill returns n values in [-1, 1) that depend on seed.
func fill(n int, seed uint64) []float64 {
	v := make([]float64, n)
	x := seed*0x9E3779B97F4A7C15 + 1
	for i := range v {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		v[i] = float64(x>>11)/(1<<53)*2 - 1
	}
	return v
}
