// Package display shows rich output from Go cells: HTML, Markdown, LaTeX,
// images, JSON and anything that renders itself as a MIME bundle.
//
// In a notebook, every call becomes a display_data message (or
// update_display_data for a Handle's Update) on the kernel's iopub channel.
// In a plain Go program no sink is installed and each call prints the
// bundle's text/plain form to standard output, so code that displays
// figures still runs outside Jupyter.
//
// All functions are safe to call from several goroutines and from long
// training loops.
package display

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"os"
	"reflect"
	"strconv"
	"sync"
	"sync/atomic"
)

// Bundle is a Jupyter MIME bundle: output data keyed by MIME type, with
// optional per-type metadata (for example image width and height).
type Bundle struct {
	Data     map[string]any
	Metadata map[string]any
}

// MIMEBundler is implemented by values that render themselves as a complete
// MIME bundle. Data should include "text/plain".
type MIMEBundler interface {
	MIMEBundle() (data, metadata map[string]any)
}

// Sink receives what cells display. The kernel's worker installs one; a
// plain Go program has none.
type Sink interface {
	// Display shows b. A non-empty id makes the output updatable; update
	// replaces the output previously shown with that id.
	Display(b Bundle, id string, update bool)
	// Clear clears the cell's output, after the next output when wait is set.
	Clear(wait bool)
}

var (
	sinkMu    sync.RWMutex
	sink      Sink
	converter func(v any) (Bundle, bool)
	nextID    atomic.Uint64
)

// SetSink installs s as the destination of every display call and returns
// the previous sink. A nil s restores printing to standard output.
func SetSink(s Sink) Sink {
	sinkMu.Lock()
	defer sinkMu.Unlock()
	prev := sink
	sink = s
	return prev
}

// SetConverter installs f as the first conversion that Show, Handle.Show
// and Handle.Update apply to a value; when f returns false, or no
// converter is installed, MIME converts the value. It returns the
// previous converter. The cell engine installs one so that values of
// types defined in cells, whose methods compiled code cannot see, show as
// richly as they do as a cell's final value.
func SetConverter(f func(v any) (Bundle, bool)) func(v any) (Bundle, bool) {
	sinkMu.Lock()
	defer sinkMu.Unlock()
	prev := converter
	converter = f
	return prev
}

// convert is MIME after the installed converter.
func convert(v any) Bundle {
	sinkMu.RLock()
	f := converter
	sinkMu.RUnlock()
	if f != nil {
		if b, ok := f(v); ok {
			return normalize(b, v)
		}
	}
	return MIME(v)
}

func emit(b Bundle, id string, update bool) {
	sinkMu.RLock()
	s := sink
	sinkMu.RUnlock()
	if s != nil {
		s.Display(b, id, update)
		return
	}
	if text, ok := b.Data["text/plain"].(string); ok {
		fmt.Fprintln(os.Stdout, text)
	}
}

// Show displays v using the richest form it has; see MIME and
// SetConverter.
func Show(v any) { emit(convert(v), "", false) }

// HTML displays an HTML fragment.
func HTML(html string) { Show(HTMLString(html)) }

// Markdown displays Markdown text.
func Markdown(md string) { Show(MarkdownString(md)) }

// LaTeX displays a LaTeX expression, for example `$\nabla f(w)$`.
func LaTeX(tex string) { Show(LaTeXString(tex)) }

// SVG displays an SVG document.
func SVG(svg string) { Show(SVGString(svg)) }

// PNG displays PNG-encoded image data.
func PNG(data []byte) { Show(PNGBytes(data)) }

// JPEG displays JPEG-encoded image data.
func JPEG(data []byte) {
	emit(Bundle{Data: map[string]any{"image/jpeg": data, "text/plain": "<JPEG image>"}, Metadata: map[string]any{}}, "", false)
}

// Image displays an image as PNG.
func Image(img image.Image) { Show(img) }

// JSON displays v as application/json, which front ends render as a
// collapsible tree.
func JSON(v any) {
	text, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		panic(fmt.Errorf("display: JSON: %w", err))
	}
	var tree any
	_ = json.Unmarshal(text, &tree)
	emit(Bundle{Data: map[string]any{"application/json": tree, "text/plain": string(text)}, Metadata: map[string]any{}}, "", false)
}

// Clear clears the output of the running cell. With wait set, the output
// is cleared only when the next output arrives, which avoids flicker in
// animations.
func Clear(wait bool) {
	sinkMu.RLock()
	s := sink
	sinkMu.RUnlock()
	if s != nil {
		s.Clear(wait)
	}
}

// Handle is one output area that can be replaced in place, for live views
// of a training run.
type Handle struct {
	id    string
	shown atomic.Bool
}

// New returns a handle for an output that has not been shown yet.
func New() *Handle {
	return &Handle{id: "descent-" + strconv.FormatUint(nextID.Add(1), 10) + "-" + strconv.Itoa(os.Getpid())}
}

// ID is the display_id that front ends use to find this output.
func (h *Handle) ID() string { return h.id }

// Show displays v as a new output tied to this handle.
func (h *Handle) Show(v any) {
	h.shown.Store(true)
	emit(convert(v), h.id, false)
}

// Update replaces the handle's output with v, showing it first if needed.
func (h *Handle) Update(v any) {
	if !h.shown.Load() {
		h.Show(v)
		return
	}
	emit(convert(v), h.id, true)
}

// HTMLString is a string shown as HTML.
type HTMLString string

// MarkdownString is a string shown as Markdown.
type MarkdownString string

// LaTeXString is a string shown as LaTeX.
type LaTeXString string

// SVGString is a string shown as an SVG image.
type SVGString string

// PNGBytes is PNG data shown as an image.
type PNGBytes []byte

// HTML returns the HTML.
func (s HTMLString) HTML() string { return string(s) }

// Markdown returns the Markdown.
func (s MarkdownString) Markdown() string { return string(s) }

// LaTeX returns the LaTeX.
func (s LaTeXString) LaTeX() string { return string(s) }

// SVG returns the SVG document.
func (s SVGString) SVG() string { return string(s) }

// PNG returns the PNG data.
func (b PNGBytes) PNG() []byte { return []byte(b) }

// MIME converts v into a bundle. The first rule that applies wins:
//   - a Bundle is used as it is, and a MIMEBundler supplies its own;
//   - values with HTML() string, Markdown() string, LaTeX() string,
//     SVG() string or PNG() []byte get that MIME type, and JSON data with
//     JSON() any;
//   - an image.Image becomes image/png with its width and height;
//   - every bundle gets text/plain: String() if v has it, else %v with
//     strings quoted ("gopher").
func MIME(v any) Bundle {
	switch x := v.(type) {
	case Bundle:
		return normalize(x, v)
	case *Bundle:
		return normalize(*x, v)
	case MIMEBundler:
		d, m := x.MIMEBundle()
		return normalize(Bundle{Data: d, Metadata: m}, v)
	}
	b := Bundle{Data: map[string]any{}, Metadata: map[string]any{}}
	if x, ok := v.(interface{ HTML() string }); ok {
		b.Data["text/html"] = x.HTML()
	}
	if x, ok := v.(interface{ Markdown() string }); ok {
		b.Data["text/markdown"] = x.Markdown()
	}
	if x, ok := v.(interface{ LaTeX() string }); ok {
		b.Data["text/latex"] = x.LaTeX()
	}
	if x, ok := v.(interface{ SVG() string }); ok {
		b.Data["image/svg+xml"] = x.SVG()
	}
	if x, ok := v.(interface{ PNG() []byte }); ok {
		data := x.PNG()
		b.Data["image/png"] = data
		if w, h, err := pngSize(data); err == nil {
			b.Metadata["image/png"] = map[string]any{"width": w, "height": h}
		}
	}
	if x, ok := v.(interface{ JSON() any }); ok {
		b.Data["application/json"] = x.JSON()
	}
	if img, ok := v.(image.Image); ok {
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err == nil {
			r := img.Bounds()
			b.Data["image/png"] = buf.Bytes()
			b.Metadata["image/png"] = map[string]any{"width": r.Dx(), "height": r.Dy()}
		}
	}
	return normalize(b, v)
}

func normalize(b Bundle, v any) Bundle {
	if b.Data == nil {
		b.Data = map[string]any{}
	}
	if b.Metadata == nil {
		b.Metadata = map[string]any{}
	}
	if _, ok := b.Data["text/plain"]; !ok {
		b.Data["text/plain"] = Text(v, len(b.Data) > 0)
	}
	return b
}

// Text is the text/plain form of v: String() when v has it, %v otherwise,
// with strings (and string kinds) quoted. When rich is set and v has no
// String method, a short placeholder naming v's type stands in, so that
// an image is not printed as a wall of numbers.
func Text(v any, rich bool) string {
	if s, ok := v.(fmt.Stringer); ok {
		return s.String()
	}
	if rich {
		return "<" + reflect.TypeOf(v).String() + ">"
	}
	if v != nil && reflect.TypeOf(v).Kind() == reflect.String {
		return strconv.Quote(reflect.ValueOf(v).String())
	}
	return fmt.Sprintf("%v", v)
}

func pngSize(data []byte) (int, int, error) {
	cfg, err := png.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return 0, 0, err
	}
	return cfg.Width, cfg.Height, nil
}
