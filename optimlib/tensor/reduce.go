package tensor

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas/blas64"
)

// Sum returns the sum of all elements as a 0-dimensional tensor.
func Sum(t *Tensor) *Tensor {
	s := 0.0
	for _, v := range t.data {
		s += v
	}
	out := Scalar(s)
	return record(out, "Sum", func(g *Tensor) []*Tensor {
		return []*Tensor{BroadcastTo(g, t.shape...)}
	}, t)
}

// Mean returns the mean of all elements as a 0-dimensional tensor.
func Mean(t *Tensor) *Tensor {
	return mulScalarOp(Sum(t), 1/float64(len(t.data)), "Mean")
}

// reducedShape returns shape with axis ax removed, or set to 1 with keepDim.
func reducedShape(shape []int, ax int, keepDim bool) []int {
	out := append([]int(nil), shape...)
	if keepDim {
		out[ax] = 1
		return out
	}
	return append(out[:ax], out[ax+1:]...)
}

// SumAxis sums t along axis; with keepDim the axis stays with length 1.
func SumAxis(t *Tensor, axis int, keepDim bool) *Tensor {
	ax := t.axis(axis, "SumAxis")
	outer, n, inner := splitAt(t.shape, ax)
	out := Zeros(reducedShape(t.shape, ax, keepDim)...)
	for o := 0; o < outer; o++ {
		dst := out.data[o*inner : (o+1)*inner]
		for k := 0; k < n; k++ {
			src := t.data[(o*n+k)*inner : (o*n+k+1)*inner]
			for i, v := range src {
				dst[i] += v
			}
		}
	}
	return record(out, "SumAxis", func(g *Tensor) []*Tensor {
		return []*Tensor{BroadcastTo(Reshape(g, reducedShape(t.shape, ax, true)...), t.shape...)}
	}, t)
}

// MeanAxis averages t along axis; with keepDim the axis stays with length 1.
func MeanAxis(t *Tensor, axis int, keepDim bool) *Tensor {
	ax := t.axis(axis, "MeanAxis")
	return mulScalarOp(SumAxis(t, ax, keepDim), 1/float64(t.shape[ax]), "MeanAxis")
}

// Var returns the variance of t along axis: the mean squared deviation,
// divided by n−1 instead of n when unbiased.
func Var(t *Tensor, axis int, unbiased, keepDim bool) *Tensor {
	ax := t.axis(axis, "Var")
	n := t.shape[ax]
	d := float64(n)
	if unbiased {
		d--
	}
	dev := Sub(t, MeanAxis(t, ax, true))
	return MulScalar(SumAxis(Square(dev), ax, keepDim), 1/d)
}

// Max returns the largest element as a 0-dimensional tensor. Where several
// elements tie for the maximum, they share the gradient evenly, as in
// PyTorch's max() without a dimension.
func Max(t *Tensor) *Tensor {
	checkDense("Max", t)
	if len(t.data) == 0 {
		panic(fmt.Errorf("tensor: Max: empty tensor of shape %v", t.shape))
	}
	best := t.data[0]
	for _, v := range t.data {
		if v > best || math.IsNaN(v) {
			best = v
			if math.IsNaN(v) {
				break
			}
		}
	}
	var ties []int
	for i, v := range t.data {
		if v == best || math.IsNaN(best) && math.IsNaN(v) {
			ties = append(ties, i)
		}
	}
	if len(ties) == 1 {
		return take(t, ties, []int{}, "Max")
	}
	return mulScalarOp(Sum(take(t, ties, []int{len(ties)}, "Max")), 1/float64(len(ties)), "Max")
}

// argMaxAxis returns, for every position of the reduced shape, the index
// along ax of the first largest element.
func argMaxAxis(t *Tensor, ax int, op string) []int {
	outer, n, inner := splitAt(t.shape, ax)
	if n == 0 {
		panic(fmt.Errorf("tensor: %s: axis %d of shape %v is empty", op, ax, t.shape))
	}
	idx := make([]int, outer*inner)
	for o := 0; o < outer; o++ {
		for i := 0; i < inner; i++ {
			base := o*n*inner + i
			best, bv := 0, t.data[base]
			for k := 1; k < n; k++ {
				v := t.data[base+k*inner]
				if v > bv || math.IsNaN(v) && !math.IsNaN(bv) {
					best, bv = k, v
				}
			}
			idx[o*inner+i] = best
		}
	}
	return idx
}

// MaxAxis returns the largest elements along axis. The gradient goes to the
// first largest element of each slice, as in PyTorch's max(dim).
func MaxAxis(t *Tensor, axis int, keepDim bool) *Tensor {
	ax := t.axis(axis, "MaxAxis")
	_, n, inner := splitAt(t.shape, ax)
	am := argMaxAxis(t, ax, "MaxAxis")
	flat := make([]int, len(am))
	for j, k := range am {
		o, i := j/inner, j%inner
		flat[j] = (o*n+k)*inner + i
	}
	return take(t, flat, reducedShape(t.shape, ax, keepDim), "MaxAxis")
}

// ArgMax returns the index of the first largest element along axis for
// every position of the other axes, in row-major order (for a matrix and
// axis 1: one index per row).
func ArgMax(t *Tensor, axis int) []int {
	return argMaxAxis(t, t.axis(axis, "ArgMax"), "ArgMax")
}

// Norm returns the Euclidean (Frobenius) norm of all elements. Its
// gradient at 0 is 0, as in PyTorch.
func Norm(t *Tensor) *Tensor {
	s := 0.0
	for _, v := range t.data {
		s += v * v
	}
	out := Scalar(math.Sqrt(s))
	return record(out, "Norm", func(g *Tensor) []*Tensor {
		if out.data[0] == 0 {
			return []*Tensor{Zeros(t.shape...)}
		}
		return []*Tensor{Mul(t, Div(g, out))}
	}, t)
}

// Dot returns the inner product Σ aᵢbᵢ of two tensors of the same shape as
// a 0-dimensional tensor. It is Sum(Mul(a, b)) in one operation, without
// the composition's two temporaries of a's size (the product forward, the
// broadcast gradient backward): the value of a long vector is summed by the
// BLAS's ddot, as torch.dot sums it (equal to the composition's up to
// rounding; a short one is summed in order, as Sum does), and the
// first derivatives are the composition's to the last bit; with a gradient
// graph recorded the backward is the composition's, so second derivatives
// are too.
func Dot(a, b *Tensor) *Tensor {
	checkDense("Dot", a, b)
	if !sameShape(a.shape, b.shape) {
		panic(fmt.Errorf("tensor: Dot: shapes %v and %v do not match", a.shape, b.shape))
	}
	s := 0.0
	if n := len(a.data); n >= minBLASDot {
		s = blas64.Dot(blas64.Vector{N: n, Inc: 1, Data: a.data}, blas64.Vector{N: n, Inc: 1, Data: b.data})
	} else {
		bd := b.data[:n]
		for i, v := range a.data {
			s += float64(v * bd[i]) // Mul's rounding, then Sum's order
		}
	}
	return record(Scalar(s), "Dot", func(g *Tensor) []*Tensor {
		if GradEnabled() {
			gg := BroadcastTo(g, a.shape...)
			var ga, gb *Tensor
			if a.requiresGrad {
				ga = Mul(gg, b)
			}
			if b.requiresGrad {
				gb = Mul(gg, a)
			}
			return []*Tensor{ga, gb}
		}
		scale := func(t *Tensor) *Tensor {
			c := g.data[0]
			if c == 1 {
				// 1·v is v: a copy, which Clone makes without first
				// clearing the new storage (the Hessian-vector
				// products' case, where v has all the parameters).
				return t.Clone()
			}
			out := &Tensor{data: make([]float64, len(t.data)), shape: append([]int(nil), t.shape...)}
			for i, v := range t.data {
				out.data[i] = c * v
			}
			return out
		}
		var ga, gb *Tensor
		if a.requiresGrad {
			ga = scale(b)
		}
		if b.requiresGrad {
			gb = scale(a)
		}
		return []*Tensor{ga, gb}
	}, a, b)
}

// minBLASDot is the length from which Dot calls the BLAS: below it the
// call (through cgo, for OpenBLAS) costs more than the loop.
const minBLASDot = 256
