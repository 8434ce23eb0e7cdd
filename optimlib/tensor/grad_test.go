package tensor

import (
	"math/rand"
	"testing"
)

// gradCase is one operation under the finite-difference check: f maps the
// inputs to the output whose derivatives are checked to first and second
// order.
type gradCase struct {
	name   string
	inputs func(rng *rand.Rand) []*Tensor
	f      func(in []*Tensor) *Tensor
}

func randn(rng *rand.Rand, shape ...int) *Tensor { return Randn(rng, shape...) }

// positive returns values in [0.5, 2).
func positive(rng *rand.Rand, shape ...int) *Tensor { return Uniform(rng, 0.5, 2, shape...) }

// awayFromZero returns values with |v| in [0.3, 1.5) and random sign, so
// that finite differences do not cross kinks at 0.
func awayFromZero(rng *rand.Rand, shape ...int) *Tensor {
	t := Uniform(rng, 0.3, 1.5, shape...)
	for i := range t.data {
		if rng.Intn(2) == 0 {
			t.data[i] = -t.data[i]
		}
	}
	return t
}

// distinct returns a random permutation of spread-out values, so that
// maxima are unique and finite differences do not change the winner.
func distinct(rng *rand.Rand, shape ...int) *Tensor {
	t := Zeros(shape...)
	for i, p := range rng.Perm(len(t.data)) {
		t.data[i] = float64(p)*0.1 - 1
	}
	return t
}

func ins(ts ...*Tensor) []*Tensor { return ts }

var gradCases = []gradCase{
	{"Add", func(r *rand.Rand) []*Tensor { return ins(randn(r, 2, 3), randn(r, 2, 3)) }, func(in []*Tensor) *Tensor { return Add(in[0], in[1]) }},
	{"Add/broadcast row", func(r *rand.Rand) []*Tensor { return ins(randn(r, 2, 3), randn(r, 3)) }, func(in []*Tensor) *Tensor { return Mul(Add(in[0], in[1]), in[0]) }},
	{"Add/broadcast both", func(r *rand.Rand) []*Tensor { return ins(randn(r, 2, 1, 3), randn(r, 4, 1)) }, func(in []*Tensor) *Tensor { return Square(Add(in[0], in[1])) }},
	{"Sub/broadcast", func(r *rand.Rand) []*Tensor { return ins(randn(r, 3, 1), randn(r, 1, 4)) }, func(in []*Tensor) *Tensor { return Square(Sub(in[0], in[1])) }},
	{"Mul/broadcast scalar", func(r *rand.Rand) []*Tensor { return ins(randn(r, 2, 3), Scalar(1.3)) }, func(in []*Tensor) *Tensor { return Mul(in[0], Mul(in[1], in[0])) }},
	{"Div", func(r *rand.Rand) []*Tensor { return ins(randn(r, 2, 3), positive(r, 2, 3)) }, func(in []*Tensor) *Tensor { return Div(in[0], in[1]) }},
	{"Div/broadcast", func(r *rand.Rand) []*Tensor { return ins(randn(r, 2, 3), positive(r, 2, 1)) }, func(in []*Tensor) *Tensor { return Div(in[0], in[1]) }},
	{"Maximum", func(r *rand.Rand) []*Tensor { return ins(distinct(r, 2, 3), AddScalar(distinct(r, 3), 0.05)) }, func(in []*Tensor) *Tensor { return Square(Maximum(in[0], in[1])) }},
	{"Minimum", func(r *rand.Rand) []*Tensor { return ins(distinct(r, 2, 3), AddScalar(distinct(r, 2, 3), 0.05)) }, func(in []*Tensor) *Tensor { return Square(Minimum(in[0], in[1])) }},
	{"AddScalar", func(r *rand.Rand) []*Tensor { return ins(randn(r, 4)) }, func(in []*Tensor) *Tensor { return Square(AddScalar(in[0], 2)) }},
	{"MulScalar", func(r *rand.Rand) []*Tensor { return ins(randn(r, 4)) }, func(in []*Tensor) *Tensor { return Square(MulScalar(in[0], -3)) }},
	{"PowScalar", func(r *rand.Rand) []*Tensor { return ins(positive(r, 2, 2)) }, func(in []*Tensor) *Tensor { return PowScalar(in[0], 2.5) }},
	{"PowScalar/negative", func(r *rand.Rand) []*Tensor { return ins(positive(r, 3)) }, func(in []*Tensor) *Tensor { return PowScalar(in[0], -1.5) }},
	{"PowScalar/integer", func(r *rand.Rand) []*Tensor { return ins(randn(r, 3)) }, func(in []*Tensor) *Tensor { return PowScalar(in[0], 3) }},
	{"Neg", func(r *rand.Rand) []*Tensor { return ins(randn(r, 3)) }, func(in []*Tensor) *Tensor { return Mul(Neg(in[0]), in[0]) }},
	{"Exp", func(r *rand.Rand) []*Tensor { return ins(randn(r, 2, 3)) }, func(in []*Tensor) *Tensor { return Exp(in[0]) }},
	{"Log", func(r *rand.Rand) []*Tensor { return ins(positive(r, 2, 3)) }, func(in []*Tensor) *Tensor { return Log(in[0]) }},
	{"Sqrt", func(r *rand.Rand) []*Tensor { return ins(positive(r, 2, 3)) }, func(in []*Tensor) *Tensor { return Sqrt(in[0]) }},
	{"Abs", func(r *rand.Rand) []*Tensor { return ins(awayFromZero(r, 2, 3)) }, func(in []*Tensor) *Tensor { return Mul(Abs(in[0]), in[0]) }},
	{"Sign", func(r *rand.Rand) []*Tensor { return ins(awayFromZero(r, 5)) }, func(in []*Tensor) *Tensor { return Mul(Sign(in[0]), Square(in[0])) }},
	{"Square", func(r *rand.Rand) []*Tensor { return ins(randn(r, 2, 3)) }, func(in []*Tensor) *Tensor { return Mul(Square(in[0]), in[0]) }},
	{"Clamp", func(r *rand.Rand) []*Tensor { return ins(awayFromZero(r, 3, 3)) }, func(in []*Tensor) *Tensor { return Square(Clamp(in[0], -0.2, 0.25)) }},
	{"Where", func(r *rand.Rand) []*Tensor { return ins(randn(r, 2, 3), randn(r, 3)) }, func(in []*Tensor) *Tensor {
		return Mul(Where(New([]float64{1, 0, 1, 0, 0, 1}, 2, 3), in[0], in[1]), in[0])
	}},
	{"ReLU", func(r *rand.Rand) []*Tensor { return ins(awayFromZero(r, 2, 3)) }, func(in []*Tensor) *Tensor { return Mul(ReLU(in[0]), in[0]) }},
	{"LeakyReLU", func(r *rand.Rand) []*Tensor { return ins(awayFromZero(r, 2, 3)) }, func(in []*Tensor) *Tensor { return Square(LeakyReLU(in[0], 0.1)) }},
	{"Tanh", func(r *rand.Rand) []*Tensor { return ins(randn(r, 2, 3)) }, func(in []*Tensor) *Tensor { return Tanh(in[0]) }},
	{"Sigmoid", func(r *rand.Rand) []*Tensor { return ins(MulScalar(randn(r, 2, 3), 3)) }, func(in []*Tensor) *Tensor { return Sigmoid(in[0]) }},
	{"GELU", func(r *rand.Rand) []*Tensor { return ins(MulScalar(randn(r, 2, 3), 2)) }, func(in []*Tensor) *Tensor { return GELU(in[0]) }},
	{"Softmax/axis1", func(r *rand.Rand) []*Tensor { return ins(randn(r, 2, 4)) }, func(in []*Tensor) *Tensor { return Softmax(in[0], 1) }},
	{"Softmax/axis0", func(r *rand.Rand) []*Tensor { return ins(randn(r, 3, 2, 2)) }, func(in []*Tensor) *Tensor { return Softmax(in[0], 0) }},
	{"LogSoftmax/axis-1", func(r *rand.Rand) []*Tensor { return ins(randn(r, 2, 4)) }, func(in []*Tensor) *Tensor { return LogSoftmax(in[0], -1) }},
	{"LogSoftmax/middle", func(r *rand.Rand) []*Tensor { return ins(randn(r, 2, 3, 2)) }, func(in []*Tensor) *Tensor { return LogSoftmax(in[0], 1) }},
	{"Sum", func(r *rand.Rand) []*Tensor { return ins(randn(r, 2, 3)) }, func(in []*Tensor) *Tensor { return Mul(Sum(in[0]), Sum(Square(in[0]))) }},
	{"SumAxis", func(r *rand.Rand) []*Tensor { return ins(randn(r, 2, 3, 2)) }, func(in []*Tensor) *Tensor { return Square(SumAxis(in[0], 1, false)) }},
	{"SumAxis/keep", func(r *rand.Rand) []*Tensor { return ins(randn(r, 2, 3)) }, func(in []*Tensor) *Tensor { return Mul(SumAxis(in[0], -1, true), in[0]) }},
	{"Mean", func(r *rand.Rand) []*Tensor { return ins(randn(r, 2, 3)) }, func(in []*Tensor) *Tensor { return Square(Mean(in[0])) }},
	{"MeanAxis", func(r *rand.Rand) []*Tensor { return ins(randn(r, 2, 3)) }, func(in []*Tensor) *Tensor { return Square(MeanAxis(in[0], 0, false)) }},
	{"Var/unbiased", func(r *rand.Rand) []*Tensor { return ins(randn(r, 3, 4)) }, func(in []*Tensor) *Tensor { return Var(in[0], 1, true, false) }},
	{"Var/biased keep", func(r *rand.Rand) []*Tensor { return ins(randn(r, 3, 4)) }, func(in []*Tensor) *Tensor { return Var(in[0], 0, false, true) }},
	{"Max", func(r *rand.Rand) []*Tensor { return ins(distinct(r, 3, 3)) }, func(in []*Tensor) *Tensor { return Square(Max(in[0])) }},
	{"MaxAxis", func(r *rand.Rand) []*Tensor { return ins(distinct(r, 2, 3, 2)) }, func(in []*Tensor) *Tensor { return Square(MaxAxis(in[0], 1, false)) }},
	{"MaxAxis/keep", func(r *rand.Rand) []*Tensor { return ins(distinct(r, 3, 4)) }, func(in []*Tensor) *Tensor { return Mul(MaxAxis(in[0], -1, true), in[0]) }},
	{"Norm", func(r *rand.Rand) []*Tensor { return ins(randn(r, 2, 3)) }, func(in []*Tensor) *Tensor { return Norm(in[0]) }},
	{"Dot", func(r *rand.Rand) []*Tensor { return ins(randn(r, 4), randn(r, 4)) }, func(in []*Tensor) *Tensor { return Mul(Dot(in[0], in[1]), Dot(in[0], in[0])) }},
	{"Reshape", func(r *rand.Rand) []*Tensor { return ins(randn(r, 2, 3)) }, func(in []*Tensor) *Tensor { return Mul(Reshape(in[0], 3, -1), Reshape(in[0], 3, 2)) }},
	{"Transpose", func(r *rand.Rand) []*Tensor { return ins(randn(r, 2, 3)) }, func(in []*Tensor) *Tensor { return MatMul(Transpose(in[0]), in[0]) }},
	{"Permute", func(r *rand.Rand) []*Tensor { return ins(randn(r, 2, 3, 4)) }, func(in []*Tensor) *Tensor { return Square(Permute(in[0], 2, 0, 1)) }},
	{"Flatten", func(r *rand.Rand) []*Tensor { return ins(randn(r, 2, 2, 2)) }, func(in []*Tensor) *Tensor { return Square(Flatten(in[0], 1)) }},
	{"Squeeze/Unsqueeze", func(r *rand.Rand) []*Tensor { return ins(randn(r, 3, 1)) }, func(in []*Tensor) *Tensor { return Square(Unsqueeze(Squeeze(in[0], 1), 0)) }},
	{"Concat", func(r *rand.Rand) []*Tensor { return ins(randn(r, 2, 2), randn(r, 2, 3)) }, func(in []*Tensor) *Tensor { return Square(Concat(in, 1)) }},
	{"Stack", func(r *rand.Rand) []*Tensor { return ins(randn(r, 2, 3), randn(r, 2, 3)) }, func(in []*Tensor) *Tensor { return Mul(Stack(in, 1), Stack(in, -2)) }},
	{"Narrow", func(r *rand.Rand) []*Tensor { return ins(randn(r, 3, 4)) }, func(in []*Tensor) *Tensor { return Square(Narrow(in[0], 1, 1, 2)) }},
	{"Row", func(r *rand.Rand) []*Tensor { return ins(randn(r, 3, 2)) }, func(in []*Tensor) *Tensor { return Square(Row(in[0], 1)) }},
	{"IndexSelect", func(r *rand.Rand) []*Tensor { return ins(randn(r, 3, 2)) }, func(in []*Tensor) *Tensor { return Square(IndexSelect(in[0], 0, []int{2, 0, 2})) }},
	{"Gather", func(r *rand.Rand) []*Tensor { return ins(randn(r, 3, 4)) }, func(in []*Tensor) *Tensor { return Square(Gather(in[0], 1, []int{3, 0, 3})) }},
	{"CrossEntropyRows", func(r *rand.Rand) []*Tensor { return ins(randn(r, 3, 4)) }, func(in []*Tensor) *Tensor { return Square(CrossEntropyRows(in[0], []int{3, 0, 2})) }},
	{"Gather/axis0", func(r *rand.Rand) []*Tensor { return ins(randn(r, 3, 2)) }, func(in []*Tensor) *Tensor { return Square(Gather(in[0], 0, []int{2, 1})) }},
	{"BroadcastTo", func(r *rand.Rand) []*Tensor { return ins(randn(r, 3, 1)) }, func(in []*Tensor) *Tensor { return Square(BroadcastTo(in[0], 2, 3, 4)) }},
	{"MatMul", func(r *rand.Rand) []*Tensor { return ins(randn(r, 2, 3), randn(r, 3, 4)) }, func(in []*Tensor) *Tensor { return Square(MatMul(in[0], in[1])) }},
	{"MatMul/vector", func(r *rand.Rand) []*Tensor { return ins(randn(r, 3), randn(r, 3, 2), randn(r, 2)) }, func(in []*Tensor) *Tensor { return Square(MatMul(MatMul(in[0], in[1]), in[2])) }},
	{"MatMul/batched broadcast", func(r *rand.Rand) []*Tensor { return ins(randn(r, 2, 1, 2, 3), randn(r, 3, 3, 2)) }, func(in []*Tensor) *Tensor { return Square(MatMul(in[0], in[1])) }},
	{"MatMul/transposed", func(r *rand.Rand) []*Tensor { return ins(randn(r, 3, 2), randn(r, 4, 3)) }, func(in []*Tensor) *Tensor { return Square(mm(in[0], in[1], true, true)) }},
	{"MatMul/matrix times batch", func(r *rand.Rand) []*Tensor { return ins(randn(r, 2, 3), randn(r, 4, 3, 2)) }, func(in []*Tensor) *Tensor { return Square(MatMul(in[0], in[1])) }},
	{"MatMul/batch times matrix transposed", func(r *rand.Rand) []*Tensor { return ins(randn(r, 2, 3, 2), randn(r, 4, 3)) }, func(in []*Tensor) *Tensor { return Square(mm(in[0], in[1], true, true)) }},
	{"Linear", func(r *rand.Rand) []*Tensor { return ins(randn(r, 4, 3), randn(r, 2, 3), randn(r, 2)) }, func(in []*Tensor) *Tensor { return Square(Linear(in[0], in[1], in[2])) }},
	{"Linear/3-d no bias", func(r *rand.Rand) []*Tensor { return ins(randn(r, 2, 2, 3), randn(r, 2, 3)) }, func(in []*Tensor) *Tensor { return Tanh(Linear(in[0], in[1], nil)) }},
	{"MatMul/transposed operands", func(r *rand.Rand) []*Tensor { return ins(randn(r, 3, 2), randn(r, 4, 3)) }, func(in []*Tensor) *Tensor {
		return Square(MatMul(Transpose(in[0]), Transpose(in[1])))
	}},
	{"Unfold", func(r *rand.Rand) []*Tensor { return ins(randn(r, 1, 2, 3, 3)) }, func(in []*Tensor) *Tensor { return Square(Unfold(in[0], 2, 2, 1, 1)) }},
	{"Fold", func(r *rand.Rand) []*Tensor { return ins(randn(r, 1, 8, 4)) }, func(in []*Tensor) *Tensor { return Square(Fold(in[0], 3, 3, 2, 2, 1, 0)) }},
	{"Conv2d", func(r *rand.Rand) []*Tensor { return ins(randn(r, 2, 2, 4, 4), randn(r, 3, 2, 3, 3), randn(r, 3)) }, func(in []*Tensor) *Tensor {
		return Square(Conv2d(in[0], in[1], in[2], 2, 1))
	}},
	{"Conv2d/no bias", func(r *rand.Rand) []*Tensor { return ins(randn(r, 1, 1, 3, 4), randn(r, 2, 1, 2, 2)) }, func(in []*Tensor) *Tensor {
		return Tanh(Conv2d(in[0], in[1], nil, 1, 0))
	}},
	{"MaxPool2d", func(r *rand.Rand) []*Tensor { return ins(distinct(r, 1, 2, 4, 4)) }, func(in []*Tensor) *Tensor { return Square(MaxPool2d(in[0], 2, 2, 0)) }},
	{"MaxPool2d/padded overlapping", func(r *rand.Rand) []*Tensor { return ins(distinct(r, 2, 1, 5, 5)) }, func(in []*Tensor) *Tensor { return Square(MaxPool2d(in[0], 3, 2, 1)) }},
	{"AvgPool2d", func(r *rand.Rand) []*Tensor { return ins(randn(r, 1, 2, 4, 4)) }, func(in []*Tensor) *Tensor { return Square(AvgPool2d(in[0], 2, 2, 0)) }},
	{"AvgPool2d/padded", func(r *rand.Rand) []*Tensor { return ins(randn(r, 1, 1, 5, 5)) }, func(in []*Tensor) *Tensor { return Square(AvgPool2d(in[0], 3, 2, 1)) }},
}

func TestGradCheck(t *testing.T) {
	for i, c := range gradCases {
		t.Run(c.name, func(t *testing.T) {
			in := c.inputs(rand.New(rand.NewSource(int64(i + 1))))
			if err := GradCheck(c.f, in, 1e-6, 1e-6); err != nil {
				t.Errorf("first order: %v", err)
			}
			if err := GradGradCheck(c.f, in, 1e-5, 1e-5); err != nil {
				t.Errorf("second order: %v", err)
			}
		})
	}
}

func TestGradCheckDetectsWrongGradient(t *testing.T) {
	// An operation whose recorded derivative is off by a factor 2.
	wrong := func(in []*Tensor) *Tensor {
		x := in[0]
		out := unary(x, func(v float64) float64 { return v * v })
		return record(out, "Wrong", func(g *Tensor) []*Tensor { return []*Tensor{Mul(g, x)} }, x)
	}
	x := New([]float64{0.5, -1, 2})
	if err := GradCheck(wrong, []*Tensor{x}, 1e-6, 1e-6); err == nil {
		t.Fatal("GradCheck accepted a wrong derivative")
	}
	if x.RequiresGrad() {
		t.Error("GradCheck left the input requiring gradients")
	}
	if !Equal(x, New([]float64{0.5, -1, 2}), 0) {
		t.Errorf("GradCheck changed the input to %v", x)
	}
}
