package kernel

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/descentlab/descent/kernel/worker"
)

// proc is one worker process seen from the kernel: its pipes, the frames
// it sends and how it ended.
type proc struct {
	cmd    *exec.Cmd
	toW    *os.File
	frames chan *worker.Frame // closed when the channel ends
	exited chan struct{}      // closed after the process ended and its pipes drained

	mu         sync.Mutex
	seen       [2]uint64 // last sync marker seen on stdout, stderr
	pipeDone   [2]bool
	changed    chan struct{} // closed and replaced when seen or pipeDone change
	killReason string
	muted      bool   // standard error carries a crash report; read by its reader only
	mutedEpoch uint64 // the epoch in which the report began
	started    bool   // the worker said it is ready; guarded by Kernel.wmu
	head       []byte // the first bytes of standard error since the last marker
	tail       []byte // the last bytes of standard error
	state      *os.ProcessState
	waitErr    error

	sendMu sync.Mutex
}

// headSize and tailSize are how much of the worker's standard error is
// kept to explain a crash: the start of what the running cell wrote (a
// runtime's fatal error comes first, then pages of stacks) and the end.
const (
	headSize = 8 << 10
	tailSize = 8 << 10
)

// startProc starts the worker with argv and env, sending its output to out.
func startProc(argv []string, env []string, out *streams, memLimit int64) (*proc, error) {
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("kernel: start worker: %w", err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("kernel: start worker: %w", err)
	}
	stdoutR, stdoutW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("kernel: start worker: %w", err)
	}
	stderrR, stderrW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("kernel: start worker: %w", err)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = stdoutW, stderrW
	cmd.ExtraFiles = []*os.File{inR, outW}
	cmd.SysProcAttr = procAttr()
	if err := cmd.Start(); err != nil {
		for _, f := range []*os.File{inR, inW, outR, outW, stdoutR, stdoutW, stderrR, stderrW} {
			f.Close()
		}
		return nil, fmt.Errorf("kernel: start worker %s: %w", argv[0], err)
	}
	for _, f := range []*os.File{inR, outW, stdoutW, stderrW} {
		f.Close()
	}
	p := &proc{
		cmd:     cmd,
		toW:     inW,
		frames:  make(chan *worker.Frame, 64),
		exited:  make(chan struct{}),
		changed: make(chan struct{}),
	}
	var pipes sync.WaitGroup
	pipes.Add(3)
	go func() { defer pipes.Done(); p.readOutput(0, stdoutR, out) }()
	go func() { defer pipes.Done(); p.readOutput(1, stderrR, out) }()
	go func() { defer pipes.Done(); p.readFrames(outR) }()
	go func() {
		err := cmd.Wait()
		inW.Close()
		drained := make(chan struct{})
		go func() { pipes.Wait(); close(drained) }()
		select {
		case <-drained:
		case <-time.After(time.Second):
			// A process the cell started still holds the pipes open.
		}
		p.mu.Lock()
		p.state, p.waitErr = cmd.ProcessState, err
		p.mu.Unlock()
		close(p.exited)
	}()
	if memLimit > 0 {
		go p.watchMemory(memLimit)
	}
	return p, nil
}

func (p *proc) readOutput(i int, r io.ReadCloser, out *streams) {
	defer r.Close()
	var sp worker.Splitter
	var epoch uint64
	buf := make([]byte, 32<<10)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			parts, seqs := sp.Split(buf[:n])
			for j, seq := range seqs {
				p.output(i, epoch, parts[j], out)
				epoch = seq
				p.mark(i, seq, false)
			}
			p.output(i, epoch, parts[len(parts)-1], out)
		}
		if err != nil {
			p.output(i, epoch, sp.Flush(), out)
			p.mark(i, 0, true)
			return
		}
	}
}

func (p *proc) output(i int, epoch uint64, b []byte, out *streams) {
	if len(b) == 0 {
		return
	}
	if i == 0 {
		out.write(i, epoch, b)
		return
	}
	// A crash report of the Go runtime is kept to explain the crash but
	// not shown as output: the cell's error names the cause instead of
	// pages of interpreter stacks. A report that is followed by another
	// sync marker was not a crash after all, and output shows again.
	if p.muted && epoch != p.mutedEpoch {
		p.muted = false
	}
	if !p.muted {
		if j := crashReportStart(b); j >= 0 {
			out.write(i, epoch, b[:j])
			p.muted, p.mutedEpoch = true, epoch
		} else {
			out.write(i, epoch, b)
		}
	}
	{
		p.mu.Lock()
		if n := headSize - len(p.head); n > 0 {
			p.head = append(p.head, b[:min(n, len(b))]...)
		}
		p.tail = append(p.tail, b...)
		if len(p.tail) > tailSize {
			p.tail = append([]byte(nil), p.tail[len(p.tail)-tailSize:]...)
		}
		p.mu.Unlock()
	}
}

func (p *proc) mark(i int, seq uint64, done bool) {
	p.mu.Lock()
	if seq > p.seen[i] {
		p.seen[i] = seq
		if i == 1 {
			p.head = p.head[:0]
		}
	}
	if done {
		p.pipeDone[i] = true
	}
	close(p.changed)
	p.changed = make(chan struct{})
	p.mu.Unlock()
}

// waitSync waits until both output pipes have delivered marker seq (or
// ended), so that all output written before it has reached the streams.
func (p *proc) waitSync(seq uint64, timeout time.Duration) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		p.mu.Lock()
		ok := (p.seen[0] >= seq || p.pipeDone[0]) && (p.seen[1] >= seq || p.pipeDone[1])
		ch := p.changed
		p.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-ch:
		case <-deadline.C:
			return
		}
	}
}

func (p *proc) readFrames(r io.ReadCloser) {
	defer r.Close()
	defer close(p.frames)
	br := bufio.NewReaderSize(r, 64<<10)
	for {
		f, err := worker.ReadFrame(br)
		if err != nil {
			return
		}
		p.frames <- f
	}
}

// send writes a frame to the worker.
func (p *proc) send(f *worker.Frame) error {
	p.sendMu.Lock()
	defer p.sendMu.Unlock()
	return worker.WriteFrame(p.toW, f)
}

// interrupt asks the worker to cancel its running cell.
func (p *proc) interrupt() {
	_ = p.cmd.Process.Signal(os.Interrupt)
}

// kill ends the worker, recording why.
func (p *proc) kill(reason string) {
	p.mu.Lock()
	if p.killReason == "" {
		p.killReason = reason
	}
	p.mu.Unlock()
	_ = p.cmd.Process.Kill()
}

// done reports whether the worker has ended.
func (p *proc) done() bool {
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}

// watchMemory kills the worker when its resident memory passes limit.
func (p *proc) watchMemory(limit int64) {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-p.exited:
			return
		case <-tick.C:
			rss, err := residentBytes(p.cmd.Process.Pid)
			if err == nil && rss > limit {
				p.kill(fmt.Sprintf("out of memory: the session used %d MiB, more than the limit of %d MiB (set %s to change it)",
					rss>>20, limit>>20, EnvMemoryLimit))
				return
			}
		}
	}
}

// residentBytes reads the resident set size of process pid.
func residentBytes(pid int) (int64, error) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/statm")
	if err != nil {
		return 0, err
	}
	fields := strings.Fields(string(data))
	if len(fields) < 2 {
		return 0, errors.New("kernel: malformed statm")
	}
	pages, err := strconv.ParseInt(fields[1], 10, 64)
	if err != nil {
		return 0, err
	}
	return pages * int64(os.Getpagesize()), nil
}

// Crash is why a worker ended: a short name, a one-line cause and the
// lines of its standard error that explain it.
type Crash struct {
	Name   string
	Cause  string
	Detail []string
}

// crash explains how the worker ended. Call it after exited is closed.
func (p *proc) crash() Crash {
	p.mu.Lock()
	defer p.mu.Unlock()
	text := p.tail
	if !bytes.Contains(p.tail, p.head) {
		text = append(append(append([]byte(nil), p.head...), '\n'), p.tail...)
	}
	return explainCrash(p.killReason, text, p.state)
}

// explainCrash names the cause of a worker's end from the reason the
// kernel killed it (if it did), the tail of its standard error and its
// exit status.
func explainCrash(killReason string, tail []byte, state *os.ProcessState) Crash {
	lines := crashLines(tail)
	switch {
	case strings.HasPrefix(killReason, "out of memory"):
		return Crash{Name: "OutOfMemory", Cause: killReason, Detail: lines}
	case killReason != "":
		return Crash{Name: "Interrupted", Cause: killReason, Detail: lines}
	}
	text := string(tail)
	switch {
	case strings.Contains(text, "stack overflow") || strings.Contains(text, "goroutine stack exceeds"):
		return Crash{Name: "StackOverflow", Cause: "stack overflow: a call recursed without end (the stack passed its limit)", Detail: lines}
	case strings.Contains(text, "out of memory") || strings.Contains(text, "cannot allocate memory"):
		return Crash{Name: "OutOfMemory", Cause: "out of memory: the session could not allocate more memory", Detail: lines}
	}
	if i := strings.LastIndex(text, "panic: "); i >= 0 {
		line := text[i:]
		if j := strings.IndexByte(line, '\n'); j >= 0 {
			line = line[:j]
		}
		return Crash{Name: "Panic", Cause: "a goroutine panicked: " + strings.TrimSpace(strings.TrimPrefix(line, "panic: ")), Detail: lines}
	}
	if i := strings.LastIndex(text, "fatal error: "); i >= 0 {
		line := text[i:]
		if j := strings.IndexByte(line, '\n'); j >= 0 {
			line = line[:j]
		}
		return Crash{Name: "FatalError", Cause: strings.TrimSpace(line), Detail: lines}
	}
	if state != nil {
		if ws, ok := state.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			if ws.Signal() == syscall.SIGKILL {
				return Crash{Name: "Killed", Cause: "the session was killed (SIGKILL; the system may have run out of memory)", Detail: lines}
			}
			return Crash{Name: "Killed", Cause: "the session was killed by signal " + ws.Signal().String(), Detail: lines}
		}
		return Crash{Name: "Exited", Cause: fmt.Sprintf("the session exited with status %d", state.ExitCode()), Detail: lines}
	}
	return Crash{Name: "Exited", Cause: "the session ended", Detail: lines}
}

// crashReportPrefixes start the lines with which the Go runtime reports a
// fatal error or an unrecovered panic.
var crashReportPrefixes = [][]byte{[]byte("fatal error: "), []byte("runtime: goroutine stack exceeds"), []byte("panic: ")}

// crashReportStart returns the offset of the first line of b that starts
// a runtime crash report, or -1.
func crashReportStart(b []byte) int {
	for off := 0; off < len(b); {
		for _, p := range crashReportPrefixes {
			if bytes.HasPrefix(b[off:], p) {
				return off
			}
		}
		nl := bytes.IndexByte(b[off:], '\n')
		if nl < 0 {
			break
		}
		off += nl + 1
	}
	return -1
}

// crashLines picks the lines of a crash report that explain it: from the
// first "panic:", "fatal error:" or "runtime:" line to the first blank
// line, at most 12 lines.
func crashLines(tail []byte) []string {
	text := string(bytes.ToValidUTF8(tail, []byte("?")))
	start := -1
	for _, key := range []string{"panic: ", "fatal error: ", "runtime: "} {
		if i := strings.Index(text, key); i >= 0 && (start < 0 || i < start) {
			start = i
		}
	}
	if start < 0 {
		return []string{}
	}
	var lines []string
	for _, l := range strings.Split(text[start:], "\n") {
		l = strings.TrimRight(l, "\r")
		if l == "" {
			// The runtime's stacks follow the first blank line.
			break
		}
		lines = append(lines, l)
		if len(lines) == 12 {
			break
		}
	}
	if lines == nil {
		lines = []string{}
	}
	return lines
}
