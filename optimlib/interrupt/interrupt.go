// Package interrupt lets long compiled loops in optimlib stop when the user
// interrupts a notebook cell.
//
// Interpreted code in a cell stops by itself when the cell's context is
// cancelled, but a compiled loop (a Lanczos run, an L-BFGS solve, a dense
// Hessian) runs until it returns. Such loops call Check between steps; the
// cell engine calls Raise when the cell is interrupted and Reset before the
// next cell. Check costs one atomic load.
//
// In a plain Go program nothing calls Raise and Check never fires.
package interrupt

import (
	"errors"
	"sync/atomic"
)

// ErrInterrupted is the value Check panics with once Raise was called.
var ErrInterrupted = errors.New("interrupted")

var raised atomic.Bool

// Raise asks every compiled loop that calls Check to stop.
func Raise() { raised.Store(true) }

// Reset clears a previous Raise, before the next cell runs.
func Reset() { raised.Store(false) }

// Raised reports whether Raise was called since the last Reset.
func Raised() bool { return raised.Load() }

// Check panics with ErrInterrupted when Raise was called since the last
// Reset. Call it between the steps of long compiled loops.
func Check() {
	if raised.Load() {
		panic(ErrInterrupted)
	}
}
