package data

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// FashionMNISTDir is where Debian's dataset-fashion-mnist package installs
// the Fashion-MNIST IDX files.
const FashionMNISTDir = "/usr/share/datasets/fashion-mnist"

// FashionMNISTClasses names the ten Fashion-MNIST classes, by label.
var FashionMNISTClasses = []string{
	"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
	"Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
}

// Images is a labelled image data set such as Fashion-MNIST, kept as bytes.
// A sample's features have shape [1, Rows, Cols] with values pixel/255 in
// [0, 1] (as torchvision's ToTensor gives); its target is the class index
// (shape []).
type Images struct {
	// Pixels holds N×Rows×Cols bytes, image after image.
	Pixels []byte
	// Targets holds one class index per image.
	Targets    []byte
	Rows, Cols int
}

// Len returns the number of images.
func (m *Images) Len() int { return len(m.Targets) }

// Shapes returns [1 Rows Cols] and [] (a class index).
func (m *Images) Shapes() (x, y []int) { return []int{1, m.Rows, m.Cols}, []int{} }

// pixelScale[p] is float64(p) / 255, the scaled value of the byte p: a
// table lookup gives the quotient's exact value without a division per
// pixel.
var pixelScale = func() (t [256]float64) {
	for p := range t {
		t[p] = float64(p) / 255
	}
	return t
}()

// Fill writes image i scaled to [0, 1] into x and its label into y.
func (m *Images) Fill(i int, x, y []float64) {
	if i < 0 || i >= len(m.Targets) {
		panic(fmt.Errorf("data: Images: index %d out of range for %d images", i, len(m.Targets)))
	}
	d := m.Rows * m.Cols
	x = x[:d]
	for k, p := range m.Pixels[i*d : (i+1)*d] {
		x[k] = pixelScale[p]
	}
	y[0] = float64(m.Targets[i])
}

// FashionMNIST reads the training (train=true, 60000 images) or test
// (10000 images) part of Fashion-MNIST from the IDX files in dir
// (train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-…; each either
// gzip-compressed with a .gz suffix or raw). An empty dir means
// FashionMNISTDir; when the files are absent the error names the Debian
// package that provides them.
func FashionMNIST(dir string, train bool) (*Images, error) {
	if dir == "" {
		dir = FashionMNISTDir
	}
	prefix := "t10k"
	if train {
		prefix = "train"
	}
	img, err := readIDXFile(dir, prefix+"-images-idx3-ubyte")
	if err != nil {
		return nil, err
	}
	lab, err := readIDXFile(dir, prefix+"-labels-idx1-ubyte")
	if err != nil {
		return nil, err
	}
	if img.Type != IDXUint8 || len(img.Dims) != 3 {
		return nil, fmt.Errorf("data: FashionMNIST: images in %s have type 0x%02x and shape %v, want uint8 [N rows cols]", dir, img.Type, img.Dims)
	}
	if lab.Type != IDXUint8 || len(lab.Dims) != 1 || lab.Dims[0] != img.Dims[0] {
		return nil, fmt.Errorf("data: FashionMNIST: labels in %s have type 0x%02x and shape %v, want uint8 [%d]", dir, lab.Type, lab.Dims, img.Dims[0])
	}
	for i, l := range lab.Raw {
		if l >= 10 {
			return nil, fmt.Errorf("data: FashionMNIST: label %d of image %d out of range [0, 10)", l, i)
		}
	}
	return &Images{Pixels: img.Raw, Targets: lab.Raw, Rows: img.Dims[1], Cols: img.Dims[2]}, nil
}

var errNotFound = errors.New("not found")

func readIDXFile(dir, name string) (*IDX, error) {
	for _, p := range []string{filepath.Join(dir, name+".gz"), filepath.Join(dir, name)} {
		f, err := os.Open(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("data: FashionMNIST: %w", err)
		}
		x, err := ReadIDX(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("data: FashionMNIST: %s: %w", p, err)
		}
		return x, nil
	}
	return nil, fmt.Errorf("data: FashionMNIST: %s(.gz) %w in %s; install the Debian package dataset-fashion-mnist (apt-get install dataset-fashion-mnist) or pass the directory holding the IDX files", name, errNotFound, dir)
}
