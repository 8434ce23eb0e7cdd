// Package parallel splits loops over independent elements between the
// cores, for optimlib's elementwise passes (optimizer updates, batch
// filling).
package parallel

import (
	"runtime"
	"sync"
)

// Ranges calls f on consecutive ranges [lo, hi) covering [0, n). When n
// holds at least two pieces of minPiece elements it runs them on up to
// GOMAXPROCS goroutines, the first on the caller's; otherwise it calls
// f(0, n) directly. f must be safe to run concurrently on disjoint ranges.
// A panic in any range is raised again on the caller's goroutine once all
// ranges have ended, so that a notebook cell can report it instead of the
// process dying.
func Ranges(n, minPiece int, f func(lo, hi int)) {
	k := min(runtime.GOMAXPROCS(0), n/max(minPiece, 1))
	if k <= 1 {
		f(0, n)
		return
	}
	var (
		wg      sync.WaitGroup
		once    sync.Once
		failure any
	)
	run := func(lo, hi int) {
		defer func() {
			if r := recover(); r != nil {
				once.Do(func() { failure = r })
			}
		}()
		f(lo, hi)
	}
	size := (n + k - 1) / k
	for lo := size; lo < n; lo += size {
		wg.Add(1)
		go func(lo, hi int) {
			defer wg.Done()
			run(lo, hi)
		}(lo, min(lo+size, n))
	}
	run(0, min(size, n))
	wg.Wait()
	if failure != nil {
		panic(failure)
	}
}
