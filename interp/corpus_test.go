package interp

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/descentlab/descent/interp/display"
)

// A corpus file under testdata/corpus is one notebook: cells run in order
// in one session. Each cell starts with a "-- cell --" line; the sections
// after it state what the cell must do:
//
//	-- stdout --    exact standard output
//	-- stderr --    text that standard error must contain
//	-- result --    exact text/plain of the result
//	-- mime --      MIME types the result must have, one per line
//	-- noresult --  the cell has no result
//	-- error --     lines the error (traceback) must contain
//	-- input --     standard input offered to the cell
//	-- display --   what the cell displays, one line per display call:
//	                its MIME types, with "update" first for an update
//
// A cell without an error section must succeed.

type corpusCell struct {
	file, code string
	line       int
	sections   map[string]string
}

func parseCorpus(t *testing.T, path string) []corpusCell {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var cells []corpusCell
	var cur *corpusCell
	section := ""
	var buf []string
	flush := func() {
		if cur == nil || section == "" {
			return
		}
		text := strings.Join(buf, "\n")
		if section == "cell" {
			cur.code = text
		} else {
			cur.sections[section] = text
		}
	}
	for i, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "-- ") && strings.HasSuffix(line, " --") {
			flush()
			section = strings.TrimSuffix(strings.TrimPrefix(line, "-- "), " --")
			buf = nil
			if section == "cell" {
				cells = append(cells, corpusCell{file: filepath.Base(path), line: i + 1, sections: map[string]string{}})
				cur = &cells[len(cells)-1]
			}
			continue
		}
		if cur == nil {
			continue // comments before the first cell
		}
		buf = append(buf, line)
	}
	flush()
	for i := range cells {
		for k, v := range cells[i].sections {
			cells[i].sections[k] = strings.TrimRight(v, "\n")
		}
		cells[i].code = strings.TrimRight(cells[i].code, "\n")
	}
	return cells
}

// switchReader is a session's stdin whose content each cell replaces.
type switchReader struct {
	mu sync.Mutex
	r  *strings.Reader
}

func (s *switchReader) Read(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.r.Read(p)
}

func (s *switchReader) set(text string) {
	s.mu.Lock()
	s.r = strings.NewReader(text)
	s.mu.Unlock()
}

// lockedBuffer is a bytes.Buffer safe for goroutines of cells.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) take() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.b.String()
	l.b.Reset()
	return s
}

func TestCorpus(t *testing.T) {
	files, err := filepath.Glob("testdata/corpus/*.txt")
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	total := 0
	for _, f := range files {
		cells := parseCorpus(t, f)
		total += len(cells)
		t.Run(strings.TrimSuffix(filepath.Base(f), ".txt"), func(t *testing.T) {
			runNotebook(t, cells)
		})
	}
	if total < 150 {
		t.Errorf("corpus has %d cells, want at least 150", total)
	}
}

// recordSink records display calls as lines of MIME types.
type recordSink struct {
	mu    sync.Mutex
	lines []string
}

func (r *recordSink) Display(b display.Bundle, id string, update bool) {
	line := strings.Join(keys(b.Data), " ")
	if update {
		line = "update " + line
	}
	r.mu.Lock()
	r.lines = append(r.lines, line)
	r.mu.Unlock()
}

func (r *recordSink) Clear(wait bool) {
	r.mu.Lock()
	r.lines = append(r.lines, fmt.Sprintf("clear %v", wait))
	r.mu.Unlock()
}

func (r *recordSink) take() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := strings.Join(r.lines, "\n")
	r.lines = nil
	return s
}

func runNotebook(t *testing.T, cells []corpusCell) {
	sink := &recordSink{}
	prev := display.SetSink(sink)
	defer display.SetSink(prev)
	stdin := &switchReader{r: strings.NewReader("")}
	var stdout, stderr lockedBuffer
	s, err := NewSession(Options{Stdin: stdin, Stdout: &stdout, Stderr: &stderr})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cells {
		stdin.set(c.sections["input"])
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		res, err := s.Execute(ctx, c.code)
		cancel()
		out, errOut, shown := stdout.take(), stderr.take(), sink.take()
		where := fmt.Sprintf("%s:%d", c.file, c.line)
		if want, ok := c.sections["error"]; ok {
			if err == nil {
				t.Errorf("%s: no error, want %q (stdout %q)", where, want, out)
				continue
			}
			text := err.Error()
			if ce, ok := err.(*CellError); ok {
				text = ce.Name + "\n" + text
			}
			for _, line := range strings.Split(want, "\n") {
				if !strings.Contains(text, line) {
					t.Errorf("%s: error\n%s\ndoes not contain %q", where, err, line)
				}
			}
		} else if err != nil {
			t.Errorf("%s: unexpected error:\n%v\nstdout %q stderr %q", where, err, out, errOut)
			continue
		}
		if want, ok := c.sections["stdout"]; ok && strings.TrimRight(out, " \n") != want {
			t.Errorf("%s: stdout %q, want %q", where, out, want)
		}
		if want, ok := c.sections["stderr"]; ok && !strings.Contains(errOut, want) {
			t.Errorf("%s: stderr %q does not contain %q", where, errOut, want)
		}
		if want, ok := c.sections["display"]; ok && shown != want {
			t.Errorf("%s: displayed\n%s\nwant\n%s", where, shown, want)
		}
		if _, ok := c.sections["noresult"]; ok && res.HasValue {
			t.Errorf("%s: result %v, want none", where, res.Value.Data["text/plain"])
		}
		if want, ok := c.sections["result"]; ok {
			if !res.HasValue {
				t.Errorf("%s: no result, want %q", where, want)
			} else if got := fmt.Sprint(res.Value.Data["text/plain"]); got != want {
				t.Errorf("%s: result %q, want %q", where, got, want)
			}
		}
		if want, ok := c.sections["mime"]; ok {
			for _, m := range strings.Split(want, "\n") {
				if _, has := res.Value.Data[m]; !has {
					t.Errorf("%s: result has no %s (has %v)", where, m, keys(res.Value.Data))
				}
			}
		}
	}
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
