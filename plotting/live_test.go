package plotting

import (
	"bytes"
	"image/png"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/descentlab/descent/interp/display"
)

// fakeSink records what is displayed, as the kernel's worker would send it.
type fakeSink struct {
	mu     sync.Mutex
	frames []frame
}

type frame struct {
	b      display.Bundle
	id     string
	update bool
	at     time.Time
}

func (s *fakeSink) Display(b display.Bundle, id string, update bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.frames = append(s.frames, frame{b, id, update, time.Now()})
}

func (s *fakeSink) Clear(bool) {}

func (s *fakeSink) all() []frame {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]frame(nil), s.frames...)
}

func installSink(t *testing.T) *fakeSink {
	s := &fakeSink{}
	prev := display.SetSink(s)
	t.Cleanup(func() { display.SetSink(prev) })
	return s
}

func TestLiveViewThrottlesAndSendsFinalFrame(t *testing.T) {
	sink := installSink(t)
	const interval = 50 * time.Millisecond
	const total = 400
	v := NewLiveView(total, LiveOptions{Title: "training", Interval: interval, Width: 320, Height: 240})
	start := time.Now()
	for step := 1; step <= total; step++ {
		v.Observe(step, 1/float64(step))
		time.Sleep(time.Millisecond)
	}
	if err := v.Close(); err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	frames := sink.all()
	// Frames are at least an interval apart, plus the final one.
	if limit := int(elapsed/interval) + 2; len(frames) > limit {
		t.Errorf("%d frames in %v, want at most %d at one per %v", len(frames), elapsed, limit, interval)
	}
	if len(frames) < 2 {
		t.Fatalf("%d frames, want a live one and the final one", len(frames))
	}
	if v.Frames() != len(frames) {
		t.Errorf("Frames() = %d, sink got %d", v.Frames(), len(frames))
	}
	for i, f := range frames {
		if f.id == "" || f.id != frames[0].id {
			t.Errorf("frame %d has display id %q, want %q", i, f.id, frames[0].id)
		}
		if f.update != (i > 0) {
			t.Errorf("frame %d: update = %v", i, f.update)
		}
		if _, ok := f.b.Data["image/png"].([]byte); !ok {
			t.Errorf("frame %d has no PNG", i)
		}
	}
	last := frames[len(frames)-1]
	text, _ := last.b.Data["text/plain"].(string)
	if !strings.HasPrefix(text, "step 400/400 [####################] 100%") || !strings.Contains(text, "elapsed") || !strings.Contains(text, "loss 0.0025") {
		t.Errorf("final text/plain = %q", text)
	}
	img, err := png.Decode(bytes.NewReader(last.b.Data["image/png"].([]byte)))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 640 || b.Dy() != 480 {
		t.Errorf("final frame is %d×%d, want 640×480", b.Dx(), b.Dy())
	}
	if n := countColor(img, barFill, 4); n < 1000 {
		t.Errorf("final frame has %d pixels of the progress bar's color, want a full bar", n)
	}
	meta, _ := last.b.Metadata["image/png"].(map[string]any)
	if meta["width"] != 320 || meta["height"] != 240 {
		t.Errorf("metadata %v", last.b.Metadata)
	}

	// Closing again, or observing after the end, sends nothing.
	v.Observe(401, 0.1)
	v.Finish()
	time.Sleep(2 * interval)
	if n := len(sink.all()); n != len(frames) {
		t.Errorf("%d frames after Close, want %d", n, len(frames))
	}
}

func TestLiveViewFromGoroutines(t *testing.T) {
	sink := installSink(t)
	v := NewLiveView(0, LiveOptions{Interval: time.Hour, Width: 200, Height: 150})
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range 50 {
				v.ObserveSeries([]string{"a", "b", "c", "d"}[g], k+1, float64(g+k))
			}
		}()
	}
	wg.Wait()
	v.Close()
	frames := sink.all()
	// With an hour between frames at most the first observation is shown
	// before the final state.
	if len(frames) < 1 || len(frames) > 2 {
		t.Fatalf("%d frames, want 1 or 2", len(frames))
	}
	text := frames[len(frames)-1].b.Data["text/plain"].(string)
	if !strings.HasPrefix(text, "step 50 ·") {
		t.Errorf("final text/plain = %q, want it to start with the step and no bar", text)
	}
	for _, name := range []string{"a 49", "b 50", "c 51", "d 52"} {
		if !strings.Contains(text, name) {
			t.Errorf("final text/plain = %q, want %q", text, name)
		}
	}
	if f := v.Figure(); !strings.HasPrefix(f.String(), "step 50 ·") || strings.Contains(f.String(), "elapsed") {
		t.Errorf("Figure() text %q, want the progress without the final elapsed time", f.String())
	}
}

func TestLiveViewWithoutObservations(t *testing.T) {
	sink := installSink(t)
	v := NewLiveView(10, LiveOptions{})
	v.Close()
	frames := sink.all()
	if len(frames) != 1 {
		t.Fatalf("%d frames, want the final one", len(frames))
	}
	if text := frames[0].b.Data["text/plain"]; text != "step 0/10 [....................]   0% · 0.0s elapsed" {
		t.Errorf("text/plain = %q", text)
	}
}

func TestFormatDuration(t *testing.T) {
	tests := []struct {
		s    float64
		want string
	}{
		{3.21, "3.2s"},
		{75, "1:15"},
		{3725, "1:02:05"},
	}
	for _, tt := range tests {
		if got := formatDuration(tt.s); got != tt.want {
			t.Errorf("formatDuration(%g) = %q, want %q", tt.s, got, tt.want)
		}
	}
}
