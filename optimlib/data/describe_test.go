package data

import (
	"fmt"
	"testing"

	"github.com/descentlab/descent/optimlib/tensor"
)

func TestStrings(t *testing.T) {
	ds := NewTensorDataset(tensor.Zeros(10, 2), tensor.Zeros(10))
	img := &Images{Pixels: make([]byte, 3*4*5), Targets: []byte{0, 7, 7}, Rows: 4, Cols: 5}
	cases := []struct {
		v    fmt.Stringer
		want string
	}{
		{ds, "TensorDataset(10 samples, x [2], y [])"},
		{img, "Images(3 images of 4×5, 2 classes)"},
		{NewDataLoader(ds, LoaderConfig{}), "DataLoader(10 samples, batch 1: 10 batches per epoch)"},
		{NewDataLoader(img, LoaderConfig{BatchSize: 2, Shuffle: true, Seed: 3, DropLast: true}), "DataLoader(3 samples, batch 2, shuffled (seed 3), drop last: 1 batches per epoch)"},
		{&IDX{Type: IDXFloat32, Dims: []int{2, 3}}, "IDX(float32 [2 3])"},
		{&IDX{Type: 0x42, Dims: []int{1}}, "IDX(type 0x42 [1])"},
	}
	for _, c := range cases {
		if got := c.v.String(); got != c.want {
			t.Errorf("got %q, want %q", got, c.want)
		}
	}
}
