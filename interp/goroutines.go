package interp

import (
	"fmt"

	"github.com/descentlab/descent/optimlib/interrupt"
)

// goroutinePanic is a panic that ended a goroutine started by a cell: its
// value, where the go statement is (cell number and line:col in that
// cell) and the interpreted frames it unwound through.
type goroutinePanic struct {
	value           any
	cell, line, col int
	frames          []string
}

func (g *goroutinePanic) Error() string { return "panic in goroutine: " + g.message() }

func (g *goroutinePanic) message() string {
	if e, ok := g.value.(error); ok {
		return runtimeMessage(e.Error())
	}
	return runtimeMessage(fmt.Sprint(g.value))
}

// goPanic receives the panic of a goroutine started by a cell (the
// rewritten go statement recovers it). The goroutine ends and the session
// lives on; the running cell, if any, is cancelled with the panic as
// cause and fails with it, otherwise the panic waits for the next cell.
func (s *Session) goPanic(r any, cell, line, col int) {
	if e, ok := r.(error); ok && e == interrupt.ErrInterrupted {
		// a compiled loop of the goroutine stopped because the user
		// interrupted: nothing went wrong
		return
	}
	gp := &goroutinePanic{value: r, cell: cell, line: line, col: col, frames: s.stderr.end()}
	s.goMu.Lock()
	defer s.goMu.Unlock()
	if s.cancelCell != nil {
		s.cancelCell(gp)
		return
	}
	s.pending = append(s.pending, gp)
}

// reportPending writes the goroutine panics that happened while no cell
// ran on stderr, at the start of the next cell's output.
func (s *Session) reportPending() {
	s.goMu.Lock()
	pending := s.pending
	s.pending = nil
	s.goMu.Unlock()
	for _, gp := range pending {
		fmt.Fprintf(s.stderr, "panic in goroutine (started at %d:%d of an earlier cell, after it ended): %s\n", gp.line, gp.col, gp.message())
	}
}

// cellError is the error of the cell that was running when the goroutine
// panicked: Name "GoroutinePanic", Value the panic value, and a traceback
// naming it, the go statement and the interpreted frames.
func (g *goroutinePanic) cellError(s *Session, code string) *CellError {
	msg := g.message()
	tb := []string{"panic in goroutine: " + msg}
	here := g.cell == s.cellNum
	c := &cellRun{s: s, code: code}
	for _, f := range g.frames {
		m := frameLine.FindStringSubmatch(f)
		if m == nil {
			continue
		}
		tb = append(tb, fmt.Sprintf("  at %s:%s in %s", m[1], m[2], frameFunc(m[3])))
	}
	where := fmt.Sprintf("  in the goroutine started at %d:%d", g.line, g.col)
	if !here {
		where += " of an earlier cell"
	}
	tb = append(tb, where)
	if here {
		tb = append(tb, c.quote(g.line, g.col)...)
	}
	return &CellError{Name: "GoroutinePanic", Value: msg, Traceback: tb, cause: g}
}

// interrupted is the error of a cell stopped by its context or by a
// compiled loop that saw the interrupt.
func interrupted(cause error) *CellError {
	return &CellError{Name: "Interrupted", Value: "the cell was interrupted", Traceback: []string{"interrupted"}, cause: cause}
}
