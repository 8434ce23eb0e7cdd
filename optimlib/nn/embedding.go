package nn

import (
	"fmt"
	"math"
	"math/rand"

	"github.com/descentlab/descent/optimlib/tensor"
)

// Embedding is a lookup table of NumEmbeddings vectors of size Dim, as
// torch.nn.Embedding: Weight has shape [NumEmbeddings, Dim] and row i is
// the vector of index i.
//
// The row PaddingIdx (−1 for none) receives no gradient, so it keeps its
// value (zeros from NewEmbedding) through training. With Sparse set, the
// gradient of Weight is row-sparse (tensor.NewSparse): it stores only the
// rows a batch used, as nn.Embedding(sparse=True) does, and
// optim.SparseAdam, SGD and Adagrad update only those rows.
//
// Build it with NewEmbedding: in a struct literal the zero PaddingIdx
// makes row 0 the padding row.
type Embedding struct {
	Mode
	Weight     *tensor.Tensor
	PaddingIdx int
	Sparse     bool
}

// EmbeddingOption changes a default of NewEmbedding.
type EmbeddingOption func(*Embedding)

// PaddingIdx makes row i the padding row, as torch.nn.Embedding's
// padding_idx: it starts at zero and gets no gradient. A negative i counts
// from the end (−1 is the last row).
func PaddingIdx(i int) EmbeddingOption {
	return func(e *Embedding) { e.PaddingIdx = i }
}

// SparseGrad makes the gradient of the weight row-sparse, as
// torch.nn.Embedding's sparse=True.
func SparseGrad() EmbeddingOption {
	return func(e *Embedding) { e.Sparse = true }
}

// NewEmbedding returns an Embedding of num vectors of size dim with
// PyTorch's initialization, N(0, 1) for every entry, and the padding row,
// if any, set to zero.
func NewEmbedding(num, dim int, rng *rand.Rand, opts ...EmbeddingOption) *Embedding {
	needRNG("NewEmbedding", rng)
	if num <= 0 || dim <= 0 {
		panic(shapeErr("NewEmbedding", "bad sizes num=%d dim=%d", num, dim))
	}
	e := newEmbedding("NewEmbedding", num, opts)
	w := tensor.Randn(rng, num, dim)
	if e.PaddingIdx >= 0 {
		clear(w.Data()[e.PaddingIdx*dim : (e.PaddingIdx+1)*dim])
	}
	e.Weight = w.SetRequiresGrad(true)
	return e
}

// NewEmbeddingFrom returns an Embedding whose table is weight, a
// [num, dim] tensor used directly (not copied), as
// torch.nn.Embedding.from_pretrained: with freeze the table is not trained
// (Weight does not require gradients). The padding row, if any, keeps its
// values.
func NewEmbeddingFrom(weight *tensor.Tensor, freeze bool, opts ...EmbeddingOption) *Embedding {
	if weight.Dim() != 2 || weight.Size(0) == 0 || weight.Size(1) == 0 {
		panic(shapeErr("NewEmbeddingFrom", "weight of shape %v is not a non-empty [num, dim] matrix", weight.Shape()))
	}
	e := newEmbedding("NewEmbeddingFrom", weight.Size(0), opts)
	e.Weight = weight.SetRequiresGrad(!freeze)
	return e
}

// newEmbedding applies opts and resolves the padding index for a table of
// num rows.
func newEmbedding(op string, num int, opts []EmbeddingOption) *Embedding {
	e := &Embedding{PaddingIdx: math.MinInt}
	for _, o := range opts {
		o(e)
	}
	switch {
	case e.PaddingIdx == math.MinInt:
		e.PaddingIdx = -1
	case e.PaddingIdx < -num || e.PaddingIdx >= num:
		panic(shapeErr(op, "padding index %d out of range for %d embeddings", e.PaddingIdx, num))
	case e.PaddingIdx < 0:
		e.PaddingIdx += num
	}
	return e
}

// NumEmbeddings returns the number of rows of the table.
func (e *Embedding) NumEmbeddings() int { return e.Weight.Size(0) }

// Dim returns the size of each vector.
func (e *Embedding) Dim() int { return e.Weight.Size(1) }

// Lookup returns the vectors of the indices idx, stacked into a
// [len(idx), Dim] tensor. Indices may repeat.
func (e *Embedding) Lookup(idx []int) *tensor.Tensor {
	n := e.NumEmbeddings()
	for _, i := range idx {
		if i < 0 || i >= n {
			panic(shapeErr("Embedding", "index %d out of range for %d embeddings (weight shape %v)", i, n, e.Weight.Shape()))
		}
	}
	return tensor.Embedding(e.Weight, idx, e.PaddingIdx, e.Sparse)
}

// Forward looks up the indices held in x, a tensor of whole numbers of any
// shape (a batch of sequences, say [batch, length]), and returns their
// vectors with shape [x's shape…, Dim], as torch.nn.Embedding's forward.
func (e *Embedding) Forward(x *tensor.Tensor) *tensor.Tensor {
	idx := make([]int, x.Numel())
	for k, v := range x.Data() {
		i := int(v)
		if float64(i) != v {
			panic(shapeErr("Embedding", "input of shape %v holds %g, not an index", x.Shape(), v))
		}
		idx[k] = i
	}
	return tensor.Reshape(e.Lookup(idx), append(x.Shape(), e.Dim())...)
}

// BagMean returns, for each bag of indices, the mean of its vectors, as
// torch.nn.EmbeddingBag with mode "mean" (an empty bag gives zeros): a
// [len(bags), Dim] tensor. The bags may differ in length.
func (e *Embedding) BagMean(bags [][]int) *tensor.Tensor {
	var flat []int
	for _, b := range bags {
		flat = append(flat, b...)
	}
	vecs := e.Lookup(flat)
	rows := make([]*tensor.Tensor, len(bags))
	at := 0
	for i, b := range bags {
		if len(b) == 0 {
			rows[i] = tensor.Zeros(e.Dim())
			continue
		}
		rows[i] = tensor.MeanAxis(tensor.Narrow(vecs, 0, at, len(b)), 0, false)
		at += len(b)
	}
	if len(rows) == 0 {
		return tensor.Zeros(0, e.Dim())
	}
	return tensor.Stack(rows, 0)
}

// Parameters returns Weight.
func (e *Embedding) Parameters() []*tensor.Tensor { return []*tensor.Tensor{e.Weight} }

// ZeroGrad drops the gradient of Weight.
func (e *Embedding) ZeroGrad() { zeroGrad(e.Parameters()) }

// LocalState names the parameter "weight".
func (e *Embedding) LocalState() (params, buffers []NamedTensor) {
	return named("weight", e.Weight), nil
}

// String describes the layer as PyTorch prints it, for example
// "Embedding(40, 6, padding_idx=0, sparse=True)".
func (e *Embedding) String() string {
	s := fmt.Sprintf("Embedding(%d, %d", e.NumEmbeddings(), e.Dim())
	if e.PaddingIdx >= 0 {
		s += fmt.Sprintf(", padding_idx=%d", e.PaddingIdx)
	}
	if e.Sparse {
		s += ", sparse=True"
	}
	return s + ")"
}
