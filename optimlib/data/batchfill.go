package data

import "github.com/descentlab/descent/optimlib/internal/parallel"

// BatchFiller is a Dataset that can fill a whole batch at once. The
// package's own data sets implement it (a Subset does when its data set
// does): they only read their storage, so FillBatch fills large batches
// on all cores, and the loader uses it. A Dataset written by a user need
// not implement it; the loader then calls Fill sample by sample, on one
// goroutine.
type BatchFiller interface {
	Dataset
	// FillBatch writes samples idx[k] into x[k·dx:(k+1)·dx] and
	// y[k·dy:(k+1)·dy], dx and dy being the sizes of one sample's
	// features and target.
	FillBatch(idx []int, x, y []float64)
}

// minBatchFill is the number of feature values from which a batch fill is
// split between goroutines: below it one goroutine is faster.
const minBatchFill = 1 << 15

// fillBatch fills the batch idx of ds sample by sample, splitting the
// samples between the cores for a large batch (a bad index panics in fill,
// and the panic reaches the caller). fill must be safe to call
// concurrently for different samples.
func fillBatch(ds Dataset, idx []int, x, y []float64, fill func(i int, x, y []float64)) {
	xs, ys := ds.Shapes()
	dx, dy := numel(xs), numel(ys)
	parallel.Ranges(len(idx), max(1, minBatchFill/max(dx, 1)), func(lo, hi int) {
		for k := lo; k < hi; k++ {
			fill(idx[k], x[k*dx:(k+1)*dx], y[k*dy:(k+1)*dy])
		}
	})
}

// FillBatch fills a batch of images, on all cores for a large one.
func (m *Images) FillBatch(idx []int, x, y []float64) { fillBatch(m, idx, x, y, m.Fill) }

// FillBatch fills a batch of rows, on all cores for a large one.
func (d *TensorDataset) FillBatch(idx []int, x, y []float64) { fillBatch(d, idx, x, y, d.Fill) }

// FillBatch fills a batch of the subset through its data set's FillBatch
// when it has one.
func (s *subset) FillBatch(idx []int, x, y []float64) {
	inner := make([]int, len(idx))
	for k, i := range idx {
		inner[k] = s.idx[i]
	}
	if bf, ok := s.ds.(BatchFiller); ok {
		bf.FillBatch(inner, x, y)
		return
	}
	// A data set of the user's may not be safe to fill concurrently.
	fillSerial(s.ds, inner, x, y)
}

// fillSerial fills the batch idx of ds sample by sample on the caller's
// goroutine.
func fillSerial(ds Dataset, idx []int, x, y []float64) {
	xs, ys := ds.Shapes()
	dx, dy := numel(xs), numel(ys)
	for k, i := range idx {
		ds.Fill(i, x[k*dx:(k+1)*dx], y[k*dy:(k+1)*dy])
	}
}
