package kernel

import (
	"strings"
	"sync"
	"testing"
	"time"
)

func TestCompleteUTF8(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"", 0},
		{"abc", 3},
		{"h\xc3\xa9", 3},
		{"h\xc3", 1},
		{"\xe4\xb8\x96\xe7", 3},
		{"\xe4\xb8", 0},
		{"\xf0\x9f\x98\x80", 4},
		{"a\xf0\x9f\x98", 1},
		{"\xff", 1}, // invalid bytes are not held back
	}
	for _, tt := range tests {
		if got := completeUTF8([]byte(tt.in)); got != tt.want {
			t.Errorf("completeUTF8(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

type published struct {
	mu   sync.Mutex
	msgs []string
}

func (p *published) add(parent *Message, name, text string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.msgs = append(p.msgs, parent.Header.MsgID+"/"+name+":"+text)
}

func (p *published) list() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.msgs...)
}

func TestStreamsCoalesce(t *testing.T) {
	var p published
	s := newStreams(p.add)
	s.setParent(&Message{Header: Header{MsgID: "r1"}})
	for _, part := range []string{"a", "b", "c"} {
		s.write(0, 0, []byte(part))
	}
	s.write(1, 0, []byte("err"))
	s.flush(true)
	got := p.list()
	want := []string{"r1/stdout:abc", "r1/stderr:err"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("published %q, want %q", got, want)
	}
}

func TestStreamsTimerAndSplitRune(t *testing.T) {
	var p published
	s := newStreams(p.add)
	s.setParent(&Message{Header: Header{MsgID: "r2"}})
	s.write(0, 0, []byte("x\xe4\xb8"))
	deadline := time.Now().Add(2 * time.Second)
	for len(p.list()) == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if got := p.list(); len(got) != 1 || got[0] != "r2/stdout:x" {
		t.Fatalf("after the delay: %q, want the complete part only", got)
	}
	s.write(0, 0, []byte("\x96"))
	s.flush(true)
	if got := p.list(); len(got) != 2 || got[1] != "r2/stdout:世" {
		t.Errorf("published %q, want the rune completed", got)
	}
}

func TestStreamsParentChangeFlushes(t *testing.T) {
	var p published
	s := newStreams(p.add)
	s.setParent(&Message{Header: Header{MsgID: "a"}})
	s.write(0, 0, []byte("one"))
	s.setParent(&Message{Header: Header{MsgID: "b"}})
	s.write(0, 0, []byte("two"))
	s.flush(true)
	got := strings.Join(p.list(), "|")
	if got != "a/stdout:one|b/stdout:two" {
		t.Errorf("published %q", got)
	}
}

// TestStreamsEpochs checks that output written after a frame's marker
// waits until the kernel has handled that frame.
func TestStreamsEpochs(t *testing.T) {
	var p published
	s := newStreams(p.add)
	s.setParent(&Message{Header: Header{MsgID: "r"}})
	s.write(0, 0, []byte("before "))
	s.write(0, 1, []byte("after"))
	s.flush(true)
	if got := strings.Join(p.list(), "|"); got != "r/stdout:before " {
		t.Fatalf("before the frame is handled: %q", got)
	}
	s.before(1)
	p.add(&Message{Header: Header{MsgID: "r"}}, "display", "frame 1")
	s.release(1)
	s.flush(true)
	if got := strings.Join(p.list(), "|"); got != "r/stdout:before |r/display:frame 1|r/stdout:after" {
		t.Errorf("published %q", got)
	}
	s.write(1, 5, []byte("late"))
	s.reset()
	if got := p.list(); got[len(got)-1] != "r/stderr:late" {
		t.Errorf("reset did not publish pending output: %q", got)
	}
	s.write(1, 0, []byte("new worker"))
	s.flush(true)
	if got := p.list(); got[len(got)-1] != "r/stderr:new worker" {
		t.Errorf("after reset, epoch 0 is published: %q", got)
	}
}
