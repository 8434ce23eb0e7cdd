package parallel

import (
	"errors"
	"runtime"
	"testing"
)

// TestRangesCover checks that the ranges cover [0, n) exactly once, split
// or not.
func TestRangesCover(t *testing.T) {
	for _, n := range []int{0, 1, 99, 100, 201, 1003} {
		seen := make([]int32, n)
		Ranges(n, 100, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				seen[i]++
			}
		})
		for i, c := range seen {
			if c != 1 {
				t.Fatalf("n=%d: element %d visited %d times", n, i, c)
			}
		}
	}
}

// TestRangesPanic checks that a panic in a range run on another goroutine
// reaches the caller.
func TestRangesPanic(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	boom := errors.New("boom")
	defer func() {
		if r := recover(); r != boom {
			t.Errorf("recovered %v, want %v", r, boom)
		}
	}()
	Ranges(1000, 100, func(lo, hi int) {
		if lo > 0 {
			panic(boom)
		}
	})
	t.Error("Ranges returned after a panic")
}
