package kernel

import (
	"sync"
	"time"
	"unicode/utf8"
)

// coalesceDelay is how long output waits for more before it is published.
const coalesceDelay = 50 * time.Millisecond

// streams gathers what the worker writes to its standard output and error
// and publishes it as stream messages, at most every coalesceDelay, each
// parented to the request that is running.
//
// Output is kept in order with the worker's frames by epochs: bytes that
// follow sync marker n on a pipe belong to epoch n. They are published only
// once the kernel has handled frame n (release), so that text printed after
// a display appears after it.
type streams struct {
	publish func(parent *Message, name, text string)

	mu       sync.Mutex
	parent   *Message
	buf      [2][]segment // stdout, stderr
	released uint64       // the last frame the kernel has handled
	timer    *time.Timer
}

// segment is output of one epoch.
type segment struct {
	epoch uint64
	data  []byte
}

var streamNames = [2]string{"stdout", "stderr"}

// allEpochs selects every epoch.
const allEpochs = ^uint64(0)

func newStreams(publish func(parent *Message, name, text string)) *streams {
	return &streams{publish: publish}
}

// setParent makes later output belong to the request m.
func (s *streams) setParent(m *Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.flushLocked(s.released, true)
	s.parent = m
}

// write queues output of pipe i (0 stdout, 1 stderr) written after marker
// epoch.
func (s *streams) write(i int, epoch uint64, p []byte) {
	if len(p) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.buf[i]
	if n := len(b); n > 0 && b[n-1].epoch == epoch {
		b[n-1].data = append(b[n-1].data, p...)
	} else {
		s.buf[i] = append(b, segment{epoch: epoch, data: append([]byte(nil), p...)})
	}
	if epoch <= s.released {
		s.arm()
	}
}

// arm starts the coalescing timer unless it runs.
func (s *streams) arm() {
	if s.timer == nil {
		s.timer = time.AfterFunc(coalesceDelay, func() { s.flush(false) })
	}
}

// flush publishes the output the kernel may show now. Unless all is set,
// an incomplete UTF-8 sequence at the end waits for its remaining bytes.
func (s *streams) flush(all bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.flushLocked(s.released, all)
}

// before publishes everything written before marker seq, ahead of frame
// seq.
func (s *streams) before(seq uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.flushLocked(seq-1, true)
}

// release lets output written after marker seq be published: the kernel
// has handled frame seq.
func (s *streams) release(seq uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if seq > s.released {
		s.released = seq
	}
	if len(s.buf[0])+len(s.buf[1]) > 0 {
		s.arm()
	}
}

// reset publishes all output and starts counting epochs again, for a new
// worker.
func (s *streams) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.flushLocked(allEpochs, true)
	s.released = 0
}

func (s *streams) flushLocked(maxEpoch uint64, all bool) {
	if s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
	for i := range s.buf {
		var text []byte
		k := 0
		for k < len(s.buf[i]) && s.buf[i][k].epoch <= maxEpoch {
			text = append(text, s.buf[i][k].data...)
			k++
		}
		rest := s.buf[i][k:]
		if !all && k == len(s.buf[i]) {
			if n := completeUTF8(text); n < len(text) {
				rest = append([]segment{{epoch: s.buf[i][k-1].epoch, data: append([]byte(nil), text[n:]...)}}, rest...)
				text = text[:n]
			}
		}
		if len(text) > 0 && s.parent != nil {
			s.publish(s.parent, streamNames[i], string(text))
		}
		s.buf[i] = append([]segment(nil), rest...)
	}
	if len(s.buf[0])+len(s.buf[1]) > 0 {
		for i := range s.buf {
			if len(s.buf[i]) > 0 && s.buf[i][0].epoch <= s.released {
				s.timer = time.AfterFunc(coalesceDelay, func() { s.flush(true) })
				return
			}
		}
	}
}

// completeUTF8 returns the length of b without a trailing incomplete
// UTF-8 sequence.
func completeUTF8(b []byte) int {
	for k := 1; k <= utf8.UTFMax && k <= len(b); k++ {
		c := b[len(b)-k]
		if utf8.RuneStart(c) {
			if !utf8.FullRune(b[len(b)-k:]) {
				return len(b) - k
			}
			return len(b)
		}
	}
	return len(b)
}
