//go:build cgo && unix && !purego

// Package openblas loads OpenBLAS at run time, with dlopen, and offers the
// BLAS routines that dominate optimlib's time through gonum's blas.Float64
// interface. Building it needs only a C compiler and libc: the CBLAS
// prototypes are declared here, and the library is looked up when Load is
// first called, so that programs built with it run, on gonum or optimlib's
// own kernel, where OpenBLAS is not installed.
package openblas

/*
#cgo linux LDFLAGS: -ldl
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

// The CBLAS prototypes of the routines used, declared here so that no
// OpenBLAS header is needed to build: enums are ints, and blasint is int in
// OpenBLAS's default (LP64) builds, which libopenblas.so.0 is.
enum { rowMajor = 101 };
typedef void (*dgemm_fn)(int, int, int, int, int, int, double, const double *, int, const double *, int, double, double *, int);
typedef void (*dgemv_fn)(int, int, int, int, double, const double *, int, const double *, int, double, double *, int);
typedef double (*ddot_fn)(int, const double *, int, const double *, int);
typedef void (*daxpy_fn)(int, double, const double *, int, double *, int);
typedef void (*dscal_fn)(int, double, double *, int);
typedef double (*dnrm2_fn)(int, const double *, int);
typedef char *(*config_fn)(void);
typedef int (*get_threads_fn)(void);
typedef void (*set_threads_fn)(int);

static dgemm_fn p_dgemm;
static dgemv_fn p_dgemv;
static ddot_fn p_ddot;
static daxpy_fn p_daxpy;
static dscal_fn p_dscal;
static dnrm2_fn p_dnrm2;
static config_fn p_config;
static get_threads_fn p_get_threads;
static set_threads_fn p_set_threads;
static char load_error[512];

// descent_open loads the library at path and resolves the routines; it
// returns NULL on success, else a message that stays valid until the next
// call.
static const char *descent_open(const char *path) {
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (h == NULL) {
		const char *e = dlerror();
		snprintf(load_error, sizeof load_error, "%s", e ? e : "dlopen failed");
		return load_error;
	}
	static const char *const names[] = {"cblas_dgemm", "cblas_dgemv", "cblas_ddot", "cblas_daxpy", "cblas_dscal", "cblas_dnrm2"};
	void *syms[6];
	for (int i = 0; i < 6; i++) {
		syms[i] = dlsym(h, names[i]);
		if (syms[i] == NULL) {
			snprintf(load_error, sizeof load_error, "%s lacks %s", path, names[i]);
			dlclose(h);
			return load_error;
		}
	}
	p_dgemm = (dgemm_fn)syms[0];
	p_dgemv = (dgemv_fn)syms[1];
	p_ddot = (ddot_fn)syms[2];
	p_daxpy = (daxpy_fn)syms[3];
	p_dscal = (dscal_fn)syms[4];
	p_dnrm2 = (dnrm2_fn)syms[5];
	p_config = (config_fn)dlsym(h, "openblas_get_config");
	p_get_threads = (get_threads_fn)dlsym(h, "openblas_get_num_threads");
	p_set_threads = (set_threads_fn)dlsym(h, "openblas_set_num_threads");
	return NULL;
}

static const char *descent_config(void) { return p_config ? p_config() : NULL; }
// threads is the thread count set through descent_set_threads (or found at
// load), which a product held to one thread restores; 0 when unknown.
static int threads;
static int descent_lib_threads(void) { return p_get_threads ? p_get_threads() : 0; }
static void descent_init_threads(void) { __atomic_store_n(&threads, descent_lib_threads(), __ATOMIC_RELAXED); }
static int descent_get_threads(void) {
	int n = __atomic_load_n(&threads, __ATOMIC_RELAXED);
	return n > 0 ? n : descent_lib_threads();
}
static int descent_set_threads(int n) {
	if (!p_set_threads) return 0;
	__atomic_store_n(&threads, n, __ATOMIC_RELAXED);
	p_set_threads(n);
	return 1;
}

// descent_dgemm runs cblas_dgemm; with one_thread set it holds OpenBLAS to
// one thread for this call, then restores the configured count.
static void descent_dgemm(int ta, int tb, int m, int n, int k, double alpha, const double *a, int lda, const double *b, int ldb, double beta, double *c, int ldc, int one_thread) {
	if (one_thread && p_set_threads && __atomic_load_n(&threads, __ATOMIC_RELAXED) > 1) {
		p_set_threads(1);
		p_dgemm(rowMajor, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
		p_set_threads(__atomic_load_n(&threads, __ATOMIC_RELAXED));
		return;
	}
	p_dgemm(rowMajor, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
static void descent_dgemv(int ta, int m, int n, double alpha, const double *a, int lda, const double *x, int incx, double beta, double *y, int incy) {
	p_dgemv(rowMajor, ta, m, n, alpha, a, lda, x, incx, beta, y, incy);
}
static double descent_ddot(int n, const double *x, int incx, const double *y, int incy) { return p_ddot(n, x, incx, y, incy); }
static void descent_daxpy(int n, double alpha, const double *x, int incx, double *y, int incy) { p_daxpy(n, alpha, x, incx, y, incy); }
static void descent_dscal(int n, double alpha, double *x, int incx) { p_dscal(n, alpha, x, incx); }
static double descent_dnrm2(int n, const double *x, int incx) { return p_dnrm2(n, x, incx); }
*/
import "C"

import (
	"fmt"
	"math"
	"runtime"
	"strings"
	"sync"
	"unsafe"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// files are the names under which the dynamic loader is asked for OpenBLAS,
// in order: the runtime library first, then the development link.
var files = map[string][]string{
	"darwin": {"libopenblas.0.dylib", "libopenblas.dylib"},
}

// lib is the outcome of loading, set once by Load.
var lib struct {
	once    sync.Once
	err     error
	file    string // the name it was loaded under
	version string // from openblas_get_config, empty if unknown
}

// Load loads OpenBLAS on first use and returns the implementation that
// routes to it, or why it cannot. Later calls return the same outcome.
func Load() (blas.Float64, error) {
	lib.once.Do(load)
	if lib.err != nil {
		return nil, lib.err
	}
	return impl{}, nil
}

func load() {
	names, ok := files[runtime.GOOS]
	if !ok {
		names = []string{"libopenblas.so.0", "libopenblas.so"}
	}
	var msgs []string
	for _, f := range names {
		cf := C.CString(f)
		e := C.descent_open(cf)
		C.free(unsafe.Pointer(cf))
		if e == nil {
			lib.file = f
			break
		}
		msgs = append(msgs, C.GoString(e))
	}
	if lib.file == "" {
		lib.err = fmt.Errorf("cannot load OpenBLAS (%s)", strings.Join(msgs, "; "))
		return
	}
	C.descent_init_threads()
	cfg := C.descent_config()
	if cfg == nil {
		return
	}
	config := C.GoString(cfg)
	// A build with 64-bit integers would misread the 32-bit arguments
	// declared above; Debian ships that one separately, as libopenblas64.
	if strings.Contains(config, "USE64BITINT") {
		lib.err = fmt.Errorf("%s is built with 64-bit integers (%s)", lib.file, config)
		return
	}
	if f := strings.Fields(config); len(f) > 1 && f[0] == "OpenBLAS" {
		lib.version = f[1]
	}
}

// Name names the loaded library with its version, file and current thread
// count, as in "OpenBLAS 0.3.21 (libopenblas.so.0, 2 threads)", or says why
// it is not loaded.
func Name() string {
	if _, err := Load(); err != nil {
		return "OpenBLAS (" + err.Error() + ")"
	}
	name := "OpenBLAS"
	if lib.version != "" {
		name += " " + lib.version
	}
	switch n := int(C.descent_get_threads()); {
	case n == 1:
		return fmt.Sprintf("%s (%s, 1 thread)", name, lib.file)
	case n > 1:
		return fmt.Sprintf("%s (%s, %d threads)", name, lib.file, n)
	}
	return fmt.Sprintf("%s (%s)", name, lib.file)
}

// SetThreads sets the number of threads of OpenBLAS with
// openblas_set_num_threads and reports whether the library is loaded and
// has that function.
func SetThreads(n int) bool {
	if _, err := Load(); err != nil {
		return false
	}
	return C.descent_set_threads(C.int(min(max(n, 1), math.MaxInt32))) != 0
}

// libThreads returns the thread count that OpenBLAS itself reports, 0 when
// it has no such function.
func libThreads() int { return int(C.descent_lib_threads()) }

// impl routes the BLAS routines that dominate optimlib's time (matrix
// products, matrix-vector products, dot, axpy, scaling and norms) to
// OpenBLAS through its C interface and leaves every other routine to
// gonum's pure Go code. Calls that OpenBLAS would reject, that are empty or
// whose sizes do not fit its 32-bit integers go to gonum too, so that bad
// arguments panic with gonum's messages instead of reaching C.
type impl struct{ gonum.Implementation }

// fits reports whether a row-major r×c matrix with leading dimension ld
// lies within a slice of length n.
func fits(n, r, c, ld int) bool {
	return ld >= max(1, c) && n >= ld*(r-1)+c
}

func cTrans(t blas.Transpose) C.int {
	if t == blas.NoTrans {
		return 111 // CblasNoTrans
	}
	return 112 // CblasTrans; real matrices need no conjugation
}

func validTrans(t blas.Transpose) bool {
	return t == blas.NoTrans || t == blas.Trans || t == blas.ConjTrans
}

// vecFits reports whether n elements with a positive increment inc lie
// within a slice of length l.
func vecFits(l, n, inc int) bool { return inc > 0 && l >= 1+(n-1)*inc }

// int32s reports whether every value fits in a C int.
func int32s(v ...int) bool {
	for _, x := range v {
		if x > math.MaxInt32 {
			return false
		}
	}
	return true
}

// Dgemm computes C = α·op(A)·op(B) + β·C with cblas_dgemm.
func (o impl) Dgemm(tA, tB blas.Transpose, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	ar, ac := m, k
	if tA != blas.NoTrans {
		ar, ac = k, m
	}
	br, bc := k, n
	if tB != blas.NoTrans {
		br, bc = n, k
	}
	if m <= 0 || n <= 0 || k <= 0 || !validTrans(tA) || !validTrans(tB) || !int32s(m, n, k, lda, ldb, ldc) ||
		!fits(len(a), ar, ac, lda) || !fits(len(b), br, bc, ldb) || !fits(len(c), m, n, ldc) {
		o.Implementation.Dgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	C.descent_dgemm(cTrans(tA), cTrans(tB), C.int(m), C.int(n), C.int(k),
		C.double(alpha), (*C.double)(&a[0]), C.int(lda), (*C.double)(&b[0]), C.int(ldb),
		C.double(beta), (*C.double)(&c[0]), C.int(ldc), b2i(float64(m)*float64(n)*float64(k) < oneThreadMNK))
}

// oneThreadMNK is the size m·n·k below which a product runs on one OpenBLAS
// thread whatever the thread setting. OpenBLAS 0.3.21 splits every product
// above 2¹⁸ multiply-adds between its threads, and below a few million the
// hand-over costs more than the second thread saves: on 2 cores one thread
// takes 0.35–0.55 of the time of two for the 128×10×256 and 128×256×10
// products of an MLP's last layer, 0.5 for 784×72×16 (a convolution's
// unfolded image), 0.75 for 128³ and 0.86 for 256×784×32; they break even
// near 192³ (7·10⁶), above which two threads win (0.76 at 256³).
const oneThreadMNK = 6.5e6

func b2i(b bool) C.int {
	if b {
		return 1
	}
	return 0
}

// Dgemv computes y = α·op(A)·x + β·y with cblas_dgemv.
func (o impl) Dgemv(tA blas.Transpose, m, n int, alpha float64, a []float64, lda int, x []float64, incX int, beta float64, y []float64, incY int) {
	lx, ly := n, m
	if tA != blas.NoTrans {
		lx, ly = m, n
	}
	if m <= 0 || n <= 0 || !validTrans(tA) || !int32s(m, n, lda, incX, incY) ||
		!fits(len(a), m, n, lda) || !vecFits(len(x), lx, incX) || !vecFits(len(y), ly, incY) {
		o.Implementation.Dgemv(tA, m, n, alpha, a, lda, x, incX, beta, y, incY)
		return
	}
	C.descent_dgemv(cTrans(tA), C.int(m), C.int(n), C.double(alpha),
		(*C.double)(&a[0]), C.int(lda), (*C.double)(&x[0]), C.int(incX),
		C.double(beta), (*C.double)(&y[0]), C.int(incY))
}

// Ddot returns xᵀy with cblas_ddot.
func (o impl) Ddot(n int, x []float64, incX int, y []float64, incY int) float64 {
	if n <= 0 || !int32s(n, incX, incY) || !vecFits(len(x), n, incX) || !vecFits(len(y), n, incY) {
		return o.Implementation.Ddot(n, x, incX, y, incY)
	}
	return float64(C.descent_ddot(C.int(n), (*C.double)(&x[0]), C.int(incX), (*C.double)(&y[0]), C.int(incY)))
}

// Daxpy computes y = α·x + y with cblas_daxpy.
func (o impl) Daxpy(n int, alpha float64, x []float64, incX int, y []float64, incY int) {
	if n <= 0 || !int32s(n, incX, incY) || !vecFits(len(x), n, incX) || !vecFits(len(y), n, incY) {
		o.Implementation.Daxpy(n, alpha, x, incX, y, incY)
		return
	}
	C.descent_daxpy(C.int(n), C.double(alpha), (*C.double)(&x[0]), C.int(incX), (*C.double)(&y[0]), C.int(incY))
}

// Dscal computes x = α·x with cblas_dscal.
func (o impl) Dscal(n int, alpha float64, x []float64, incX int) {
	if n <= 0 || !int32s(n, incX) || !vecFits(len(x), n, incX) {
		o.Implementation.Dscal(n, alpha, x, incX)
		return
	}
	C.descent_dscal(C.int(n), C.double(alpha), (*C.double)(&x[0]), C.int(incX))
}

// Dnrm2 returns the Euclidean norm of x with cblas_dnrm2.
func (o impl) Dnrm2(n int, x []float64, incX int) float64 {
	if n <= 0 || !int32s(n, incX) || !vecFits(len(x), n, incX) {
		return o.Implementation.Dnrm2(n, x, incX)
	}
	return float64(C.descent_dnrm2(C.int(n), (*C.double)(&x[0]), C.int(incX)))
}
