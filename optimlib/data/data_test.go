package data

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"io"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/descentlab/descent/optimlib/tensor"
)

// rangeSet is a data set whose sample i has features [i, 10i] and target i.
func rangeSet(n int) *TensorDataset {
	x, y := make([]float64, 2*n), make([]float64, n)
	for i := 0; i < n; i++ {
		x[2*i], x[2*i+1], y[i] = float64(i), float64(10*i), float64(i)
	}
	return NewTensorDataset(tensor.New(x, n, 2), tensor.New(y, n))
}

// epoch collects the sample indices of each batch of one epoch.
func epoch(t *testing.T, l *DataLoader) [][]int {
	t.Helper()
	var out [][]int
	for l.Next() {
		b := l.Batch()
		labels := b.Labels()
		if got, want := b.X.Shape(), []int{len(labels), 2}; !reflect.DeepEqual(got, want) {
			t.Fatalf("batch X shape %v, want %v", got, want)
		}
		for k, i := range labels {
			if b.X.Data()[2*k] != float64(i) || b.X.Data()[2*k+1] != float64(10*i) {
				t.Fatalf("batch row %d = %v, want sample %d", k, b.X.Data()[2*k:2*k+2], i)
			}
		}
		out = append(out, labels)
	}
	return out
}

func TestDataLoaderOrder(t *testing.T) {
	tests := []struct {
		name string
		n    int
		cfg  LoaderConfig
		want [][]int
	}{
		{"default batch 1", 3, LoaderConfig{}, [][]int{{0}, {1}, {2}}},
		{"short last", 7, LoaderConfig{BatchSize: 3}, [][]int{{0, 1, 2}, {3, 4, 5}, {6}}},
		{"drop last", 7, LoaderConfig{BatchSize: 3, DropLast: true}, [][]int{{0, 1, 2}, {3, 4, 5}}},
		{"exact", 6, LoaderConfig{BatchSize: 3, DropLast: true}, [][]int{{0, 1, 2}, {3, 4, 5}}},
		{"batch larger than set", 2, LoaderConfig{BatchSize: 5}, [][]int{{0, 1}}},
		{"batch larger, dropped", 2, LoaderConfig{BatchSize: 5, DropLast: true}, nil},
		{"empty", 0, LoaderConfig{BatchSize: 2}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := NewDataLoader(rangeSet(tc.n), tc.cfg)
			if got := l.Len(); got != len(tc.want) {
				t.Errorf("Len = %d, want %d", got, len(tc.want))
			}
			for e := 1; e <= 2; e++ {
				if got := epoch(t, l); !reflect.DeepEqual(got, tc.want) {
					t.Errorf("epoch %d: batches %v, want %v", e, got, tc.want)
				}
				if l.Epoch() != e {
					t.Errorf("Epoch = %d, want %d", l.Epoch(), e)
				}
			}
		})
	}
}

func TestDataLoaderShuffle(t *testing.T) {
	ds := rangeSet(50)
	run := func(seed int64) [][]int {
		l := NewDataLoader(ds, LoaderConfig{BatchSize: 8, Shuffle: true, Seed: seed})
		var flat [][]int
		for e := 0; e < 3; e++ {
			var order []int
			for _, b := range epoch(t, l) {
				order = append(order, b...)
			}
			flat = append(flat, order)
		}
		return flat
	}
	a, b, c := run(7), run(7), run(8)
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("same seed gave different orders")
	}
	if reflect.DeepEqual(a, c) {
		t.Errorf("seeds 7 and 8 gave the same orders")
	}
	if reflect.DeepEqual(a[0], a[1]) {
		t.Errorf("two epochs had the same order")
	}
	for e, order := range a {
		s := slices.Clone(order)
		slices.Sort(s)
		for i, v := range s {
			if v != i {
				t.Fatalf("epoch %d is not a permutation of 0..49: %v", e, order)
			}
		}
		if slices.IsSorted(order) {
			t.Errorf("epoch %d is not shuffled", e)
		}
	}
}

func TestDataLoaderReset(t *testing.T) {
	l := NewDataLoader(rangeSet(5), LoaderConfig{BatchSize: 2})
	l.Next()
	l.Reset()
	if got := epoch(t, l); len(got) != 3 || got[0][0] != 0 {
		t.Errorf("after Reset: %v, want a full epoch from sample 0", got)
	}
	if l.Epoch() != 2 {
		t.Errorf("Epoch = %d, want 2", l.Epoch())
	}
}

func TestLabelsRejectsFractions(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(error).Error(), "not a class index") {
			t.Errorf("panic %v, want an error about a class index", r)
		}
	}()
	Labels(tensor.New([]float64{1, 2.5}, 2))
}

func TestSubsetSplitGetAll(t *testing.T) {
	ds := rangeSet(5)
	a, b := Split(ds, 2)
	if a.Len() != 2 || b.Len() != 3 {
		t.Fatalf("Split lengths %d, %d", a.Len(), b.Len())
	}
	x, y := Get(b, 1)
	if !reflect.DeepEqual(x.Data(), []float64{3, 30}) || y.Item() != 3 || len(y.Shape()) != 0 {
		t.Errorf("Get(b, 1) = %v, %v (shape %v)", x.Data(), y.Data(), y.Shape())
	}
	sx, sy := All(Subset(ds, []int{4, 0}))
	if !reflect.DeepEqual(sx.Data(), []float64{4, 40, 0, 0}) || !reflect.DeepEqual(sy.Data(), []float64{4, 0}) {
		t.Errorf("All(Subset) = %v, %v", sx.Data(), sy.Data())
	}
	mustPanic(t, "index 5 out of range", func() { Subset(ds, []int{5}) })
	mustPanic(t, "first (sample) dimension", func() { NewTensorDataset(tensor.Zeros(3, 2), tensor.Zeros(4)) })
}

func mustPanic(t *testing.T, want string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		err, ok := r.(error)
		if !ok || !strings.Contains(err.Error(), want) {
			t.Errorf("panic %v, want an error containing %q", r, want)
		}
	}()
	f()
}

func TestIDXRoundTrip(t *testing.T) {
	f32 := make([]byte, 8)
	binary.BigEndian.PutUint32(f32, math.Float32bits(1.5))
	binary.BigEndian.PutUint32(f32[4:], math.Float32bits(-2))
	f64 := make([]byte, 8)
	binary.BigEndian.PutUint64(f64, math.Float64bits(math.Pi))
	tests := []struct {
		name string
		x    IDX
		want []float64
	}{
		{"uint8", IDX{IDXUint8, []int{2, 2}, []byte{0, 1, 128, 255}}, []float64{0, 1, 128, 255}},
		{"int8", IDX{IDXInt8, []int{2}, []byte{0xff, 0x7f}}, []float64{-1, 127}},
		{"int16", IDX{IDXInt16, []int{1}, []byte{0xff, 0xfe}}, []float64{-2}},
		{"int32", IDX{IDXInt32, []int{1}, []byte{0, 1, 0, 0}}, []float64{65536}},
		{"float32", IDX{IDXFloat32, []int{2, 1}, f32}, []float64{1.5, -2}},
		{"float64", IDX{IDXFloat64, []int{1, 1, 1}, f64}, []float64{math.Pi}},
		{"scalar", IDX{IDXUint8, []int{}, []byte{7}}, []float64{7}},
	}
	for _, tc := range tests {
		for _, zip := range []bool{false, true} {
			var buf bytes.Buffer
			w := &buf
			var zw *gzip.Writer
			if zip {
				zw = gzip.NewWriter(&buf)
			}
			var err error
			if zip {
				err = WriteIDX(zw, &tc.x)
				zw.Close()
			} else {
				err = WriteIDX(w, &tc.x)
			}
			if err != nil {
				t.Fatalf("%s: WriteIDX: %v", tc.name, err)
			}
			got, err := ReadIDX(&buf)
			if err != nil {
				t.Fatalf("%s (gzip %v): ReadIDX: %v", tc.name, zip, err)
			}
			if got.Type != tc.x.Type || !reflect.DeepEqual(got.Dims, tc.x.Dims) || !reflect.DeepEqual(got.Values(), tc.want) {
				t.Errorf("%s (gzip %v): read type %x dims %v values %v, want %x %v %v", tc.name, zip, got.Type, got.Dims, got.Values(), tc.x.Type, tc.x.Dims, tc.want)
			}
		}
	}
}

func TestReadIDXErrors(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"empty", nil, "header"},
		{"magic", []byte{1, 0, 8, 1, 0, 0, 0, 1, 5}, "bad magic"},
		{"type", []byte{0, 0, 7, 1, 0, 0, 0, 1, 5}, "unknown element type"},
		{"short dims", []byte{0, 0, 8, 2, 0, 0, 0, 1}, "dimension 1 of 2"},
		{"short data", []byte{0, 0, 8, 1, 0, 0, 0, 3, 5}, "needs 3 bytes of data, found 1"},
		{"huge", []byte{0, 0, 0x0e, 2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, "too large"},
		{"bad gzip", []byte{0x1f, 0x8b, 0}, "ReadIDX"},
	}
	for _, tc := range tests {
		_, err := ReadIDX(bytes.NewReader(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
	if err := WriteIDX(&bytes.Buffer{}, &IDX{IDXInt16, []int{2}, []byte{1, 2}}); err == nil {
		t.Errorf("WriteIDX with too few bytes: no error")
	}
}

func FuzzReadIDX(f *testing.F) {
	f.Add([]byte{0, 0, 8, 2, 0, 0, 0, 1, 0, 0, 0, 2, 3, 4})
	f.Add([]byte{0, 0, 0x0d, 1, 0, 0, 0, 1, 0x3f, 0x80, 0, 0})
	f.Add([]byte{0x1f, 0x8b, 8, 0})
	f.Fuzz(func(t *testing.T, in []byte) {
		x, err := ReadIDX(bytes.NewReader(in))
		if err != nil {
			return
		}
		n := 1
		for _, d := range x.Dims {
			n *= d
		}
		if len(x.Values()) != n {
			t.Fatalf("shape %v but %d values", x.Dims, len(x.Values()))
		}
		var buf bytes.Buffer
		if err := WriteIDX(&buf, x); err != nil {
			t.Fatalf("WriteIDX of a read array: %v", err)
		}
		y, err := ReadIDX(&buf)
		if err != nil || !reflect.DeepEqual(x, y) {
			t.Fatalf("round trip: %v, %+v != %+v", err, y, x)
		}
	})
}

// writeFashion writes a two-image Fashion-MNIST split into dir.
func writeFashion(t *testing.T, dir, prefix string, zip bool, labels []byte) {
	t.Helper()
	pixels := make([]byte, len(labels)*3*2)
	for i := range pixels {
		pixels[i] = byte(i * 10)
	}
	for _, f := range []struct {
		name string
		x    IDX
	}{
		{prefix + "-images-idx3-ubyte", IDX{IDXUint8, []int{len(labels), 3, 2}, pixels}},
		{prefix + "-labels-idx1-ubyte", IDX{IDXUint8, []int{len(labels)}, labels}},
	} {
		var buf bytes.Buffer
		if err := WriteIDX(&buf, &f.x); err != nil {
			t.Fatal(err)
		}
		name, content := f.name, buf.Bytes()
		if zip {
			var z bytes.Buffer
			zw := gzip.NewWriter(&z)
			zw.Write(content)
			zw.Close()
			name, content = name+".gz", z.Bytes()
		}
		if err := os.WriteFile(filepath.Join(dir, name), content, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestFashionMNISTSmallFiles(t *testing.T) {
	dir := t.TempDir()
	writeFashion(t, dir, "train", true, []byte{9, 0})
	writeFashion(t, dir, "t10k", false, []byte{3, 4})
	for _, train := range []bool{true, false} {
		ds, err := FashionMNIST(dir, train)
		if err != nil {
			t.Fatalf("train=%v: %v", train, err)
		}
		if ds.Len() != 2 || ds.Rows != 3 || ds.Cols != 2 {
			t.Fatalf("train=%v: %d images of %d×%d", train, ds.Len(), ds.Rows, ds.Cols)
		}
		x, y := Get(ds, 1)
		if !reflect.DeepEqual(x.Shape(), []int{1, 3, 2}) || x.Data()[0] != 60.0/255 || x.Data()[5] != 110.0/255 {
			t.Errorf("train=%v: image 1 = %v shape %v", train, x.Data(), x.Shape())
		}
		want := map[bool]float64{true: 0, false: 4}[train]
		if y.Item() != want {
			t.Errorf("train=%v: label %v, want %v", train, y.Item(), want)
		}
	}
}

func TestFashionMNISTErrors(t *testing.T) {
	_, err := FashionMNIST(t.TempDir(), true)
	if err == nil || !strings.Contains(err.Error(), "dataset-fashion-mnist") {
		t.Errorf("missing files: error %v, want one naming dataset-fashion-mnist", err)
	}
	dir := t.TempDir()
	writeFashion(t, dir, "train", false, []byte{1, 10})
	if _, err := FashionMNIST(dir, true); err == nil || !strings.Contains(err.Error(), "label 10") {
		t.Errorf("label 10: error %v", err)
	}
}

func TestFashionMNISTInstalled(t *testing.T) {
	if _, err := os.Stat(FashionMNISTDir); err != nil {
		t.Skip("dataset-fashion-mnist is not installed")
	}
	ds, err := FashionMNIST("", false)
	if err != nil {
		t.Fatal(err)
	}
	if ds.Len() != 10000 || ds.Rows != 28 || ds.Cols != 28 {
		t.Fatalf("test split: %d images of %d×%d", ds.Len(), ds.Rows, ds.Cols)
	}
	counts := make([]int, 10)
	for _, l := range ds.Targets {
		counts[l]++
	}
	for c, n := range counts {
		if n != 1000 {
			t.Errorf("class %d (%s) has %d test images, want 1000", c, FashionMNISTClasses[c], n)
		}
	}
}

func TestTwoGaussians(t *testing.T) {
	ds := TwoGaussians(rand.New(rand.NewSource(1)), 4000, 4, 0.5)
	if xs, ys := ds.Shapes(); !reflect.DeepEqual(xs, []int{2}) || !reflect.DeepEqual(ys, []int{1}) {
		t.Fatalf("shapes %v %v", xs, ys)
	}
	var sum [2][2]float64
	var cnt [2]float64
	for i := 0; i < ds.Len(); i++ {
		x, y := Get(ds, i)
		c := 0
		switch y.Item() {
		case 1:
			c = 1
		case -1:
		default:
			t.Fatalf("label %v", y.Item())
		}
		cnt[c]++
		sum[c][0] += x.Data()[0]
		sum[c][1] += x.Data()[1]
	}
	for c, want := range []float64{-2, 2} {
		for j := 0; j < 2; j++ {
			if m := sum[c][j] / cnt[c]; math.Abs(m-want) > 0.05 {
				t.Errorf("class %d coordinate %d mean %v, want %v", c, j, m, want)
			}
		}
	}
	if cnt[0] != cnt[1] {
		t.Errorf("class sizes %v", cnt)
	}
}

func TestSpiral(t *testing.T) {
	ds := Spiral(rand.New(rand.NewSource(1)), 50, 3, 0)
	if ds.Len() != 150 {
		t.Fatalf("Len = %d", ds.Len())
	}
	x, y := All(ds)
	labels := Labels(y)
	for i := 0; i < 150; i++ {
		k, j := i/50, i%50
		if labels[i] != k {
			t.Fatalf("label %d = %d, want %d", i, labels[i], k)
		}
		r := math.Hypot(x.Data()[2*i], x.Data()[2*i+1])
		if want := float64(j) / 49; math.Abs(r-want) > 1e-12 {
			t.Fatalf("radius of point %d = %v, want %v", i, r, want)
		}
	}
	// Arms start at evenly spaced angles: the end of each arm is at angle 2πk/3 + 4.
	for k := 0; k < 3; k++ {
		i := k*50 + 49
		got := math.Atan2(x.Data()[2*i+1], x.Data()[2*i])
		want := math.Remainder(2*math.Pi*float64(k)/3+4, 2*math.Pi)
		if math.Abs(got-want) > 1e-12 {
			t.Errorf("arm %d ends at angle %v, want %v", k, got, want)
		}
	}
}

func TestRegressionConditioning(t *testing.T) {
	w := []float64{2, -1}
	ds := Regression(rand.New(rand.NewSource(3)), 20000, w, 0.5, 0, []float64{10, 0}, []float64{1, 3})
	x, y := All(ds)
	var m [2]float64
	var m2 [2][2]float64
	for i := 0; i < ds.Len(); i++ {
		xi := x.Data()[2*i : 2*i+2]
		if got, want := y.Data()[i], 0.5+2*xi[0]-xi[1]; math.Abs(got-want) > 1e-12 {
			t.Fatalf("y[%d] = %v, want %v", i, got, want)
		}
		for a := 0; a < 2; a++ {
			m[a] += xi[a] / float64(ds.Len())
			for b := 0; b < 2; b++ {
				m2[a][b] += xi[a] * xi[b] / float64(ds.Len())
			}
		}
	}
	// E[xxᵀ] = diag(scale²) + offset offsetᵀ = [[101, 0], [0, 9]].
	want := [2][2]float64{{101, 0}, {0, 9}}
	for a := 0; a < 2; a++ {
		for b := 0; b < 2; b++ {
			if math.Abs(m2[a][b]-want[a][b]) > 0.03*math.Max(1, want[a][b])*3 {
				t.Errorf("second moment [%d][%d] = %v, want ≈ %v", a, b, m2[a][b], want[a][b])
			}
		}
	}
	std, mean, sd := Standardize(ds)
	if math.Abs(mean[0]-10) > 0.05 || math.Abs(sd[1]-3) > 0.05 {
		t.Errorf("Standardize removed mean %v and std %v", mean, sd)
	}
	sx, _ := All(std)
	var s, s2 [2]float64
	for i, v := range sx.Data() {
		s[i%2] += v / float64(ds.Len())
		s2[i%2] += v * v / float64(ds.Len())
	}
	for j := 0; j < 2; j++ {
		if math.Abs(s[j]) > 1e-12 || math.Abs(s2[j]-1) > 1e-12 {
			t.Errorf("standardized feature %d: mean %v, mean square %v", j, s[j], s2[j])
		}
	}
	// ShiftScale with the removed statistics reproduces the standardized data.
	again := ShiftScale(ds, []float64{-mean[0] / sd[0], -mean[1] / sd[1]}, []float64{1 / sd[0], 1 / sd[1]})
	for i, v := range again.X.Data() {
		if math.Abs(v-sx.Data()[i]) > 1e-9 {
			t.Fatalf("ShiftScale feature %d = %v, Standardize gave %v", i, v, sx.Data()[i])
		}
	}
	mustPanic(t, "do not match", func() { Regression(rand.New(rand.NewSource(1)), 3, w, 0, 0, []float64{1}, nil) })
}

// TestReadIDXLarge reads a payload that crosses several of readUpTo's
// buffer doublings, delivered a few bytes at a time and gzipped, and a
// header announcing 3 GiB over a few bytes of data, which must fail without
// allocating the announced size.
func TestReadIDXLarge(t *testing.T) {
	raw := make([]byte, 17*(3<<20/17+5))
	for i := range raw {
		raw[i] = byte(i*7 + i>>11)
	}
	x := &IDX{Type: IDXUint8, Dims: []int{len(raw) / 17, 17}, Raw: raw}
	var plain, zipped bytes.Buffer
	if err := WriteIDX(&plain, x); err != nil {
		t.Fatal(err)
	}
	zw := gzip.NewWriter(&zipped)
	if err := WriteIDX(zw, x); err != nil {
		t.Fatal(err)
	}
	zw.Close()
	for name, r := range map[string]io.Reader{
		"plain, 5 bytes per read": iotest.HalfReader(&chunkReader{r: bytes.NewReader(plain.Bytes()), n: 10}),
		"gzip":                    &zipped,
	} {
		got, err := ReadIDX(r)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !bytes.Equal(got.Raw, raw) || cap(got.Raw) != len(raw) {
			t.Errorf("%s: read %d bytes (capacity %d), equal %v; want the %d written", name, len(got.Raw), cap(got.Raw), bytes.Equal(got.Raw, raw), len(raw))
		}
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := ReadIDX(bytes.NewReader([]byte{0, 0, 8, 2, 0, 1, 0, 0, 0, 0, 0xc0, 0, 1, 2, 3}))
	runtime.ReadMemStats(&after)
	if err == nil || !strings.Contains(err.Error(), "needs 3221225472 bytes of data, found 3") {
		t.Errorf("lying header: error %v", err)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 4<<20 {
		t.Errorf("lying header: %d bytes allocated", grew)
	}
}

// chunkReader returns at most n bytes per Read.
type chunkReader struct {
	r io.Reader
	n int
}

func (c *chunkReader) Read(p []byte) (int, error) { return c.r.Read(p[:min(len(p), c.n)]) }
