package tensor

import (
	"fmt"
	"math"
	"math/rand"

	"gonum.org/v1/gonum/mat"
)

// Ones returns a tensor of ones with the given shape.
func Ones(shape ...int) *Tensor { return Full(1, shape...) }

// Full returns a tensor with every element v.
func Full(v float64, shape ...int) *Tensor {
	t := Zeros(shape...)
	for i := range t.data {
		t.data[i] = v
	}
	return t
}

// Arange returns the 1-D tensor start, start+step, … of the values below
// stop (above stop for a negative step), as torch.arange.
func Arange(start, stop, step float64) *Tensor {
	if step == 0 || math.IsNaN(start) || math.IsNaN(stop) || math.IsNaN(step) || math.IsInf(start, 0) || math.IsInf(stop, 0) {
		panic(fmt.Errorf("tensor: Arange: invalid range start %g, stop %g, step %g", start, stop, step))
	}
	n := int(math.Ceil((stop - start) / step))
	n = max(n, 0)
	t := Zeros(n)
	for i := range t.data {
		t.data[i] = start + float64(i)*step
	}
	return t
}

// Linspace returns n evenly spaced values from lo to hi inclusive.
func Linspace(lo, hi float64, n int) *Tensor {
	if n < 0 {
		panic(fmt.Errorf("tensor: Linspace: negative count %d", n))
	}
	t := Zeros(n)
	if n == 1 {
		t.data[0] = lo
		return t
	}
	step := (hi - lo) / float64(n-1)
	for i := range t.data {
		// Fill from both ends, as PyTorch does, so that hi is exact.
		if i < n/2 {
			t.data[i] = lo + step*float64(i)
		} else {
			t.data[i] = hi - step*float64(n-1-i)
		}
	}
	return t
}

// Eye returns the n×n identity matrix.
func Eye(n int) *Tensor {
	t := Zeros(n, n)
	for i := 0; i < n; i++ {
		t.data[i*n+i] = 1
	}
	return t
}

func checkRNG(rng *rand.Rand, op string) {
	if rng == nil {
		panic(fmt.Errorf("tensor: %s: nil *rand.Rand; pass rand.New(rand.NewSource(seed))", op))
	}
}

// Rand returns values drawn uniformly from [0, 1) with rng.
func Rand(rng *rand.Rand, shape ...int) *Tensor {
	checkRNG(rng, "Rand")
	t := Zeros(shape...)
	for i := range t.data {
		t.data[i] = rng.Float64()
	}
	return t
}

// Randn returns values drawn from the standard normal distribution with rng.
func Randn(rng *rand.Rand, shape ...int) *Tensor {
	checkRNG(rng, "Randn")
	t := Zeros(shape...)
	for i := range t.data {
		t.data[i] = rng.NormFloat64()
	}
	return t
}

// Uniform returns values drawn uniformly from [lo, hi) with rng.
func Uniform(rng *rand.Rand, lo, hi float64, shape ...int) *Tensor {
	checkRNG(rng, "Uniform")
	t := Zeros(shape...)
	for i := range t.data {
		t.data[i] = lo + (hi-lo)*rng.Float64()
	}
	return t
}

// FromDense returns a copy of m as an r×c tensor.
func FromDense(m *mat.Dense) *Tensor {
	r, c := m.Dims()
	t := Zeros(r, c)
	raw := m.RawMatrix()
	for i := 0; i < r; i++ {
		copy(t.data[i*c:(i+1)*c], raw.Data[i*raw.Stride:i*raw.Stride+c])
	}
	return t
}

// FromVec returns a copy of v as a 1-D tensor.
func FromVec(v mat.Vector) *Tensor {
	t := Zeros(v.Len())
	for i := range t.data {
		t.data[i] = v.AtVec(i)
	}
	return t
}

// ToDense returns a copy of the matrix t as a gonum matrix.
func ToDense(t *Tensor) *mat.Dense {
	checkDense("ToDense", t)
	if len(t.shape) != 2 || len(t.data) == 0 {
		panic(fmt.Errorf("tensor: ToDense: shape %v is not a non-empty matrix", t.shape))
	}
	return mat.NewDense(t.shape[0], t.shape[1], append([]float64(nil), t.data...))
}

// ToVec returns a copy of the 1-D tensor t as a gonum vector.
func ToVec(t *Tensor) *mat.VecDense {
	checkDense("ToVec", t)
	if len(t.shape) != 1 || len(t.data) == 0 {
		panic(fmt.Errorf("tensor: ToVec: shape %v is not a non-empty vector", t.shape))
	}
	return mat.NewVecDense(len(t.data), append([]float64(nil), t.data...))
}
