package tensor

import (
	"fmt"
	"math"
	"math/rand"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func vals(t *Tensor) []float64 { return t.Data() }

func TestForwardValues(t *testing.T) {
	a := New([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
	col := New([]float64{10, 20}, 2, 1)
	row := New([]float64{1, 0, -1})
	tests := []struct {
		name  string
		got   *Tensor
		shape []int
		want  []float64
	}{
		{"Add row", Add(a, row), []int{2, 3}, []float64{2, 2, 2, 5, 5, 5}},
		{"Add column", Add(a, col), []int{2, 3}, []float64{11, 12, 13, 24, 25, 26}},
		{"Add outer", Add(col, row), []int{2, 3}, []float64{11, 10, 9, 21, 20, 19}},
		{"Sub scalar first", Sub(Scalar(1), a), []int{2, 3}, []float64{0, -1, -2, -3, -4, -5}},
		{"Div column", Div(a, col), []int{2, 3}, []float64{0.1, 0.2, 0.3, 0.2, 0.25, 0.3}},
		{"Mul 3-d broadcast", Mul(New([]float64{1, 2}, 2, 1, 1), a), []int{2, 2, 3}, []float64{1, 2, 3, 4, 5, 6, 2, 4, 6, 8, 10, 12}},
		{"Maximum", Maximum(a, Scalar(3.5)), []int{2, 3}, []float64{3.5, 3.5, 3.5, 4, 5, 6}},
		{"Minimum", Minimum(row, Scalar(0)), []int{3}, []float64{0, 0, -1}},
		{"Gt", Gt(a, Scalar(3)), []int{2, 3}, []float64{0, 0, 0, 1, 1, 1}},
		{"Ge", Ge(a, Scalar(3)), []int{2, 3}, []float64{0, 0, 1, 1, 1, 1}},
		{"Lt", Lt(row, Scalar(0)), []int{3}, []float64{0, 0, 1}},
		{"Le", Le(row, Scalar(0)), []int{3}, []float64{0, 1, 1}},
		{"Eq", Eq(a, New([]float64{1, 5, 3})), []int{2, 3}, []float64{1, 0, 1, 0, 1, 0}},
		{"Where", Where(Gt(row, Scalar(0)), a, Scalar(-1)), []int{2, 3}, []float64{1, -1, -1, 4, -1, -1}},
		{"PowScalar", PowScalar(row, 3), []int{3}, []float64{1, 0, -1}},
		{"Sign", Sign(row), []int{3}, []float64{1, 0, -1}},
		{"Clamp", Clamp(a, 2, 4.5), []int{2, 3}, []float64{2, 2, 3, 4, 4.5, 4.5}},
		{"ReLU", ReLU(row), []int{3}, []float64{1, 0, 0}},
		{"LeakyReLU", LeakyReLU(row, 0.1), []int{3}, []float64{1, 0, -0.1}},
		{"Sum", Sum(a), []int{}, []float64{21}},
		{"SumAxis 0", SumAxis(a, 0, false), []int{3}, []float64{5, 7, 9}},
		{"SumAxis -1 keep", SumAxis(a, -1, true), []int{2, 1}, []float64{6, 15}},
		{"Mean", Mean(a), []int{}, []float64{3.5}},
		{"MeanAxis", MeanAxis(a, 1, false), []int{2}, []float64{2, 5}},
		{"Var unbiased", Var(a, 1, true, false), []int{2}, []float64{1, 1}},
		{"Var biased", Var(a, 0, false, false), []int{3}, []float64{2.25, 2.25, 2.25}},
		{"Max", Max(a), []int{}, []float64{6}},
		{"MaxAxis", MaxAxis(New([]float64{1, 7, 3, 9, 2, 4}, 2, 3), 0, false), []int{3}, []float64{9, 7, 4}},
		{"Norm", Norm(New([]float64{3, 4})), []int{}, []float64{5}},
		{"Dot", Dot(row, row), []int{}, []float64{2}},
		{"MatMul", MatMul(a, New([]float64{1, 0, 0, 1, 1, 1}, 3, 2)), []int{2, 2}, []float64{4, 5, 10, 11}},
		{"MatMul vector", MatMul(a, row), []int{2}, []float64{-2, -2}},
		{"MatMul vectors", MatMul(row, row), []int{}, []float64{2}},
		{"Transpose", Transpose(a), []int{3, 2}, []float64{1, 4, 2, 5, 3, 6}},
		{"Permute", Permute(Reshape(Arange(0, 6, 1), 1, 2, 3), 2, 0, 1), []int{3, 1, 2}, []float64{0, 3, 1, 4, 2, 5}},
		{"Reshape -1", Reshape(a, -1, 2), []int{3, 2}, []float64{1, 2, 3, 4, 5, 6}},
		{"Flatten", Flatten(Zeros(2, 3, 4), 1), []int{2, 12}, make([]float64, 24)},
		{"Squeeze", Squeeze(col, 1), []int{2}, []float64{10, 20}},
		{"Unsqueeze -1", Unsqueeze(row, -1), []int{3, 1}, []float64{1, 0, -1}},
		{"Concat 0", Concat([]*Tensor{a, Ones(1, 3)}, 0), []int{3, 3}, []float64{1, 2, 3, 4, 5, 6, 1, 1, 1}},
		{"Concat 1", Concat([]*Tensor{a, col}, 1), []int{2, 4}, []float64{1, 2, 3, 10, 4, 5, 6, 20}},
		{"Stack", Stack([]*Tensor{row, row}, 1), []int{3, 2}, []float64{1, 1, 0, 0, -1, -1}},
		{"Narrow", Narrow(a, 1, 1, 2), []int{2, 2}, []float64{2, 3, 5, 6}},
		{"Row", Row(a, 1), []int{3}, []float64{4, 5, 6}},
		{"IndexSelect", IndexSelect(a, 1, []int{2, 2, 0}), []int{2, 3}, []float64{3, 3, 1, 6, 6, 4}},
		{"Gather", Gather(a, 1, []int{2, 0}), []int{2}, []float64{3, 4}},
		{"BroadcastTo", BroadcastTo(row, 2, 3), []int{2, 3}, []float64{1, 0, -1, 1, 0, -1}},
		{"Arange", Arange(1, 2, 0.25), []int{4}, []float64{1, 1.25, 1.5, 1.75}},
		{"Arange down", Arange(3, 0, -1), []int{3}, []float64{3, 2, 1}},
		{"Linspace", Linspace(0, 1, 5), []int{5}, []float64{0, 0.25, 0.5, 0.75, 1}},
		{"Eye", Eye(2), []int{2, 2}, []float64{1, 0, 0, 1}},
		{"Full", Full(2.5, 2), []int{2}, []float64{2.5, 2.5}},
		{"Softmax", Softmax(New([]float64{0, math.Log(3)}), 0), []int{2}, []float64{0.25, 0.75}},
		{"MaxPool2d", MaxPool2d(Reshape(Arange(0, 16, 1), 1, 1, 4, 4), 2, 2, 0), []int{1, 1, 2, 2}, []float64{5, 7, 13, 15}},
		{"AvgPool2d", AvgPool2d(Reshape(Arange(0, 16, 1), 1, 1, 4, 4), 2, 2, 0), []int{1, 1, 2, 2}, []float64{2.5, 4.5, 10.5, 12.5}},
		{"Conv2d identity kernel", Conv2d(Reshape(Arange(0, 9, 1), 1, 1, 3, 3), Ones(1, 1, 1, 1), Full(1, 1), 2, 0), []int{1, 1, 2, 2}, []float64{1, 3, 7, 9}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !sameShape(tc.got.Shape(), tc.shape) {
				t.Fatalf("shape %v, want %v", tc.got.Shape(), tc.shape)
			}
			if !Equal(tc.got, &Tensor{data: tc.want, shape: tc.shape}, 1e-12) {
				t.Errorf("got %v, want %v", vals(tc.got), tc.want)
			}
		})
	}
}

func TestMaxTiesShareGradient(t *testing.T) {
	x := New([]float64{3, 1, 3, 2}).SetRequiresGrad(true)
	m := Max(x)
	m.Backward()
	if m.Item() != 3 || !Equal(x.Grad(), New([]float64{0.5, 0, 0.5, 0}), 0) {
		t.Errorf("Max = %v, gradient %v; want 3 and [0.5 0 0.5 0]", m, x.Grad())
	}
}

func TestEmptyTensors(t *testing.T) {
	e := Zeros(0, 3)
	tests := []struct {
		name  string
		got   *Tensor
		shape []int
		want  []float64
	}{
		{"Add", Add(e, Ones(3)), []int{0, 3}, nil},
		{"Exp", Exp(e), []int{0, 3}, nil},
		{"SumAxis 0", SumAxis(e, 0, false), []int{3}, []float64{0, 0, 0}},
		{"SumAxis 1", SumAxis(e, 1, false), []int{0}, nil},
		{"Sum", Sum(e), []int{}, []float64{0}},
		{"MatMul", MatMul(e, Ones(3, 2)), []int{0, 2}, nil},
		{"MatMul empty inner", MatMul(Zeros(2, 0), Zeros(0, 2)), []int{2, 2}, []float64{0, 0, 0, 0}},
		{"Transpose", Transpose(e), []int{3, 0}, nil},
		{"Concat", Concat([]*Tensor{e, Ones(1, 3)}, 0), []int{1, 3}, []float64{1, 1, 1}},
		{"Softmax", Softmax(e, 1), []int{0, 3}, nil},
	}
	for _, tc := range tests {
		if !Equal(tc.got, &Tensor{data: append([]float64{}, tc.want...), shape: tc.shape}, 0) {
			t.Errorf("%s: shape %v values %v, want shape %v values %v", tc.name, tc.got.shape, tc.got.data, tc.shape, tc.want)
		}
	}
}

func TestMaxPool2dTiesAndNaN(t *testing.T) {
	// Expected values from PyTorch 1.13: a NaN wins its window (the last
	// NaN takes the gradient), an all −∞ window gives −∞ with the gradient
	// at its first element, and ties go to the first maximum.
	nan, inf := math.NaN(), math.Inf(1)
	x := New([]float64{1, nan, 3, nan, -inf, -inf, -inf, -inf, 2, 2, 1, 0}, 1, 3, 2, 2).SetRequiresGrad(true)
	y := MaxPool2d(x, 2, 2, 0)
	if !math.IsNaN(y.data[0]) || y.data[1] != -inf || y.data[2] != 2 {
		t.Errorf("MaxPool2d = %v, want [nan -inf 2]", y)
	}
	Sum(Mul(y, New([]float64{1, 2, 3}, 1, 3, 1, 1))).Backward()
	if want := New([]float64{0, 0, 0, 1, 2, 0, 0, 0, 3, 0, 0, 0}, 1, 3, 2, 2); !Equal(x.Grad(), want, 0) {
		t.Errorf("gradient %v, want %v", x.Grad(), want)
	}
}

func TestArgMax(t *testing.T) {
	a := New([]float64{1, 9, 3, 7, 2, 8}, 2, 3)
	if got := ArgMax(a, 1); fmt.Sprint(got) != "[1 2]" {
		t.Errorf("ArgMax axis 1 = %v, want [1 2]", got)
	}
	if got := ArgMax(a, 0); fmt.Sprint(got) != "[1 0 1]" {
		t.Errorf("ArgMax axis 0 = %v, want [1 0 1]", got)
	}
}

// panicMessage returns the message of the error f panics with.
func panicMessage(f func()) (msg string) {
	defer func() {
		r := recover()
		if err, ok := r.(error); ok {
			msg = err.Error()
		} else if r != nil {
			msg = fmt.Sprint("non-error panic: ", r)
		}
	}()
	f()
	return ""
}

func TestBadInputPanics(t *testing.T) {
	m23, m32, m34 := Zeros(2, 3), Zeros(3, 2), Zeros(3, 4)
	tests := []struct {
		name string
		f    func()
		want string
	}{
		{"New", func() { New([]float64{1, 2, 3}, 2, 2) }, "tensor: New: 3 values do not fill shape [2 2]"},
		{"Add", func() { Add(m23, m32) }, "tensor: Add: shapes [2 3] and [3 2] do not broadcast"},
		{"Mul", func() { Mul(m23, Zeros(4)) }, "tensor: Mul: shapes [2 3] and [4] do not broadcast"},
		{"Where", func() { Where(Zeros(2), m23, m32) }, "tensor: Where: shapes"},
		{"MatMul mismatch", func() { MatMul(m23, m23) }, "tensor: MatMul: shapes [2 3] and [2 3] do not match"},
		{"MatMul batch", func() { MatMul(Zeros(2, 2, 3), Zeros(3, 3, 1)) }, "tensor: MatMul: shapes [2] and [3] do not broadcast"},
		{"MatMul scalar", func() { MatMul(Scalar(1), m23) }, "tensor: MatMul: shapes [] and [2 3]"},
		{"SumAxis", func() { SumAxis(m23, 2, false) }, "tensor: SumAxis: axis out of range for shape [2 3]"},
		{"Softmax", func() { Softmax(m23, -3) }, "tensor: Softmax: axis out of range for shape [2 3]"},
		{"Reshape", func() { Reshape(m23, 4, -1) }, "tensor: Reshape: shape [4 -1] does not fit tensor of shape [2 3]"},
		{"Reshape two -1", func() { Reshape(m23, -1, -1) }, "tensor: Reshape: invalid shape [-1 -1]"},
		{"Permute", func() { Permute(m23, 0, 0) }, "tensor: Permute: axes [0 0] are not a permutation for shape [2 3]"},
		{"Squeeze", func() { Squeeze(m23, 0) }, "tensor: Squeeze: axis 0 of shape [2 3] has length 2, not 1"},
		{"Unsqueeze", func() { Unsqueeze(m23, 4) }, "tensor: Unsqueeze: axis 4 out of range for shape [2 3]"},
		{"Concat", func() { Concat([]*Tensor{m23, m34}, 0) }, "tensor: Concat: shapes [2 3] and [3 4] do not match outside axis 0"},
		{"Stack", func() { Stack([]*Tensor{m23, m32}, 0) }, "tensor: Stack: shapes [2 3] and [3 2] do not match"},
		{"Narrow", func() { Narrow(m23, 1, 2, 2) }, "tensor: Narrow: range [2, 4) outside axis 1 of shape [2 3]"},
		{"Row", func() { Row(m23, 2) }, "tensor: Row: index 2 out of range for shape [2 3]"},
		{"IndexSelect", func() { IndexSelect(m23, 0, []int{2}) }, "tensor: IndexSelect: index 2 out of range for axis 0 of shape [2 3]"},
		{"Gather count", func() { Gather(m23, 1, []int{0}) }, "tensor: Gather: 1 indices for shape [2 3] along axis 1, want 2"},
		{"Gather index", func() { Gather(m23, 1, []int{0, 3}) }, "tensor: Gather: index 3 out of range for axis 1 of shape [2 3]"},
		{"BroadcastTo", func() { BroadcastTo(m23, 3, 3) }, "tensor: BroadcastTo: shape [2 3] cannot be broadcast to [3 3]"},
		{"Linear", func() { Linear(Zeros(2, 3), Zeros(4, 2), nil) }, "tensor: Linear: input of shape [2 3] and weight of shape [4 2] do not match"},
		{"Linear bias", func() { Linear(Zeros(2, 3), Zeros(4, 3), Zeros(3)) }, "tensor: Linear: bias of shape [3] does not match weight of shape [4 3]"},
		{"Dot", func() { Dot(Zeros(3), Zeros(4)) }, "tensor: Dot: shapes [3] and [4] do not match"},
		{"Conv2d", func() { Conv2d(Zeros(1, 2, 5, 5), Zeros(3, 1, 3, 3), nil, 1, 0) }, "tensor: Conv2d: input of shape [1 2 5 5] and weight of shape [3 1 3 3] do not match"},
		{"Conv2d bias", func() { Conv2d(Zeros(1, 1, 5, 5), Zeros(3, 1, 3, 3), Zeros(2), 1, 0) }, "tensor: Conv2d: bias of shape [2] does not match weight of shape [3 1 3 3]"},
		{"Conv2d kernel", func() { Conv2d(Zeros(1, 1, 2, 2), Zeros(1, 1, 3, 3), nil, 1, 0) }, "tensor: Conv2d: kernel 3×3 larger than padded input of shape [1 1 2 2]"},
		{"MaxPool2d", func() { MaxPool2d(Zeros(2, 4), 2, 2, 0) }, "tensor: MaxPool2d: input of shape [2 4] is not N×C×H×W"},
		{"MaxPool2d padding", func() { MaxPool2d(Zeros(1, 1, 4, 4), 2, 2, 2) }, "tensor: MaxPool2d: padding 2 exceeds half the kernel 2"},
		{"AvgPool2d stride", func() { AvgPool2d(Zeros(1, 1, 4, 4), 2, 0, 0) }, "tensor: AvgPool2d: kernel 2×2, stride 0, padding 0 invalid for input of shape [1 1 4 4]"},
		{"Item", func() { m23.Item() }, "tensor: Item: tensor of shape [2 3] has 6 elements, want 1"},
		{"Backward", func() { Zeros(2).Backward() }, "tensor: Backward: tensor of shape [2] does not require grad"},
		{"Backward non-scalar", func() { MulScalar(Zeros(2).SetRequiresGrad(true), 2).Backward() }, "tensor: Backward: output of shape [2] is not a scalar"},
		{"ToDense", func() { ToDense(Zeros(3)) }, "tensor: ToDense: shape [3] is not a non-empty matrix"},
		{"Rand", func() { Rand(nil, 2) }, "tensor: Rand: nil *rand.Rand"},
		{"Clamp", func() { Clamp(m23, 1, 0) }, "tensor: Clamp: lower bound 1 above upper bound 0"},
		{"Hessian", func() { Hessian(func(x *Tensor) *Tensor { return x }, Zeros(2)) }, "tensor: Hessian: function output of shape [2] is not a scalar"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			msg := panicMessage(tc.f)
			if !strings.HasPrefix(msg, tc.want) {
				t.Errorf("panic %q, want prefix %q", msg, tc.want)
			}
		})
	}
}

func TestAutogradSemantics(t *testing.T) {
	t.Run("accumulates over calls", func(t *testing.T) {
		x := New([]float64{1, 2}).SetRequiresGrad(true)
		Sum(Square(x)).Backward()
		Sum(Square(x)).Backward()
		if !Equal(x.Grad(), New([]float64{4, 8}), 0) {
			t.Errorf("grad %v, want [4 8]", x.Grad())
		}
		x.ZeroGrad()
		if x.Grad() != nil {
			t.Error("ZeroGrad left a gradient")
		}
	})
	t.Run("shared output gradient is not aliased", func(t *testing.T) {
		x := New([]float64{1, 2}).SetRequiresGrad(true)
		y := New([]float64{3, 4}).SetRequiresGrad(true)
		Sum(Add(x, y)).Backward()
		x.Grad().Data()[0] = 100
		if y.Grad().Data()[0] != 1 {
			t.Errorf("writing x.Grad changed y.Grad to %v", y.Grad())
		}
	})
	t.Run("reused input sums gradients", func(t *testing.T) {
		x := New([]float64{3}).SetRequiresGrad(true)
		Sum(Add(Mul(x, x), x)).Backward() // 2x + 1
		if x.Grad().Item() != 7 {
			t.Errorf("grad %v, want 7", x.Grad())
		}
	})
	t.Run("Grad results do not share storage", func(t *testing.T) {
		x := New([]float64{1, 2}).SetRequiresGrad(true)
		y := New([]float64{3, 4}).SetRequiresGrad(true)
		g := Grad(Sum(Add(x, y)), []*Tensor{x, y}, false)
		g[0].Data()[0] = 100
		if g[1].Data()[0] != 1 {
			t.Errorf("writing one gradient changed the other to %v", g[1])
		}
	})
	t.Run("NoGrad", func(t *testing.T) {
		x := New([]float64{1}).SetRequiresGrad(true)
		var y *Tensor
		NoGrad(func() { y = Square(x) })
		if y.RequiresGrad() || !GradEnabled() {
			t.Error("NoGrad recorded an operation or stayed on")
		}
	})
	t.Run("Detach cuts the graph", func(t *testing.T) {
		x := New([]float64{2}).SetRequiresGrad(true)
		y := Mul(x, Square(x).Detach()) // d/dx = x² (constant factor)
		y.Backward()
		if x.Grad().Item() != 4 {
			t.Errorf("grad %v, want 4", x.Grad())
		}
	})
	t.Run("Grad leaves Grad fields alone", func(t *testing.T) {
		x := New([]float64{1, 2}).SetRequiresGrad(true)
		w := New([]float64{5})
		g := Grad(Sum(Mul(x, x)), []*Tensor{x, w}, false)
		if x.Grad() != nil || !Equal(g[0], New([]float64{2, 4}), 0) || !Equal(g[1], Zeros(1), 0) {
			t.Errorf("Grad = %v, x.Grad = %v", g, x.Grad())
		}
	})
	t.Run("BackwardWith createGraph", func(t *testing.T) {
		x := New([]float64{1.5}).SetRequiresGrad(true)
		PowScalar(x, 3).BackwardWith(Ones(1), true)
		g := x.Grad() // 3x², differentiable
		x.ZeroGrad()
		g.Backward()
		if math.Abs(x.Grad().Item()-9) > 1e-12 {
			t.Errorf("second derivative %v, want 6x = 9", x.Grad())
		}
	})
}

func TestRandomConstructors(t *testing.T) {
	a := Randn(rand.New(rand.NewSource(3)), 1000)
	b := Randn(rand.New(rand.NewSource(3)), 1000)
	if !Equal(a, b, 0) {
		t.Error("Randn with the same seed differs")
	}
	if m := Mean(a).Item(); math.Abs(m) > 0.15 {
		t.Errorf("Randn mean %v", m)
	}
	if v := Var(a, 0, true, false).Item(); math.Abs(v-1) > 0.15 {
		t.Errorf("Randn variance %v", v)
	}
	u := Uniform(rand.New(rand.NewSource(4)), -2, 3, 500)
	r := Rand(rand.New(rand.NewSource(5)), 500)
	for i := range u.data {
		if u.data[i] < -2 || u.data[i] >= 3 || r.data[i] < 0 || r.data[i] >= 1 {
			t.Fatalf("value out of range: Uniform %v, Rand %v", u.data[i], r.data[i])
		}
	}
}

func TestGonumConversion(t *testing.T) {
	d := mat.NewDense(2, 3, []float64{1, 2, 3, 4, 5, 6})
	x := FromDense(d.Slice(0, 2, 1, 3).(*mat.Dense))
	if !Equal(x, New([]float64{2, 3, 5, 6}, 2, 2), 0) {
		t.Errorf("FromDense of a view = %v", x)
	}
	back := ToDense(x)
	back.Set(0, 0, 100)
	if x.data[0] != 2 || back.At(1, 1) != 6 {
		t.Error("ToDense must copy")
	}
	v := FromVec(mat.NewVecDense(3, []float64{1, 2, 3}))
	if !Equal(v, New([]float64{1, 2, 3}), 0) || ToVec(v).AtVec(2) != 3 {
		t.Errorf("FromVec/ToVec = %v", v)
	}
}

func TestString(t *testing.T) {
	// The expected strings are PyTorch 1.13's str() of the same tensors.
	tests := []struct {
		t    *Tensor
		want string
	}{
		{Scalar(3), "tensor(3.)"},
		{New([]float64{1, 2.5, -3}), "tensor([ 1.0000,  2.5000, -3.0000])"},
		{New([]float64{1, 2, 3, 4}, 2, 2), "tensor([[1., 2.],\n        [3., 4.]])"},
		{New([]float64{1e-6, 1}), "tensor([1.0000e-06, 1.0000e+00])"},
		{New([]float64{1, 2000}), "tensor([1.0000e+00, 2.0000e+03])"},
		{New([]float64{1, math.NaN(), math.Inf(-1)}), "tensor([1., nan, -inf])"},
		{New([]float64{1, 2}).SetRequiresGrad(true), "tensor([1., 2.], requires_grad=True)"},
		{Square(New([]float64{1, 2}).SetRequiresGrad(true)), "tensor([1., 4.], grad_fn=<Square>)"},
		{Zeros(0, 3), "tensor([], size=(0, 3))"},
		{Zeros(2, 1, 2), "tensor([[[0., 0.]],\n\n        [[0., 0.]]])"},
		{Arange(0, 2000, 1), "tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,\n        1.9990e+03])"},
		{Arange(0, 30, 1), "tensor([ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11., 12., 13.,\n        14., 15., 16., 17., 18., 19., 20., 21., 22., 23., 24., 25., 26., 27.,\n        28., 29.])"},
		{Linspace(0, 1, 12), "tensor([0.0000, 0.0909, 0.1818, 0.2727, 0.3636, 0.4545, 0.5455, 0.6364, 0.7273,\n        0.8182, 0.9091, 1.0000])"},
		{MulScalar(Reshape(Arange(0, 3000, 1), 3, 1000), 1.0/7), "tensor([[0.0000e+00, 1.4286e-01, 2.8571e-01,  ..., 1.4243e+02, 1.4257e+02,\n         1.4271e+02],\n        [1.4286e+02, 1.4300e+02, 1.4314e+02,  ..., 2.8529e+02, 2.8543e+02,\n         2.8557e+02],\n        [2.8571e+02, 2.8586e+02, 2.8600e+02,  ..., 4.2814e+02, 4.2829e+02,\n         4.2843e+02]])"},
	}
	for _, tc := range tests {
		if got := tc.t.String(); got != tc.want {
			t.Errorf("String() =\n%s\nwant\n%s", got, tc.want)
		}
	}
}

func TestHTML(t *testing.T) {
	small := New([]float64{1, 2, 3, 4}, 2, 2).HTML()
	for _, s := range []string{"<table", "<td>1.</td>", "<td>4.</td>", "Tensor [2 2]"} {
		if !strings.Contains(small, s) {
			t.Errorf("HTML of a small matrix lacks %q:\n%s", s, small)
		}
	}
	big := Reshape(Arange(0, 3*100*100, 1), 3, 100, 100).HTML()
	if n := strings.Count(big, "<tr>"); n != 3*21 {
		t.Errorf("summarized HTML has %d rows, want %d", n, 3*21)
	}
	for _, s := range []string{"⋮", "…", "⋱", "[2, :, :]", "<td>2.9999e+04</td>"} {
		if !strings.Contains(big, s) {
			t.Errorf("summarized HTML lacks %q", s)
		}
	}
	many := Zeros(20, 2, 2).HTML()
	if !strings.Contains(many, "12 more") {
		t.Error("HTML of 20 grids does not say how many were left out")
	}
}

func TestBLASName(t *testing.T) {
	switch b := BLAS(); {
	case b == "gonum (pure Go)", b == "gonum (pure Go) + AVX2 Dgemm", strings.HasPrefix(b, "OpenBLAS "):
	default:
		t.Errorf("BLAS() = %q", b)
	}
}
