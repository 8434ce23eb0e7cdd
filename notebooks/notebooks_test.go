package notebooks_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/descentlab/descent/interp"
	"github.com/descentlab/descent/interp/display"
)

// notebook is the part of an nbformat 4 file the test needs.
type notebook struct {
	Metadata struct {
		Kernelspec struct {
			Name     string `json:"name"`
			Language string `json:"language"`
		} `json:"kernelspec"`
	} `json:"metadata"`
	Cells []struct {
		CellType string          `json:"cell_type"`
		Source   json.RawMessage `json:"source"`
	} `json:"cells"`
}

// source joins a cell's source, which nbformat stores as a string or a list of lines.
func source(raw json.RawMessage) (string, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	var lines []string
	if err := json.Unmarshal(raw, &lines); err != nil {
		return "", err
	}
	return strings.Join(lines, ""), nil
}

// counter is a display sink that counts images, so that a notebook without a
// picture fails.
type counter struct {
	mu     sync.Mutex
	images int
}

func (c *counter) Display(b display.Bundle, id string, update bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := b.Data["image/png"]; ok {
		c.images++
	}
}

func (c *counter) Clear(wait bool) {}

func (c *counter) count(b display.Bundle) {
	c.Display(b, "", false)
}

// TestNotebooks runs every notebook's code cells in order in one session, as
// the kernel would, and fails on the first cell error: an assertion cell
// panics when the lecture's claim it checks no longer holds. NOTEBOOK=glob
// selects notebooks. The whole set trains real models for about two minutes,
// so -short skips it.
func TestNotebooks(t *testing.T) {
	if testing.Short() {
		t.Skip("the notebooks train models for minutes; run without -short")
	}
	files, err := filepath.Glob("*.ipynb")
	if err != nil {
		t.Fatal(err)
	}
	if only := os.Getenv("NOTEBOOK"); only != "" {
		files, _ = filepath.Glob(only)
	}
	sort.Strings(files)
	if len(files) == 0 {
		t.Fatal("no notebooks found")
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(file, ".ipynb"), func(t *testing.T) {
			runNotebook(t, file)
		})
	}
}

func runNotebook(t *testing.T, file string) {
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var nb notebook
	if err := json.Unmarshal(raw, &nb); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	if nb.Metadata.Kernelspec.Name != "descent" || nb.Metadata.Kernelspec.Language != "go" {
		t.Errorf("%s: kernelspec is %+v, want descent/go", file, nb.Metadata.Kernelspec)
	}
	sink := &counter{}
	prev := display.SetSink(sink)
	defer display.SetSink(prev)
	var out strings.Builder
	s, err := interp.NewSession(interp.Options{Stdout: &out, Stderr: &out})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	n := 0
	for i, c := range nb.Cells {
		if c.CellType != "code" {
			continue
		}
		n++
		code, err := source(c.Source)
		if err != nil {
			t.Fatalf("%s: cell %d: %v", file, i, err)
		}
		out.Reset()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		cellStart := time.Now()
		res, err := s.Execute(ctx, code)
		cancel()
		if testing.Verbose() {
			t.Logf("%s: code cell %d (cell %d): %v", file, n, i, time.Since(cellStart).Round(time.Millisecond))
		}
		if err != nil {
			t.Fatalf("%s: code cell %d (cell %d) failed:\n%v\nstdout:\n%s\nsource:\n%s", file, n, i, err, out.String(), code)
		}
		if res.HasValue {
			sink.count(res.Value)
		}
	}
	if sink.images == 0 {
		t.Errorf("%s: no image/png output", file)
	}
	t.Logf("%s: %d code cells, %d images, %v", file, n, sink.images, time.Since(start).Round(time.Millisecond))
}

// sourceCells splits a notebook source (src/NN-name.go.md) into cells the way
// build.py does: a line "%% markdown" or "%% code" starts a cell.
func sourceCells(text string) (kinds, sources []string) {
	var lines []string
	kind := ""
	flush := func() {
		if kind != "" {
			kinds = append(kinds, kind)
			sources = append(sources, strings.Trim(strings.Join(lines, "\n"), "\n"))
		}
	}
	for _, line := range strings.Split(text, "\n") {
		switch strings.TrimSpace(line) {
		case "%% markdown", "%% code":
			flush()
			kind, lines = strings.TrimPrefix(strings.TrimSpace(line), "%% "), nil
		default:
			lines = append(lines, line)
		}
	}
	flush()
	return kinds, sources
}

// TestSourcesMatch checks that every notebook holds exactly the cells of its
// source, so that an edit made on one side only is caught.
func TestSourcesMatch(t *testing.T) {
	srcs, err := filepath.Glob("src/*.go.md")
	if err != nil {
		t.Fatal(err)
	}
	nbs, _ := filepath.Glob("[0-9][0-9]-*.ipynb")
	if len(srcs) != len(nbs) || len(srcs) == 0 {
		t.Fatalf("%d sources for %d notebooks", len(srcs), len(nbs))
	}
	for _, src := range srcs {
		text, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		kinds, sources := sourceCells(string(text))
		file := strings.TrimSuffix(filepath.Base(src), ".go.md") + ".ipynb"
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Errorf("%s has no notebook: %v", src, err)
			continue
		}
		var nb notebook
		if err := json.Unmarshal(raw, &nb); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if len(nb.Cells) != len(kinds) {
			t.Errorf("%s: %d cells, its source has %d (run build.py)", file, len(nb.Cells), len(kinds))
			continue
		}
		for i, c := range nb.Cells {
			got, err := source(c.Source)
			if err != nil {
				t.Fatalf("%s: cell %d: %v", file, i, err)
			}
			if c.CellType != kinds[i] || got != sources[i] {
				t.Errorf("%s: cell %d differs from %s (run build.py)", file, i, src)
			}
		}
	}
}
