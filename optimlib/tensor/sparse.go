package tensor

import (
	"fmt"
	"slices"
	"sort"
)

// Row-sparse tensors are the gradients of embedding tables, as PyTorch's
// sparse COO gradient of nn.Embedding(sparse=True): a tensor of full shape
// [n, d…] of which only some rows along axis 0 are stored, the rest being
// zero. The rows are listed in any order and may repeat (uncoalesced); a
// repeated row stands for the sum of its stored values. Backward keeps
// such a gradient sparse on the way to a leaf; optimizers that know the
// layout (SparseAdam, SGD, Adagrad) then touch only the stored rows.
//
// Operations take dense tensors only. A row-sparse tensor handed to one of
// them makes it panic with an error naming the operation; Densify turns it
// into the ordinary dense tensor first.

// rowSparse is the stored part of a row-sparse tensor: values has shape
// [len(rows), shape[1:]…] and its row k belongs at index rows[k] of axis 0.
type rowSparse struct {
	rows   []int
	values *Tensor
}

// NewSparse returns a row-sparse tensor of the given shape whose row
// rows[k] along axis 0 holds row k of values, and which is zero elsewhere;
// a row listed more than once holds the sum of its values, as in an
// uncoalesced PyTorch sparse COO tensor. values must be dense with shape
// [len(rows), shape[1], …]; it is used directly, not copied, and rows is
// copied.
func NewSparse(rows []int, values *Tensor, shape ...int) *Tensor {
	if len(shape) == 0 {
		panic(fmt.Errorf("tensor: NewSparse: a row-sparse tensor needs at least one dimension"))
	}
	numel(shape, "NewSparse")
	checkDense("NewSparse", values)
	want := append([]int{len(rows)}, shape[1:]...)
	if !sameShape(values.shape, want) {
		panic(fmt.Errorf("tensor: NewSparse: values of shape %v for %d rows of shape %v, want %v", values.shape, len(rows), shape, want))
	}
	for _, r := range rows {
		if r < 0 || r >= shape[0] {
			panic(fmt.Errorf("tensor: NewSparse: row %d out of range for shape %v", r, shape))
		}
	}
	return newSparse(slices.Clone(rows), values, shape)
}

// newSparse builds a row-sparse tensor from checked parts it takes over.
func newSparse(rows []int, values *Tensor, shape []int) *Tensor {
	return &Tensor{shape: slices.Clone(shape), sparse: &rowSparse{rows: rows, values: values}}
}

// IsSparse reports whether t is row-sparse (see NewSparse), as PyTorch's
// Tensor.is_sparse.
func (t *Tensor) IsSparse() bool { return t.sparse != nil }

// SparseRows returns a copy of the stored rows' indices along axis 0 of the
// row-sparse t, in stored order and with repeats, as PyTorch's
// Tensor._indices()[0]. It panics on a dense tensor.
func (t *Tensor) SparseRows() []int {
	t.needSparse("SparseRows")
	return slices.Clone(t.sparse.rows)
}

// SparseValues returns the stored rows of the row-sparse t as a dense
// tensor of shape [len(SparseRows()), Shape()[1:]…], as PyTorch's
// Tensor._values(). It is t's storage, not a copy: writing to its Data
// changes t (gradient clipping scales a sparse gradient this way). It
// panics on a dense tensor.
func (t *Tensor) SparseValues() *Tensor {
	t.needSparse("SparseValues")
	return t.sparse.values
}

func (t *Tensor) needSparse(op string) {
	if t.sparse == nil {
		panic(fmt.Errorf("tensor: %s: tensor of shape %v is dense, not row-sparse", op, t.shape))
	}
}

// checkDense panics when one of ts is row-sparse: op works on dense
// tensors only.
func checkDense(op string, ts ...*Tensor) {
	for _, t := range ts {
		if t != nil && t.sparse != nil {
			panic(fmt.Errorf("tensor: %s: row-sparse tensor of shape %v (%d stored rows) is not supported; convert it with Densify first",
				op, t.shape, len(t.sparse.rows)))
		}
	}
}

// sparseFlat returns the flat positions, in a tensor whose axis 0 has rows
// of inner elements each, of the elements of the listed rows in order.
func sparseFlat(rows []int, inner int) []int {
	flat := make([]int, 0, len(rows)*inner)
	for _, r := range rows {
		for i := 0; i < inner; i++ {
			flat = append(flat, r*inner+i)
		}
	}
	return flat
}

// rowSize returns the number of elements in one row along axis 0 of shape.
func rowSize(shape []int) int {
	n := 1
	for _, d := range shape[1:] {
		n *= d
	}
	return n
}

// Densify returns the dense tensor equal to t, as PyTorch's
// Tensor.to_dense(): the stored rows of a row-sparse t are added into
// zeros (repeated rows summed). A dense t is returned as it is. The
// result is differentiable with respect to t's values.
func Densify(t *Tensor) *Tensor {
	if t.sparse == nil {
		return t
	}
	flat := sparseFlat(t.sparse.rows, rowSize(t.shape))
	return scatterAdd(t.sparse.values, flat, t.shape, "Densify")
}

// Coalesce returns the row-sparse t with every stored row listed once, in
// increasing order, and the values of repeated rows summed (in stored
// order), as PyTorch's Tensor.coalesce(). A dense t is returned as it is.
func Coalesce(t *Tensor) *Tensor {
	if t.sparse == nil {
		return t
	}
	rows := slices.Clone(t.sparse.rows)
	sort.Ints(rows)
	rows = slices.Compact(rows)
	pos := make(map[int]int, len(rows))
	for i, r := range rows {
		pos[r] = i
	}
	inner := rowSize(t.shape)
	flat := make([]int, 0, len(t.sparse.rows)*inner)
	for _, r := range t.sparse.rows {
		for i := 0; i < inner; i++ {
			flat = append(flat, pos[r]*inner+i)
		}
	}
	shape := append([]int{len(rows)}, t.shape[1:]...)
	return newSparse(rows, scatterAdd(t.sparse.values, flat, shape, "Coalesce"), t.shape)
}

// addGrads returns the sum of two gradients of the same tensor: two
// row-sparse ones give a row-sparse one with the stored rows of both (in
// order, duplicates kept), as PyTorch accumulates sparse gradients; any
// other mix gives the dense sum.
func addGrads(a, b *Tensor) *Tensor {
	if a.sparse == nil || b.sparse == nil {
		return Add(Densify(a), Densify(b))
	}
	if !sameShape(a.shape, b.shape) {
		panic(fmt.Errorf("tensor: Backward: sparse gradients of shapes %v and %v do not match", a.shape, b.shape))
	}
	rows := append(slices.Clone(a.sparse.rows), b.sparse.rows...)
	return newSparse(rows, Concat([]*Tensor{a.sparse.values, b.sparse.values}, 0), a.shape)
}

// Embedding returns the rows idx of weight along axis 0, stacked: the
// result has shape [len(idx), weight.Shape()[1:]…], as PyTorch's
// torch.nn.functional.embedding. Indices may repeat.
//
// The gradient reaching weight through idx is zero for the row paddingIdx
// (a negative paddingIdx means none), as PyTorch's padding_idx. With sparse
// set, that gradient is row-sparse, as with nn.Embedding(sparse=True): it
// stores one row per entry of idx other than paddingIdx, repeats
// included, uncoalesced. A sparse gradient is produced by Backward and by
// Grad without createGraph; with createGraph the gradient is dense, so that
// it can be differentiated again.
func Embedding(weight *Tensor, idx []int, paddingIdx int, sparse bool) *Tensor {
	checkDense("Embedding", weight)
	if len(weight.shape) == 0 {
		panic(fmt.Errorf("tensor: Embedding: weight is a scalar; it needs a first axis to index"))
	}
	n := weight.shape[0]
	if paddingIdx >= n {
		panic(fmt.Errorf("tensor: Embedding: padding index %d out of range for weight of shape %v", paddingIdx, weight.shape))
	}
	inner := rowSize(weight.shape)
	shape := append([]int{len(idx)}, weight.shape[1:]...)
	out := Zeros(shape...)
	for k, r := range idx {
		if r < 0 || r >= n {
			panic(fmt.Errorf("tensor: Embedding: index %d out of range for weight of shape %v", r, weight.shape))
		}
		copy(out.data[k*inner:(k+1)*inner], weight.data[r*inner:(r+1)*inner])
	}
	idx = slices.Clone(idx)
	return record(out, "Embedding", func(g *Tensor) []*Tensor {
		if sparse && !GradEnabled() {
			var rows []int
			var vals []float64
			for k, r := range idx {
				if r != paddingIdx {
					rows = append(rows, r)
					vals = append(vals, g.data[k*inner:(k+1)*inner]...)
				}
			}
			vshape := append([]int{len(rows)}, weight.shape[1:]...)
			return []*Tensor{newSparse(rows, New(vals, vshape...), weight.shape)}
		}
		flat := make([]int, 0, len(idx)*inner)
		for _, r := range idx {
			for i := 0; i < inner; i++ {
				if r == paddingIdx {
					flat = append(flat, -1)
				} else {
					flat = append(flat, r*inner+i)
				}
			}
		}
		return []*Tensor{scatterAdd(g, flat, weight.shape, "EmbeddingBackward")}
	}, weight)
}
