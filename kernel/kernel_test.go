package kernel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/descentlab/descent/kernel/engine"
	"github.com/descentlab/descent/kernel/worker"
	"github.com/go-zeromq/zmq4"
)

// The test binary doubles as the worker: with this variable set it serves
// a worker whose cells are commands of commandEngine.
const envTestWorker = "DESCENT_KERNEL_TEST_WORKER"

func TestMain(m *testing.M) {
	if os.Getenv(envTestWorker) == "1" {
		if err := worker.Serve(func(io engine.IO) (engine.Engine, error) { return &commandEngine{io: io}, nil }); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// commandEngine runs cells that name what the worker should do.
type commandEngine struct {
	io    engine.IO
	value string
}

func (e *commandEngine) Execute(ctx context.Context, code string) (engine.Result, error) {
	cmd, arg, _ := strings.Cut(code, " ")
	switch cmd {
	case "print":
		fmt.Fprintln(e.io.Stdout, arg)
	case "set":
		e.value = arg
	case "get":
		return engine.Result{HasValue: true, Data: map[string]any{"text/plain": e.value}}, nil
	case "fail":
		return engine.Result{}, &engine.CellError{Name: "Failed", Value: arg, Traceback: []string{"at the test"}}
	case "hang":
		// Ignores its context, like compiled code that never checks it.
		time.Sleep(time.Hour)
	case "exit":
		fmt.Fprintln(e.io.Stderr, "fatal error: the test says so")
		os.Exit(3)
	case "cancel":
		<-ctx.Done()
		return engine.Result{}, ctx.Err()
	default:
		return engine.Result{}, errors.New("unknown command " + cmd)
	}
	return engine.Result{}, nil
}

func (e *commandEngine) Complete(code string, cursor int) ([]string, int, int) {
	return nil, cursor, cursor
}
func (e *commandEngine) Inspect(string, int, int) (string, bool) { return "", false }
func (e *commandEngine) IsComplete(string) (string, string)      { return "complete", "" }

// testClient is a minimal Jupyter client over zmq4.
type testClient struct {
	t              testing.TB
	signer         *Signer
	shell, control zmq4.Socket
	iopub          zmq4.Socket
	iopubMsgs      chan *Message
}

func freePorts(t testing.TB, n int) []int {
	var ports []int
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
		l.Close()
	}
	return ports
}

func startKernel(t testing.TB) *testClient {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(envTestWorker, "1")
	p := freePorts(t, 5)
	conn := ConnectionInfo{Transport: "tcp", IP: "127.0.0.1", ShellPort: p[0], IOPubPort: p[1], StdinPort: p[2],
		ControlPort: p[3], HBPort: p[4], Key: "test-key", SignatureScheme: "hmac-sha256"}
	k, err := New(Config{Conn: conn, WorkerArgv: []string{exe}, Version: "test", Log: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = k.Run(); close(done) }()
	t.Cleanup(func() {
		k.stop()
		<-done
	})

	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	c := &testClient{t: t, signer: NewSigner([]byte(conn.Key)), iopubMsgs: make(chan *Message, 256)}
	c.shell = zmq4.NewDealer(ctx, zmq4.WithID(zmq4.SocketIdentity("test-client")))
	c.control = zmq4.NewDealer(ctx, zmq4.WithID(zmq4.SocketIdentity("test-client")))
	c.iopub = zmq4.NewSub(ctx)
	for _, s := range []struct {
		sock zmq4.Socket
		port int
	}{{c.shell, conn.ShellPort}, {c.control, conn.ControlPort}, {c.iopub, conn.IOPubPort}} {
		if err := s.sock.Dial(conn.Endpoint(s.port)); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.iopub.SetOption(zmq4.OptionSubscribe, ""); err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			raw, err := c.iopub.Recv()
			if err != nil {
				return
			}
			if m, err := Decode(raw.Frames, c.signer); err == nil {
				c.iopubMsgs <- m
			}
		}
	}()
	t.Cleanup(func() { c.shell.Close(); c.control.Close(); c.iopub.Close() })
	// Wait until iopub delivers: kernel_info requests until a status
	// arrives, then drop what the probes published.
	deadline := time.Now().Add(10 * time.Second)
	for {
		c.send(c.shell, "kernel_info_request", map[string]any{})
		c.reply(c.shell)
		select {
		case <-c.iopubMsgs:
			time.Sleep(200 * time.Millisecond)
			for len(c.iopubMsgs) > 0 {
				<-c.iopubMsgs
			}
			return c
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("iopub never connected")
		}
	}
}

type logWriter struct{ t testing.TB }

func (w logWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func testLogger(t testing.TB) *log.Logger { return log.New(logWriter{t}, "", 0) }

func parentID(m *Message) string {
	var h Header
	_ = json.Unmarshal(m.Parent, &h)
	return h.MsgID
}

func (c *testClient) send(sock zmq4.Socket, msgType string, content any) string {
	c.t.Helper()
	body, _ := json.Marshal(content)
	m := &Message{Header: NewHeader(msgType, "test-session", "tester"), Content: body}
	frames, err := Encode(m, c.signer)
	if err != nil {
		c.t.Fatal(err)
	}
	if err := sock.Send(zmq4.NewMsgFrom(frames...)); err != nil {
		c.t.Fatal(err)
	}
	return m.Header.MsgID
}

func (c *testClient) reply(sock zmq4.Socket) *Message {
	c.t.Helper()
	ch := make(chan *Message, 1)
	go func() {
		raw, err := sock.Recv()
		if err != nil {
			ch <- nil
			return
		}
		m, err := Decode(raw.Frames, c.signer)
		if err != nil {
			ch <- nil
			return
		}
		ch <- m
	}()
	select {
	case m := <-ch:
		if m == nil {
			c.t.Fatal("bad reply")
		}
		return m
	case <-time.After(20 * time.Second):
		c.t.Fatal("no reply")
		return nil
	}
}

// collect returns the iopub messages of request id up to its idle status.
func (c *testClient) collect(id string) []*Message {
	c.t.Helper()
	var out []*Message
	timeout := time.After(20 * time.Second)
	for {
		select {
		case m := <-c.iopubMsgs:
			if parentID(m) != id {
				continue
			}
			out = append(out, m)
			if m.Header.MsgType == "status" && strings.Contains(string(m.Content), `"idle"`) {
				return out
			}
		case <-timeout:
			c.t.Fatalf("no idle for %s", id)
		}
	}
}

func (c *testClient) execute(code string) (map[string]any, []*Message) {
	c.t.Helper()
	id := c.send(c.shell, "execute_request", map[string]any{"code": code, "silent": false, "store_history": true,
		"user_expressions": map[string]any{}, "allow_stdin": false, "stop_on_error": true})
	r := c.reply(c.shell)
	var content map[string]any
	if err := json.Unmarshal(r.Content, &content); err != nil {
		c.t.Fatal(err)
	}
	return content, c.collect(id)
}

func kinds(msgs []*Message) string {
	var out []string
	for _, m := range msgs {
		out = append(out, m.Header.MsgType)
	}
	return strings.Join(out, ",")
}

func TestKernelExecute(t *testing.T) {
	c := startKernel(t)
	reply, msgs := c.execute("print hello")
	if reply["status"] != "ok" || reply["execution_count"] != 1.0 {
		t.Errorf("reply %v", reply)
	}
	if got := kinds(msgs); got != "status,execute_input,stream,status" {
		t.Errorf("iopub %s", got)
	}
	c.execute("set 42")
	_, msgs = c.execute("get")
	if got := kinds(msgs); got != "status,execute_input,execute_result,status" || !strings.Contains(string(msgs[2].Content), `"42"`) {
		t.Errorf("iopub %s: %s", got, msgs[2].Content)
	}
	reply, msgs = c.execute("fail badly")
	if reply["status"] != "error" || reply["ename"] != "Failed" || kinds(msgs) != "status,execute_input,error,status" {
		t.Errorf("failed cell: %v, %s", reply, kinds(msgs))
	}
}

// TestKernelInterruptKillsStuckCell runs a cell that ignores its context:
// after the grace period the kernel replaces the worker and says so.
func TestKernelInterruptKillsStuckCell(t *testing.T) {
	c := startKernel(t)
	c.execute("set 7")
	id := c.send(c.shell, "execute_request", map[string]any{"code": "hang", "stop_on_error": true})
	time.Sleep(100 * time.Millisecond)
	c.send(c.control, "interrupt_request", map[string]any{})
	c.reply(c.control)
	r := c.reply(c.shell)
	msgs := c.collect(id)
	var content map[string]any
	_ = json.Unmarshal(r.Content, &content)
	if content["status"] != "error" || content["ename"] != "Interrupted" || !strings.Contains(content["evalue"].(string), "reset") {
		t.Errorf("reply %v", content)
	}
	if got := kinds(msgs); got != "status,execute_input,error,status" {
		t.Errorf("iopub %s", got)
	}
	_, msgs = c.execute("get")
	if !strings.Contains(string(msgs[2].Content), `"text/plain":""`) {
		t.Errorf("the fresh session kept state: %s", msgs[2].Content)
	}

	id = c.send(c.shell, "execute_request", map[string]any{"code": "cancel"})
	time.Sleep(100 * time.Millisecond)
	c.send(c.control, "interrupt_request", map[string]any{})
	c.reply(c.control)
	r = c.reply(c.shell)
	c.collect(id)
	_ = json.Unmarshal(r.Content, &content)
	if content["ename"] != "Interrupted" || strings.Contains(content["evalue"].(string), "reset") {
		t.Errorf("a cancelled cell keeps the session: %v", content)
	}
}

func TestKernelWorkerExit(t *testing.T) {
	c := startKernel(t)
	reply, msgs := c.execute("exit")
	if reply["status"] != "error" || reply["ename"] != "FatalError" || !strings.Contains(reply["evalue"].(string), "the test says so") {
		t.Errorf("reply %v", reply)
	}
	errs := 0
	for _, m := range msgs {
		if m.Header.MsgType == "error" {
			errs++
		}
	}
	if errs != 1 {
		t.Errorf("%d error messages, want 1: %s", errs, kinds(msgs))
	}
	if reply, _ := c.execute("print alive"); reply["status"] != "ok" {
		t.Errorf("after the crash: %v", reply)
	}
}

func TestKernelDropsBadSignature(t *testing.T) {
	c := startKernel(t)
	good := c.signer
	c.signer = NewSigner([]byte("wrong"))
	c.send(c.shell, "kernel_info_request", map[string]any{})
	c.signer = good
	got := make(chan struct{})
	go func() {
		_, _ = c.shell.Recv()
		close(got)
	}()
	select {
	case <-got:
		t.Fatal("a badly signed request was answered")
	case <-time.After(500 * time.Millisecond):
	}
	id := c.send(c.shell, "kernel_info_request", map[string]any{})
	<-got // the reply to the good request
	c.collect(id)
}

// BenchmarkKernelRoundTrip measures one execute_request through the
// kernel and its worker, from sending it to the reply and the idle status.
func BenchmarkKernelRoundTrip(b *testing.B) {
	c := startKernel(b)
	c.execute("set 1")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c.execute("get")
	}
}
