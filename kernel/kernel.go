// Package kernel is the Jupyter side of Descent: the messaging protocol
// 5.3 over ZeroMQ (the five sockets, the wire format, HMAC signing), the
// request handlers, iopub publishing and history.
//
// The kernel process never runs user code. It starts a worker process
// (package worker) that evaluates cells, reads the worker's standard
// output and error as live stream output, and survives whatever a cell
// does to the worker: a crash, runaway recursion or exhausted memory end
// only the worker, and the kernel starts a fresh one.
package kernel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/go-zeromq/zmq4"
)

// EnvMemoryLimit names the environment variable that sets the worker's
// memory limit, in bytes or with a K, M or G suffix (powers of 1024).
const EnvMemoryLimit = "DESCENT_MEMORY_LIMIT"

// Config describes a kernel to run.
type Config struct {
	// Conn is the parsed connection file.
	Conn ConnectionInfo
	// WorkerArgv starts a worker process, for example the descent binary
	// with the argument "worker".
	WorkerArgv []string
	// HistoryPath is the history file; empty keeps history in memory.
	HistoryPath string
	// MemoryLimit ends the worker when its resident memory passes it
	// (bytes); 0 means no limit.
	MemoryLimit int64
	// Version is the implementation version shown in kernel_info.
	Version string
	// Banner is the text front ends show on connecting.
	Banner string
	// Log receives what the kernel reports about itself (dropped
	// messages, worker restarts). Nil logs to standard error.
	Log *log.Logger
}

// Kernel serves the Jupyter protocol for one connection file.
type Kernel struct {
	cfg    Config
	signer *Signer
	log    *log.Logger
	id     string // the kernel's session id in message headers

	shell, control, stdin, iopub, hb zmq4.Socket

	ctx    context.Context
	cancel context.CancelFunc

	iopubMu sync.Mutex
	out     *streams
	history *History

	handlers map[string]handler

	shellQueue   chan *request
	controlQueue chan *request
	inputReplies chan *Message

	// state of the shell thread
	count       int
	abortBefore time.Time

	wmu         sync.Mutex
	w           *proc
	running     bool   // a cell runs on w
	cellID      uint64 // counts cells, so a late interrupt timer can tell
	crashNotice string // a crash between cells, told with the next cell

	stopOnce sync.Once
	stopping atomic.Bool
	stopped  chan struct{}
}

// request is a received message and where it came from.
type request struct {
	msg      *Message
	sock     zmq4.Socket
	channel  string
	received time.Time
}

type handler func(k *Kernel, r *request)

// New binds the kernel's five sockets. It fails at once, with a one-line
// reason, when a port is taken.
func New(cfg Config) (*Kernel, error) {
	if len(cfg.WorkerArgv) == 0 {
		return nil, errors.New("kernel: no worker command")
	}
	logger := cfg.Log
	if logger == nil {
		logger = log.New(os.Stderr, "descent kernel: ", log.LstdFlags)
	}
	ctx, cancel := context.WithCancel(context.Background())
	k := &Kernel{
		cfg:          cfg,
		signer:       NewSigner([]byte(cfg.Conn.Key)),
		log:          logger,
		id:           NewID(),
		ctx:          ctx,
		cancel:       cancel,
		history:      OpenHistory(cfg.HistoryPath),
		handlers:     handlers(),
		shellQueue:   make(chan *request, 4096),
		controlQueue: make(chan *request, 256),
		inputReplies: make(chan *Message, 16),
		stopped:      make(chan struct{}),
	}
	k.out = newStreams(func(parent *Message, name, text string) {
		k.publish(parent, "stream", map[string]any{"name": name, "text": text})
	})
	zlog := log.New(os.Stderr, "descent kernel: zmq4: ", log.LstdFlags)
	opts := []zmq4.Option{zmq4.WithLogger(zlog)}
	k.shell = zmq4.NewRouter(ctx, opts...)
	k.control = zmq4.NewRouter(ctx, opts...)
	k.stdin = zmq4.NewRouter(ctx, opts...)
	k.iopub = zmq4.NewPub(ctx, opts...)
	k.hb = zmq4.NewRouter(ctx, opts...)
	for _, s := range []struct {
		name string
		sock zmq4.Socket
		port int
	}{
		{"shell", k.shell, cfg.Conn.ShellPort}, {"control", k.control, cfg.Conn.ControlPort},
		{"stdin", k.stdin, cfg.Conn.StdinPort}, {"iopub", k.iopub, cfg.Conn.IOPubPort},
		{"heartbeat", k.hb, cfg.Conn.HBPort},
	} {
		ep := cfg.Conn.Endpoint(s.port)
		if err := s.sock.Listen(ep); err != nil {
			k.closeSockets()
			cancel()
			return nil, fmt.Errorf("kernel: bind %s socket to %s: %v", s.name, ep, unwrapAll(err))
		}
	}
	return k, nil
}

func unwrapAll(err error) error {
	for {
		u := errors.Unwrap(err)
		if u == nil {
			return err
		}
		err = u
	}
}

// Run serves requests until a shutdown_request or SIGTERM. SIGINT
// interrupts the running cell.
func (k *Kernel) Run() error {
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		for {
			select {
			case <-k.ctx.Done():
				return
			case s := <-sigs:
				if s == os.Interrupt {
					k.interrupt()
				} else {
					k.stop()
				}
			}
		}
	}()

	k.publish(nil, "status", map[string]any{"execution_state": "starting"})
	go k.heartbeat()
	go k.receive(k.shell, "shell", k.shellQueue)
	go k.receive(k.control, "control", k.controlQueue)
	go k.receiveStdin()
	go k.serveControl()
	go func() {
		// A first worker starts at once, so that the first cell does not
		// wait for it.
		k.wmu.Lock()
		defer k.wmu.Unlock()
		if k.w == nil {
			if w, err := k.startWorker(); err == nil {
				k.w = w
			} else {
				k.log.Print(err)
			}
		}
	}()
	k.serveShell()
	<-k.stopped
	return nil
}

// stop ends Run: the worker is killed and the sockets closed.
func (k *Kernel) stop() {
	k.stopOnce.Do(func() {
		k.stopping.Store(true)
		k.wmu.Lock()
		if k.w != nil {
			k.w.kill("shutdown")
		}
		k.wmu.Unlock()
		// Give iopub a moment to send the last status messages.
		time.Sleep(100 * time.Millisecond)
		k.cancel()
		k.closeSockets()
		_ = k.history.Close()
		close(k.stopped)
	})
}

func (k *Kernel) closeSockets() {
	for _, s := range []zmq4.Socket{k.shell, k.control, k.stdin, k.iopub, k.hb} {
		if s != nil {
			s.Close()
		}
	}
}

// heartbeat echoes every ping.
func (k *Kernel) heartbeat() {
	for {
		msg, err := k.hb.Recv()
		if err != nil {
			if k.ctx.Err() != nil {
				return
			}
			continue
		}
		_ = k.hb.Send(msg)
	}
}

// receive decodes the messages of a ROUTER socket and queues them.
// Messages that are unsigned, badly signed or malformed are logged and
// dropped.
func (k *Kernel) receive(sock zmq4.Socket, channel string, queue chan<- *request) {
	for {
		raw, err := sock.Recv()
		if err != nil {
			if k.ctx.Err() != nil {
				close(queue)
				return
			}
			continue
		}
		m, err := Decode(raw.Frames, k.signer)
		if err != nil {
			k.log.Printf("dropped a message on %s: %v", channel, err)
			continue
		}
		queue <- &request{msg: m, sock: sock, channel: channel, received: time.Now()}
	}
}

// receiveStdin passes input replies to the cell waiting for them.
func (k *Kernel) receiveStdin() {
	for {
		raw, err := k.stdin.Recv()
		if err != nil {
			if k.ctx.Err() != nil {
				return
			}
			continue
		}
		m, err := Decode(raw.Frames, k.signer)
		if err != nil {
			k.log.Printf("dropped a message on stdin: %v", err)
			continue
		}
		if m.Header.MsgType != "input_reply" {
			k.log.Printf("dropped a %s message on stdin", m.Header.MsgType)
			continue
		}
		select {
		case k.inputReplies <- m:
		default:
			k.log.Print("dropped an input_reply nobody waits for")
		}
	}
}

// serveShell handles shell requests one at a time, in order.
func (k *Kernel) serveShell() {
	for r := range k.shellQueue {
		if k.ctx.Err() != nil {
			return
		}
		if r.msg.Header.MsgType == "execute_request" && r.received.Before(k.abortBefore) {
			k.dispatch(r, abortExecute)
			continue
		}
		k.dispatch(r, nil)
	}
}

// serveControl handles control requests; they are answered even while a
// cell runs.
func (k *Kernel) serveControl() {
	for r := range k.controlQueue {
		if k.ctx.Err() != nil {
			return
		}
		k.dispatch(r, nil)
	}
}

// dispatch is the one place every request passes: status busy before its
// handler runs, idle after, both parented to the request.
func (k *Kernel) dispatch(r *request, h handler) {
	if h == nil {
		h = k.handlers[r.msg.Header.MsgType]
	}
	if h == nil {
		h = unknownRequest
	}
	k.publish(r.msg, "status", map[string]any{"execution_state": "busy"})
	h(k, r)
	k.publish(r.msg, "status", map[string]any{"execution_state": "idle"})
}

// newMessage builds a message of msgType parented to parent (nil for
// none).
func (k *Kernel) newMessage(parent *Message, msgType string, content any) (*Message, error) {
	body, err := json.Marshal(content)
	if err != nil {
		return nil, fmt.Errorf("kernel: encode %s: %w", msgType, err)
	}
	m := &Message{
		Header:   NewHeader(msgType, k.id, "descent"),
		Parent:   json.RawMessage("{}"),
		Metadata: json.RawMessage("{}"),
		Content:  body,
	}
	if parent != nil {
		m.Parent = parent.RawHeader
	}
	return m, nil
}

// publish sends a message on iopub.
func (k *Kernel) publish(parent *Message, msgType string, content any) {
	m, err := k.newMessage(parent, msgType, content)
	if err != nil {
		k.log.Print(err)
		return
	}
	m.Identities = [][]byte{[]byte("kernel." + k.id + "." + msgType)}
	frames, err := Encode(m, k.signer)
	if err != nil {
		k.log.Print(err)
		return
	}
	k.iopubMu.Lock()
	defer k.iopubMu.Unlock()
	// SendMulti writes all frames with one system call.
	if err := k.iopub.SendMulti(zmq4.NewMsgFrom(frames...)); err != nil && k.ctx.Err() == nil {
		k.log.Printf("publish %s: %v", msgType, err)
	}
}

// reply answers request r on its socket.
func (k *Kernel) reply(r *request, msgType string, content any) {
	k.sendTo(r.sock, r.msg, msgType, content)
}

// sendTo sends a message routed to the identities of parent.
func (k *Kernel) sendTo(sock zmq4.Socket, parent *Message, msgType string, content any) {
	m, err := k.newMessage(parent, msgType, content)
	if err != nil {
		k.log.Print(err)
		return
	}
	m.Identities = parent.Identities
	frames, err := Encode(m, k.signer)
	if err != nil {
		k.log.Print(err)
		return
	}
	if err := sock.Send(zmq4.NewMsgFrom(frames...)); err != nil && k.ctx.Err() == nil {
		k.log.Printf("send %s: %v", msgType, err)
	}
}

// ParseMemoryLimit reads a size such as "2G", "512M" or "1073741824".
func ParseMemoryLimit(s string) (int64, error) {
	s = strings.TrimSpace(strings.ToUpper(s))
	s = strings.TrimSuffix(strings.TrimSuffix(s, "B"), "I")
	mult := int64(1)
	if n := len(s); n > 0 {
		switch s[n-1] {
		case 'K':
			mult, s = 1<<10, s[:n-1]
		case 'M':
			mult, s = 1<<20, s[:n-1]
		case 'G':
			mult, s = 1<<30, s[:n-1]
		case 'T':
			mult, s = 1<<40, s[:n-1]
		}
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("kernel: memory limit %q: want bytes or a number with K, M, G or T", s)
	}
	return int64(v * float64(mult)), nil
}

// DefaultMemoryLimit is half of the machine's memory, or 0 (no limit)
// when that is unknown.
func DefaultMemoryLimit() int64 {
	data, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "MemTotal:" {
			kb, err := strconv.ParseInt(f[1], 10, 64)
			if err == nil {
				return kb << 10 / 2
			}
		}
	}
	return 0
}
