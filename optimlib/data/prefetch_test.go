package data

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/descentlab/descent/optimlib/tensor"
)

// panicSet is a data set whose sample bad cannot be read.
type panicSet struct{ bad int }

func (p panicSet) Len() int             { return 50 }
func (p panicSet) Shapes() (x, y []int) { return []int{2}, []int{} }
func (p panicSet) Fill(i int, x, y []float64) {
	if i == p.bad {
		panic(fmt.Errorf("data: sample %d is corrupt", i))
	}
	x[0], x[1], y[0] = float64(i), float64(-i), float64(i%3)
}

// TestPrefetchSameBatches checks that prefetching gives the batches, in the
// order, that preparing each batch in Next gives, over several epochs, with
// a short last batch kept or dropped and with an epoch abandoned midway.
func TestPrefetchSameBatches(t *testing.T) {
	n := 103
	xv, yv := make([]float64, n*3), make([]float64, n)
	for i := range xv {
		xv[i] = float64(i)
	}
	for i := range yv {
		yv[i] = float64(i % 5)
	}
	ds := NewTensorDataset(tensor.New(xv, n, 3), tensor.New(yv, n))
	for _, drop := range []bool{false, true} {
		walk := func(prefetch int) []string {
			l := NewDataLoader(ds, LoaderConfig{BatchSize: 10, Shuffle: true, Seed: 7, DropLast: drop, Prefetch: prefetch})
			var got []string
			for epoch := 0; epoch < 3; epoch++ {
				k := 0
				for l.Next() {
					got = append(got, fmt.Sprint(epoch, l.Batch().X.Data(), l.Batch().Y.Data()))
					k++
					if epoch == 1 && k == 4 {
						l.Reset()
						break
					}
				}
			}
			return got
		}
		want, got := walk(0), walk(2)
		if len(got) != len(want) {
			t.Fatalf("DropLast %v: %d batches with prefetch, %d without", drop, len(got), len(want))
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("DropLast %v: batch %d differs with prefetch:\n%s\nwant\n%s", drop, i, got[i], want[i])
			}
		}
	}
}

// TestPrefetchPanicAndStop checks that a sample that cannot be read panics
// in Next, on the loop's goroutine, that the loader then starts a fresh
// epoch, and that no preparing goroutine outlives Reset.
func TestPrefetchPanicAndStop(t *testing.T) {
	before := runtime.NumGoroutine()
	l := NewDataLoader(panicSet{bad: 23}, LoaderConfig{BatchSize: 5, Prefetch: 3})
	seen := 0
	func() {
		defer func() {
			r := recover()
			err, ok := r.(error)
			if !ok || !strings.Contains(err.Error(), "sample 23 is corrupt") {
				t.Errorf("panic %v, want the data set's error", r)
			}
		}()
		for l.Next() {
			seen++
		}
	}()
	if seen != 4 {
		t.Errorf("%d batches before the bad one, want 4", seen)
	}
	if !l.Next() || l.Batch().X.Data()[0] != 0 {
		t.Error("after the panic Next did not start a new epoch")
	}
	l.Reset()
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if g := runtime.NumGoroutine(); g > before {
		t.Errorf("%d goroutines after Reset, %d before the loader", g, before)
	}
}
