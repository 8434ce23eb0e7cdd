package data

import (
	"fmt"
	"math"
	"math/rand"
	"runtime"
	"sync"

	"github.com/descentlab/descent/optimlib/tensor"
)

// Batch is a mini-batch: features of shape [B, x...] and targets of shape
// [B, y...] (for class indices, [B]).
type Batch struct {
	X, Y *tensor.Tensor
}

// Labels returns the targets as class indices, for losses such as
// nn.CrossEntropy. It panics if a target is not an integer.
func (b Batch) Labels() []int { return Labels(b.Y) }

// Labels converts a tensor of integer-valued targets to class indices,
// in row-major order. It panics if a value is not an integer.
func Labels(y *tensor.Tensor) []int {
	out := make([]int, y.Numel())
	for i, v := range y.Data() {
		if v != math.Trunc(v) || math.IsInf(v, 0) {
			panic(fmt.Errorf("data: Labels: target %v at %d of shape %v is not a class index", v, i, y.Shape()))
		}
		out[i] = int(v)
	}
	return out
}

// LoaderConfig sets how a DataLoader walks a data set. The zero value gives
// PyTorch's defaults: batches of one sample, in order, keeping a short
// last batch.
type LoaderConfig struct {
	// BatchSize is the number of samples per batch (0 means 1).
	BatchSize int
	// Shuffle draws a new order of the samples at the start of each epoch.
	Shuffle bool
	// Seed seeds the shuffling; the sequence of epochs is reproducible.
	Seed int64
	// DropLast drops the last batch of an epoch when it is short.
	DropLast bool
	// Prefetch is the number of batches prepared ahead on a background
	// goroutine while the loop trains on the current one, as PyTorch's
	// worker processes do (num_workers, prefetch_factor); 0 prepares each
	// batch in Next. The batches and their order are the same either way.
	// With Prefetch the data set's Fill runs concurrently with the loop, so
	// the loop must not change the data set during an epoch.
	Prefetch int
}

// DataLoader yields the mini-batches of a data set, epoch after epoch, like
// torch.utils.data.DataLoader:
//
//	for loader.Next() {
//		b := loader.Batch()
//		...
//	}
//
// Next returns false at the end of an epoch; the next call to Next starts a
// new epoch (with a new order when shuffling), so each such loop is one
// epoch. Every batch holds freshly allocated tensors.
type DataLoader struct {
	ds     Dataset
	cfg    LoaderConfig
	rng    *rand.Rand
	order  []int
	pos    int
	epoch  int
	active bool
	batch  Batch
	ahead  *prefetcher // the epoch's batches being prepared, with Prefetch
	// aheadCleanup stops ahead if the loader is dropped mid-epoch.
	aheadCleanup runtime.Cleanup
}

// NewDataLoader returns a loader over ds.
func NewDataLoader(ds Dataset, cfg LoaderConfig) *DataLoader {
	if cfg.BatchSize < 0 || cfg.Prefetch < 0 {
		panic(fmt.Errorf("data: NewDataLoader: negative batch size %d or prefetch %d", cfg.BatchSize, cfg.Prefetch))
	}
	if cfg.BatchSize == 0 {
		cfg.BatchSize = 1
	}
	return &DataLoader{ds: ds, cfg: cfg, rng: rand.New(rand.NewSource(cfg.Seed))}
}

// Len returns the number of batches in one epoch.
func (l *DataLoader) Len() int {
	n, b := l.ds.Len(), l.cfg.BatchSize
	if l.cfg.DropLast {
		return n / b
	}
	return (n + b - 1) / b
}

// Epoch returns the number of epochs started so far.
func (l *DataLoader) Epoch() int { return l.epoch }

// Reset abandons the current epoch; the next call to Next starts a new one.
func (l *DataLoader) Reset() {
	l.active = false
	l.stopPrefetch()
}

// stopPrefetch stops the background preparation of batches, if any, and
// waits for it to end.
func (l *DataLoader) stopPrefetch() {
	if l.ahead != nil {
		l.aheadCleanup.Stop()
		l.ahead.stop()
		l.ahead = nil
	}
}

// Next advances to the next batch and reports whether there is one. At the
// end of an epoch it returns false once.
func (l *DataLoader) Next() bool {
	if !l.active {
		l.active = true
		l.epoch++
		l.pos = 0
		n := l.ds.Len()
		if l.cfg.Shuffle {
			l.order = l.rng.Perm(n)
		} else if len(l.order) != n {
			l.order = make([]int, n)
			for i := range l.order {
				l.order[i] = i
			}
		}
	}
	n := len(l.order)
	end := min(l.pos+l.cfg.BatchSize, n)
	if l.pos >= n || (l.cfg.DropLast && end-l.pos < l.cfg.BatchSize) {
		l.active = false
		l.batch = Batch{}
		l.stopPrefetch()
		return false
	}
	if l.cfg.Prefetch > 0 {
		if l.ahead == nil {
			l.ahead = startPrefetch(l.ds, l.order, l.pos, l.cfg)
			// A loader dropped in the middle of an epoch stops its
			// goroutine when it is collected.
			l.aheadCleanup = runtime.AddCleanup(l, (*prefetcher).stop, l.ahead)
		}
		item := l.ahead.next()
		if item.failure != nil {
			l.active = false
			l.stopPrefetch()
			panic(item.failure)
		}
		l.batch = item.batch
	} else {
		l.batch = collate(l.ds, l.order[l.pos:end])
	}
	l.pos = end
	return true
}

// prefetcher prepares the batches of one epoch in order on a goroutine of
// its own, at most cap(out) ahead of the loop.
type prefetcher struct {
	out  chan prefetched
	quit chan struct{}
	done chan struct{}
	once sync.Once
}

// prefetched is a prepared batch, or the panic that preparing it raised.
type prefetched struct {
	batch   Batch
	failure any
}

// startPrefetch starts preparing the batches of order from position pos.
func startPrefetch(ds Dataset, order []int, pos int, cfg LoaderConfig) *prefetcher {
	p := &prefetcher{out: make(chan prefetched, cfg.Prefetch), quit: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		for ; pos < len(order); pos += cfg.BatchSize {
			end := min(pos+cfg.BatchSize, len(order))
			if cfg.DropLast && end-pos < cfg.BatchSize {
				return
			}
			item := func() (item prefetched) {
				defer func() {
					if r := recover(); r != nil {
						item.failure = r
					}
				}()
				return prefetched{batch: collate(ds, order[pos:end])}
			}()
			select {
			case p.out <- item:
			case <-p.quit:
				return
			}
			if item.failure != nil {
				return
			}
		}
	}()
	return p
}

// next returns the next prepared batch, or the panic that preparing it
// raised (a bad sample, say), for Next to raise on the loop's goroutine.
func (p *prefetcher) next() prefetched { return <-p.out }

// stop ends the preparation and waits for its goroutine; it may be called
// more than once.
func (p *prefetcher) stop() {
	p.once.Do(func() { close(p.quit) })
	<-p.done
}

// Batch returns the current batch.
func (l *DataLoader) Batch() Batch { return l.batch }

// X returns the features of the current batch.
func (l *DataLoader) X() *tensor.Tensor { return l.batch.X }

// Y returns the targets of the current batch.
func (l *DataLoader) Y() *tensor.Tensor { return l.batch.Y }

// Labels returns the targets of the current batch as class indices.
func (l *DataLoader) Labels() []int { return l.batch.Labels() }

func collate(ds Dataset, idx []int) Batch {
	xs, ys := ds.Shapes()
	dx, dy := numel(xs), numel(ys)
	x := make([]float64, len(idx)*dx)
	y := make([]float64, len(idx)*dy)
	if bf, ok := ds.(BatchFiller); ok {
		bf.FillBatch(idx, x, y)
	} else {
		fillSerial(ds, idx, x, y)
	}
	return Batch{
		X: tensor.New(x, append([]int{len(idx)}, xs...)...),
		Y: tensor.New(y, append([]int{len(idx)}, ys...)...),
	}
}
