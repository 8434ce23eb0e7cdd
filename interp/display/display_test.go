package display_test

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"reflect"
	"sync"
	"testing"

	"github.com/descentlab/descent/interp/display"
)

type recorded struct {
	b      display.Bundle
	id     string
	update bool
	clear  *bool
}

type recorder struct {
	mu  sync.Mutex
	got []recorded
}

func (r *recorder) Display(b display.Bundle, id string, update bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, recorded{b: b, id: id, update: update})
}

func (r *recorder) Clear(wait bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, recorded{clear: &wait})
}

func install(t *testing.T) *recorder {
	t.Helper()
	r := &recorder{}
	prev := display.SetSink(r)
	t.Cleanup(func() { display.SetSink(prev) })
	return r
}

type html struct{}

func (html) HTML() string   { return "<b>x</b>" }
func (html) String() string { return "x" }

type bundler struct{}

func (bundler) MIMEBundle() (map[string]any, map[string]any) {
	return map[string]any{"text/html": "<i>y</i>"}, nil
}

func pngImage(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	img.Set(0, 0, color.RGBA{R: 255, A: 255})
	return img
}

func TestMIME(t *testing.T) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, pngImage(3, 2)); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		v        any
		data     map[string]any
		metadata map[string]any
	}{
		{"int", 42, map[string]any{"text/plain": "42"}, map[string]any{}},
		{"string quoted", "gopher", map[string]any{"text/plain": `"gopher"`}, map[string]any{}},
		{"string kind quoted", display.LaTeXString(`\alpha`), map[string]any{"text/latex": `\alpha`, "text/plain": "<display.LaTeXString>"}, map[string]any{}},
		{"slice", []float64{1, 2.5}, map[string]any{"text/plain": "[1 2.5]"}, map[string]any{}},
		{"nil", nil, map[string]any{"text/plain": "<nil>"}, map[string]any{}},
		{"error", errors.New("boom"), map[string]any{"text/plain": "boom"}, map[string]any{}},
		{"HTML with String", html{}, map[string]any{"text/html": "<b>x</b>", "text/plain": "x"}, map[string]any{}},
		{"MIMEBundler", bundler{}, map[string]any{"text/html": "<i>y</i>", "text/plain": "<display_test.bundler>"}, map[string]any{}},
		{"PNG bytes", display.PNGBytes(buf.Bytes()), map[string]any{"image/png": buf.Bytes(), "text/plain": "<display.PNGBytes>"},
			map[string]any{"image/png": map[string]any{"width": 3, "height": 2}}},
		{"Bundle as is", display.Bundle{Data: map[string]any{"text/plain": "t"}}, map[string]any{"text/plain": "t"}, map[string]any{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := display.MIME(tc.v)
			if !reflect.DeepEqual(b.Data, tc.data) {
				t.Errorf("data = %#v, want %#v", b.Data, tc.data)
			}
			if !reflect.DeepEqual(b.Metadata, tc.metadata) {
				t.Errorf("metadata = %#v, want %#v", b.Metadata, tc.metadata)
			}
		})
	}
}

func TestMIMEImage(t *testing.T) {
	b := display.MIME(pngImage(5, 4))
	data, ok := b.Data["image/png"].([]byte)
	if !ok {
		t.Fatalf("no image/png in %v", b.Data)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if got := img.Bounds().Size(); got != (image.Point{5, 4}) {
		t.Errorf("decoded size %v, want 5×4", got)
	}
	if r, _, _, _ := img.At(0, 0).RGBA(); r != 0xffff {
		t.Errorf("pixel (0,0) red = %#x, want 0xffff", r)
	}
	want := map[string]any{"width": 5, "height": 4}
	if !reflect.DeepEqual(b.Metadata["image/png"], want) {
		t.Errorf("metadata %v, want %v", b.Metadata["image/png"], want)
	}
}

func TestShowAndHelpers(t *testing.T) {
	r := install(t)
	display.HTML("<p>hi</p>")
	display.Markdown("*hi*")
	display.LaTeX("$x$")
	display.SVG("<svg/>")
	display.JSON(map[string]int{"a": 1})
	display.JPEG([]byte{0xff, 0xd8})
	display.Clear(true)
	wantTypes := []string{"text/html", "text/markdown", "text/latex", "image/svg+xml", "application/json", "image/jpeg"}
	if len(r.got) != len(wantTypes)+1 {
		t.Fatalf("got %d outputs, want %d", len(r.got), len(wantTypes)+1)
	}
	for i, mime := range wantTypes {
		if _, ok := r.got[i].b.Data[mime]; !ok {
			t.Errorf("output %d lacks %s: %v", i, mime, r.got[i].b.Data)
		}
		if _, ok := r.got[i].b.Data["text/plain"]; !ok {
			t.Errorf("output %d lacks text/plain", i)
		}
		if r.got[i].id != "" || r.got[i].update {
			t.Errorf("output %d has id %q update %v, want a plain display", i, r.got[i].id, r.got[i].update)
		}
	}
	if tree, ok := r.got[4].b.Data["application/json"].(map[string]any); !ok || tree["a"] != 1.0 {
		t.Errorf("JSON data = %#v, want a decoded tree", r.got[4].b.Data["application/json"])
	}
	if c := r.got[len(r.got)-1].clear; c == nil || !*c {
		t.Errorf("last output is not Clear(wait=true)")
	}
}

func TestJSONRejectsUnencodable(t *testing.T) {
	install(t)
	defer func() {
		if recover() == nil {
			t.Fatal("JSON of a channel did not panic")
		}
	}()
	display.JSON(make(chan int))
}

func TestHandle(t *testing.T) {
	r := install(t)
	h1, h2 := display.New(), display.New()
	if h1.ID() == h2.ID() || h1.ID() == "" {
		t.Fatalf("handle ids %q and %q are not distinct", h1.ID(), h2.ID())
	}
	h1.Update(1) // not shown yet: shows
	h1.Update(2) // replaces
	h2.Show(3)
	want := []struct {
		id     string
		update bool
		text   string
	}{{h1.ID(), false, "1"}, {h1.ID(), true, "2"}, {h2.ID(), false, "3"}}
	if len(r.got) != len(want) {
		t.Fatalf("got %d outputs, want %d", len(r.got), len(want))
	}
	for i, w := range want {
		g := r.got[i]
		if g.id != w.id || g.update != w.update || g.b.Data["text/plain"] != w.text {
			t.Errorf("output %d = (%q, %v, %v), want (%q, %v, %q)", i, g.id, g.update, g.b.Data["text/plain"], w.id, w.update, w.text)
		}
	}
}

func TestConcurrentUpdates(t *testing.T) {
	r := install(t)
	h := display.New()
	h.Show(0)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				h.Update(fmt.Sprint(g, i))
			}
		}()
	}
	wg.Wait()
	if len(r.got) != 1+8*50 {
		t.Fatalf("got %d outputs, want %d", len(r.got), 1+8*50)
	}
	for _, g := range r.got[1:] {
		if !g.update || g.id != h.ID() {
			t.Fatalf("concurrent output %+v is not an update of %s", g, h.ID())
		}
	}
}

func ExampleShow() {
	// Without a notebook, display prints the text form to standard output.
	display.Show([]float64{0.5, 0.25})
	display.HTML("<b>bold</b>")
	// Output:
	// [0.5 0.25]
	// <display.HTMLString>
}
