// Package engine is the narrow interface between the Jupyter protocol and
// whatever evaluates cells. The kernel never evaluates code itself: its
// worker process hands each request to an Engine.
package engine

import (
	"context"
	"io"
)

// Engine evaluates cells and answers editor queries for one session.
type Engine interface {
	// Execute runs one cell. It stops early when ctx is cancelled. A cell
	// that fails returns a *CellError (other errors are reported by their
	// message).
	Execute(ctx context.Context, code string) (Result, error)
	// Complete returns completions for the code at cursor; cursor, start
	// and end count code points (runes).
	Complete(code string, cursor int) (matches []string, start, end int)
	// Inspect returns plain-text documentation for the name at cursor.
	Inspect(code string, cursor, detailLevel int) (text string, found bool)
	// IsComplete reports whether code is "complete", "incomplete" (with
	// the indent for the next line) or "invalid".
	IsComplete(code string) (status, indent string)
}

// Result is the value of a cell's final expression.
type Result struct {
	HasValue bool
	Data     map[string]any
	Metadata map[string]any
}

// CellError is a failed cell: a name, a one-line value and traceback
// lines, as Jupyter shows errors.
type CellError struct {
	Name      string
	Value     string
	Traceback []string
}

// Error returns "Name: Value".
func (e *CellError) Error() string { return e.Name + ": " + e.Value }

// Host receives rich output from the running cell.
type Host interface {
	// Display shows a MIME bundle. A non-empty displayID makes it
	// updatable; update replaces the output shown earlier with that id.
	Display(data, metadata map[string]any, displayID string, update bool)
	// ClearOutput clears the cell's output, when the next output arrives
	// if wait is set.
	ClearOutput(wait bool)
}

// IO is what a new engine is connected to: the cell's standard streams
// and the host for rich output.
type IO struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Host   Host
}

// Factory creates the engine of a fresh session.
type Factory func(IO) (Engine, error)
