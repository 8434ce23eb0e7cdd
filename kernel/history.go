package kernel

import (
	"bufio"
	"encoding/json"
	"os"
	"path"
	"path/filepath"
	"sync"
)

// HistoryEntry is one executed cell: the kernel session it ran in (a
// number that grows with every kernel start), its execution count, the
// code and the text of its result.
type HistoryEntry struct {
	Session int    `json:"session"`
	Line    int    `json:"line"`
	Source  string `json:"source"`
	Output  string `json:"output,omitempty"`
}

// History keeps the cells run by a user, across kernel sessions, in a
// JSON-lines file.
type History struct {
	mu      sync.Mutex
	path    string
	file    *os.File // opened for appending on the first Add
	entries []HistoryEntry
	session int
}

// DefaultHistoryPath is where history lives: $XDG_DATA_HOME/descent, or
// ~/.local/share/descent.
func DefaultHistoryPath() string {
	dir := os.Getenv("XDG_DATA_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		dir = filepath.Join(home, ".local", "share")
	}
	return filepath.Join(dir, "descent", "history.jsonl")
}

// OpenHistory loads the history at file (an empty path keeps history in
// memory only) and starts a new session numbered after the last one.
func OpenHistory(file string) *History {
	h := &History{path: file}
	if file != "" {
		if f, err := os.Open(file); err == nil {
			sc := bufio.NewScanner(f)
			sc.Buffer(make([]byte, 64<<10), 16<<20)
			for sc.Scan() {
				var e HistoryEntry
				if json.Unmarshal(sc.Bytes(), &e) == nil {
					h.entries = append(h.entries, e)
					if e.Session > h.session {
						h.session = e.Session
					}
				}
			}
			f.Close()
		}
	}
	h.session++
	return h
}

// Session is the number of the current session.
func (h *History) Session() int { return h.session }

// Add records a cell of the current session.
func (h *History) Add(line int, source, output string) {
	e := HistoryEntry{Session: h.session, Line: line, Source: source, Output: output}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.entries = append(h.entries, e)
	if h.path == "" {
		return
	}
	b, err := json.Marshal(e)
	if err != nil {
		return
	}
	if h.file == nil {
		if err := os.MkdirAll(filepath.Dir(h.path), 0o700); err != nil {
			return
		}
		f, err := os.OpenFile(h.path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
		if err != nil {
			return
		}
		h.file = f
	}
	// One write per entry: with O_APPEND, kernels sharing the file do not
	// interleave their lines.
	_, _ = h.file.Write(append(b, '\n'))
}

// Close closes the history file.
func (h *History) Close() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.file == nil {
		return nil
	}
	err := h.file.Close()
	h.file = nil
	return err
}

// SetOutput records the result text of the current session's line.
func (h *History) SetOutput(line int, output string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i := len(h.entries) - 1; i >= 0; i-- {
		e := &h.entries[i]
		if e.Session == h.session && e.Line == line {
			e.Output = output
			return
		}
	}
}

// Tail returns the last n entries, oldest first.
func (h *History) Tail(n int) []HistoryEntry {
	h.mu.Lock()
	defer h.mu.Unlock()
	if n <= 0 || n > len(h.entries) {
		n = len(h.entries)
	}
	return append([]HistoryEntry(nil), h.entries[len(h.entries)-n:]...)
}

// Range returns the entries of session with start <= line < stop. A
// session of 0 or less counts back from the current one (0 is the
// current session, -1 the one before); stop <= 0 means no upper bound.
func (h *History) Range(session, start, stop int) []HistoryEntry {
	if session <= 0 {
		session += h.session
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []HistoryEntry
	for _, e := range h.entries {
		if e.Session == session && e.Line >= start && (stop <= 0 || e.Line < stop) {
			out = append(out, e)
		}
	}
	return out
}

// Search returns the entries whose code matches the glob pattern (as in
// path.Match, over the whole code), oldest first. With unique set only the
// latest entry of each distinct code is kept; n > 0 keeps the last n.
func (h *History) Search(pattern string, n int, unique bool) []HistoryEntry {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []HistoryEntry
	seen := map[string]bool{}
	for i := len(h.entries) - 1; i >= 0; i-- {
		e := h.entries[i]
		if !globMatch(pattern, e.Source) {
			continue
		}
		if unique {
			if seen[e.Source] {
				continue
			}
			seen[e.Source] = true
		}
		out = append(out, e)
		if n > 0 && len(out) == n {
			break
		}
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// globMatch matches s against a glob where '*' and '?' also match '/' and
// newlines, as SQLite's GLOB does for IPython's history.
func globMatch(pattern, s string) bool {
	// path.Match treats '/' specially; map it away on both sides.
	const sep = "\x00"
	p := replaceSlash(pattern, sep)
	ok, err := path.Match(p, replaceSlash(s, sep))
	return err == nil && ok
}

func replaceSlash(s, with string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '/' {
			out = append(out, with...)
		} else {
			out = append(out, s[i])
		}
	}
	return string(out)
}
