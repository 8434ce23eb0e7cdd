// Package interp runs Go cells, the way a notebook holds them, on the yaegi
// interpreter (v0.16.1). A Session keeps the state of one notebook: each
// Execute compiles a cell into what yaegi accepts, runs it and returns the
// final expression's value as a display bundle; Complete, Inspect and
// IsComplete serve the editor.
//
// # The cell language
//
// A cell is any mix of imports, declarations, statements and a final
// expression, in the order they are written:
//
//   - Imports are idempotent. The standard library packages goimports
//     resolves without ambiguity (fmt, math, strings, sort, time, os, sync,
//     math/rand, slices, maps, encoding/json, ...), gonum's mat, floats and
//     stat, gonum plot, display, plotting and the optimlib packages need no
//     import line. A user's variable named like a package shadows it.
//   - Defining a func, type, var, const or method again replaces it.
//   - Go that yaegi lacks is rewritten: range over integers and over
//     function iterators (iter.Seq, iter.Seq2 or plain yield functions;
//     lazily when the yield types are known, otherwise by collecting the
//     values first), per-iteration loop variables, min, max and clear, and
//     the generic functions of slices, maps and cmp, which come from
//     interpreted sources (see the prelude directory). Generic functions
//     defined in cells have their type parameters aligned with yaegi's
//     inference (generics.go).
//   - Errors carry the cell's line:column, the source line and a caret.
//     Panics, also in compiled code, become errors. A panic in a goroutine
//     started by a cell ends the running cell with a GoroutinePanic error;
//     when no cell runs, it is reported on stderr at the start of the next
//     cell. The session lives on.
//   - Cancelling a cell's context interrupts it, and also the compiled
//     loops of optimlib, which call interrupt.Check.
//   - The final expression's value is the cell's result: text/plain is %v
//     with strings quoted, and values that render themselves (HTML,
//     Markdown, LaTeX, SVG, PNG, images, MIME bundlers such as figures and
//     tensors) add their rich MIME types. A call of several values shows
//     them joined by ", " (12, <nil>), unless its last value is a non-nil
//     error, which fails the cell; printing and writing calls show nothing.
//   - display.Show and display handles render values of cell types as
//     richly as a final value (show.go).
//   - A whole program pasted into a cell runs: its package clause is
//     ignored and its main function runs once.
//
// # How a cell runs
//
// The cell is split into runs of imports, declarations and statements.
// Each run is parsed with a line directive so that positions count from
// the cell, rewritten on the syntax tree, and handed to yaegi's
// CompileAST. Each top-level statement is its own unit, compiled once the
// statements before it have run, so that the rewriter can learn the types
// of the values they made. Statements that define no global run inside a
// function literal, where their variables are locals.
//
// Some defects of yaegi v0.16.1 are worked around inside the interpreter's
// state (yaegiscope.go): a redefined type keeps its old fields, a
// redefined method is never found, a failed compile leaves symbols behind,
// and generic instances are cached by name only. Others are avoided by the
// rewriter: the named results of a function called again from the same
// place start from the previous call's values unless cleared (rewrite.go,
// zeroResults), and "a, b := w.Data()[0], w.Data()[1]" at the top level
// fails to type ("constant definition loop") unless defined through a
// []any (session.go, defineAllThroughAny).
//
// The symbol tables of the compiled packages live in package symbols and
// the documentation index in package docindex; both are generated:
//
//	go generate ./interp/...
package interp
