package data

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"math"
)

// IDX element types, as the type byte of an IDX header spells them.
const (
	IDXUint8   byte = 0x08
	IDXInt8    byte = 0x09
	IDXInt16   byte = 0x0B
	IDXInt32   byte = 0x0C
	IDXFloat32 byte = 0x0D
	IDXFloat64 byte = 0x0E
)

// maxIDXBytes bounds the payload an IDX header may announce (4 GiB).
const maxIDXBytes = 1 << 32

// IDX is an array read from the IDX format of the MNIST family of data
// sets: a header (two zero bytes, a type byte, the number of dimensions,
// each dimension as a big-endian uint32) followed by the elements in
// row-major order, big-endian.
type IDX struct {
	// Type is the element type, one of the IDX* constants.
	Type byte
	// Dims is the shape of the array.
	Dims []int
	// Raw holds the elements as stored in the file (big-endian).
	Raw []byte
}

func idxSize(t byte) int {
	switch t {
	case IDXUint8, IDXInt8:
		return 1
	case IDXInt16:
		return 2
	case IDXInt32, IDXFloat32:
		return 4
	case IDXFloat64:
		return 8
	}
	return 0
}

// ReadIDX reads one IDX array from r, which may be gzip-compressed (it is
// recognised by its magic bytes).
func ReadIDX(r io.Reader) (*IDX, error) {
	br := bufio.NewReader(r)
	if magic, err := br.Peek(2); err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("data: ReadIDX: %w", err)
		}
		defer zr.Close()
		return readIDX(zr)
	}
	return readIDX(br)
}

func readIDX(r io.Reader) (*IDX, error) {
	var head [4]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return nil, fmt.Errorf("data: ReadIDX: header: %w", err)
	}
	if head[0] != 0 || head[1] != 0 {
		return nil, fmt.Errorf("data: ReadIDX: bad magic % x (want 00 00 type ndim)", head)
	}
	size := idxSize(head[2])
	if size == 0 {
		return nil, fmt.Errorf("data: ReadIDX: unknown element type 0x%02x", head[2])
	}
	x := &IDX{Type: head[2], Dims: make([]int, head[3])}
	total := uint64(size)
	for i := range x.Dims {
		var d uint32
		if err := binary.Read(r, binary.BigEndian, &d); err != nil {
			return nil, fmt.Errorf("data: ReadIDX: dimension %d of %d: %w", i, len(x.Dims), err)
		}
		x.Dims[i] = int(d)
		total *= uint64(d)
		if total > maxIDXBytes {
			return nil, fmt.Errorf("data: ReadIDX: shape %v too large", x.Dims[:i+1])
		}
	}
	raw, err := readUpTo(r, total)
	if err != nil {
		return nil, fmt.Errorf("data: ReadIDX: %w", err)
	}
	if uint64(len(raw)) != total {
		return nil, fmt.Errorf("data: ReadIDX: shape %v needs %d bytes of data, found %d", x.Dims, total, len(raw))
	}
	x.Raw = raw
	return x, nil
}

// readUpTo reads until n bytes or the end of r. The buffer starts at
// min(n, 64 KiB) and doubles up to n, so that a header that lies about the
// size cannot force a huge allocation, and a true one costs one buffer of
// the data's size plus less than that again in discarded smaller buffers.
// (io.ReadAll's growth leaves several times the data's size behind, which
// the runtime later returns to the operating system and a training loop's
// allocations then fault in again, page by page.)
func readUpTo(r io.Reader, n uint64) ([]byte, error) {
	buf := make([]byte, 0, min(n, 64<<10))
	for uint64(len(buf)) < n {
		if len(buf) == cap(buf) {
			bigger := make([]byte, len(buf), min(n, 2*uint64(cap(buf))))
			copy(bigger, buf)
			buf = bigger
		}
		k, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+k]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	return buf, nil
}

// Values returns the elements converted to float64.
func (x *IDX) Values() []float64 {
	size := idxSize(x.Type)
	if size == 0 {
		panic(fmt.Errorf("data: IDX.Values: unknown element type 0x%02x", x.Type))
	}
	out := make([]float64, len(x.Raw)/size)
	b := x.Raw
	for i := range out {
		e := b[i*size : (i+1)*size]
		switch x.Type {
		case IDXUint8:
			out[i] = float64(e[0])
		case IDXInt8:
			out[i] = float64(int8(e[0]))
		case IDXInt16:
			out[i] = float64(int16(binary.BigEndian.Uint16(e)))
		case IDXInt32:
			out[i] = float64(int32(binary.BigEndian.Uint32(e)))
		case IDXFloat32:
			out[i] = float64(math.Float32frombits(binary.BigEndian.Uint32(e)))
		case IDXFloat64:
			out[i] = math.Float64frombits(binary.BigEndian.Uint64(e))
		}
	}
	return out
}

// WriteIDX writes x in the IDX format (uncompressed).
func WriteIDX(w io.Writer, x *IDX) error {
	size := idxSize(x.Type)
	if size == 0 {
		return fmt.Errorf("data: WriteIDX: unknown element type 0x%02x", x.Type)
	}
	if len(x.Dims) > 255 {
		return fmt.Errorf("data: WriteIDX: %d dimensions, at most 255", len(x.Dims))
	}
	n := size
	for _, d := range x.Dims {
		if d < 0 || d > math.MaxUint32 {
			return fmt.Errorf("data: WriteIDX: bad dimension in shape %v", x.Dims)
		}
		n *= d
	}
	if n != len(x.Raw) {
		return fmt.Errorf("data: WriteIDX: shape %v needs %d bytes, have %d", x.Dims, n, len(x.Raw))
	}
	var buf bytes.Buffer
	buf.Write([]byte{0, 0, x.Type, byte(len(x.Dims))})
	for _, d := range x.Dims {
		_ = binary.Write(&buf, binary.BigEndian, uint32(d))
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("data: WriteIDX: %w", err)
	}
	if _, err := w.Write(x.Raw); err != nil {
		return fmt.Errorf("data: WriteIDX: %w", err)
	}
	return nil
}
