package tensor

import (
	"fmt"
	"math/rand"
	"slices"
	"strings"
	"testing"
)

// sparseExample is a 5×2 row-sparse tensor with row 3 stored twice:
// densely [[0 0] [1 2] [0 0] [3+5 4+6] [0 0]].
func sparseExample() *Tensor {
	return NewSparse([]int{3, 1, 3}, New([]float64{3, 4, 1, 2, 5, 6}, 3, 2), 5, 2)
}

func TestSparseAccessors(t *testing.T) {
	s := sparseExample()
	if !s.IsSparse() || Zeros(2).IsSparse() {
		t.Fatal("IsSparse wrong")
	}
	if got := s.SparseRows(); !slices.Equal(got, []int{3, 1, 3}) {
		t.Errorf("SparseRows = %v", got)
	}
	if got := s.SparseValues().Shape(); !slices.Equal(got, []int{3, 2}) {
		t.Errorf("SparseValues shape = %v", got)
	}
	if !slices.Equal(s.Shape(), []int{5, 2}) || s.Numel() != 10 || s.Dim() != 2 {
		t.Errorf("shape %v, numel %d", s.Shape(), s.Numel())
	}
	d := Densify(s)
	if d.IsSparse() || !slices.Equal(d.Data(), []float64{0, 0, 1, 2, 0, 0, 8, 10, 0, 0}) {
		t.Errorf("Densify = %v", d.Data())
	}
	c := Coalesce(s)
	if !slices.Equal(c.SparseRows(), []int{1, 3}) || !slices.Equal(c.SparseValues().Data(), []float64{1, 2, 8, 10}) {
		t.Errorf("Coalesce = rows %v values %v", c.SparseRows(), c.SparseValues().Data())
	}
	if !Equal(Densify(c), d, 0) {
		t.Error("Densify(Coalesce(s)) differs from Densify(s)")
	}
	// The returned rows are a copy; the values are the storage.
	s.SparseRows()[0] = 0
	s.SparseValues().Data()[0] = 7
	if s.SparseRows()[0] != 3 || Densify(s).Data()[6] != 12 {
		t.Error("SparseRows must copy and SparseValues must share")
	}
	cl := s.Clone()
	cl.SparseValues().Data()[0] = -1
	if s.SparseValues().Data()[0] != 7 || !cl.IsSparse() {
		t.Error("Clone of a sparse tensor must be a sparse copy")
	}
	dense := Zeros(3)
	if Densify(dense) != dense || Coalesce(dense) != dense {
		t.Error("Densify and Coalesce must return a dense tensor as it is")
	}
	empty := NewSparse(nil, Zeros(0, 2), 4, 2)
	if got := Densify(empty).Data(); !slices.Equal(got, make([]float64, 8)) {
		t.Errorf("Densify(empty) = %v", got)
	}
}

func TestSparseBadInputPanics(t *testing.T) {
	s := sparseExample()
	dense := Ones(5, 2)
	tests := []struct {
		name string
		f    func()
		want string
	}{
		{"NewSparse/values shape", func() { NewSparse([]int{0}, Zeros(2, 2), 5, 2) }, "NewSparse: values of shape [2 2] for 1 rows of shape [5 2], want [1 2]"},
		{"NewSparse/row range", func() { NewSparse([]int{5}, Zeros(1, 2), 5, 2) }, "NewSparse: row 5 out of range for shape [5 2]"},
		{"NewSparse/scalar", func() { NewSparse(nil, Zeros(0)) }, "NewSparse: a row-sparse tensor needs at least one dimension"},
		{"NewSparse/sparse values", func() { NewSparse([]int{0, 1, 2}, s, 5, 5, 2) }, "NewSparse: row-sparse tensor"},
		{"SparseRows/dense", func() { dense.SparseRows() }, "SparseRows: tensor of shape [5 2] is dense"},
		{"SparseValues/dense", func() { dense.SparseValues() }, "SparseValues: tensor of shape [5 2] is dense"},
		{"Data", func() { s.Data() }, "Data: row-sparse tensor of shape [5 2] (3 stored rows) is not supported; convert it with Densify first"},
		{"Item", func() { NewSparse([]int{0}, Zeros(1), 1).Item() }, "Item: row-sparse"},
		{"SetRequiresGrad", func() { s.Clone().SetRequiresGrad(true) }, "SetRequiresGrad: row-sparse"},
		{"Embedding/index", func() { Embedding(dense, []int{5}, -1, false) }, "Embedding: index 5 out of range for weight of shape [5 2]"},
		{"Embedding/padding", func() { Embedding(dense, []int{1}, 5, false) }, "Embedding: padding index 5 out of range"},
		{"Embedding/sparse weight", func() { Embedding(s, []int{1}, -1, false) }, "Embedding: row-sparse"},
		{"Embedding/scalar", func() { Embedding(Scalar(1), []int{0}, -1, false) }, "Embedding: weight is a scalar"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := panicMessage(tc.f); !strings.Contains(got, tc.want) {
				t.Errorf("panic %q, want it to contain %q", got, tc.want)
			}
		})
	}
}

// TestSparseIntoOperationPanics checks that operations refuse a row-sparse
// operand, in either position and with or without gradient recording,
// with an error naming the operation.
func TestSparseIntoOperationPanics(t *testing.T) {
	s := sparseExample()
	tests := []struct {
		op string
		f  func(s *Tensor) *Tensor
	}{
		{"Neg", Neg},
		{"Exp", Exp},
		{"Log", Log},
		{"Sqrt", Sqrt},
		{"Square", Square},
		{"Abs", Abs},
		{"Tanh", Tanh},
		{"Sigmoid", Sigmoid},
		{"ReLU", ReLU},
		{"MulScalar", func(s *Tensor) *Tensor { return MulScalar(s, 2) }},
		{"AddScalar", func(s *Tensor) *Tensor { return AddScalar(s, 2) }},
		{"PowScalar", func(s *Tensor) *Tensor { return PowScalar(s, 3) }},
		{"Clamp", func(s *Tensor) *Tensor { return Clamp(s, -1, 1) }},
		{"Sum", Sum},
		{"Norm", Norm},
		{"Add", func(s *Tensor) *Tensor { return Add(s, Ones(5, 2)) }},
		{"Mul", func(s *Tensor) *Tensor { return Mul(s, Ones(5, 2)) }},
		{"Embedding", func(s *Tensor) *Tensor { return Embedding(s, []int{0}, -1, false) }},
	}
	// Mean is Sum scaled, and its error names the Sum it fails in.
	tests = append(tests, struct {
		op string
		f  func(s *Tensor) *Tensor
	}{"Sum", Mean})
	for _, tc := range tests {
		for _, grad := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/grad=%v", tc.op, grad), func(t *testing.T) {
				var msg string
				if grad {
					msg = panicMessage(func() { tc.f(s) })
				} else {
					NoGrad(func() { msg = panicMessage(func() { tc.f(s) }) })
				}
				want := "tensor: " + tc.op + ": row-sparse tensor of shape [5 2]"
				if !strings.Contains(msg, want) {
					t.Errorf("panic %q, want it to contain %q", msg, want)
				}
			})
		}
	}
}

func TestEmbeddingForward(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	w := Randn(rng, 6, 3)
	idx := []int{4, 0, 4, 2}
	for _, sparse := range []bool{false, true} {
		got := Embedding(w, idx, 2, sparse)
		if !Equal(got, IndexSelect(w, 0, idx), 0) {
			t.Errorf("sparse=%v: Embedding differs from IndexSelect", sparse)
		}
	}
	// Rows of a higher-dimensional weight.
	w3 := Randn(rng, 4, 2, 2)
	if got := Embedding(w3, []int{3, 1}, -1, false); !Equal(got, IndexSelect(w3, 0, []int{3, 1}), 0) {
		t.Error("Embedding of a 3-D weight differs from IndexSelect")
	}
}

// embeddingLoss is Σ c ⊙ Embedding(w, idx): the gradient of row r is the
// sum of the rows of c at the positions where idx is r.
func embeddingLoss(w *Tensor, idx []int, pad int, sparse bool, c *Tensor) *Tensor {
	return Sum(Mul(Embedding(w, idx, pad, sparse), c))
}

func TestEmbeddingBackward(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	idx := []int{4, 0, 4, 2, 5, 2}
	c := Randn(rng, len(idx), 3)
	for _, pad := range []int{-1, 2} {
		// The reference: IndexSelect's gradient with the padding row zeroed.
		w := Randn(rng, 6, 3).SetRequiresGrad(true)
		Sum(Mul(IndexSelect(w, 0, idx), c)).Backward()
		want := w.Grad().Clone()
		if pad >= 0 {
			for j := 0; j < 3; j++ {
				want.data[pad*3+j] = 0
			}
		}
		w.ZeroGrad()
		embeddingLoss(w, idx, pad, false, c).Backward()
		if w.Grad().IsSparse() || !Equal(w.Grad(), want, 1e-15) {
			t.Errorf("pad %d: dense gradient %v, want %v", pad, w.Grad().Data(), want.Data())
		}
		w.ZeroGrad()
		embeddingLoss(w, idx, pad, true, c).Backward()
		g := w.Grad()
		if !g.IsSparse() {
			t.Fatalf("pad %d: gradient of a sparse embedding is dense", pad)
		}
		var wantRows []int
		for _, r := range idx {
			if r != pad {
				wantRows = append(wantRows, r)
			}
		}
		if !slices.Equal(g.SparseRows(), wantRows) {
			t.Errorf("pad %d: sparse rows %v, want %v (uncoalesced, in order)", pad, g.SparseRows(), wantRows)
		}
		if !Equal(Densify(g), want, 1e-15) {
			t.Errorf("pad %d: densified sparse gradient %v, want %v", pad, Densify(g).Data(), want.Data())
		}
	}
}

func TestEmbeddingGradCheck(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	w := Randn(rng, 5, 2)
	c := Randn(rng, 4, 2)
	f := func(in []*Tensor) *Tensor {
		// The padding row is not used: its gradient is zero by definition,
		// not by differentiation.
		e := Embedding(in[0], []int{1, 3, 1, 4}, 0, true)
		return Sum(Mul(Square(e), c))
	}
	if err := GradCheck(f, []*Tensor{w}, 1e-6, 1e-6); err != nil {
		t.Error(err)
	}
	if err := GradGradCheck(f, []*Tensor{w}, 1e-6, 1e-6); err != nil {
		t.Error(err)
	}
}

func TestSparseGradAccumulation(t *testing.T) {
	rng := rand.New(rand.NewSource(4))
	c1, c2 := Randn(rng, 2, 2), Randn(rng, 3, 2)
	dense := func(w *Tensor) *Tensor {
		// The same losses through IndexSelect: the dense reference.
		return Add(Sum(Mul(IndexSelect(w, 0, []int{1, 2}), c1)), Sum(Mul(IndexSelect(w, 0, []int{2, 0, 2}), c2)))
	}
	ref := Randn(rng, 4, 2).SetRequiresGrad(true)
	dense(ref).Backward()
	want := ref.Grad()

	t.Run("two uses in one graph stay sparse", func(t *testing.T) {
		w := ref.Detach().SetRequiresGrad(true)
		Add(embeddingLoss(w, []int{1, 2}, -1, true, c1), embeddingLoss(w, []int{2, 0, 2}, -1, true, c2)).Backward()
		g := w.Grad()
		if !g.IsSparse() || len(g.SparseRows()) != 5 {
			t.Fatalf("gradient sparse=%v with %d rows, want sparse with 5", g.IsSparse(), len(g.SparseRows()))
		}
		if !Equal(Densify(g), want, 1e-14) {
			t.Errorf("gradient %v, want %v", Densify(g).Data(), want.Data())
		}
	})
	t.Run("two backward passes concatenate", func(t *testing.T) {
		w := ref.Detach().SetRequiresGrad(true)
		embeddingLoss(w, []int{1, 2}, -1, true, c1).Backward()
		embeddingLoss(w, []int{2, 0, 2}, -1, true, c2).Backward()
		g := w.Grad()
		if !g.IsSparse() || !slices.Equal(g.SparseRows(), []int{1, 2, 2, 0, 2}) {
			t.Fatalf("gradient sparse=%v rows %v, want rows [1 2 2 0 2]", g.IsSparse(), g.SparseRows())
		}
		if !Equal(Densify(g), want, 1e-14) {
			t.Errorf("gradient %v, want %v", Densify(g).Data(), want.Data())
		}
	})
	for _, order := range []string{"sparse then dense", "dense then sparse"} {
		t.Run(order+" densifies", func(t *testing.T) {
			w := ref.Detach().SetRequiresGrad(true)
			sparse := func() { embeddingLoss(w, []int{1, 2}, -1, true, c1).Backward() }
			dense := func() { Sum(Mul(IndexSelect(w, 0, []int{2, 0, 2}), c2)).Backward() }
			if order == "sparse then dense" {
				sparse()
				dense()
			} else {
				dense()
				sparse()
			}
			if w.Grad().IsSparse() || !Equal(w.Grad(), want, 1e-14) {
				t.Errorf("gradient sparse=%v, want the dense %v", w.Grad().IsSparse(), want.Data())
			}
		})
	}
	t.Run("sparse and dense in one graph", func(t *testing.T) {
		w := ref.Detach().SetRequiresGrad(true)
		Add(embeddingLoss(w, []int{1, 2}, -1, true, c1), Sum(Mul(IndexSelect(w, 0, []int{2, 0, 2}), c2))).Backward()
		if w.Grad().IsSparse() || !Equal(w.Grad(), want, 1e-14) {
			t.Errorf("gradient sparse=%v, want the dense %v", w.Grad().IsSparse(), want.Data())
		}
	})
	t.Run("through a non-leaf weight", func(t *testing.T) {
		w := ref.Detach().SetRequiresGrad(true)
		// d/dw of Σ c ⊙ Embedding(2w) is twice the gradient at 2w's rows.
		Add(embeddingLoss(MulScalar(w, 2), []int{1, 2}, -1, true, c1), embeddingLoss(MulScalar(w, 2), []int{2, 0, 2}, -1, true, c2)).Backward()
		if w.Grad().IsSparse() || !Equal(w.Grad(), MulScalar(want, 2), 1e-14) {
			t.Errorf("gradient %v, want twice %v", w.Grad(), want.Data())
		}
	})
	t.Run("Grad returns sparse", func(t *testing.T) {
		w := ref.Detach().SetRequiresGrad(true)
		loss := Add(embeddingLoss(w, []int{1, 2}, -1, true, c1), embeddingLoss(w, []int{2, 0, 2}, -1, true, c2))
		g := Grad(loss, []*Tensor{w, w}, false)
		if !g[0].IsSparse() || !Equal(Densify(g[0]), want, 1e-14) || w.Grad() != nil {
			t.Fatalf("Grad: sparse=%v, Grad field %v", g[0].IsSparse(), w.Grad())
		}
		// Each result owns its values.
		g[0].SparseValues().Data()[0] = 1e9
		if !Equal(Densify(g[1]), want, 1e-14) {
			t.Error("the two results share storage")
		}
		h := Grad(loss, []*Tensor{w}, true)[0]
		if h.IsSparse() || !Equal(h, want, 1e-14) {
			t.Errorf("Grad with createGraph: sparse=%v, want the dense gradient", h.IsSparse())
		}
	})
	t.Run("SetGrad takes sparse", func(t *testing.T) {
		w := ref.Detach().SetRequiresGrad(true)
		w.SetGrad(NewSparse([]int{0}, Ones(1, 2), 4, 2))
		if !w.Grad().IsSparse() {
			t.Error("SetGrad dropped sparsity")
		}
		if msg := panicMessage(func() { w.SetGrad(sparseExample()) }); !strings.Contains(msg, "SetGrad: gradient shape [5 2]") {
			t.Errorf("SetGrad with a wrong shape: %q", msg)
		}
	})
}

func ExampleEmbedding() {
	// An embedding table of 5 words in 2 dimensions; a batch uses words
	// 1 and 3, word 1 twice.
	w := New([]float64{0, 0, 1, 1, 2, 2, 3, 3, 4, 4}, 5, 2).SetRequiresGrad(true)
	out := Embedding(w, []int{1, 3, 1}, -1, true)
	fmt.Println(out.Shape(), out.Data())
	Sum(out).Backward()
	g := w.Grad()
	fmt.Println(g.IsSparse(), g.SparseRows(), g.SparseValues().Data())
	c := Coalesce(g)
	fmt.Println(c.SparseRows(), c.SparseValues().Data())
	fmt.Println(Densify(g).Data())
	// Output:
	// [3 2] [1 1 3 3 1 1]
	// true [1 3 1] [1 1 1 1 1 1]
	// [1 3] [2 2 1 1]
	// [0 0 2 2 0 0 1 1 0 0]
}

// TestSparseRejectedAndPrinted checks that dense-only operations name
// themselves when given a row-sparse tensor, and that printing shows the
// rows, the values and the size.
func TestSparseRejectedAndPrinted(t *testing.T) {
	sp := NewSparse([]int{2, 0}, New([]float64{1, 2, 3, 4}, 2, 2), 4, 2)
	dense := Ones(4, 2)
	ops := map[string]func(){
		"Add":         func() { Add(dense, sp) },
		"Gt":          func() { Gt(dense, sp) },
		"Where":       func() { Where(sp, dense, dense) },
		"BroadcastTo": func() { BroadcastTo(sp, 4, 2) },
		"Equal":       func() { Equal(sp, sp, 0) },
		"ToDense":     func() { ToDense(sp) },
		"Max":         func() { Max(sp) },
		"Reshape":     func() { Reshape(sp, 8) },
		"Permute":     func() { Permute(sp, 1, 0) },
		"Narrow":      func() { Narrow(sp, 0, 0, 4) },
		"Concat":      func() { Concat([]*Tensor{dense, sp}, 0) },
		"MatMul":      func() { MatMul(dense, Transpose(Ones(2, 2))); MatMul(Ones(2, 4), sp) },
		"Linear":      func() { Linear(Ones(3, 2), sp, nil) },
		"Conv2d":      func() { Conv2d(Ones(1, 1, 4, 2), NewSparse([]int{0}, Ones(1, 1, 1, 1), 1, 1, 1, 1), nil, 1, 0) },
		"MaxPool2d":   func() { MaxPool2d(NewSparse([]int{0}, Ones(1, 1, 2, 2), 1, 1, 2, 2), 2, 2, 0) },
		"BatchNorm":   func() { BatchNorm(NewSparse([]int{1}, Ones(1, 2), 4, 2), nil, nil, 1e-5) },
	}
	for name, f := range ops {
		func() {
			defer func() {
				r := recover()
				err, ok := r.(error)
				if !ok || !strings.Contains(err.Error(), "tensor: "+name+": row-sparse") {
					t.Errorf("%s on a sparse tensor: panic %v, want one naming %s and row-sparse", name, r, name)
				}
			}()
			f()
		}()
	}
	got := sp.String()
	for _, want := range []string{"indices=[2, 0]", "values=tensor([[1., 2.],", "size=(4, 2), nnz=2"} {
		if !strings.Contains(got, want) {
			t.Errorf("String() = %q, missing %q", got, want)
		}
	}
	if h := sp.HTML(); !strings.HasPrefix(h, "<pre>") || !strings.Contains(h, "nnz=2") {
		t.Errorf("HTML() = %q", h)
	}
}
