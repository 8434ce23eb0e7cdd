package tensor

import "fmt"

// Strided iteration: every kernel that reads operands through broadcasting,
// permutation or reduction walks the output shape with an odometer and keeps
// one running offset per operand. Adjacent dimensions that are contiguous
// for every operand are merged first, so that the common cases (same shape,
// a bias row, a keep-dim column) run as few long inner loops.

// contiguousStrides returns the row-major strides of shape.
func contiguousStrides(shape []int) []int {
	st := make([]int, len(shape))
	s := 1
	for i := len(shape) - 1; i >= 0; i-- {
		st[i] = s
		s *= shape[i]
	}
	return st
}

// broadcastStrides returns, for every dimension of out, the stride of in
// (aligned at the right) along it, 0 where in is broadcast.
func broadcastStrides(in, out []int) []int {
	st := make([]int, len(out))
	cs := contiguousStrides(in)
	off := len(out) - len(in)
	for i := range in {
		if in[i] != 1 {
			st[off+i] = cs[i]
		}
	}
	return st
}

// coalesce merges dimensions that every operand walks contiguously and drops
// dimensions of length 1. It returns the reduced shape and strides; a scalar
// becomes shape [1].
func coalesce(shape []int, strides [][]int) ([]int, [][]int) {
	sh := []int{}
	st := make([][]int, len(strides))
	for i := range shape {
		if shape[i] == 1 {
			continue
		}
		if n := len(sh); n > 0 {
			merge := true
			for k := range strides {
				if st[k][n-1] != strides[k][i]*shape[i] {
					merge = false
					break
				}
			}
			if merge {
				sh[n-1] *= shape[i]
				for k := range strides {
					st[k][n-1] = strides[k][i]
				}
				continue
			}
		}
		sh = append(sh, shape[i])
		for k := range strides {
			st[k] = append(st[k], strides[k][i])
		}
	}
	if len(sh) == 0 {
		sh = []int{1}
		for k := range st {
			st[k] = []int{0}
		}
	}
	return sh, st
}

// forRows walks shape (after coalescing) and calls row once per run of the
// last dimension with the starting offset of every operand, the run length
// and the operands' strides along it.
func forRows(shape []int, strides [][]int, row func(offs []int, n int, inner []int)) {
	sh, st := coalesce(shape, strides)
	for _, d := range sh {
		if d == 0 {
			return
		}
	}
	nd := len(sh)
	k := len(st)
	inner := make([]int, k)
	for j := range st {
		inner[j] = st[j][nd-1]
	}
	offs := make([]int, k)
	idx := make([]int, nd)
	n := sh[nd-1]
	for {
		row(offs, n, inner)
		d := nd - 2
		for ; d >= 0; d-- {
			idx[d]++
			for j := range offs {
				offs[j] += st[j][d]
			}
			if idx[d] < sh[d] {
				break
			}
			for j := range offs {
				offs[j] -= st[j][d] * sh[d]
			}
			idx[d] = 0
		}
		if d < 0 {
			return
		}
	}
}

// broadcastShapes returns the NumPy broadcast of the shapes, or panics with
// an error naming op.
func broadcastShapes(op string, shapes ...[]int) []int {
	nd := 0
	for _, s := range shapes {
		nd = max(nd, len(s))
	}
	out := make([]int, nd)
	for i := range out {
		out[i] = 1
	}
	for _, s := range shapes {
		off := nd - len(s)
		for i, d := range s {
			switch {
			case d == out[off+i] || d == 1:
			case out[off+i] == 1:
				out[off+i] = d
			default:
				panic(fmt.Errorf("tensor: %s: shapes %v do not broadcast", op, shapesList(shapes)))
			}
		}
	}
	return out
}

func shapesList(shapes [][]int) string {
	s := ""
	for i, sh := range shapes {
		if i > 0 {
			s += " and "
		}
		s += fmt.Sprint(sh)
	}
	return s
}
