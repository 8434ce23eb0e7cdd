package interp

import (
	"bytes"
	"errors"
	"fmt"
	"go/token"
	"io"
	"regexp"
	"strconv"
	"strings"
	"sync"

	yaegi "github.com/traefik/yaegi/interp"
)

// posPrefix matches the position yaegi puts in front of its messages.
var posPrefix = regexp.MustCompile(`^(?:` + fileName + `:)?(\d+):(\d+): `)

// genericSuffix matches the serial number given to generic functions.
var genericSuffix = regexp.MustCompile(genericMark + `[0-9]+`)

// compileError converts a yaegi compile error; pos is used when the
// message carries no position.
func (c *cellRun) compileError(err error, pos token.Pos) error {
	var ce *CellError
	if errors.As(err, &ce) {
		return ce
	}
	msg := err.Error()
	if m := posPrefix.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		col, _ := strconv.Atoi(m[2])
		return c.formatError("CompileError", line, col, cleanMessage(msg[len(m[0]):]))
	}
	p := c.s.in.FileSet().Position(pos)
	if p.Filename == fileName {
		return c.formatError("CompileError", p.Line, p.Column, cleanMessage(msg))
	}
	return &CellError{Name: "CompileError", Value: msg, Traceback: []string{msg}, cause: err}
}

// cleanMessage removes positions yaegi embeds inside a message and the
// names of the hidden helpers.
func cleanMessage(msg string) string {
	msg = strings.ReplaceAll(msg, "\n\tprevious declaration at "+fileName+":", " (previous declaration at ")
	if strings.Contains(msg, "(previous declaration at ") {
		msg += ")"
	}
	msg = strings.ReplaceAll(msg, preludePkg+".", "")
	msg = strings.ReplaceAll(msg, resultVar, "value")
	return genericSuffix.ReplaceAllString(msg, "")
}

// errorAt makes an error of the given name at a position of a unit.
func (c *cellRun) errorAt(pos token.Pos, name, msg string) error {
	p := c.s.in.FileSet().Position(pos)
	return c.formatError(name, p.Line, p.Column, msg)
}

// formatError builds a CellError at line:col of the cell, quoting the
// source line with a caret under the column.
func (c *cellRun) formatError(name string, line, col int, msg string) *CellError {
	value := fmt.Sprintf("%d:%d: %s", line, col, msg)
	tb := []string{value}
	tb = append(tb, c.quote(line, col)...)
	return &CellError{Name: name, Value: value, Traceback: tb}
}

// quote returns the source line and a caret line, or nothing when line is
// outside the cell.
func (c *cellRun) quote(line, col int) []string {
	lines := strings.Split(c.code, "\n")
	if line < 1 || line > len(lines) {
		return nil
	}
	src := strings.TrimRight(lines[line-1], "\r")
	gutter := fmt.Sprintf("%4d | ", line)
	// the caret goes under the col-th byte, keeping tabs so it lines up
	var pad strings.Builder
	for i, r := range src {
		if i >= col-1 {
			break
		}
		if r == '\t' {
			pad.WriteByte('\t')
		} else {
			pad.WriteByte(' ')
		}
	}
	return []string{gutter + src, strings.Repeat(" ", len(gutter)-2) + "| " + pad.String() + "^"}
}

// frameLine matches what yaegi writes to stderr for each interpreted frame
// a panic unwinds through.
var frameLine = regexp.MustCompile(`^` + fileName + `:(\d+):(\d+): panic: (.*)\(\.\.\.\)\n?$`)

// panicError converts the error of a unit that panicked while running.
func (c *cellRun) panicError(err error, frames []string) error {
	var p yaegi.Panic
	msg := err.Error()
	if errors.As(err, &p) {
		msg = fmt.Sprint(p.Value)
		if e, ok := p.Value.(error); ok {
			msg = e.Error()
		}
	} else if posPrefix.MatchString(err.Error()) {
		// a few compile errors of yaegi only surface when the unit runs
		return c.compileError(err, token.NoPos)
	}
	msg = runtimeMessage(msg)
	value := "panic: " + msg
	tb := []string{value}
	first := true
	for _, f := range frames {
		m := frameLine.FindStringSubmatch(f)
		if m == nil {
			continue
		}
		line, _ := strconv.Atoi(m[1])
		col, _ := strconv.Atoi(m[2])
		tb = append(tb, fmt.Sprintf("  at %d:%d in %s", line, col, frameFunc(m[3])))
		if first {
			tb = append(tb, c.quote(line, col)...)
			value = fmt.Sprintf("%d:%d: panic: %s", line, col, msg)
			first = false
		}
	}
	tb[0] = value
	return &CellError{Name: "panic", Value: value, Traceback: tb, cause: err}
}

// reflectMessages maps the messages of panics that yaegi raises through
// reflect to the runtime error Go raises for the same mistake.
var reflectMessages = map[string]string{
	"reflect: slice index out of range":                 "runtime error: index out of range",
	"reflect: array index out of range":                 "runtime error: index out of range",
	"reflect: string index out of range":                "runtime error: index out of range",
	"reflect: slice index out of range (with length 0)": "runtime error: index out of range",
}

func runtimeMessage(msg string) string {
	if m, ok := reflectMessages[msg]; ok {
		return m
	}
	return msg
}

// panicFilter is the interpreter's stderr. While a unit runs it holds back
// the lines yaegi writes for each frame of a panic, which become the
// traceback of the error instead; everything else passes through.
type panicFilter struct {
	mu     sync.Mutex
	w      io.Writer
	frames []string
}

func (f *panicFilter) Write(p []byte) (int, error) {
	if bytes.Contains(p, []byte(": panic: ")) && frameLine.Match(p) {
		f.mu.Lock()
		f.frames = append(f.frames, string(p))
		f.mu.Unlock()
		return len(p), nil
	}
	return f.w.Write(p)
}

func (f *panicFilter) begin() {
	f.mu.Lock()
	f.frames = nil
	f.mu.Unlock()
}

func (f *panicFilter) end() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	fr := f.frames
	f.frames = nil
	return fr
}

// frameFunc names the interpreted function of a frame for a traceback:
// without the package and type parameters, and "cell" for the cell's own
// top-level code.
func frameFunc(name string) string {
	fn := genericSuffix.ReplaceAllString(strings.TrimPrefix(name, "main."), "")
	if fn == "main" || fn == "main.func" {
		return "cell"
	}
	return fn
}
