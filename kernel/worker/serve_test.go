package worker

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/descentlab/descent/kernel/engine"
)

// scriptEngine is a test engine whose cells are commands.
type scriptEngine struct {
	io   engine.IO
	vars map[string]string
}

func (e *scriptEngine) Execute(ctx context.Context, code string) (engine.Result, error) {
	cmd, arg, _ := strings.Cut(code, " ")
	switch cmd {
	case "print":
		fmt.Fprint(e.io.Stdout, arg)
		return engine.Result{}, nil
	case "set":
		k, v, _ := strings.Cut(arg, "=")
		e.vars[k] = v
		return engine.Result{}, nil
	case "get":
		v, ok := e.vars[arg]
		if !ok {
			return engine.Result{}, &engine.CellError{Name: "UndefinedError", Value: "undefined: " + arg}
		}
		return engine.Result{HasValue: true, Data: map[string]any{"text/plain": v}}, nil
	case "show":
		e.io.Host.Display(map[string]any{"text/html": arg}, nil, "", false)
		e.io.Host.ClearOutput(true)
		return engine.Result{}, nil
	case "read":
		line, err := bufio.NewReader(e.io.Stdin).ReadString('\n')
		if err != nil {
			return engine.Result{}, err
		}
		return engine.Result{HasValue: true, Data: map[string]any{"text/plain": strings.TrimSpace(line)}}, nil
	case "block":
		<-ctx.Done()
		return engine.Result{}, ctx.Err()
	}
	return engine.Result{}, errors.New("unknown command " + cmd)
}

func (e *scriptEngine) Complete(code string, cursor int) ([]string, int, int) {
	return []string{code + "!"}, 0, cursor
}

func (e *scriptEngine) Inspect(code string, cursor, detail int) (string, bool) {
	return "doc of " + code, code != ""
}

func (e *scriptEngine) IsComplete(code string) (string, string) {
	if strings.HasSuffix(code, "{") {
		return "incomplete", "\t"
	}
	return "complete", ""
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

type harness struct {
	t              *testing.T
	s              *server
	toWorker       *io.PipeWriter
	fromWorker     *io.PipeReader
	stdout, stderr *lockedBuffer
	done           chan error
}

func newHarness(t *testing.T) *harness {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	h := &harness{t: t, toWorker: inW, fromWorker: outR, stdout: &lockedBuffer{}, stderr: &lockedBuffer{}, done: make(chan error, 1)}
	h.s = newServer(inR, outW, h.stdout, h.stderr)
	go func() {
		h.done <- h.s.run(func(io engine.IO) (engine.Engine, error) {
			return &scriptEngine{io: io, vars: map[string]string{}}, nil
		})
		outW.Close()
	}()
	if f := h.recv(); f.Type != TypeReady {
		t.Fatalf("first frame %+v, want ready", f)
	}
	t.Cleanup(func() {
		inW.Close()
		select {
		case err := <-h.done:
			if err != nil {
				t.Errorf("server: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("server did not end when the channel closed")
		}
	})
	return h
}

func (h *harness) send(f *Frame) {
	h.t.Helper()
	if err := WriteFrame(h.toWorker, f); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) recv() *Frame {
	h.t.Helper()
	ch := make(chan *Frame, 1)
	go func() {
		f, err := ReadFrame(h.fromWorker)
		if err != nil {
			f = &Frame{Type: "read error: " + err.Error()}
		}
		ch <- f
	}()
	select {
	case f := <-ch:
		return f
	case <-time.After(5 * time.Second):
		h.t.Fatal("no frame from the worker")
		return nil
	}
}

func TestServeExecute(t *testing.T) {
	h := newHarness(t)
	h.send(&Frame{Type: TypeExecute, Code: "print hi"})
	r := h.recv()
	if r.Type != TypeExecuteDone || r.Error != nil || r.HasValue || r.Seq != 1 {
		t.Fatalf("reply %+v", r)
	}
	if got, want := h.stdout.String(), "hi"+string(Marker(1)); got != want {
		t.Errorf("stdout %q, want %q: the marker follows the cell's output", got, want)
	}
	if got := h.stderr.String(); got != string(Marker(1)) {
		t.Errorf("stderr %q, want the marker", got)
	}

	h.send(&Frame{Type: TypeExecute, Code: "set x=42", UserExpressions: map[string]string{"x": "get x", "y": "get y"}})
	r = h.recv()
	if r.Expressions["x"].Data["text/plain"] != "42" || r.Expressions["y"].Error == nil || r.Expressions["y"].Error.Name != "UndefinedError" {
		t.Errorf("user expressions %+v", r.Expressions)
	}

	h.send(&Frame{Type: TypeExecute, Code: "get nope"})
	if r = h.recv(); r.Error == nil || r.Error.Name != "UndefinedError" || r.Error.Traceback == nil {
		t.Errorf("failed cell reply %+v", r)
	}
	h.send(&Frame{Type: TypeExecute, Code: "frobnicate"})
	if r = h.recv(); r.Error == nil || r.Error.Name != "Error" || !strings.Contains(r.Error.Value, "unknown command") {
		t.Errorf("plain error reply %+v", r.Error)
	}
}

func TestServeDisplayOrder(t *testing.T) {
	h := newHarness(t)
	h.send(&Frame{Type: TypeExecute, Code: "show <b>x</b>"})
	d, c, r := h.recv(), h.recv(), h.recv()
	if d.Type != TypeDisplay || d.Data["text/html"] != "<b>x</b>" {
		t.Errorf("display frame %+v", d)
	}
	if c.Type != TypeClear || !c.Wait {
		t.Errorf("clear frame %+v", c)
	}
	if r.Type != TypeExecuteDone || !(d.Seq < c.Seq && c.Seq < r.Seq) {
		t.Errorf("sequence numbers %d %d %d must grow", d.Seq, c.Seq, r.Seq)
	}
}

func TestServeStdin(t *testing.T) {
	h := newHarness(t)
	h.send(&Frame{Type: TypeExecute, Code: "read", AllowStdin: false})
	r := h.recv()
	if r.Error == nil || !strings.Contains(r.Error.Value, "allow_stdin is false") {
		t.Errorf("read without stdin: %+v", r.Error)
	}

	h.send(&Frame{Type: TypeExecute, Code: "read", AllowStdin: true})
	req := h.recv()
	if req.Type != TypeInputRequest {
		t.Fatalf("frame %+v, want input_request", req)
	}
	h.send(&Frame{Type: TypeInputReply, Value: "gopher"})
	r = h.recv()
	if r.Error != nil || r.Data["text/plain"] != "gopher" {
		t.Errorf("reply %+v %+v", r, r.Error)
	}
}

func TestServeInterrupt(t *testing.T) {
	h := newHarness(t)
	h.send(&Frame{Type: TypeExecute, Code: "block"})
	time.Sleep(20 * time.Millisecond)
	h.s.interrupt()
	r := h.recv()
	if r.Error == nil || r.Error.Name != "Interrupted" {
		t.Fatalf("interrupted cell reply %+v", r.Error)
	}
	h.send(&Frame{Type: TypeExecute, Code: "read", AllowStdin: true})
	if f := h.recv(); f.Type != TypeInputRequest {
		t.Fatalf("frame %+v, want input_request", f)
	}
	h.s.interrupt()
	if r := h.recv(); r.Error == nil {
		t.Errorf("a read interrupted while waiting for input should fail the cell: %+v", r)
	}
}

func TestServeEditorRequests(t *testing.T) {
	h := newHarness(t)
	h.send(&Frame{Type: TypeComplete, Code: "fmt.Pr", Cursor: 6})
	if r := h.recv(); r.Type != TypeCompleteReply || len(r.Matches) != 1 || r.Matches[0] != "fmt.Pr!" || r.End != 6 {
		t.Errorf("complete reply %+v", r)
	}
	h.send(&Frame{Type: TypeInspect, Code: "fmt"})
	if r := h.recv(); r.Type != TypeInspectReply || !r.Found || r.Text != "doc of fmt" {
		t.Errorf("inspect reply %+v", r)
	}
	h.send(&Frame{Type: TypeIsComplete, Code: "func f() {"})
	if r := h.recv(); r.Type != TypeIsCompleteReply || r.Status != "incomplete" || r.Indent != "\t" {
		t.Errorf("is_complete reply %+v", r)
	}
}
