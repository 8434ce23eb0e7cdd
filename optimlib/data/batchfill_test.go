package data

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/descentlab/descent/optimlib/tensor"
)

// countingSet is a user's data set: it is not a BatchFiller and records
// whether Fill ever ran on two goroutines at once.
type countingSet struct {
	inside, overlaps atomic.Int32
}

func (c *countingSet) Len() int             { return 1000 }
func (c *countingSet) Shapes() (x, y []int) { return []int{100}, []int{} }
func (c *countingSet) Fill(i int, x, y []float64) {
	if c.inside.Add(1) > 1 {
		c.overlaps.Add(1)
	}
	for k := range x {
		x[k] = float64(i*1000 + k)
	}
	y[0] = float64(i)
	c.inside.Add(-1)
}

// TestFillBatch checks that a batch filled on several goroutines equals
// the one filled sample by sample, that a user's data set behind a Subset
// is filled on one goroutine, and that a bad index panics on the caller's
// goroutine with Fill's message.
func TestFillBatch(t *testing.T) {
	n, d := 600, 100
	xv := make([]float64, n*d)
	for i := range xv {
		xv[i] = float64(i) * 0.5
	}
	yv := make([]float64, n)
	for i := range yv {
		yv[i] = float64(i % 7)
	}
	ds := NewTensorDataset(tensor.New(xv, n, d), tensor.New(yv, n))
	idx := make([]int, 1000) // 100,000 values: split between goroutines
	for k := range idx {
		idx[k] = (k * 37) % n
	}
	for _, set := range []Dataset{ds, Subset(ds, idx)} {
		batch := idx
		if set != Dataset(ds) {
			batch = make([]int, len(idx))
			for k := range batch {
				batch[k] = len(idx) - 1 - k
			}
		}
		x, y := make([]float64, len(batch)*d), make([]float64, len(batch))
		set.(BatchFiller).FillBatch(batch, x, y)
		for k, i := range batch {
			wx, wy := make([]float64, d), make([]float64, 1)
			set.Fill(i, wx, wy)
			for j := range wx {
				if x[k*d+j] != wx[j] {
					t.Fatalf("%T: sample %d value %d = %v, want %v", set, k, j, x[k*d+j], wx[j])
				}
			}
			if y[k] != wy[0] {
				t.Fatalf("%T: sample %d target %v, want %v", set, k, y[k], wy[0])
			}
		}
	}

	user := &countingSet{}
	sub := Subset(user, idx)
	x, y := make([]float64, len(idx)*100), make([]float64, len(idx))
	sub.(BatchFiller).FillBatch(func() []int {
		b := make([]int, len(idx))
		for k := range b {
			b[k] = k
		}
		return b
	}(), x, y)
	if user.overlaps.Load() != 0 {
		t.Error("a user's data set was filled on two goroutines at once")
	}
	if y[3] != float64(idx[3]) {
		t.Errorf("subset of a user's data set: target %v, want %v", y[3], idx[3])
	}

	bad := append(append([]int(nil), idx...), n+5)
	defer func() {
		r := recover()
		err, ok := r.(error)
		if !ok || !strings.Contains(err.Error(), "out of range") {
			t.Errorf("bad index: panic %v, want an out-of-range error", r)
		}
	}()
	ds.FillBatch(bad, make([]float64, len(bad)*d), make([]float64, len(bad)))
}

// TestFillBatchSplits checks that the batch of TestFillBatch is large
// enough to be filled on more than one goroutine, so that it tests the
// concurrent path.
func TestFillBatchSplits(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	ds := NewTensorDataset(tensor.Zeros(600, 100), tensor.Zeros(600))
	var mu sync.Mutex
	goroutines := map[int]bool{}
	idx := make([]int, 1000)
	fillBatch(ds, idx, make([]float64, 1000*100), make([]float64, 1000), func(i int, x, y []float64) {
		mu.Lock()
		goroutines[goid()] = true
		mu.Unlock()
	})
	if len(goroutines) < 2 {
		t.Errorf("a batch of 1000×100 values was filled on %d goroutine(s), want 2", len(goroutines))
	}
}

// goid returns the running goroutine's number, read from its stack header.
func goid() int {
	var buf [32]byte
	n := runtime.Stack(buf[:], false)
	var id int
	fmt.Sscanf(string(buf[:n]), "goroutine %d", &id)
	return id
}
