package tensor

import (
	"fmt"
	"math"
	"math/rand"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/blas/gonum"
)

// openBLASName is the form of BLAS() when OpenBLAS is in use.
var openBLASName = regexp.MustCompile(`^OpenBLAS( \d+\.\d+\.\d+)? \(libopenblas[^,]*(, (1 thread|\d+ threads))?\)$`)

// withBLAS runs f with each BLAS this build and machine offer installed,
// then restores the one chosen at startup. OpenBLAS must be among them when
// the tests run with DESCENT_BLAS=openblas, as CI does.
func withBLAS(t *testing.T, f func(t *testing.T, kind string)) {
	t.Helper()
	startup := blasKind
	defer func() {
		if w := useBLAS(startup); w != "" {
			t.Fatal(w)
		}
	}()
	for _, kind := range []string{"openblas", "go", "gonum"} {
		if w := useBLAS(kind); w != "" {
			if kind == "openblas" && os.Getenv(BLASEnv) == "openblas" {
				t.Fatalf("%s=openblas but OpenBLAS is unavailable: %s", BLASEnv, w)
			}
			t.Logf("skipping %s: %s", kind, w)
			continue
		}
		t.Run(kind, func(t *testing.T) { f(t, kind) })
	}
}

// TestBLASMatchesGonum compares the routines that each BLAS takes over
// with gonum's pure Go reference, over shapes that exercise every edge of
// the AVX2 kernel's blocking and OpenBLAS's calling convention: partial
// tiles, several k-panels, transposes, strides wider than the matrix, α and
// β, vector increments.
func TestBLASMatchesGonum(t *testing.T) {
	withBLAS(t, func(t *testing.T, kind string) {
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
		near := func(name string, got, want []float64, tol float64) {
			t.Helper()
			for i := range got {
				if math.Abs(got[i]-want[i]) > tol*math.Max(1, math.Abs(want[i])) {
					t.Fatalf("%s: element %d = %v, want %v", name, i, got[i], want[i])
				}
			}
		}
		type dims struct{ m, n, k int }
		shapes := []dims{{1, 1, 1}, {6, 8, 16}, {7, 9, 17}, {13, 17, 300}, {100, 31, 513}, {97, 130, 64}, {128, 256, 50}, {5, 200, 40}, {20, 37, 100}, {24, 64, 600}, {25, 16, 64}, {8, 2100, 9}}
		for _, d := range shapes {
			for _, tA := range []blas.Transpose{blas.NoTrans, blas.Trans} {
				for _, tB := range []blas.Transpose{blas.NoTrans, blas.Trans} {
					for _, ab := range [][2]float64{{1, 0}, {0.5, 1}, {-2, 0.25}} {
						name := fmt.Sprintf("Dgemm %dx%dx%d/%c%c/α=%g,β=%g", d.m, d.n, d.k, tA, tB, ab[0], ab[1])
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
						near(name, c, want, 1e-12*float64(d.k))
					}
				}
			}
		}
		for _, tA := range []blas.Transpose{blas.NoTrans, blas.Trans} {
			for _, inc := range []int{1, 3} {
				const m, n, lda = 7, 9, 11
				name := fmt.Sprintf("Dgemv %c/inc=%d", tA, inc)
				a, x, y := fill(m*lda), fill(9*inc), fill(9*inc)
				want := append([]float64(nil), y...)
				ref.Dgemv(tA, m, n, 1.5, a, lda, x, inc, 0.5, want, inc)
				impl.Dgemv(tA, m, n, 1.5, a, lda, x, inc, 0.5, y, inc)
				near(name, y, want, 1e-13)
			}
		}
		for _, inc := range []int{1, 2} {
			x, y := fill(50*inc), fill(50*inc)
			if got, want := impl.Ddot(50, x, inc, y, inc), ref.Ddot(50, x, inc, y, inc); math.Abs(got-want) > 1e-12 {
				t.Errorf("Ddot inc=%d = %v, want %v", inc, got, want)
			}
			if got, want := impl.Dnrm2(50, x, inc), ref.Dnrm2(50, x, inc); math.Abs(got-want) > 1e-12 {
				t.Errorf("Dnrm2 inc=%d = %v, want %v", inc, got, want)
			}
			want := append([]float64(nil), y...)
			impl.Daxpy(50, 0.3, x, inc, y, inc)
			ref.Daxpy(50, 0.3, x, inc, want, inc)
			near(fmt.Sprintf("Daxpy inc=%d", inc), y, want, 1e-14)
			impl.Dscal(50, -1.25, y, inc)
			ref.Dscal(50, -1.25, want, inc)
			near(fmt.Sprintf("Dscal inc=%d", inc), y, want, 1e-14)
		}
	})
}

// TestBLASBadArgumentsPanicLikeGonum checks that every BLAS leaves calls
// that OpenBLAS or the kernel would mishandle (short slices, narrow leading
// dimensions, zero or negative sizes and increments, unknown transposes)
// to gonum, which panics with its own message.
func TestBLASBadArgumentsPanicLikeGonum(t *testing.T) {
	short, s := make([]float64, 10), make([]float64, 64*64)
	calls := []struct {
		name string
		call func(blas.Float64)
	}{
		{"Dgemm short A", func(b blas.Float64) { b.Dgemm(blas.NoTrans, blas.NoTrans, 32, 32, 32, 1, short, 32, s, 32, 0, s, 32) }},
		{"Dgemm short C", func(b blas.Float64) { b.Dgemm(blas.Trans, blas.Trans, 32, 32, 32, 1, s, 32, s, 32, 0, short, 32) }},
		{"Dgemm narrow lda", func(b blas.Float64) { b.Dgemm(blas.NoTrans, blas.NoTrans, 8, 8, 8, 1, s, 4, s, 8, 0, s, 8) }},
		{"Dgemm m<0", func(b blas.Float64) { b.Dgemm(blas.NoTrans, blas.NoTrans, -1, 8, 8, 1, s, 8, s, 8, 0, s, 8) }},
		{"Dgemm bad trans", func(b blas.Float64) { b.Dgemm('x', blas.NoTrans, 8, 8, 8, 1, s, 8, s, 8, 0, s, 8) }},
		{"Dgemv short x", func(b blas.Float64) { b.Dgemv(blas.NoTrans, 8, 8, 1, s, 8, short[:3], 1, 0, s, 1) }},
		{"Dgemv incY=0", func(b blas.Float64) { b.Dgemv(blas.Trans, 8, 8, 1, s, 8, s, 1, 0, s, 0) }},
		{"Ddot short y", func(b blas.Float64) { b.Ddot(20, s, 1, short, 1) }},
		{"Ddot incX=0", func(b blas.Float64) { b.Ddot(20, s, 0, s, 1) }},
		{"Daxpy n<0", func(b blas.Float64) { b.Daxpy(-3, 1, s, 1, s, 1) }},
		{"Daxpy short x", func(b blas.Float64) { b.Daxpy(20, 1, short, 1, s, 1) }},
		{"Dscal short x", func(b blas.Float64) { b.Dscal(20, 2, short, 1) }},
		{"Dnrm2 incX=0", func(b blas.Float64) { b.Dnrm2(5, s, 0) }},
	}
	withBLAS(t, func(t *testing.T, kind string) {
		impl := blas64.Implementation()
		for _, c := range calls {
			want := panicAny(func() { c.call(gonum.Implementation{}) })
			if want == "" {
				t.Fatalf("%s: gonum does not panic", c.name)
			}
			if got := panicAny(func() { c.call(impl) }); got != want {
				t.Errorf("%s: panic %q, want gonum's %q", c.name, got, want)
			}
		}
	})
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

// TestBLASNamesWhatIsInUse checks that BLAS() and blas64 agree on each
// implementation, and that OpenBLAS's thread count can be set.
func TestBLASNamesWhatIsInUse(t *testing.T) {
	withBLAS(t, func(t *testing.T, kind string) {
		gotType := fmt.Sprintf("%T", blas64.Implementation())
		switch name := BLAS(); kind {
		case "openblas":
			if !openBLASName.MatchString(name) || gotType != "openblas.impl" {
				t.Errorf("BLAS() = %q with %s installed", name, gotType)
			}
			if !strings.Contains(name, "thread") {
				break
			}
			before := blasThreads(t, name)
			if err := SetBLASThreads(1); err != nil {
				t.Fatal(err)
			}
			if n := blasThreads(t, BLAS()); n != 1 {
				t.Errorf("after SetBLASThreads(1), BLAS() = %q", BLAS())
			}
			if err := SetBLASThreads(before); err != nil {
				t.Fatal(err)
			}
			if n := blasThreads(t, BLAS()); n != before {
				t.Errorf("after SetBLASThreads(%d), BLAS() = %q", before, BLAS())
			}
		case "go":
			if name != "gonum (pure Go) + AVX2 Dgemm" || gotType != "tensor.kernelBLAS" {
				t.Errorf("BLAS() = %q with %s installed", name, gotType)
			}
		case "gonum":
			if name != "gonum (pure Go)" || gotType != "gonum.Implementation" {
				t.Errorf("BLAS() = %q with %s installed", name, gotType)
			}
		}
		if kind != "openblas" {
			if err := SetBLASThreads(2); err == nil || !strings.Contains(err.Error(), "no thread setting") {
				t.Errorf("SetBLASThreads with %s: error %v", kind, err)
			}
		}
		if msg := panicAny(func() { _ = SetBLASThreads(0) }); !strings.Contains(msg, "SetBLASThreads: 0 threads") {
			t.Errorf("SetBLASThreads(0) panic %q", msg)
		}
	})
}

// blasThreads reads the thread count out of an OpenBLAS name.
func blasThreads(t *testing.T, name string) int {
	t.Helper()
	var n int
	i := strings.LastIndex(name, ", ")
	if i < 0 {
		t.Fatalf("no thread count in %q", name)
	}
	if _, err := fmt.Sscanf(name[i+2:], "%d thread", &n); err != nil {
		t.Fatalf("no thread count in %q: %v", name, err)
	}
	return n
}

// childBLASEnv marks the test binary started by TestBLASEnvSelects.
const childBLASEnv = "DESCENT_BLAS_TEST_CHILD"

// TestBLASEnvChild is the child side of TestBLASEnvSelects: it prints the
// BLAS that the package chose at startup and the type blas64 holds.
func TestBLASEnvChild(t *testing.T) {
	if os.Getenv(childBLASEnv) != "1" {
		t.Skip("run by TestBLASEnvSelects")
	}
	fmt.Printf("BLAS=%s|%T\n", BLAS(), blas64.Implementation())
}

// TestBLASEnvSelects starts the test binary with each value of
// DESCENT_BLAS and checks what it chose and what it said on stderr.
func TestBLASEnvSelects(t *testing.T) {
	_, openErr := openBLASAvailable()
	auto := "openblas"
	if openErr != nil {
		auto = "go"
		if avx2Kernel() == nil {
			auto = "gonum"
		}
	}
	goKind := "go"
	if avx2Kernel() == nil {
		goKind = "gonum"
	}
	openKind := "openblas"
	if openErr != nil {
		openKind = auto
	}
	types := map[string]string{"openblas": "openblas.impl", "go": "tensor.kernelBLAS", "gonum": "gonum.Implementation"}
	cases := []struct {
		env, kind string
		warn      string // a part of the one line on stderr, or "" for none
	}{
		{"", auto, ""},
		{"auto", auto, ""},
		{"gonum", "gonum", ""},
		{"go", goKind, map[bool]string{true: "", false: "DESCENT_BLAS=go: the AVX2 kernel needs"}[goKind == "go"]},
		{"openblas", openKind, map[bool]string{true: "", false: "DESCENT_BLAS=openblas: "}[openErr == nil]},
		{"mkl", auto, `DESCENT_BLAS="mkl" is not one of auto, openblas, go, gonum`},
	}
	for _, c := range cases {
		t.Run("DESCENT_BLAS="+c.env, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestBLASEnvChild$", "-test.count=1")
			cmd.Env = append(os.Environ(), childBLASEnv+"=1", BLASEnv+"="+c.env)
			var stderr strings.Builder
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("child: %v\n%s%s", err, out, stderr.String())
			}
			line := regexp.MustCompile(`BLAS=([^|\n]*)\|(\S+)`).FindStringSubmatch(string(out))
			if line == nil {
				t.Fatalf("child printed no BLAS line:\n%s", out)
			}
			name, typ := line[1], line[2]
			if typ != types[c.kind] {
				t.Errorf("blas64 holds %s, want %s", typ, types[c.kind])
			}
			wantName := map[string]string{"go": "gonum (pure Go) + AVX2 Dgemm", "gonum": "gonum (pure Go)"}[c.kind]
			if c.kind == "openblas" && !openBLASName.MatchString(name) || c.kind != "openblas" && name != wantName {
				t.Errorf("BLAS() = %q, want the name of %s", name, c.kind)
			}
			warnings := strings.Count(stderr.String(), "tensor: "+BLASEnv)
			switch {
			case c.warn == "" && warnings != 0:
				t.Errorf("unexpected stderr: %q", stderr.String())
			case c.warn != "" && (warnings != 1 || !strings.Contains(stderr.String(), c.warn)):
				t.Errorf("stderr %q, want one line with %q", stderr.String(), c.warn)
			}
		})
	}
}

// openBLASAvailable loads OpenBLAS without installing it.
func openBLASAvailable() (blas.Float64, error) {
	startup := blasKind
	defer useBLAS(startup)
	if w := useBLAS("openblas"); w != "" {
		return nil, fmt.Errorf("%s", w)
	}
	return blas64.Implementation(), nil
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
