package optim

import (
	"runtime"
	"sync"
)

// minChunk is the smallest number of elements worth a goroutine of its own
// in an elementwise update: below it, starting the goroutine costs more
// than the loop.
const minChunk = 1 << 15

// parallelChunks calls f on consecutive ranges [lo, hi) covering [0, n),
// concurrently when n is large enough to split between the cores. The
// ranges are disjoint, so elementwise updates give the same values as one
// pass, in any order.
func parallelChunks(n int, f func(lo, hi int)) {
	k := min(runtime.GOMAXPROCS(0), n/minChunk)
	if k <= 1 {
		f(0, n)
		return
	}
	var wg sync.WaitGroup
	size := (n + k - 1) / k
	for lo := size; lo < n; lo += size {
		wg.Add(1)
		go func(lo, hi int) {
			defer wg.Done()
			f(lo, hi)
		}(lo, min(lo+size, n))
	}
	f(0, min(size, n))
	wg.Wait()
}
