package worker

import (
	"bytes"
	"encoding/binary"
	"io"
	"math/rand"
	"reflect"
	"strings"
	"testing"
)

func TestFrameRoundTrip(t *testing.T) {
	frames := []*Frame{
		{Type: TypeExecute, Code: "x := 1\nx", AllowStdin: true, UserExpressions: map[string]string{"a": "x*2"}},
		{Type: TypeDisplay, Seq: 7, Data: map[string]any{"text/plain": "p", "image/png": []byte{0x89, 'P', 'N', 'G'}}, Metadata: map[string]any{}, DisplayID: "d1", Update: true},
		{Type: TypeExecuteDone, Seq: 8, Error: &Error{Name: "E", Value: "v", Traceback: []string{"l1", "l2"}}},
		{Type: TypeCompleteReply, Matches: []string{"Println", "Printf"}, Start: 4, End: 9},
	}
	var buf bytes.Buffer
	for _, f := range frames {
		if err := WriteFrame(&buf, f); err != nil {
			t.Fatal(err)
		}
	}
	for i, want := range frames {
		got, err := ReadFrame(&buf)
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if want.Type == TypeDisplay {
			// []byte travels as base64, as Jupyter wants image data.
			if got.Data["image/png"] != "iVBORw==" {
				t.Errorf("image/png = %v, want base64 iVBORw==", got.Data["image/png"])
			}
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("frame %d = %+v, want %+v", i, got, want)
		}
	}
	if _, err := ReadFrame(&buf); err != io.EOF {
		t.Errorf("after the last frame: %v, want io.EOF", err)
	}
}

func TestReadFrameErrors(t *testing.T) {
	size := func(n uint32) []byte {
		b := make([]byte, 4)
		binary.BigEndian.PutUint32(b, n)
		return b
	}
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"short length", []byte{0, 0}, "cut short"},
		{"too big", size(MaxFrame + 1), "exceeds the limit"},
		{"short body", append(size(10), `{"ty`...), "cut short"},
		{"not json", append(size(3), "abc"...), "decode frame"},
		{"no type", append(size(2), "{}"...), "no type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadFrame(bytes.NewReader(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestSplitter(t *testing.T) {
	m := func(seq uint64) string { return string(Marker(seq)) }
	tests := []struct {
		name   string
		chunks []string
		out    string
		seqs   []uint64
	}{
		{"plain", []string{"hello ", "world"}, "hello world", nil},
		{"one marker", []string{"a" + m(1) + "b"}, "ab", []uint64{1}},
		{"marker split", []string{"a\x00desc", "ent-sync:1", "2\x00b"}, "ab", []uint64{12}},
		{"two markers", []string{m(1) + m(2)}, "", []uint64{1, 2}},
		{"lone NUL", []string{"a\x00b\x00"}, "a\x00b\x00", nil},
		{"prefix without digits", []string{"\x00descent-sync:x\x00"}, "\x00descent-sync:x\x00", nil},
		{"prefix without number", []string{"\x00descent-sync:\x00"}, "\x00descent-sync:\x00", nil},
		{"prefix at end", []string{"a\x00descent-sy"}, "a\x00descent-sy", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var sp Splitter
			var out strings.Builder
			var seqs []uint64
			for _, c := range tt.chunks {
				parts, s := sp.Split([]byte(c))
				if len(parts) != len(s)+1 {
					t.Fatalf("%d parts for %d markers", len(parts), len(s))
				}
				for _, p := range parts {
					out.Write(p)
				}
				seqs = append(seqs, s...)
			}
			out.Write(sp.Flush())
			if out.String() != tt.out || !reflect.DeepEqual(seqs, tt.seqs) {
				t.Errorf("got %q %v, want %q %v", out.String(), seqs, tt.out, tt.seqs)
			}
		})
	}
}

// FuzzSplitter interleaves text and markers, cuts the stream at random
// points and checks that the splitter gives back the text and the markers
// in order, each marker after exactly the text written before it.
func FuzzSplitter(f *testing.F) {
	f.Add([]byte("hello\x00world"), int64(1), uint8(3))
	f.Add([]byte("\x00descent-sync:"), int64(2), uint8(1))
	f.Add([]byte(""), int64(3), uint8(7))
	f.Fuzz(func(t *testing.T, text []byte, seed int64, cuts uint8) {
		if bytes.Contains(text, markerPrefix) {
			return
		}
		rng := rand.New(rand.NewSource(seed))
		var stream []byte
		var wantBefore []int // text length before each marker
		n := 0
		for i := 0; i <= len(text); {
			step := rng.Intn(len(text)-i+1) + 1
			end := min(i+step, len(text))
			stream = append(stream, text[i:end]...)
			n += end - i
			i = end
			if i == len(text) {
				break
			}
			stream = append(stream, Marker(uint64(len(wantBefore)+1))...)
			wantBefore = append(wantBefore, n)
		}
		var sp Splitter
		var got []byte
		var before []int
		for len(stream) > 0 {
			k := rng.Intn(len(stream)) + 1
			if cuts > 0 {
				k = min(k, int(cuts))
			}
			parts, seqs := sp.Split(stream[:k])
			stream = stream[k:]
			for j, s := range seqs {
				got = append(got, parts[j]...)
				if s != uint64(len(before)+1) {
					t.Fatalf("marker %d out of order", s)
				}
				before = append(before, len(got))
			}
			got = append(got, parts[len(parts)-1]...)
		}
		got = append(got, sp.Flush()...)
		if !bytes.Equal(got, text) {
			t.Fatalf("text %q, want %q", got, text)
		}
		if !reflect.DeepEqual(before, wantBefore) {
			t.Fatalf("markers after %v bytes, want %v", before, wantBefore)
		}
	})
}

func FuzzReadFrame(f *testing.F) {
	var buf bytes.Buffer
	_ = WriteFrame(&buf, &Frame{Type: TypeExecute, Code: "1+1"})
	f.Add(buf.Bytes())
	f.Add([]byte{0, 0, 0, 2, '{', '}'})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		fr, err := ReadFrame(bytes.NewReader(data))
		if err != nil {
			return
		}
		var out bytes.Buffer
		if err := WriteFrame(&out, fr); err != nil {
			t.Fatalf("WriteFrame of a read frame: %v", err)
		}
		again, err := ReadFrame(&out)
		if err != nil || again.Type != fr.Type || again.Code != fr.Code || again.Seq != fr.Seq {
			t.Fatalf("round trip: %+v, %v", again, err)
		}
	})
}
