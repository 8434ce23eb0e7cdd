package tensor

import (
	"fmt"
	"slices"
)

// Reshape returns t with a new shape holding the same elements in the same
// order; one dimension may be −1 and is then inferred. The result shares
// t's storage, as a PyTorch view does.
func Reshape(t *Tensor, shape ...int) *Tensor {
	checkDense("Reshape", t)
	shape = append([]int(nil), shape...)
	infer := -1
	n := 1
	for i, d := range shape {
		switch {
		case d == -1 && infer < 0:
			infer = i
		case d < 0:
			panic(fmt.Errorf("tensor: Reshape: invalid shape %v for tensor of shape %v", shape, t.shape))
		default:
			n *= d
		}
	}
	if infer >= 0 {
		if n == 0 || len(t.data)%n != 0 {
			panic(fmt.Errorf("tensor: Reshape: shape %v does not fit tensor of shape %v", shape, t.shape))
		}
		shape[infer] = len(t.data) / n
		n *= shape[infer]
	}
	if n != len(t.data) {
		panic(fmt.Errorf("tensor: Reshape: shape %v does not fit tensor of shape %v (%d elements)", shape, t.shape, len(t.data)))
	}
	if sameShape(shape, t.shape) {
		return t
	}
	out := &Tensor{data: t.data, shape: shape}
	return record(out, "Reshape", func(g *Tensor) []*Tensor {
		return []*Tensor{Reshape(g, t.shape...)}
	}, t)
}

// Flatten merges the dimensions from startAxis on into one.
func Flatten(t *Tensor, startAxis int) *Tensor {
	if len(t.shape) == 0 {
		return Reshape(t, 1)
	}
	ax := t.axis(startAxis, "Flatten")
	shape := append(append([]int(nil), t.shape[:ax]...), -1)
	if len(t.data) == 0 {
		shape[ax] = 0
	}
	return Reshape(t, shape...)
}

// Squeeze removes axis, which must have length 1.
func Squeeze(t *Tensor, axis int) *Tensor {
	ax := t.axis(axis, "Squeeze")
	if t.shape[ax] != 1 {
		panic(fmt.Errorf("tensor: Squeeze: axis %d of shape %v has length %d, not 1", axis, t.shape, t.shape[ax]))
	}
	return Reshape(t, slices.Delete(t.Shape(), ax, ax+1)...)
}

// Unsqueeze inserts an axis of length 1 at position axis (−1 appends).
func Unsqueeze(t *Tensor, axis int) *Tensor {
	ax := axis
	if ax < 0 {
		ax += len(t.shape) + 1
	}
	if ax < 0 || ax > len(t.shape) {
		panic(fmt.Errorf("tensor: Unsqueeze: axis %d out of range for shape %v", axis, t.shape))
	}
	return Reshape(t, slices.Insert(t.Shape(), ax, 1)...)
}

// Transpose swaps the last two dimensions (a 1-D tensor is returned as is).
// The result is a new tensor. MatMul recognizes an operand recorded as a
// Transpose and differentiates through its source with the BLAS's
// transpose flag, so MatMul(x, Transpose(w)) costs no copy in the backward
// pass.
func Transpose(t *Tensor) *Tensor {
	n := len(t.shape)
	if n < 2 {
		return t
	}
	r, c := t.shape[n-2], t.shape[n-1]
	shape := append(t.Shape()[:n-2], c, r)
	out := Zeros(shape...)
	for b := 0; b < len(t.data)/max(r*c, 1); b++ {
		transposeBlocked(out.data[b*r*c:(b+1)*r*c], t.data[b*r*c:(b+1)*r*c], r, c)
	}
	return record(out, "Transpose", func(g *Tensor) []*Tensor { return []*Tensor{Transpose(g)} }, t)
}

// transposeBlocked writes the transpose of the r×c matrix src into dst, in
// tiles that keep both sides in cache.
func transposeBlocked(dst, src []float64, r, c int) {
	const tile = 32
	for i0 := 0; i0 < r; i0 += tile {
		i1 := min(i0+tile, r)
		for j0 := 0; j0 < c; j0 += tile {
			j1 := min(j0+tile, c)
			for i := i0; i < i1; i++ {
				row := src[i*c : i*c+c]
				for j := j0; j < j1; j++ {
					dst[j*r+i] = row[j]
				}
			}
		}
	}
}

// Permute reorders the dimensions: dimension i of the result is dimension
// axes[i] of t.
func Permute(t *Tensor, axes ...int) *Tensor {
	checkDense("Permute", t)
	n := len(t.shape)
	if len(axes) != n {
		panic(fmt.Errorf("tensor: Permute: %d axes %v for shape %v", len(axes), axes, t.shape))
	}
	seen := make([]bool, n)
	ax := make([]int, n)
	identity := true
	for i, a := range axes {
		if a < 0 {
			a += n
		}
		if a < 0 || a >= n || seen[a] {
			panic(fmt.Errorf("tensor: Permute: axes %v are not a permutation for shape %v", axes, t.shape))
		}
		seen[a] = true
		ax[i] = a
		identity = identity && a == i
	}
	if identity {
		return t
	}
	shape := make([]int, n)
	src := contiguousStrides(t.shape)
	st := make([]int, n)
	for i, a := range ax {
		shape[i] = t.shape[a]
		st[i] = src[a]
	}
	out := Zeros(shape...)
	forRows(shape, [][]int{contiguousStrides(shape), st}, func(o []int, m int, in []int) {
		d := out.data[o[0] : o[0]+m]
		s := t.data[o[1]:]
		if in[1] == 1 {
			copy(d, s)
			return
		}
		for i := range d {
			d[i] = s[i*in[1]]
		}
	})
	inv := make([]int, n)
	for i, a := range ax {
		inv[a] = i
	}
	return record(out, "Permute", func(g *Tensor) []*Tensor {
		return []*Tensor{Permute(g, inv...)}
	}, t)
}

// Narrow returns the slice start ≤ i < start+length of t along axis.
func Narrow(t *Tensor, axis, start, length int) *Tensor {
	checkDense("Narrow", t)
	ax := t.axis(axis, "Narrow")
	if start < 0 || length < 0 || start+length > t.shape[ax] {
		panic(fmt.Errorf("tensor: Narrow: range [%d, %d) outside axis %d of shape %v", start, start+length, axis, t.shape))
	}
	if start == 0 && length == t.shape[ax] {
		return t
	}
	outer, n, inner := splitAt(t.shape, ax)
	shape := t.Shape()
	shape[ax] = length
	out := Zeros(shape...)
	for o := 0; o < outer; o++ {
		copy(out.data[o*length*inner:(o+1)*length*inner], t.data[(o*n+start)*inner:(o*n+start+length)*inner])
	}
	return record(out, "Narrow", func(g *Tensor) []*Tensor {
		return []*Tensor{pad(g, ax, start, n)}
	}, t)
}

// pad embeds t at offset start of a zero tensor whose axis ax has length
// n: the adjoint of Narrow.
func pad(t *Tensor, ax, start, n int) *Tensor {
	outer, length, inner := splitAt(t.shape, ax)
	shape := t.Shape()
	shape[ax] = n
	out := Zeros(shape...)
	for o := 0; o < outer; o++ {
		copy(out.data[(o*n+start)*inner:(o*n+start+length)*inner], t.data[o*length*inner:(o+1)*length*inner])
	}
	return record(out, "Pad", func(g *Tensor) []*Tensor {
		return []*Tensor{Narrow(g, ax, start, length)}
	}, t)
}

// Row returns row i of t along the first axis, with that axis removed.
func Row(t *Tensor, i int) *Tensor {
	if len(t.shape) == 0 || i < 0 || i >= t.shape[0] {
		panic(fmt.Errorf("tensor: Row: index %d out of range for shape %v", i, t.shape))
	}
	return Squeeze(Narrow(t, 0, i, 1), 0)
}

// Concat joins tensors along axis; their other dimensions must agree.
func Concat(ts []*Tensor, axis int) *Tensor {
	checkDense("Concat", ts...)
	if len(ts) == 0 {
		panic(fmt.Errorf("tensor: Concat: no tensors"))
	}
	ax := ts[0].axis(axis, "Concat")
	shape := ts[0].Shape()
	total := 0
	for _, t := range ts {
		if len(t.shape) != len(shape) {
			panic(fmt.Errorf("tensor: Concat: shapes %v and %v differ in rank", ts[0].shape, t.shape))
		}
		for i := range shape {
			if i != ax && t.shape[i] != shape[i] {
				panic(fmt.Errorf("tensor: Concat: shapes %v and %v do not match outside axis %d", ts[0].shape, t.shape, axis))
			}
		}
		total += t.shape[ax]
	}
	shape[ax] = total
	out := Zeros(shape...)
	outer, _, inner := splitAt(shape, ax)
	starts := make([]int, len(ts))
	at := 0
	for k, t := range ts {
		starts[k] = at
		m := t.shape[ax] * inner
		for o := 0; o < outer; o++ {
			copy(out.data[o*total*inner+at*inner:], t.data[o*m:(o+1)*m])
		}
		at += t.shape[ax]
	}
	return record(out, "Concat", func(g *Tensor) []*Tensor {
		gs := make([]*Tensor, len(ts))
		for k, t := range ts {
			if t.requiresGrad {
				gs[k] = Narrow(g, ax, starts[k], t.shape[ax])
			}
		}
		return gs
	}, ts...)
}

// Stack joins tensors of the same shape along a new axis.
func Stack(ts []*Tensor, axis int) *Tensor {
	if len(ts) == 0 {
		panic(fmt.Errorf("tensor: Stack: no tensors"))
	}
	us := make([]*Tensor, len(ts))
	for i, t := range ts {
		if !sameShape(t.shape, ts[0].shape) {
			panic(fmt.Errorf("tensor: Stack: shapes %v and %v do not match", ts[0].shape, t.shape))
		}
		us[i] = Unsqueeze(t, axis)
	}
	return Concat(us, axis)
}

// IndexSelect picks the slices idx along axis, in that order (repeats
// allowed).
func IndexSelect(t *Tensor, axis int, idx []int) *Tensor {
	ax := t.axis(axis, "IndexSelect")
	outer, n, inner := splitAt(t.shape, ax)
	shape := t.Shape()
	shape[ax] = len(idx)
	flat := make([]int, 0, outer*len(idx)*inner)
	for o := 0; o < outer; o++ {
		for _, k := range idx {
			if k < 0 || k >= n {
				panic(fmt.Errorf("tensor: IndexSelect: index %d out of range for axis %d of shape %v", k, axis, t.shape))
			}
			for i := 0; i < inner; i++ {
				flat = append(flat, (o*n+k)*inner+i)
			}
		}
	}
	return take(t, flat, shape, "IndexSelect")
}

// Gather picks one element along axis for every position of the other
// axes: the result has t's shape without axis, and idx one entry per
// result element in row-major order. For a matrix and axis 1,
// out[i] = t[i, idx[i]].
func Gather(t *Tensor, axis int, idx []int) *Tensor {
	ax := t.axis(axis, "Gather")
	outer, n, inner := splitAt(t.shape, ax)
	if len(idx) != outer*inner {
		panic(fmt.Errorf("tensor: Gather: %d indices for shape %v along axis %d, want %d", len(idx), t.shape, axis, outer*inner))
	}
	flat := make([]int, len(idx))
	for j, k := range idx {
		if k < 0 || k >= n {
			panic(fmt.Errorf("tensor: Gather: index %d out of range for axis %d of shape %v", k, axis, t.shape))
		}
		o, i := j/inner, j%inner
		flat[j] = (o*n+k)*inner + i
	}
	return take(t, flat, reducedShape(t.shape, ax, false), "Gather")
}
