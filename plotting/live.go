package plotting

import (
	"fmt"
	"image/color"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/descentlab/descent/interp/display"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// DefaultInterval is the shortest time between two frames of a live view:
// four frames a second look smooth and cost the training loop little.
const DefaultInterval = 250 * time.Millisecond

// LiveOptions adjust a live training view.
type LiveOptions struct {
	Title  string
	LogY   bool    // loss on a logarithmic scale
	Smooth float64 // EMA factor of the drawn curve, as in LossOptions
	// Interval is the shortest time between frames (default
	// DefaultInterval).
	Interval      time.Duration
	Width, Height int // display size in CSS pixels (0: 640×440)
}

// LiveView is one output that shows a training run as it happens: the loss
// curve so far above a progress bar with the step, the rate and the time
// left, redrawn in place at most every Interval. A console front end, or a
// plain Go program, gets the same progress as a line of text. Its methods
// are safe to call from several goroutines.
//
// Drawing happens on a goroutine of its own, so Observe costs the training
// loop well under a microsecond; Close waits for it and sends the final
// frame.
type LiveView struct {
	opt    LiveOptions
	total  int
	handle *display.Handle

	mu        sync.Mutex
	runs      []Run
	step      int
	observed  bool
	firstStep int
	start     time.Time
	end       time.Time
	last      time.Time // when the latest frame was started
	frames    int
	closed    bool

	wake chan struct{}
	done chan struct{}
	wg   sync.WaitGroup
}

// NewLiveView starts a live view of a run of total steps (0 when unknown;
// the view then shows steps and rate without a bar). Nothing is shown until
// the first Observe. Call Close when training ends: it sends the final
// frame and stops the view's drawing goroutine.
func NewLiveView(total int, opt LiveOptions) *LiveView {
	if opt.Interval <= 0 {
		opt.Interval = DefaultInterval
	}
	if opt.Width == 0 {
		opt.Width = DefaultWidth
	}
	if opt.Height == 0 {
		opt.Height = 440
	}
	v := &LiveView{
		opt:    opt,
		total:  total,
		handle: display.New(),
		wake:   make(chan struct{}, 1),
		done:   make(chan struct{}),
	}
	v.wg.Add(1)
	go v.loop()
	return v
}

// Observe records the training loss after step. Steps should increase; the
// progress counts the latest one.
func (v *LiveView) Observe(step int, loss float64) {
	v.ObserveSeries("", step, loss)
}

// ObserveSeries records a value of a named curve, for example "validation"
// next to the training loss that Observe records under the empty name.
// Every name gets its own line and legend entry.
func (v *LiveView) ObserveSeries(name string, step int, value float64) {
	v.mu.Lock()
	if v.closed {
		v.mu.Unlock()
		return
	}
	now := time.Now()
	if !v.observed {
		v.observed = true
		v.firstStep = step
		v.start = now
	}
	v.end = now
	v.step = max(v.step, step)
	i := 0
	for i < len(v.runs) && v.runs[i].Name != name {
		i++
	}
	if i == len(v.runs) {
		v.runs = append(v.runs, Run{Name: name})
	}
	v.runs[i].X = append(v.runs[i].X, float64(step))
	v.runs[i].Y = append(v.runs[i].Y, value)
	v.mu.Unlock()
	select {
	case v.wake <- struct{}{}:
	default:
	}
}

// Frames is the number of frames sent so far, the final one included.
func (v *LiveView) Frames() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.frames
}

// Figure is the view as it is now: the loss curve with the progress bar.
func (v *LiveView) Figure() *Figure {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.figureLocked(false)
}

// Close stops the view and sends its final frame, which always arrives
// before Close returns. Calling Close again does nothing. The error is
// always nil (a frame that cannot be drawn shows why as text); it makes a
// LiveView an io.Closer, for defer.
func (v *LiveView) Close() error {
	v.mu.Lock()
	if v.closed {
		v.mu.Unlock()
		return nil
	}
	v.closed = true
	v.mu.Unlock()
	close(v.done)
	v.wg.Wait()
	v.mu.Lock()
	fig := v.figureLocked(true)
	v.frames++
	v.mu.Unlock()
	v.handle.Update(fig)
	return nil
}

// Finish is Close, for the end of a training cell: the view shows its final
// frame.
func (v *LiveView) Finish() { _ = v.Close() }

func (v *LiveView) loop() {
	defer v.wg.Done()
	for {
		select {
		case <-v.wake:
		case <-v.done:
			return
		}
		v.mu.Lock()
		wait := v.opt.Interval - time.Since(v.last)
		v.mu.Unlock()
		if wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-v.done:
				t.Stop()
				return
			}
		}
		v.mu.Lock()
		v.last = time.Now()
		fig := v.figureLocked(false)
		v.frames++
		v.mu.Unlock()
		v.handle.Update(fig)
	}
}

// figureLocked builds the current frame; v.mu is held. The figure gets
// copies of the data so that drawing it needs no lock.
func (v *LiveView) figureLocked(final bool) *Figure {
	runs := make([]Run, len(v.runs))
	for i, r := range v.runs {
		runs[i] = Run{Name: r.Name, X: append([]float64(nil), r.X...), Y: append([]float64(nil), r.Y...)}
		if r.Name == "" && len(v.runs) > 1 {
			runs[i].Name = "loss" // the legend needs a name once there are several
		}
	}
	f := LossCurves(runs, LossOptions{Title: v.opt.Title, LogY: v.opt.LogY, Smooth: v.opt.Smooth, Width: v.opt.Width, Height: v.opt.Height})
	f.footer = v.progressLocked(final)
	return f
}

func (v *LiveView) progressLocked(final bool) *progressBar {
	var b, caption strings.Builder
	frac := math.NaN()
	done := v.step - v.firstStep
	elapsed := v.end.Sub(v.start).Seconds()
	rate := math.NaN()
	if done > 0 && elapsed > 0 {
		rate = float64(done) / elapsed
	}
	if v.total > 0 {
		frac = math.Max(0, math.Min(1, float64(v.step)/float64(v.total)))
		const width = 20
		fill := int(frac*width + 0.5)
		fmt.Fprintf(&b, "step %d/%d [%s%s] %3.0f%%", v.step, v.total, strings.Repeat("#", fill), strings.Repeat(".", width-fill), 100*frac)
		fmt.Fprintf(&caption, "step %d/%d (%.0f%%)", v.step, v.total, 100*frac)
	} else {
		fmt.Fprintf(&b, "step %d", v.step)
		fmt.Fprintf(&caption, "step %d", v.step)
	}
	var rest strings.Builder
	if !math.IsNaN(rate) {
		fmt.Fprintf(&rest, " · %s steps/s", formatRate(rate))
	}
	switch {
	case final:
		fmt.Fprintf(&rest, " · %s elapsed", formatDuration(elapsed))
	case v.total > 0 && !math.IsNaN(rate) && v.step < v.total:
		fmt.Fprintf(&rest, " · %s left", formatDuration(float64(v.total-v.step)/rate))
	}
	for _, r := range v.runs {
		if len(r.Y) == 0 {
			continue
		}
		name := r.Name
		if name == "" {
			name = "loss"
		}
		fmt.Fprintf(&rest, " · %s %.4g", name, r.Y[len(r.Y)-1])
	}
	return &progressBar{frac: frac, text: b.String() + rest.String(), caption: caption.String() + rest.String()}
}

func formatRate(r float64) string {
	switch {
	case r >= 100:
		return fmt.Sprintf("%.0f", r)
	case r >= 10:
		return fmt.Sprintf("%.1f", r)
	}
	return fmt.Sprintf("%.2f", r)
}

// formatDuration prints seconds as m:ss, or h:mm:ss from an hour on.
func formatDuration(s float64) string {
	if math.IsNaN(s) || math.IsInf(s, 0) {
		return "?"
	}
	if s < 10 {
		return fmt.Sprintf("%.1fs", s)
	}
	t := int(s + 0.5)
	if t >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", t/3600, t/60%60, t%60)
	}
	return fmt.Sprintf("%d:%02d", t/60, t%60)
}

// progressBar is the footer of a live frame: the progress text above a bar
// filled to frac (NaN: no bar, the total is unknown).
type progressBar struct {
	frac    float64
	text    string // for consoles, with a bar of characters
	caption string // above the drawn bar
}

var (
	barTrack = color.RGBA{0xe6, 0xe6, 0xe6, 0xff}
	barFill  = color.RGBA{0x1f, 0x77, 0xb4, 0xff}
)

func (p *progressBar) draw(c draw.Canvas) {
	sty := textStyle(9, inkGray)
	sty.YAlign = draw.YTop
	c.FillText(sty, vg.Point{X: c.Min.X, Y: c.Max.Y}, p.caption)
	if math.IsNaN(p.frac) {
		return
	}
	y0, y1 := c.Min.Y, c.Min.Y+vg.Points(6)
	rect := func(x0, x1 vg.Length) []vg.Point {
		return []vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}}
	}
	c.FillPolygon(barTrack, rect(c.Min.X, c.Max.X))
	if p.frac > 0 {
		c.FillPolygon(barFill, rect(c.Min.X, c.Min.X+(c.Max.X-c.Min.X)*vg.Length(p.frac)))
	}
}
