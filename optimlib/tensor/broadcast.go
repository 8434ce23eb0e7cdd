package tensor

import "fmt"

// BroadcastTo returns t repeated along dimensions of length 1 (and new
// leading dimensions) to the given shape, following NumPy's rules. Its
// derivative sums the gradient back to t's shape.
func BroadcastTo(t *Tensor, shape ...int) *Tensor {
	checkDense("BroadcastTo", t)
	if sameShape(t.shape, shape) {
		return t
	}
	if !broadcastsTo(t.shape, shape) {
		panic(fmt.Errorf("tensor: BroadcastTo: shape %v cannot be broadcast to %v", t.shape, shape))
	}
	out := Zeros(shape...)
	src, dst := t.data, out.data
	forRows(shape, [][]int{contiguousStrides(shape), broadcastStrides(t.shape, shape)}, func(o []int, n int, in []int) {
		d := dst[o[0] : o[0]+n]
		if in[1] == 0 {
			v := src[o[1]]
			for i := range d {
				d[i] = v
			}
			return
		}
		copy(d, src[o[1]:o[1]+n])
	})
	return record(out, "BroadcastTo", func(g *Tensor) []*Tensor {
		return []*Tensor{sumTo(g, t.shape)}
	}, t)
}

// sumTo sums t over the dimensions along which shape was broadcast to reach
// t's shape: the adjoint of BroadcastTo.
func sumTo(t *Tensor, shape []int) *Tensor {
	if sameShape(t.shape, shape) {
		return t
	}
	out := Zeros(shape...)
	src, dst := t.data, out.data
	forRows(t.shape, [][]int{contiguousStrides(t.shape), broadcastStrides(shape, t.shape)}, func(o []int, n int, in []int) {
		s := src[o[0] : o[0]+n]
		if in[1] == 0 {
			acc := 0.0
			for _, v := range s {
				acc += v
			}
			dst[o[1]] += acc
			return
		}
		d := dst[o[1] : o[1]+n]
		for i, v := range s {
			d[i] += v
		}
	})
	return record(out, "SumTo", func(g *Tensor) []*Tensor {
		return []*Tensor{BroadcastTo(g, t.shape...)}
	}, t)
}

// broadcastsTo reports whether in broadcasts to out.
func broadcastsTo(in, out []int) bool {
	if len(in) > len(out) {
		return false
	}
	off := len(out) - len(in)
	for i, d := range in {
		if d != 1 && d != out[off+i] {
			return false
		}
	}
	return true
}
