package data

import (
	"fmt"
	"strings"
)

// The String methods summarize data sets and loaders, so that a notebook
// cell whose value is one shows its size and shapes, never its contents
// (Fashion-MNIST's training images alone are 47 million bytes).

// String describes the number and size of the images.
func (m *Images) String() string {
	classes := map[byte]bool{}
	for _, t := range m.Targets {
		classes[t] = true
	}
	return fmt.Sprintf("Images(%d images of %d×%d, %d classes)", m.Len(), m.Rows, m.Cols, len(classes))
}

// String describes the number of samples and their shapes.
func (d *TensorDataset) String() string {
	x, y := d.Shapes()
	return fmt.Sprintf("TensorDataset(%d samples, x %v, y %v)", d.Len(), x, y)
}

// String describes the data set and how the loader walks it.
func (l *DataLoader) String() string {
	opts := []string{fmt.Sprintf("batch %d", l.cfg.BatchSize)}
	if l.cfg.Shuffle {
		opts = append(opts, fmt.Sprintf("shuffled (seed %d)", l.cfg.Seed))
	}
	if l.cfg.DropLast {
		opts = append(opts, "drop last")
	}
	return fmt.Sprintf("DataLoader(%d samples, %s: %d batches per epoch)", l.ds.Len(), strings.Join(opts, ", "), l.Len())
}

// String describes the element type and the shape.
func (x *IDX) String() string {
	names := map[byte]string{IDXUint8: "uint8", IDXInt8: "int8", IDXInt16: "int16", IDXInt32: "int32", IDXFloat32: "float32", IDXFloat64: "float64"}
	name, ok := names[x.Type]
	if !ok {
		name = fmt.Sprintf("type 0x%02x", x.Type)
	}
	return fmt.Sprintf("IDX(%s %v)", name, x.Dims)
}
