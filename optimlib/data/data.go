// Package data provides data sets and a mini-batch loader for training
// models with optimlib: a Dataset interface, in-memory tensor data sets,
// Fashion-MNIST read from its IDX files, and the synthetic sets of the
// optimization lecture (two Gaussian classes, a spiral, and regression data
// whose input offset and scale control the conditioning of the problem).
//
// Bad input (mismatched shapes, an index out of range) panics with an error
// naming the operation and the shapes; functions that read files return
// errors instead.
package data

import (
	"fmt"

	"github.com/descentlab/descent/optimlib/tensor"
)

// Dataset is an indexed collection of samples, each a feature array and a
// target array of fixed shapes.
//
// Shapes returns the shape of one sample's features and of its target ([]
// for a scalar target such as a class index). Fill writes sample i's
// features into x and its target into y; x and y have exactly the lengths
// the shapes describe.
type Dataset interface {
	Len() int
	Shapes() (x, y []int)
	Fill(i int, x, y []float64)
}

// TensorDataset is a Dataset held in two tensors whose first dimension
// indexes the samples, like torch.utils.data.TensorDataset.
type TensorDataset struct {
	// X holds the features, shape [N, ...].
	X *tensor.Tensor
	// Y holds the targets, shape [N, ...].
	Y *tensor.Tensor
}

// NewTensorDataset returns the data set of the rows of x and y. Both must
// have at least one dimension and the same first dimension.
func NewTensorDataset(x, y *tensor.Tensor) *TensorDataset {
	if x.Dim() == 0 || y.Dim() == 0 || x.Size(0) != y.Size(0) {
		panic(fmt.Errorf("data: NewTensorDataset: shapes %v and %v do not share a first (sample) dimension", x.Shape(), y.Shape()))
	}
	return &TensorDataset{X: x, Y: y}
}

// Len returns the number of samples.
func (d *TensorDataset) Len() int { return d.X.Size(0) }

// Shapes returns the shapes of one sample's features and target.
func (d *TensorDataset) Shapes() (x, y []int) { return d.X.Shape()[1:], d.Y.Shape()[1:] }

// Fill copies sample i into x and y.
func (d *TensorDataset) Fill(i int, x, y []float64) {
	n := d.Len()
	if i < 0 || i >= n {
		panic(fmt.Errorf("data: TensorDataset: index %d out of range for %d samples", i, n))
	}
	dx, dy := d.X.Numel()/n, d.Y.Numel()/n
	copy(x, d.X.Data()[i*dx:(i+1)*dx])
	copy(y, d.Y.Data()[i*dy:(i+1)*dy])
}

// Get returns sample i of ds as two tensors of the data set's shapes.
func Get(ds Dataset, i int) (x, y *tensor.Tensor) {
	if i < 0 || i >= ds.Len() {
		panic(fmt.Errorf("data: Get: index %d out of range for %d samples", i, ds.Len()))
	}
	xs, ys := ds.Shapes()
	x, y = tensor.Zeros(xs...), tensor.Zeros(ys...)
	ds.Fill(i, x.Data(), y.Data())
	return x, y
}

// All returns every sample of ds stacked into two tensors of shapes
// [N, x...] and [N, y...], the whole data set as one batch.
func All(ds Dataset) (x, y *tensor.Tensor) {
	idx := make([]int, ds.Len())
	for i := range idx {
		idx[i] = i
	}
	b := collate(ds, idx)
	return b.X, b.Y
}

type subset struct {
	ds  Dataset
	idx []int
}

// Subset returns the data set of the samples of ds at the given indices, in
// that order; it shares ds's storage.
func Subset(ds Dataset, indices []int) Dataset {
	n := ds.Len()
	for _, i := range indices {
		if i < 0 || i >= n {
			panic(fmt.Errorf("data: Subset: index %d out of range for %d samples", i, n))
		}
	}
	return &subset{ds: ds, idx: append([]int(nil), indices...)}
}

func (s *subset) Len() int                   { return len(s.idx) }
func (s *subset) Shapes() (x, y []int)       { return s.ds.Shapes() }
func (s *subset) Fill(i int, x, y []float64) { s.ds.Fill(s.idx[i], x, y) }

// Split returns the first n samples of ds and the rest, as two subsets
// (for a train/validation split; shuffle with a DataLoader, not here).
func Split(ds Dataset, n int) (first, rest Dataset) {
	if n < 0 || n > ds.Len() {
		panic(fmt.Errorf("data: Split: %d samples requested of %d", n, ds.Len()))
	}
	a, b := make([]int, n), make([]int, ds.Len()-n)
	for i := range a {
		a[i] = i
	}
	for i := range b {
		b[i] = n + i
	}
	return Subset(ds, a), Subset(ds, b)
}

func numel(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}
