package worker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"sync"

	"github.com/descentlab/descent/kernel/engine"
)

// Environment variables the kernel sets for its worker.
const (
	// EnvMemoryLimit is the worker's memory limit in bytes; the worker
	// tells the Go runtime to collect garbage harder as it nears it.
	EnvMemoryLimit = "DESCENT_WORKER_MEMORY_LIMIT"
)

// MaxStack is the largest goroutine stack a cell may grow, so that runaway
// recursion ends quickly instead of first eating a gigabyte.
const MaxStack = 256 << 20

// ErrStdinNotAllowed is returned by reads of standard input in a cell when
// the front end does not accept input requests.
var ErrStdinNotAllowed = errors.New("stdin: this front end does not support input requests (allow_stdin is false)")

// errInterrupted ends a read of standard input when the cell is interrupted.
var errInterrupted = errors.New("stdin: input request interrupted")

// Serve runs the worker side of the channel on file descriptors 3 and 4
// until the kernel closes it. It creates the session with factory and
// answers the kernel's requests with it.
func Serve(factory engine.Factory) error {
	in := os.NewFile(3, "descent-control-in")
	out := os.NewFile(4, "descent-control-out")
	if in == nil || out == nil {
		return errors.New("worker: control channel (fds 3 and 4) missing; the worker is started by 'descent kernel'")
	}
	debug.SetMaxStack(MaxStack)
	if v, err := strconv.ParseInt(os.Getenv(EnvMemoryLimit), 10, 64); err == nil && v > 0 {
		debug.SetMemoryLimit(v * 9 / 10)
	}
	s := newServer(in, out, os.Stdout, os.Stderr)
	return s.run(factory)
}

// server is one worker: the engine and the channel around it.
type server struct {
	in     io.Reader
	out    io.Writer
	stdout io.Writer // the raw pipes, for sync markers
	stderr io.Writer

	mu  sync.Mutex // serializes frames and markers on the way out
	seq uint64

	eng   engine.Engine
	stdin *stdinReader

	cellMu sync.Mutex
	cancel context.CancelFunc
	done   chan struct{}
}

func newServer(in io.Reader, out, stdout, stderr io.Writer) *server {
	s := &server{in: in, out: out, stdout: stdout, stderr: stderr}
	s.stdin = &stdinReader{s: s, replies: make(chan string, 1)}
	return s
}

func (s *server) run(factory engine.Factory) error {
	eng, err := factory(engine.IO{Stdin: s.stdin, Stdout: s.stdout, Stderr: s.stderr, Host: s})
	if err != nil {
		_ = s.send(&Frame{Type: TypeFailed, Text: err.Error()})
		return fmt.Errorf("worker: start session: %w", err)
	}
	s.eng = eng

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt)
	go func() {
		for range sigs {
			s.interrupt()
		}
	}()

	if err := s.send(&Frame{Type: TypeReady}); err != nil {
		return err
	}
	for {
		f, err := ReadFrame(s.in)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := s.handle(f); err != nil {
			return err
		}
	}
}

// handle answers one frame from the kernel. Executions run on their own
// goroutine so that input replies can arrive while a cell waits for them.
func (s *server) handle(f *Frame) error {
	switch f.Type {
	case TypeExecute:
		s.startCell(f)
		return nil
	case TypeInputReply:
		select {
		case s.stdin.replies <- f.Value:
		default:
		}
		return nil
	case TypeComplete:
		m, start, end := s.eng.Complete(f.Code, f.Cursor)
		if m == nil {
			m = []string{}
		}
		return s.send(&Frame{Type: TypeCompleteReply, Matches: m, Start: start, End: end})
	case TypeInspect:
		text, found := s.eng.Inspect(f.Code, f.Cursor, f.DetailLevel)
		return s.send(&Frame{Type: TypeInspectReply, Text: text, Found: found})
	case TypeIsComplete:
		status, indent := s.eng.IsComplete(f.Code)
		return s.send(&Frame{Type: TypeIsCompleteReply, Status: status, Indent: indent})
	}
	return fmt.Errorf("worker: unknown frame type %q", f.Type)
}

func (s *server) startCell(f *Frame) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	s.cellMu.Lock()
	s.cancel, s.done = cancel, done
	s.cellMu.Unlock()
	s.stdin.begin(ctx, f.AllowStdin)
	go func() {
		defer close(done)
		reply := s.execute(ctx, f)
		s.cellMu.Lock()
		s.cancel = nil
		s.cellMu.Unlock()
		cancel()
		_ = s.sendSynced(reply)
	}()
}

// execute runs the cell and its user expressions.
func (s *server) execute(ctx context.Context, f *Frame) *Frame {
	reply := &Frame{Type: TypeExecuteDone}
	res, err := s.eng.Execute(ctx, f.Code)
	if err != nil {
		reply.Error = cellError(ctx, err)
		return reply
	}
	if res.HasValue {
		reply.HasValue = true
		reply.Data, reply.Metadata = res.Data, res.Metadata
	}
	if len(f.UserExpressions) > 0 {
		reply.Expressions = map[string]Expression{}
		for name, expr := range f.UserExpressions {
			r, err := s.eng.Execute(ctx, expr)
			switch {
			case err != nil:
				reply.Expressions[name] = Expression{Error: cellError(ctx, err)}
			case !r.HasValue:
				reply.Expressions[name] = Expression{Error: &Error{Name: "NoValue", Value: fmt.Sprintf("expression %q has no value", expr), Traceback: []string{}}}
			default:
				reply.Expressions[name] = Expression{Data: r.Data, Metadata: r.Metadata}
			}
		}
	}
	return reply
}

func cellError(ctx context.Context, err error) *Error {
	var ce *engine.CellError
	if errors.As(err, &ce) {
		tb := ce.Traceback
		if tb == nil {
			tb = []string{}
		}
		return &Error{Name: ce.Name, Value: ce.Value, Traceback: tb}
	}
	if ctx.Err() != nil || errors.Is(err, context.Canceled) {
		return &Error{Name: "Interrupted", Value: "the cell was interrupted; the session's variables are kept", Traceback: []string{}}
	}
	return &Error{Name: "Error", Value: err.Error(), Traceback: []string{err.Error()}}
}

// interrupt cancels the running cell, if any.
func (s *server) interrupt() {
	s.cellMu.Lock()
	defer s.cellMu.Unlock()
	if s.cancel != nil {
		s.cancel()
	}
}

// send writes one frame.
func (s *server) send(f *Frame) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return WriteFrame(s.out, f)
}

// sendSynced writes a sync marker to both output pipes and then f, so that
// the kernel publishes f after everything written before it.
func (s *server) sendSynced(f *Frame) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	f.Seq = s.seq
	m := Marker(s.seq)
	_, _ = s.stdout.Write(m)
	_, _ = s.stderr.Write(m)
	return WriteFrame(s.out, f)
}

// Display implements engine.Host.
func (s *server) Display(data, metadata map[string]any, displayID string, update bool) {
	if metadata == nil {
		metadata = map[string]any{}
	}
	_ = s.sendSynced(&Frame{Type: TypeDisplay, Data: data, Metadata: metadata, DisplayID: displayID, Update: update})
}

// ClearOutput implements engine.Host.
func (s *server) ClearOutput(wait bool) {
	_ = s.sendSynced(&Frame{Type: TypeClear, Wait: wait})
}

// stdinReader is the session's standard input: each read that finds no
// buffered text asks the front end for a line.
type stdinReader struct {
	s       *server
	replies chan string

	mu    sync.Mutex
	ctx   context.Context
	allow bool
	buf   []byte
}

func (r *stdinReader) begin(ctx context.Context, allow bool) {
	r.mu.Lock()
	r.ctx, r.allow, r.buf = ctx, allow, nil
	r.mu.Unlock()
	select {
	case <-r.replies:
	default:
	}
}

// Read implements io.Reader.
func (r *stdinReader) Read(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(p) == 0 {
		return 0, nil
	}
	if len(r.buf) == 0 {
		if r.ctx == nil || r.ctx.Err() != nil {
			return 0, io.EOF
		}
		if !r.allow {
			return 0, ErrStdinNotAllowed
		}
		if err := r.s.sendSynced(&Frame{Type: TypeInputRequest}); err != nil {
			return 0, err
		}
		select {
		case v := <-r.replies:
			r.buf = append([]byte(v), '\n')
		case <-r.ctx.Done():
			return 0, errInterrupted
		}
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}
