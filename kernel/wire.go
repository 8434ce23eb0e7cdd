package kernel

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"time"
)

// ProtocolVersion is the version of the Jupyter messaging protocol spoken.
const ProtocolVersion = "5.3"

// delimiter separates routing identities from the signed message parts.
var delimiter = []byte("<IDS|MSG>")

// Header is a Jupyter message header.
type Header struct {
	MsgID    string `json:"msg_id"`
	Session  string `json:"session"`
	Username string `json:"username"`
	Date     string `json:"date"`
	MsgType  string `json:"msg_type"`
	Version  string `json:"version"`
}

// Message is one Jupyter message. Parent holds the parent header exactly
// as it goes on the wire; for a received request RawHeader keeps the
// header's bytes so that replies can name it as their parent unchanged.
type Message struct {
	Identities [][]byte
	Header     Header
	RawHeader  json.RawMessage
	Parent     json.RawMessage
	Metadata   json.RawMessage
	Content    json.RawMessage
	Buffers    [][]byte
}

// Signer signs and verifies messages with HMAC-SHA256. A Signer with an
// empty key signs nothing and accepts only unsigned messages.
type Signer struct {
	key []byte
}

// NewSigner returns a Signer for key.
func NewSigner(key []byte) *Signer { return &Signer{key: append([]byte(nil), key...)} }

// Sign returns the hex signature of the four signed parts.
func (s *Signer) Sign(header, parent, metadata, content []byte) []byte {
	if len(s.key) == 0 {
		return nil
	}
	mac := hmac.New(sha256.New, s.key)
	return s.sum(mac, header, parent, metadata, content)
}

func (s *Signer) sum(mac hash.Hash, parts ...[]byte) []byte {
	for _, p := range parts {
		mac.Write(p)
	}
	sum := mac.Sum(nil)
	out := make([]byte, hex.EncodedLen(len(sum)))
	hex.Encode(out, sum)
	return out
}

// Verify reports whether sig is the signature of the parts. The bytes are
// compared in constant time exactly as received.
func (s *Signer) Verify(sig, header, parent, metadata, content []byte) bool {
	if len(s.key) == 0 {
		return len(sig) == 0
	}
	return hmac.Equal(sig, s.Sign(header, parent, metadata, content))
}

// Errors returned by Decode.
var (
	ErrNoDelimiter  = errors.New("kernel: message has no <IDS|MSG> delimiter")
	ErrShortMessage = errors.New("kernel: message has fewer than five parts after the delimiter")
	ErrBadSignature = errors.New("kernel: message signature does not match")
)

// Decode parses the frames of a received message and checks its signature.
func Decode(frames [][]byte, s *Signer) (*Message, error) {
	i := 0
	for i < len(frames) && !bytes.Equal(frames[i], delimiter) {
		i++
	}
	if i == len(frames) {
		return nil, ErrNoDelimiter
	}
	rest := frames[i+1:]
	if len(rest) < 5 {
		return nil, ErrShortMessage
	}
	sig, header, parent, metadata, content := rest[0], rest[1], rest[2], rest[3], rest[4]
	if !s.Verify(sig, header, parent, metadata, content) {
		return nil, ErrBadSignature
	}
	m := &Message{
		Identities: frames[:i],
		RawHeader:  json.RawMessage(header),
		Buffers:    rest[5:],
	}
	if err := json.Unmarshal(header, &m.Header); err != nil {
		return nil, fmt.Errorf("kernel: message header: %w", err)
	}
	if m.Header.MsgType == "" {
		return nil, errors.New("kernel: message header has no msg_type")
	}
	var err error
	if m.Parent, err = object(parent, "parent header"); err != nil {
		return nil, err
	}
	if m.Metadata, err = object(metadata, "metadata"); err != nil {
		return nil, err
	}
	if m.Content, err = object(content, "content"); err != nil {
		return nil, err
	}
	return m, nil
}

// object checks that b is a JSON object; an empty or null part becomes {}.
func object(b []byte, what string) (json.RawMessage, error) {
	t := bytes.TrimSpace(b)
	if len(t) == 0 || bytes.Equal(t, []byte("null")) {
		return json.RawMessage("{}"), nil
	}
	var v map[string]json.RawMessage
	if err := json.Unmarshal(t, &v); err != nil {
		return nil, fmt.Errorf("kernel: message %s is not a JSON object: %w", what, err)
	}
	return json.RawMessage(t), nil
}

// Encode returns the frames of m, signed by s. Nil parent, metadata and
// content are sent as {}.
func Encode(m *Message, s *Signer) ([][]byte, error) {
	header, err := json.Marshal(m.Header)
	if err != nil {
		return nil, fmt.Errorf("kernel: encode header: %w", err)
	}
	parent, metadata, content := orEmpty(m.Parent), orEmpty(m.Metadata), orEmpty(m.Content)
	frames := make([][]byte, 0, len(m.Identities)+6+len(m.Buffers))
	frames = append(frames, m.Identities...)
	frames = append(frames, delimiter, s.Sign(header, parent, metadata, content), header, parent, metadata, content)
	frames = append(frames, m.Buffers...)
	return frames, nil
}

func orEmpty(b json.RawMessage) []byte {
	if len(bytes.TrimSpace(b)) == 0 || bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		return []byte("{}")
	}
	return b
}

// NewHeader returns a header for a new message of msgType in session.
func NewHeader(msgType, session, username string) Header {
	return Header{
		MsgID:    NewID(),
		Session:  session,
		Username: username,
		Date:     Timestamp(time.Now()),
		MsgType:  msgType,
		Version:  ProtocolVersion,
	}
}

// Timestamp formats t as ISO 8601 in UTC with six fractional digits, the
// most jupyter_client accepts.
func Timestamp(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000000Z")
}

// NewID returns a random UUID (version 4) string.
func NewID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Errorf("kernel: NewID: %w", err))
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
