package vec

import (
	"math"
	"math/rand"
	"testing"
)

// values returns n values spread over many magnitudes and both signs, with
// a few zeros, subnormals and infinities among them.
func values(rng *rand.Rand, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		switch rng.Intn(20) {
		case 0:
			v[i] = 0
		case 1:
			v[i] = math.SmallestNonzeroFloat64 * float64(rng.Intn(1000))
		case 2:
			v[i] = math.Inf(1 - 2*rng.Intn(2))
		default:
			v[i] = rng.NormFloat64() * math.Pow(10, float64(rng.Intn(30)-15))
		}
	}
	return v
}

func sameBits(t *testing.T, what string, got, want []float64) {
	t.Helper()
	for i := range want {
		if math.Float64bits(got[i]) != math.Float64bits(want[i]) &&
			!(math.IsNaN(got[i]) && math.IsNaN(want[i])) {
			t.Fatalf("%s[%d] = %v (%#x), the scalar loop gives %v (%#x)", what, i, got[i],
				math.Float64bits(got[i]), want[i], math.Float64bits(want[i]))
		}
	}
}

// lengths covers the empty slice, every remainder of the eight-element
// loop and a long run.
var lengths = []int{0, 1, 3, 7, 8, 9, 15, 16, 17, 31, 64, 65, 1001, 40003}

func TestScaledAddMatchesScalar(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for _, n := range lengths {
		w, g := values(rng, n), values(rng, n+3) // g may be longer than w
		a := -rng.Float64()
		want := append([]float64(nil), w...)
		for i := range want {
			want[i] = math.FMA(a, g[i], want[i])
		}
		ScaledAdd(w, g, a)
		sameBits(t, "w", w, want)
	}
}

func TestMomentumMatchesScalar(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	for _, n := range lengths {
		w, g, p := values(rng, n), values(rng, n), values(rng, n+5)
		a, mom := -rng.Float64()/10, rng.Float64()
		ww, wp := append([]float64(nil), w...), append([]float64(nil), p...)
		for i := range ww {
			v := float64(wp[i]*mom) + g[i]
			wp[i] = v
			ww[i] = math.FMA(a, v, ww[i])
		}
		Momentum(w, g, p, a, mom)
		sameBits(t, "w", w, ww)
		sameBits(t, "p", p, wp)
	}
}

// TestMomentumRoundsTwice pins the rounding: p·mom + g rounds the product
// before the sum (torch's mul_ then add_), which a fused multiply-add
// would not; the values are chosen so the two differ.
func TestMomentumRoundsTwice(t *testing.T) {
	p, mom, g := 1+0x1p-30, 1+0x1p-30, -1.0
	fused := math.FMA(p, mom, g)
	twice := float64(p*mom) + g
	if fused == twice {
		t.Fatal("the test values do not tell the roundings apart")
	}
	for _, n := range []int{1, 8, 17} {
		w, gs, ps := make([]float64, n), make([]float64, n), make([]float64, n)
		for i := range ps {
			ps[i], gs[i] = p, g
		}
		Momentum(w, gs, ps, -1, mom)
		for i := range ps {
			if ps[i] != twice || w[i] != -twice {
				t.Fatalf("n=%d: p[%d] = %v, w[%d] = %v; want %v and %v", n, i, ps[i], i, w[i], twice, -twice)
			}
		}
	}
}

func TestShortOperandPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Momentum with a gradient shorter than the weights did not panic")
		}
	}()
	Momentum(make([]float64, 16), make([]float64, 15), make([]float64, 16), -1, 0.9)
}

func BenchmarkMomentum(b *testing.B) {
	rng := rand.New(rand.NewSource(3))
	n := 1 << 15
	w, g, p := values(rng, n), values(rng, n), values(rng, n)
	for i := range w { // finite values: the timing of ordinary numbers
		w[i], g[i], p[i] = rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()
	}
	b.SetBytes(int64(40 * n))
	for b.Loop() {
		Momentum(w, g, p, -0.01, 0.9)
	}
}

func TestSameBits(t *testing.T) {
	nan := math.NaN()
	other := math.Float64frombits(math.Float64bits(nan) ^ 1)
	for _, c := range []struct {
		a, b []float64
		want bool
	}{
		{nil, nil, true},
		{nil, []float64{}, true},
		{[]float64{1, 2}, []float64{1, 2}, true},
		{[]float64{1, 2}, []float64{1}, false},
		{[]float64{1, 2}, []float64{1, math.Nextafter(2, 3)}, false},
		{[]float64{0}, []float64{math.Copysign(0, -1)}, false},
		{[]float64{nan}, []float64{nan}, true},
		{[]float64{nan}, []float64{other}, false},
	} {
		if got := SameBits(c.a, c.b); got != c.want {
			t.Errorf("SameBits(%v, %v) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
	long := values(rand.New(rand.NewSource(4)), 40001)
	cp := append([]float64(nil), long...)
	if !SameBits(long, cp) {
		t.Error("a long slice differs from its copy")
	}
	cp[40000] = math.Nextafter(cp[40000], math.Inf(1))
	if SameBits(long, cp) {
		t.Error("a change in the last element went unnoticed")
	}
}
