package kernel

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/descentlab/descent/kernel/worker"
)

// interruptGrace is how long a cell may take to stop after an interrupt
// before its worker is killed and replaced.
const interruptGrace = 2 * time.Second

// syncTimeout bounds the wait for output that precedes a frame.
const syncTimeout = 2 * time.Second

// handlers is the table from message type to handler.
func handlers() map[string]handler {
	return map[string]handler{
		"kernel_info_request": kernelInfo,
		"execute_request":     execute,
		"complete_request":    complete,
		"inspect_request":     inspect,
		"is_complete_request": isComplete,
		"history_request":     history,
		"comm_info_request":   commInfo,
		"comm_open":           commOpen,
		"comm_msg":            ignore,
		"comm_close":          ignore,
		"connect_request":     connect,
		"interrupt_request":   interruptRequest,
		"shutdown_request":    shutdown,
	}
}

func ignore(*Kernel, *request) {}

// unknownRequest answers requests of types the kernel does not know with
// an error reply; other unknown messages get only busy and idle.
func unknownRequest(k *Kernel, r *request) {
	t := r.msg.Header.MsgType
	k.log.Printf("unknown message type %q on %s", t, r.channel)
	if strings.HasSuffix(t, "_request") {
		k.reply(r, strings.TrimSuffix(t, "_request")+"_reply", map[string]any{
			"status": "error", "ename": "UnknownMessageType",
			"evalue": fmt.Sprintf("the Descent kernel does not handle %s messages", t), "traceback": []string{},
		})
	}
}

func kernelInfo(k *Kernel, r *request) {
	k.reply(r, "kernel_info_reply", map[string]any{
		"status":                 "ok",
		"protocol_version":       ProtocolVersion,
		"implementation":         "descent",
		"implementation_version": k.cfg.Version,
		"language_info": map[string]any{
			"name":               "go",
			"version":            strings.TrimPrefix(runtime.Version(), "go"),
			"mimetype":           "text/x-go",
			"file_extension":     ".go",
			"pygments_lexer":     "go",
			"codemirror_mode":    "go",
			"nbconvert_exporter": "script",
		},
		"banner":   k.cfg.Banner,
		"debugger": false,
		"help_links": []map[string]string{
			{"text": "Go documentation", "url": "https://go.dev/doc/"},
			{"text": "Go standard library", "url": "https://pkg.go.dev/std"},
			{"text": "Descent optimlib", "url": "https://pkg.go.dev/github.com/descentlab/descent/optimlib"},
			{"text": "gonum", "url": "https://pkg.go.dev/gonum.org/v1/gonum"},
		},
	})
}

func connect(k *Kernel, r *request) {
	c := k.cfg.Conn
	k.reply(r, "connect_reply", map[string]any{
		"status": "ok", "shell_port": c.ShellPort, "iopub_port": c.IOPubPort,
		"stdin_port": c.StdinPort, "hb_port": c.HBPort, "control_port": c.ControlPort,
	})
}

func commInfo(k *Kernel, r *request) {
	k.reply(r, "comm_info_reply", map[string]any{"status": "ok", "comms": map[string]any{}})
}

// commOpen closes every comm at once: the kernel has no comm targets.
func commOpen(k *Kernel, r *request) {
	var c struct {
		CommID     string `json:"comm_id"`
		TargetName string `json:"target_name"`
	}
	_ = json.Unmarshal(r.msg.Content, &c)
	k.log.Printf("no comm target %q; closing comm %s", c.TargetName, c.CommID)
	k.publish(r.msg, "comm_close", map[string]any{"comm_id": c.CommID, "data": map[string]any{}})
}

func interruptRequest(k *Kernel, r *request) {
	k.interrupt()
	k.reply(r, "interrupt_reply", map[string]any{"status": "ok"})
}

func shutdown(k *Kernel, r *request) {
	var c struct {
		Restart bool `json:"restart"`
	}
	_ = json.Unmarshal(r.msg.Content, &c)
	k.reply(r, "shutdown_reply", map[string]any{"status": "ok", "restart": c.Restart})
	k.publish(r.msg, "status", map[string]any{"execution_state": "idle"})
	go k.stop()
}

// abortExecute answers an execute_request queued behind a failed cell.
func abortExecute(k *Kernel, r *request) {
	k.reply(r, "execute_reply", map[string]any{"status": "aborted", "execution_count": k.count})
}

// startWorker starts a worker process. The caller holds wmu.
func (k *Kernel) startWorker() (*proc, error) {
	env := append(os.Environ(), worker.EnvMemoryLimit+"="+strconv.FormatInt(k.cfg.MemoryLimit, 10))
	if os.Getenv("GOTRACEBACK") == "" {
		// A crashing cell's Go stacks show the interpreter's insides, not
		// the cell: the crash error names the cause instead.
		env = append(env, "GOTRACEBACK=none")
	}
	return startProc(k.cfg.WorkerArgv, env, k.out, k.cfg.MemoryLimit)
}

// ready returns a worker that has started its session, starting a fresh
// one if the last has ended. A worker that ended between cells leaves a
// notice for the next cell.
func (k *Kernel) ready() (*proc, error) {
	k.wmu.Lock()
	defer k.wmu.Unlock()
	if k.stopping.Load() {
		return nil, errors.New("kernel: shutting down")
	}
	for attempt := 0; attempt < 2; attempt++ {
		if k.w != nil && k.w.done() {
			k.out.reset()
			c := k.w.crash()
			if c.Cause != "shutdown" {
				k.crashNotice = c.Cause
				k.log.Printf("the session ended between cells: %s", c.Cause)
			}
			k.w = nil
		}
		if k.w == nil {
			w, err := k.startWorker()
			if err != nil {
				return nil, err
			}
			k.w = w
		}
		w := k.w
		if w.started {
			return w, nil
		}
		select {
		case f, ok := <-w.frames:
			switch {
			case ok && f.Type == worker.TypeReady:
				w.started = true
				return w, nil
			case ok && f.Type == worker.TypeFailed:
				w.kill("failed")
				<-w.exited
				k.w = nil
				return nil, fmt.Errorf("kernel: the session could not start: %s", f.Text)
			}
		case <-w.exited:
		}
		<-w.exited
		c := w.crash()
		k.w = nil
		if attempt == 1 {
			return nil, fmt.Errorf("kernel: the session could not start: %s", c.Cause)
		}
	}
	return nil, fmt.Errorf("kernel: the session could not start")
}

// interrupt stops the running cell: the worker cancels it, and if it has
// not stopped after interruptGrace, the worker is replaced.
func (k *Kernel) interrupt() {
	k.wmu.Lock()
	defer k.wmu.Unlock()
	if k.w == nil || !k.running {
		return
	}
	w, id := k.w, k.cellID
	w.interrupt()
	time.AfterFunc(interruptGrace, func() {
		k.wmu.Lock()
		defer k.wmu.Unlock()
		if k.w == w && k.running && k.cellID == id {
			w.kill(fmt.Sprintf("the cell did not stop within %v of the interrupt", interruptGrace))
		}
	})
}

// request sends f to a ready worker and waits for its reply, handling
// displays, clear_output and input requests on the way. It returns a nil
// frame and the crash when the worker ends first.
func (k *Kernel) call(r *request, f *worker.Frame, allowStdin bool) (*worker.Frame, *Crash) {
	w, err := k.ready()
	if err != nil {
		return nil, &Crash{Name: "SessionError", Cause: err.Error(), Detail: []string{}}
	}
	k.wmu.Lock()
	k.running = true
	k.cellID++
	k.wmu.Unlock()
	defer func() {
		k.wmu.Lock()
		k.running = false
		k.wmu.Unlock()
	}()
	for len(k.inputReplies) > 0 {
		<-k.inputReplies
	}
	if err := w.send(f); err != nil {
		<-w.exited
		c := k.replaceWorker(w)
		return nil, &c
	}
	for {
		select {
		case f, ok := <-w.frames:
			if !ok {
				<-w.exited
				c := k.replaceWorker(w)
				return nil, &c
			}
			if f.Seq > 0 {
				w.waitSync(f.Seq, syncTimeout)
				k.out.before(f.Seq)
			}
			switch f.Type {
			case worker.TypeDisplay:
				k.display(r, f)
			case worker.TypeClear:
				k.publish(r.msg, "clear_output", map[string]any{"wait": f.Wait})
			case worker.TypeInputRequest:
				if allowStdin {
					k.sendTo(k.stdin, r.msg, "input_request", map[string]any{"prompt": f.Prompt, "password": f.Password})
				}
			default:
				// The caller publishes what the reply brings, then
				// releases the output that follows it.
				return f, nil
			}
			k.out.release(f.Seq)
		case m := <-k.inputReplies:
			var c struct {
				Value string `json:"value"`
			}
			_ = json.Unmarshal(m.Content, &c)
			_ = w.send(&worker.Frame{Type: worker.TypeInputReply, Value: c.Value})
		}
	}
}

// replaceWorker explains how w ended and starts a fresh worker in its
// place.
func (k *Kernel) replaceWorker(w *proc) Crash {
	c := w.crash()
	k.out.reset()
	k.log.Printf("the session crashed: %s; starting a fresh one", c.Cause)
	k.wmu.Lock()
	if k.w == w {
		k.w = nil
	}
	k.wmu.Unlock()
	if _, err := k.ready(); err != nil {
		k.log.Print(err)
	}
	return c
}

func (k *Kernel) display(r *request, f *worker.Frame) {
	data, md := f.Data, f.Metadata
	if data == nil {
		data = map[string]any{}
	}
	if md == nil {
		md = map[string]any{}
	}
	content := map[string]any{"data": data, "metadata": md, "transient": map[string]any{}}
	if f.DisplayID != "" {
		content["transient"] = map[string]any{"display_id": f.DisplayID}
	}
	t := "display_data"
	if f.Update {
		t = "update_display_data"
	}
	k.publish(r.msg, t, content)
}

// pagerRE matches "?name" and "name?" (and "??" for more detail).
var pagerRE = regexp.MustCompile(`^\s*(?:(\?\??)\s*([\p{L}_][\p{L}\p{N}_.]*)|([\p{L}_][\p{L}\p{N}_.]*)\s*(\?\??))\s*$`)

func execute(k *Kernel, r *request) {
	var c struct {
		Code            string            `json:"code"`
		Silent          bool              `json:"silent"`
		StoreHistory    *bool             `json:"store_history"`
		UserExpressions map[string]string `json:"user_expressions"`
		AllowStdin      *bool             `json:"allow_stdin"`
		StopOnError     *bool             `json:"stop_on_error"`
	}
	if err := json.Unmarshal(r.msg.Content, &c); err != nil {
		k.reply(r, "execute_reply", map[string]any{"status": "error", "ename": "BadRequest", "evalue": err.Error(), "traceback": []string{}, "execution_count": k.count})
		return
	}
	store := !c.Silent && (c.StoreHistory == nil || *c.StoreHistory)
	allowStdin := c.AllowStdin == nil || *c.AllowStdin
	stopOnError := c.StopOnError == nil || *c.StopOnError
	if store {
		k.count++
	}
	count := k.count
	k.out.setParent(r.msg)
	if !c.Silent {
		k.publish(r.msg, "execute_input", map[string]any{"code": c.Code, "execution_count": count})
	}
	if store {
		k.history.Add(count, c.Code, "")
	}
	k.wmu.Lock()
	notice := k.crashNotice
	k.crashNotice = ""
	k.wmu.Unlock()
	if notice != "" {
		k.publish(r.msg, "stream", map[string]any{"name": "stderr",
			"text": "The previous session crashed after its cell finished (" + notice + "); a fresh session was started and its state was reset.\n"})
	}

	reply := map[string]any{"status": "ok", "execution_count": count, "payload": []any{}, "user_expressions": map[string]any{}}
	var failure *worker.Error
	var seq uint64 // the reply's sync marker
	if m := pagerRE.FindStringSubmatch(c.Code); m != nil {
		name, detail := m[2], m[1]
		if name == "" {
			name, detail = m[3], m[4]
		}
		f, crash := k.call(r, &worker.Frame{Type: worker.TypeInspect, Code: name, Cursor: len([]rune(name)), DetailLevel: len(detail) - 1}, false)
		switch {
		case crash != nil:
			failure = crashError(crash)
		case f.Found:
			reply["payload"] = []any{map[string]any{"source": "page", "data": map[string]any{"text/plain": f.Text}, "start": 0}}
		default:
			reply["payload"] = []any{map[string]any{"source": "page", "data": map[string]any{"text/plain": "No documentation found for " + name + "."}, "start": 0}}
		}
	} else {
		f, crash := k.call(r, &worker.Frame{Type: worker.TypeExecute, Code: c.Code, AllowStdin: allowStdin, UserExpressions: c.UserExpressions}, allowStdin)
		if f != nil {
			seq = f.Seq
		}
		switch {
		case crash != nil:
			failure = crashError(crash)
		case f.Error != nil:
			failure = f.Error
		default:
			if f.HasValue && !c.Silent {
				data, md := f.Data, f.Metadata
				if md == nil {
					md = map[string]any{}
				}
				k.publish(r.msg, "execute_result", map[string]any{"execution_count": count, "data": data, "metadata": md})
				if text, ok := data["text/plain"].(string); ok && store {
					k.history.SetOutput(count, text)
				}
			}
			ue := map[string]any{}
			for name, e := range f.Expressions {
				if e.Error != nil {
					ue[name] = map[string]any{"status": "error", "ename": e.Error.Name, "evalue": e.Error.Value, "traceback": nonNil(e.Error.Traceback)}
					continue
				}
				md := e.Metadata
				if md == nil {
					md = map[string]any{}
				}
				ue[name] = map[string]any{"status": "ok", "data": e.Data, "metadata": md}
			}
			reply["user_expressions"] = ue
		}
	}
	if failure != nil {
		tb := nonNil(failure.Traceback)
		k.publish(r.msg, "error", map[string]any{"ename": failure.Name, "evalue": failure.Value, "traceback": tb})
		reply["status"] = "error"
		reply["ename"], reply["evalue"], reply["traceback"] = failure.Name, failure.Value, tb
		if stopOnError {
			k.abortBefore = time.Now()
		}
	}
	k.out.release(seq)
	k.reply(r, "execute_reply", reply)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// crashError is the error a cell ends with when its worker died.
func crashError(c *Crash) *worker.Error {
	if c.Name == "SessionError" {
		return &worker.Error{Name: c.Name, Value: c.Cause, Traceback: []string{c.Cause}}
	}
	value := c.Cause + ". The session was restarted: its state was reset (variables, functions, types and imports are gone)."
	tb := append([]string{c.Name + ": " + value}, c.Detail...)
	return &worker.Error{Name: c.Name, Value: value, Traceback: tb}
}

func complete(k *Kernel, r *request) {
	var c struct {
		Code      string `json:"code"`
		CursorPos *int   `json:"cursor_pos"`
	}
	_ = json.Unmarshal(r.msg.Content, &c)
	cursor := len([]rune(c.Code))
	if c.CursorPos != nil {
		cursor = *c.CursorPos
	}
	f, crash := k.call(r, &worker.Frame{Type: worker.TypeComplete, Code: c.Code, Cursor: cursor}, false)
	if crash != nil {
		k.reply(r, "complete_reply", crashReply(crash))
		return
	}
	k.reply(r, "complete_reply", map[string]any{"status": "ok", "matches": nonNil(f.Matches), "cursor_start": f.Start, "cursor_end": f.End, "metadata": map[string]any{}})
}

func inspect(k *Kernel, r *request) {
	var c struct {
		Code        string `json:"code"`
		CursorPos   *int   `json:"cursor_pos"`
		DetailLevel int    `json:"detail_level"`
	}
	_ = json.Unmarshal(r.msg.Content, &c)
	cursor := len([]rune(c.Code))
	if c.CursorPos != nil {
		cursor = *c.CursorPos
	}
	f, crash := k.call(r, &worker.Frame{Type: worker.TypeInspect, Code: c.Code, Cursor: cursor, DetailLevel: c.DetailLevel}, false)
	if crash != nil {
		k.reply(r, "inspect_reply", crashReply(crash))
		return
	}
	data := map[string]any{}
	if f.Found {
		data["text/plain"] = f.Text
	}
	k.reply(r, "inspect_reply", map[string]any{"status": "ok", "found": f.Found, "data": data, "metadata": map[string]any{}})
}

func isComplete(k *Kernel, r *request) {
	var c struct {
		Code string `json:"code"`
	}
	_ = json.Unmarshal(r.msg.Content, &c)
	f, crash := k.call(r, &worker.Frame{Type: worker.TypeIsComplete, Code: c.Code}, false)
	if crash != nil {
		k.reply(r, "is_complete_reply", map[string]any{"status": "unknown"})
		return
	}
	content := map[string]any{"status": f.Status}
	if f.Status == "incomplete" {
		content["indent"] = f.Indent
	}
	k.reply(r, "is_complete_reply", content)
}

func crashReply(c *Crash) map[string]any {
	e := crashError(c)
	return map[string]any{"status": "error", "ename": e.Name, "evalue": e.Value, "traceback": nonNil(e.Traceback)}
}

func history(k *Kernel, r *request) {
	var c struct {
		Output         bool   `json:"output"`
		HistAccessType string `json:"hist_access_type"`
		Session        int    `json:"session"`
		Start          int    `json:"start"`
		Stop           int    `json:"stop"`
		N              int    `json:"n"`
		Pattern        string `json:"pattern"`
		Unique         bool   `json:"unique"`
	}
	_ = json.Unmarshal(r.msg.Content, &c)
	var entries []HistoryEntry
	switch c.HistAccessType {
	case "tail":
		entries = k.history.Tail(c.N)
	case "range":
		entries = k.history.Range(c.Session, c.Start, c.Stop)
	case "search":
		entries = k.history.Search(c.Pattern, c.N, c.Unique)
	}
	out := make([]any, 0, len(entries))
	for _, e := range entries {
		if c.Output {
			var output any
			if e.Output != "" {
				output = e.Output
			}
			out = append(out, []any{e.Session, e.Line, []any{e.Source, output}})
		} else {
			out = append(out, []any{e.Session, e.Line, e.Source})
		}
	}
	k.reply(r, "history_reply", map[string]any{"status": "ok", "history": out})
}
