package tensor

// take and scatterAdd are the linear pair behind every indexing operation
// (Gather, IndexSelect, Max, MaxAxis, MaxPool2d): each is the other's
// adjoint, so either differentiates into the other, to any order.

// take returns a tensor of the given shape with out[i] = t[idx[i]] over the
// flat storage; a negative index reads 0.
func take(t *Tensor, idx []int, shape []int, op string) *Tensor {
	out := Zeros(shape...)
	for i, j := range idx {
		if j >= 0 {
			out.data[i] = t.data[j]
		}
	}
	return record(out, op, func(g *Tensor) []*Tensor {
		return []*Tensor{scatterAdd(g, idx, t.shape, op+"Backward")}
	}, t)
}

// scatterAdd returns zeros of the given shape with g[i] added at flat
// position idx[i]; negative indices are skipped.
func scatterAdd(g *Tensor, idx []int, shape []int, op string) *Tensor {
	out := Zeros(shape...)
	for i, j := range idx {
		if j >= 0 {
			out.data[j] += g.data[i]
		}
	}
	return record(out, op, func(gg *Tensor) []*Tensor {
		return []*Tensor{take(gg, idx, g.shape, op+"Backward")}
	}, g)
}
