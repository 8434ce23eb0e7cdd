package nn

import (
	"bytes"
	"fmt"
	"math"
	"math/rand"
	"slices"
	"strings"
	"testing"

	"github.com/descentlab/descent/optimlib/tensor"
)

func TestNewEmbedding(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	tests := []struct {
		name    string
		opts    []EmbeddingOption
		pad     int
		sparse  bool
		display string
	}{
		{"plain", nil, -1, false, "Embedding(2000, 5)"},
		{"padding", []EmbeddingOption{PaddingIdx(3)}, 3, false, "Embedding(2000, 5, padding_idx=3)"},
		{"padding from the end", []EmbeddingOption{PaddingIdx(-1), SparseGrad()}, 1999, true, "Embedding(2000, 5, padding_idx=1999, sparse=True)"},
		{"padding zero", []EmbeddingOption{PaddingIdx(0)}, 0, false, "Embedding(2000, 5, padding_idx=0)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := NewEmbedding(2000, 5, rng, tc.opts...)
			if e.PaddingIdx != tc.pad || e.Sparse != tc.sparse || e.String() != tc.display {
				t.Errorf("got PaddingIdx %d, Sparse %v, %q", e.PaddingIdx, e.Sparse, e.String())
			}
			if !slices.Equal(e.Weight.Shape(), []int{2000, 5}) || !e.Weight.RequiresGrad() || e.NumEmbeddings() != 2000 || e.Dim() != 5 {
				t.Fatalf("weight shape %v", e.Weight.Shape())
			}
			w := e.Weight.Data()
			// N(0, 1) entries: mean and variance of 10⁴ draws within 4 standard errors.
			mean, sq := 0.0, 0.0
			for _, v := range w {
				mean += v
				sq += v * v
			}
			n := float64(len(w))
			mean /= n
			variance := sq/n - mean*mean
			if math.Abs(mean) > 4/math.Sqrt(n) || math.Abs(variance-1) > 4*math.Sqrt(2/n) {
				t.Errorf("mean %g, variance %g: not N(0, 1)", mean, variance)
			}
			if tc.pad >= 0 && slices.ContainsFunc(w[tc.pad*5:tc.pad*5+5], func(v float64) bool { return v != 0 }) {
				t.Errorf("padding row %v is not zero", w[tc.pad*5:tc.pad*5+5])
			}
		})
	}
}

func TestNewEmbeddingFrom(t *testing.T) {
	w := tensor.New([]float64{1, 2, 3, 4, 5, 6}, 3, 2)
	e := NewEmbeddingFrom(w, true, PaddingIdx(-1))
	if e.Weight != w || w.RequiresGrad() || e.PaddingIdx != 2 || e.Sparse {
		t.Errorf("frozen: weight shared %v, requires grad %v, padding %d", e.Weight == w, w.RequiresGrad(), e.PaddingIdx)
	}
	if got := e.Lookup([]int{2, 0}).Data(); !slices.Equal(got, []float64{5, 6, 1, 2}) {
		t.Errorf("Lookup = %v; the padding row keeps its values", got)
	}
	v := tensor.New([]float64{1, 2, 3, 4, 5, 6}, 3, 2)
	f := NewEmbeddingFrom(v, false, SparseGrad())
	tensor.Sum(f.Lookup([]int{1})).Backward()
	if !v.RequiresGrad() || !f.Weight.Grad().IsSparse() {
		t.Error("a trainable table must require gradients and get sparse ones")
	}
	if msg := panicMsg(func() { NewEmbeddingFrom(tensor.Zeros(3), false) }); !strings.Contains(msg, "nn: NewEmbeddingFrom: weight of shape [3] is not a non-empty [num, dim] matrix") {
		t.Errorf("panic %q", msg)
	}
}

func TestEmbeddingBadInput(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	e := NewEmbedding(4, 2, rng)
	tests := []struct {
		name string
		f    func()
		want string
	}{
		{"sizes", func() { NewEmbedding(0, 2, rng) }, "nn: NewEmbedding: bad sizes num=0 dim=2"},
		{"rng", func() { NewEmbedding(3, 2, nil) }, "nn: NewEmbedding: nil *rand.Rand"},
		{"padding", func() { NewEmbedding(3, 2, rng, PaddingIdx(3)) }, "nn: NewEmbedding: padding index 3 out of range for 3 embeddings"},
		{"padding negative", func() { NewEmbedding(3, 2, rng, PaddingIdx(-4)) }, "nn: NewEmbedding: padding index -4 out of range"},
		{"index", func() { e.Lookup([]int{0, 4}) }, "nn: Embedding: index 4 out of range for 4 embeddings (weight shape [4 2])"},
		{"not an index", func() { e.Forward(tensor.New([]float64{1, 0.5})) }, "nn: Embedding: input of shape [2] holds 0.5, not an index"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := panicMsg(tc.f); !strings.Contains(got, tc.want) {
				t.Errorf("panic %q, want it to contain %q", got, tc.want)
			}
		})
	}
}

// panicMsg returns the message f panics with, or "".
func panicMsg(f func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprint(r)
		}
	}()
	f()
	return ""
}

func TestEmbeddingForwardAndGradients(t *testing.T) {
	for _, sparse := range []bool{false, true} {
		t.Run(fmt.Sprintf("sparse=%v", sparse), func(t *testing.T) {
			rng := rand.New(rand.NewSource(2))
			opts := []EmbeddingOption{PaddingIdx(0)}
			if sparse {
				opts = append(opts, SparseGrad())
			}
			e := NewEmbedding(6, 3, rng, opts...)
			x := tensor.New([]float64{2, 0, 5, 2, 2, 1}, 2, 3)
			out := e.Forward(x)
			if !slices.Equal(out.Shape(), []int{2, 3, 3}) {
				t.Fatalf("Forward shape %v, want [2 3 3]", out.Shape())
			}
			idx := []int{2, 0, 5, 2, 2, 1}
			if !tensor.Equal(tensor.Reshape(out, 6, 3), tensor.IndexSelect(e.Weight, 0, idx), 0) {
				t.Error("Forward differs from the rows of Weight")
			}
			c := tensor.Randn(rng, 2, 3, 3)
			tensor.Sum(tensor.Mul(out, c)).Backward()
			g := e.Weight.Grad()
			if g.IsSparse() != sparse {
				t.Fatalf("gradient sparse=%v, want %v", g.IsSparse(), sparse)
			}
			// Row r's gradient is the sum of c's rows where idx is r; the
			// padding row 0 gets none.
			want := make([]float64, 18)
			cd := c.Data()
			for k, r := range idx {
				if r == 0 {
					continue
				}
				for j := 0; j < 3; j++ {
					want[r*3+j] += cd[k*3+j]
				}
			}
			if got := tensor.Densify(g).Data(); !tensor.Equal(tensor.New(got, 6, 3), tensor.New(want, 6, 3), 1e-15) {
				t.Errorf("gradient %v, want %v", got, want)
			}
			if sparse && !slices.Equal(g.SparseRows(), []int{2, 5, 2, 2, 1}) {
				t.Errorf("sparse rows %v, want [2 5 2 2 1]", g.SparseRows())
			}
			e.ZeroGrad()
			if e.Weight.Grad() != nil {
				t.Error("ZeroGrad kept the gradient")
			}
		})
	}
}

func TestEmbeddingBagMean(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	e := NewEmbedding(5, 2, rng, SparseGrad())
	bags := [][]int{{1, 1, 4}, {}, {0}}
	got := e.BagMean(bags)
	w := e.Weight.Data()
	want := []float64{
		(2*w[2] + w[8]) / 3, (2*w[3] + w[9]) / 3,
		0, 0,
		w[0], w[1],
	}
	if !tensor.Equal(got, tensor.New(want, 3, 2), 1e-15) {
		t.Errorf("BagMean = %v, want %v", got.Data(), want)
	}
	tensor.Sum(got).Backward()
	g := e.Weight.Grad()
	if !g.IsSparse() || !slices.Equal(tensor.Densify(g).Data(), []float64{1, 1, 2.0 / 3, 2.0 / 3, 0, 0, 0, 0, 1.0 / 3, 1.0 / 3}) {
		t.Errorf("BagMean gradient %v", tensor.Densify(g).Data())
	}
	if got := e.BagMean(nil); !slices.Equal(got.Shape(), []int{0, 2}) {
		t.Errorf("BagMean(nil) shape %v", got.Shape())
	}
}

func TestEmbeddingState(t *testing.T) {
	a := NewEmbedding(7, 3, rand.New(rand.NewSource(4)), PaddingIdx(1), SparseGrad())
	model := NewSequential(a, NewLinear(3, 2, rand.New(rand.NewSource(5))))
	if got := StateKeys(model); !slices.Equal(got, []string{"0.weight", "1.weight", "1.bias"}) {
		t.Errorf("StateKeys = %v", got)
	}
	b := NewEmbedding(7, 3, rand.New(rand.NewSource(6)), PaddingIdx(1), SparseGrad())
	other := NewSequential(b, NewLinear(3, 2, rand.New(rand.NewSource(7))))
	if err := LoadStateDict(other, StateDict(model)); err != nil {
		t.Fatal(err)
	}
	if !tensor.Equal(a.Weight, b.Weight, 0) {
		t.Error("LoadStateDict did not copy the embedding")
	}
	var buf bytes.Buffer
	if err := WriteState(&buf, model); err != nil {
		t.Fatal(err)
	}
	c := NewSequential(NewEmbedding(7, 3, rand.New(rand.NewSource(8))), NewLinear(3, 2, rand.New(rand.NewSource(9))))
	if err := ReadState(&buf, c); err != nil {
		t.Fatal(err)
	}
	if !tensor.Equal(c.Layers[0].(*Embedding).Weight, a.Weight, 0) {
		t.Error("ReadState did not restore the embedding")
	}
	if err := LoadStateDict(NewEmbedding(8, 3, rand.New(rand.NewSource(1))), StateDict(a)); err == nil || !strings.Contains(err.Error(), `key "weight" has shape [7 3], module has [8 3]`) {
		t.Errorf("LoadStateDict with a wrong shape: %v", err)
	}
	if got := NumParameters(model); got != 7*3+3*2+2 {
		t.Errorf("NumParameters = %d", got)
	}
}

func ExampleEmbedding() {
	rng := rand.New(rand.NewSource(1))
	// A vocabulary of 10 words in 4 dimensions; word 0 pads short sentences.
	emb := NewEmbedding(10, 4, rng, PaddingIdx(0), SparseGrad())
	fmt.Println(emb)
	// Two sentences of three words each.
	x := tensor.New([]float64{3, 7, 3, 5, 0, 0}, 2, 3)
	vecs := emb.Forward(x)
	fmt.Println(vecs.Shape())
	tensor.Sum(tensor.MeanAxis(vecs, 1, false)).Backward()
	// Only the words used get a gradient row (word 3 twice); the padding
	// word gets none.
	fmt.Println(emb.Weight.Grad().IsSparse(), emb.Weight.Grad().SparseRows())
	// Output:
	// Embedding(10, 4, padding_idx=0, sparse=True)
	// [2 3 4]
	// true [3 7 3 5]
}
