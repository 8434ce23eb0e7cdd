package kernel

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"regexp"
	"testing"
	"time"
)

type clientFixture struct {
	Key         string   `json:"key"`
	Frames      []string `json:"frames"`
	MsgID       string   `json:"msg_id"`
	ParentMsgID string   `json:"parent_msg_id"`
	Code        string   `json:"code"`
}

func loadClientMessage(t *testing.T) (clientFixture, [][]byte) {
	t.Helper()
	data, err := os.ReadFile("testdata/jupyter_client_message.json")
	if err != nil {
		t.Fatal(err)
	}
	var fx clientFixture
	if err := json.Unmarshal(data, &fx); err != nil {
		t.Fatal(err)
	}
	frames := make([][]byte, len(fx.Frames))
	for i, f := range fx.Frames {
		if frames[i], err = base64.StdEncoding.DecodeString(f); err != nil {
			t.Fatal(err)
		}
	}
	return fx, frames
}

// TestDecodeJupyterClientMessage decodes a message that jupyter_client's
// Session serialized and signed (testdata/gen_wire.py).
func TestDecodeJupyterClientMessage(t *testing.T) {
	fx, frames := loadClientMessage(t)
	m, err := Decode(frames, NewSigner([]byte(fx.Key)))
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if len(m.Identities) != 1 || string(m.Identities[0]) != "client-identity" {
		t.Errorf("identities = %q, want [client-identity]", m.Identities)
	}
	if m.Header.MsgID != fx.MsgID || m.Header.MsgType != "execute_request" || m.Header.Username != "student" {
		t.Errorf("header = %+v", m.Header)
	}
	var parent Header
	if err := json.Unmarshal(m.Parent, &parent); err != nil || parent.MsgID != fx.ParentMsgID {
		t.Errorf("parent = %s (%v), want msg_id %s", m.Parent, err, fx.ParentMsgID)
	}
	var content struct {
		Code string `json:"code"`
	}
	if err := json.Unmarshal(m.Content, &content); err != nil || content.Code != fx.Code {
		t.Errorf("content code = %q (%v), want %q", content.Code, err, fx.Code)
	}
	if !bytes.Equal(m.RawHeader, frames[3]) {
		t.Errorf("RawHeader is not the received header bytes")
	}
}

// TestEncodeMatchesJupyterClientSignature re-signs jupyter_client's parts
// and gets its signature.
func TestEncodeMatchesJupyterClientSignature(t *testing.T) {
	fx, frames := loadClientMessage(t)
	got := NewSigner([]byte(fx.Key)).Sign(frames[3], frames[4], frames[5], frames[6])
	if !bytes.Equal(got, frames[2]) {
		t.Errorf("signature = %s, want %s", got, frames[2])
	}
}

func TestDecodeRejects(t *testing.T) {
	fx, good := loadClientMessage(t)
	signer := NewSigner([]byte(fx.Key))
	with := func(i int, b []byte) [][]byte {
		f := append([][]byte(nil), good...)
		f[i] = b
		return f
	}
	tests := []struct {
		name   string
		frames [][]byte
		signer *Signer
		want   error
	}{
		{"no delimiter", [][]byte{[]byte("id"), []byte("x")}, signer, ErrNoDelimiter},
		{"empty", nil, signer, ErrNoDelimiter},
		{"short", good[:5], signer, ErrShortMessage},
		{"tampered content", with(6, []byte(`{"code":"os.Exit(1)"}`)), signer, ErrBadSignature},
		{"tampered header", with(3, bytes.Replace(good[3], []byte("student"), []byte("mallory"), 1)), signer, ErrBadSignature},
		{"unsigned", with(2, nil), signer, ErrBadSignature},
		{"uppercase signature", with(2, bytes.ToUpper(good[2])), signer, ErrBadSignature},
		{"truncated signature", with(2, good[2][:63]), signer, ErrBadSignature},
		{"wrong key", good, NewSigner([]byte("other")), ErrBadSignature},
		{"signed but no key", good, NewSigner(nil), ErrBadSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Decode(tt.frames, tt.signer)
			if err != tt.want {
				t.Errorf("Decode = %v, %v; want error %v", m, err, tt.want)
			}
		})
	}
}

func TestDecodeMalformedParts(t *testing.T) {
	s := NewSigner([]byte("k"))
	build := func(header, parent, metadata, content string) [][]byte {
		h, p, md, c := []byte(header), []byte(parent), []byte(metadata), []byte(content)
		return [][]byte{delimiter, s.Sign(h, p, md, c), h, p, md, c}
	}
	tests := []struct {
		name                              string
		header, parent, metadata, content string
		ok                                bool
	}{
		{"valid", `{"msg_id":"1","msg_type":"kernel_info_request"}`, `{}`, `{}`, `{}`, true},
		{"null parts become objects", `{"msg_id":"1","msg_type":"x"}`, `null`, ``, `null`, true},
		{"header not JSON", `{msg_id`, `{}`, `{}`, `{}`, false},
		{"header without type", `{"msg_id":"1"}`, `{}`, `{}`, `{}`, false},
		{"content is an array", `{"msg_type":"x"}`, `{}`, `{}`, `[1,2]`, false},
		{"parent is a string", `{"msg_type":"x"}`, `"p"`, `{}`, `{}`, false},
		{"metadata is a number", `{"msg_type":"x"}`, `{}`, `7`, `{}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Decode(build(tt.header, tt.parent, tt.metadata, tt.content), s)
			if (err == nil) != tt.ok {
				t.Fatalf("Decode err = %v, want ok=%v", err, tt.ok)
			}
			if err == nil {
				for _, part := range []json.RawMessage{m.Parent, m.Metadata, m.Content} {
					var obj map[string]any
					if json.Unmarshal(part, &obj) != nil || obj == nil {
						t.Errorf("part %s is not an object", part)
					}
				}
			}
		})
	}
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	for _, key := range []string{"", "secret"} {
		s := NewSigner([]byte(key))
		parent := &Message{RawHeader: json.RawMessage(`{"msg_id":"p1","msg_type":"execute_request"}`)}
		m := &Message{
			Identities: [][]byte{[]byte("a"), []byte("b")},
			Header:     NewHeader("stream", "sess", "descent"),
			Parent:     parent.RawHeader,
			Content:    json.RawMessage(`{"name":"stdout","text":"héllo\n"}`),
			Buffers:    [][]byte{{0, 1, 2}},
		}
		frames, err := Encode(m, s)
		if err != nil {
			t.Fatal(err)
		}
		if key == "" && len(frames[3]) != 0 {
			t.Errorf("no key: signature %q, want empty", frames[3])
		}
		got, err := Decode(frames, s)
		if err != nil {
			t.Fatalf("key %q: Decode: %v", key, err)
		}
		if got.Header != m.Header || string(got.Parent) != string(m.Parent) || string(got.Content) != string(m.Content) {
			t.Errorf("round trip: got %+v", got)
		}
		if string(got.Metadata) != "{}" {
			t.Errorf("nil metadata sent as %s, want {}", got.Metadata)
		}
		if len(got.Identities) != 2 || len(got.Buffers) != 1 || !bytes.Equal(got.Buffers[0], []byte{0, 1, 2}) {
			t.Errorf("identities %q buffers %v", got.Identities, got.Buffers)
		}
	}
}

func TestTimestamp(t *testing.T) {
	re := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$`)
	tests := []time.Time{
		time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.UTC),
		time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600)),
	}
	for _, tm := range tests {
		s := Timestamp(tm)
		if !re.MatchString(s) {
			t.Errorf("Timestamp(%v) = %q: not ISO 8601 with 6 fractional digits in UTC", tm, s)
		}
	}
	if got := Timestamp(tests[0]); got != "2026-01-02T03:04:05.123456Z" {
		t.Errorf("Timestamp = %q", got)
	}
}

func TestNewID(t *testing.T) {
	re := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for i := 0; i < 100; i++ {
		id := NewID()
		if !re.MatchString(id) || seen[id] {
			t.Fatalf("NewID = %q (repeat %v)", id, seen[id])
		}
		seen[id] = true
	}
}

func FuzzDecode(f *testing.F) {
	s := NewSigner([]byte("fuzz-key"))
	h, p, md, c := []byte(`{"msg_id":"1","msg_type":"execute_request"}`), []byte(`{}`), []byte(`{}`), []byte(`{"code":"1+1"}`)
	f.Add([]byte("id"), s.Sign(h, p, md, c), h, p, md, c)
	f.Add([]byte(""), []byte("00"), []byte("{"), []byte("null"), []byte(""), []byte("[]"))
	f.Fuzz(func(t *testing.T, id, sig, header, parent, metadata, content []byte) {
		for _, frames := range [][][]byte{
			{id, delimiter, sig, header, parent, metadata, content},
			{id, delimiter, s.Sign(header, parent, metadata, content), header, parent, metadata, content},
			{id, sig, header},
		} {
			m, err := Decode(frames, s)
			if err != nil {
				continue
			}
			// Whatever decodes must encode and decode again to the same message.
			out, err := Encode(m, s)
			if err != nil {
				t.Fatalf("Encode of a decoded message: %v", err)
			}
			m2, err := Decode(out, s)
			if err != nil {
				t.Fatalf("re-Decode: %v", err)
			}
			if m2.Header != m.Header || !bytes.Equal(m2.Content, m.Content) || !bytes.Equal(m2.Parent, m.Parent) {
				t.Fatalf("round trip changed the message: %+v vs %+v", m, m2)
			}
		}
	})
}
