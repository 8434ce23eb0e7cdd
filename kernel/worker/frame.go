// Package worker is the evaluating side of the kernel: the process that
// runs cells, and the framed channel through which it talks to the kernel
// process.
//
// The kernel starts the worker with its standard output and error on pipes
// (every byte becomes a stream message) and two more pipes as file
// descriptors 3 (kernel to worker) and 4 (worker to kernel). On those, each
// frame is a 4-byte big-endian length followed by that many bytes of JSON.
//
// Output written to the pipes and frames sent on the channel are ordered
// with sync markers: before a frame that must follow earlier output (a
// display, an input request, the end of a cell), the worker writes
// Marker(seq) to both standard output and standard error and puts seq in
// the frame. The kernel publishes the frame only after both pipes have
// delivered that marker.
package worker

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
)

// MaxFrame is the largest frame accepted, in bytes.
const MaxFrame = 512 << 20

// Frame types sent by the kernel.
const (
	TypeExecute     = "execute"
	TypeComplete    = "complete"
	TypeInspect     = "inspect"
	TypeIsComplete  = "is_complete"
	TypeInputReply  = "input_reply"
	TypeExecuteDone = "execute_reply"
)

// Frame types sent by the worker.
const (
	TypeReady           = "ready"
	TypeFailed          = "failed"
	TypeDisplay         = "display"
	TypeClear           = "clear"
	TypeInputRequest    = "input_request"
	TypeCompleteReply   = "complete_reply"
	TypeInspectReply    = "inspect_reply"
	TypeIsCompleteReply = "is_complete_reply"
)

// Frame is one message on the control channel. Type says which fields
// are used.
type Frame struct {
	Type string `json:"type"`
	Seq  uint64 `json:"seq,omitempty"`

	// execute, complete, inspect, is_complete
	Code            string            `json:"code,omitempty"`
	Cursor          int               `json:"cursor,omitempty"`
	DetailLevel     int               `json:"detail_level,omitempty"`
	AllowStdin      bool              `json:"allow_stdin,omitempty"`
	UserExpressions map[string]string `json:"user_expressions,omitempty"`

	// execute_reply, display
	HasValue    bool                  `json:"has_value,omitempty"`
	Data        map[string]any        `json:"data,omitempty"`
	Metadata    map[string]any        `json:"metadata,omitempty"`
	Error       *Error                `json:"error,omitempty"`
	Expressions map[string]Expression `json:"expressions,omitempty"`
	DisplayID   string                `json:"display_id,omitempty"`
	Update      bool                  `json:"update,omitempty"`

	// clear
	Wait bool `json:"wait,omitempty"`

	// complete_reply, inspect_reply, is_complete_reply
	Matches []string `json:"matches,omitempty"`
	Start   int      `json:"start,omitempty"`
	End     int      `json:"end,omitempty"`
	Found   bool     `json:"found,omitempty"`
	Text    string   `json:"text,omitempty"`
	Status  string   `json:"status,omitempty"`
	Indent  string   `json:"indent,omitempty"`

	// input_request, input_reply
	Prompt   string `json:"prompt,omitempty"`
	Password bool   `json:"password,omitempty"`
	Value    string `json:"value,omitempty"`
}

// Error describes a failed cell or expression.
type Error struct {
	Name      string   `json:"ename"`
	Value     string   `json:"evalue"`
	Traceback []string `json:"traceback"`
}

// Expression is the value of one user expression.
type Expression struct {
	Data     map[string]any `json:"data,omitempty"`
	Metadata map[string]any `json:"metadata,omitempty"`
	Error    *Error         `json:"error,omitempty"`
}

// WriteFrame writes f to w as one length-prefixed frame.
func WriteFrame(w io.Writer, f *Frame) error {
	body, err := json.Marshal(f)
	if err != nil {
		return fmt.Errorf("worker: encode %s frame: %w", f.Type, err)
	}
	if len(body) > MaxFrame {
		return fmt.Errorf("worker: %s frame of %d bytes exceeds the limit of %d", f.Type, len(body), MaxFrame)
	}
	buf := make([]byte, 4+len(body))
	binary.BigEndian.PutUint32(buf, uint32(len(body)))
	copy(buf[4:], body)
	_, err = w.Write(buf)
	return err
}

// ReadFrame reads one frame from r. It returns io.EOF when r ends cleanly
// between frames.
func ReadFrame(r io.Reader) (*Frame, error) {
	var size [4]byte
	if _, err := io.ReadFull(r, size[:]); err != nil {
		if err == io.ErrUnexpectedEOF {
			return nil, fmt.Errorf("worker: frame length cut short: %w", err)
		}
		return nil, err
	}
	n := binary.BigEndian.Uint32(size[:])
	if n > MaxFrame {
		return nil, fmt.Errorf("worker: frame of %d bytes exceeds the limit of %d", n, MaxFrame)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		return nil, fmt.Errorf("worker: frame body of %d bytes cut short: %w", n, err)
	}
	return DecodeFrame(body)
}

// DecodeFrame parses the JSON body of a frame.
func DecodeFrame(body []byte) (*Frame, error) {
	var f Frame
	if err := json.Unmarshal(body, &f); err != nil {
		return nil, fmt.Errorf("worker: decode frame: %w", err)
	}
	if f.Type == "" {
		return nil, fmt.Errorf("worker: frame has no type")
	}
	return &f, nil
}

// markerPrefix starts every sync marker. NUL bytes keep it out of the way
// of text a cell prints.
var markerPrefix = []byte("\x00descent-sync:")

// maxMarker bounds the length of a marker (prefix, 20 digits, NUL).
var maxMarker = len(markerPrefix) + 21

// Marker returns the sync marker for seq.
func Marker(seq uint64) []byte {
	b := append([]byte(nil), markerPrefix...)
	b = strconv.AppendUint(b, seq, 10)
	return append(b, 0)
}

// Splitter separates sync markers from the bytes of one output pipe. Feed
// it what the pipe delivers, in order; it keeps back a possible partial
// marker at the end until the next call decides it.
type Splitter struct {
	pending []byte
}

// Split appends chunk to what is pending and returns the output bytes
// that are certain not to belong to a marker, cut at the markers found:
// out[i] comes before marker seqs[i], and out has one more element than
// seqs, the output after the last marker.
func (s *Splitter) Split(chunk []byte) (out [][]byte, seqs []uint64) {
	buf := append(s.pending, chunk...)
	s.pending = nil
	var cur []byte
	for {
		i := bytes.Index(buf, markerPrefix)
		if i < 0 {
			keep := partialPrefix(buf)
			cur = append(cur, buf[:len(buf)-keep]...)
			s.pending = append([]byte(nil), buf[len(buf)-keep:]...)
			break
		}
		rest := buf[i+len(markerPrefix):]
		end := bytes.IndexByte(rest, 0)
		if end < 0 && len(buf)-i < maxMarker && digits(rest) {
			cur = append(cur, buf[:i]...)
			s.pending = append([]byte(nil), buf[i:]...)
			break
		}
		if end > 0 && digits(rest[:end]) {
			if seq, err := strconv.ParseUint(string(rest[:end]), 10, 64); err == nil {
				cur = append(cur, buf[:i]...)
				out = append(out, cur)
				seqs = append(seqs, seq)
				cur = nil
				buf = rest[end+1:]
				continue
			}
		}
		// Not a marker after all: the NUL is ordinary output.
		cur = append(cur, buf[:i+1]...)
		buf = buf[i+1:]
	}
	return append(out, cur), seqs
}

// Flush returns whatever is pending, for when the pipe ends.
func (s *Splitter) Flush() []byte {
	p := s.pending
	s.pending = nil
	return p
}

func digits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// partialPrefix returns the length of the longest suffix of buf that is a
// proper prefix of markerPrefix.
func partialPrefix(buf []byte) int {
	n := len(markerPrefix) - 1
	if n > len(buf) {
		n = len(buf)
	}
	for ; n > 0; n-- {
		if bytes.HasPrefix(markerPrefix, buf[len(buf)-n:]) {
			return n
		}
	}
	return 0
}
