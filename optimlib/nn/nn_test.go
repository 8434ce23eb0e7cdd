package nn

import (
	"bytes"
	"math"
	"math/rand"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/descentlab/descent/optimlib/tensor"
)

func newRNG() *rand.Rand { return rand.New(rand.NewSource(7)) }

// TestGradCheckLayers checks first and second derivatives of every layer,
// with respect to the input and the parameters, by finite differences.
func TestGradCheckLayers(t *testing.T) {
	rng := newRNG()
	tests := []struct {
		name  string
		m     Module
		shape []int
		eval  bool
	}{
		{"Linear", NewLinear(3, 2, rng), []int{4, 3}, false},
		{"Conv2d", NewConv2d(2, 2, 3, 2, 1, rng), []int{1, 2, 5, 4}, false},
		{"Conv2d without bias", func() Module { c := NewConv2d(1, 2, 2, 1, 0, rng); c.Bias = nil; return c }(), []int{2, 1, 3, 3}, false},
		{"Linear without bias on 3-D input", func() Module { l := NewLinear(3, 2, rng); l.Bias = nil; return l }(), []int{2, 2, 3}, false},
		{"MaxPool2d", NewMaxPool2d(2, 0, 0), []int{1, 2, 4, 4}, false},
		{"AvgPool2d", NewAvgPool2d(3, 2, 1), []int{1, 1, 5, 5}, false},
		// Flatten's output shares storage with its input, which finite
		// differences cannot see through; follow it by an elementwise layer.
		{"Flatten", NewSequential(NewFlatten(), NewTanh()), []int{2, 2, 3}, false},
		{"LeakyReLU", NewLeakyReLU(0.1), []int{3, 4}, false},
		{"Tanh", NewTanh(), []int{3, 4}, false},
		{"Sigmoid", NewSigmoid(), []int{3, 4}, false},
		{"GELU", NewGELU(), []int{3, 4}, false},
		{"Softmax", NewSoftmax(1), []int{3, 4}, false},
		{"LogSoftmax", NewLogSoftmax(-1), []int{3, 4}, false},
		{"BatchNorm1d", NewBatchNorm1d(3), []int{5, 3}, false},
		{"BatchNorm1d eval", NewBatchNorm1d(3), []int{5, 3}, true},
		{"BatchNorm2d", NewBatchNorm2d(2), []int{3, 2, 2, 2}, false},
		{"LayerNorm", NewLayerNorm([]int{4}), []int{3, 4}, false},
		{"InstanceNorm2d affine", NewInstanceNorm2d(2, Affine(true)), []int{2, 2, 2, 3}, false},
		{"GroupNorm", NewGroupNorm(2, 4), []int{2, 4, 3}, false},
		{"Sequential", NewSequential(NewLinear(3, 4, rng), NewTanh(), NewLinear(4, 2, rng)), []int{2, 3}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.eval {
				tc.m.Eval()
			}
			// Perturb affine parameters so that their derivatives are generic.
			for _, p := range tc.m.Parameters() {
				for i := range p.Data() {
					p.Data()[i] += 0.3 * rng.NormFloat64()
				}
			}
			x := tensor.Randn(rng, tc.shape...)
			inputs := append([]*tensor.Tensor{x}, tc.m.Parameters()...)
			f := func([]*tensor.Tensor) *tensor.Tensor { return tc.m.Forward(x) }
			if err := tensor.GradCheck(f, inputs, 1e-6, 1e-6); err != nil {
				t.Errorf("GradCheck: %v", err)
			}
			if tc.name == "MaxPool2d" {
				return // piecewise linear: second derivatives are zero almost everywhere
			}
			if err := tensor.GradGradCheck(f, inputs, 1e-5, 1e-5); err != nil {
				t.Errorf("GradGradCheck: %v", err)
			}
		})
	}
}

func TestGradCheckLosses(t *testing.T) {
	rng := newRNG()
	labels := []int{2, 0, 1}
	target := tensor.Rand(rng, 3, 3)
	pm := tensor.New([]float64{1, -1, -1, 1, 1, -1, 1, 1, -1}, 3, 3)
	tests := []struct {
		name string
		f    func(x *tensor.Tensor) *tensor.Tensor
	}{
		{"MSELoss", func(x *tensor.Tensor) *tensor.Tensor { return MSELoss(x, target) }},
		{"CrossEntropy", func(x *tensor.Tensor) *tensor.Tensor { return CrossEntropy(x, labels, ReduceSum) }},
		{"NLLLoss", func(x *tensor.Tensor) *tensor.Tensor { return NLLLoss(tensor.LogSoftmax(x, 1), labels) }},
		{"BCEWithLogits", func(x *tensor.Tensor) *tensor.Tensor { return BCEWithLogits(x, target) }},
		{"HingeLoss", func(x *tensor.Tensor) *tensor.Tensor { return HingeLoss(x, pm, ReduceNone) }},
		{"MultiMarginLoss", func(x *tensor.Tensor) *tensor.Tensor { return MultiMarginLoss(x, labels) }},
	}
	for _, tc := range tests {
		x := tensor.Randn(rng, 3, 3)
		f := func(in []*tensor.Tensor) *tensor.Tensor { return tc.f(in[0]) }
		if err := tensor.GradCheck(f, []*tensor.Tensor{x}, 1e-6, 1e-6); err != nil {
			t.Errorf("%s: GradCheck: %v", tc.name, err)
		}
		if err := tensor.GradGradCheck(f, []*tensor.Tensor{x}, 1e-5, 1e-5); err != nil {
			t.Errorf("%s: GradGradCheck: %v", tc.name, err)
		}
	}
}

// TestHessianThroughModel compares the exact Hessian of a least-squares
// loss of a linear layer with respect to its weights with the analytic
// value 2/N·XᵀX (for each output row).
func TestHessianThroughModel(t *testing.T) {
	rng := newRNG()
	l := NewLinear(3, 1, rng)
	l.Bias = nil
	x := tensor.Randn(rng, 5, 3)
	y := tensor.Randn(rng, 5, 1)
	h := tensor.Hessian(func(w *tensor.Tensor) *tensor.Tensor {
		l.Weight = w
		return MSELoss(l.Forward(x), y)
	}, l.Weight)
	want := tensor.MulScalar(tensor.MatMul(tensor.Transpose(x), x), 2.0/5)
	if !tensor.Equal(h, want, 1e-12) {
		t.Errorf("Hessian\n%v\nwant\n%v", h, want)
	}
}

func TestStateDictNamesAndRoundTrip(t *testing.T) {
	rng := newRNG()
	m := NewSequential(NewConv2d(1, 2, 3, 1, 1, rng), NewBatchNorm2d(2), NewReLU(), NewFlatten(),
		NewLinear(2*4*4, 3, rng), NewLayerNorm([]int{3}), NewDropout(0.5, rng))
	want := []string{"0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var",
		"1.num_batches_tracked", "4.weight", "4.bias", "5.weight", "5.bias"}
	if got := StateKeys(m); !reflect.DeepEqual(got, want) {
		t.Fatalf("StateKeys = %v, want %v", got, want)
	}
	var np []string
	for _, p := range NamedParameters(m) {
		np = append(np, p.Name)
	}
	if want := []string{"0.weight", "0.bias", "1.weight", "1.bias", "4.weight", "4.bias", "5.weight", "5.bias"}; !reflect.DeepEqual(np, want) {
		t.Errorf("NamedParameters = %v, want %v", np, want)
	}
	if got := len(m.Parameters()); got != 8 {
		t.Errorf("%d parameters, want 8", got)
	}
	if got := NumParameters(m); got != 2*9+2+2+2+32*3+3+3+3 {
		t.Errorf("NumParameters = %d", got)
	}
	m.Forward(tensor.Randn(rng, 4, 1, 4, 4)) // changes the running statistics
	sd := StateDict(m)
	if sd["1.num_batches_tracked"].Item() != 1 || len(sd["1.num_batches_tracked"].Shape()) != 0 {
		t.Errorf("num_batches_tracked = %v", sd["1.num_batches_tracked"])
	}
	var buf bytes.Buffer
	if err := WriteState(&buf, m); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `{"name":"1.num_batches_tracked","shape":[],"data":[1]}`) {
		t.Errorf("scalar buffer not written as shape []: %s", buf.String())
	}
	sd["0.weight"].Data()[0] = 1234 // a snapshot: the module is unchanged
	if m.Layers[0].(*Conv2d).Weight.Data()[0] == 1234 {
		t.Fatal("StateDict shares storage with the module")
	}

	fresh := NewSequential(NewConv2d(1, 2, 3, 1, 1, rng), NewBatchNorm2d(2), NewReLU(), NewFlatten(),
		NewLinear(2*4*4, 3, rng), NewLayerNorm([]int{3}), NewDropout(0.5, rng))
	path := filepath.Join(t.TempDir(), "model.json")
	if err := Save(m, path); err != nil {
		t.Fatal(err)
	}
	w0 := fresh.Layers[0].(*Conv2d).Weight
	if err := Load(fresh, path); err != nil {
		t.Fatal(err)
	}
	if fresh.Layers[0].(*Conv2d).Weight != w0 {
		t.Error("Load replaced a parameter tensor instead of filling it")
	}
	a, b := StateDict(m), StateDict(fresh)
	for k, v := range a {
		if !reflect.DeepEqual(v.Data(), b[k].Data()) {
			t.Errorf("%s differs after Save/Load: %v vs %v", k, v.Data(), b[k].Data())
		}
	}
	m.Eval()
	fresh.Eval()
	x := tensor.Randn(rng, 2, 1, 4, 4)
	if !tensor.Equal(m.Forward(x), fresh.Forward(x), 0) {
		t.Error("loaded model computes something else")
	}
}

func TestLoadStateDictErrors(t *testing.T) {
	rng := newRNG()
	m := NewSequential(NewLinear(2, 3, rng), NewBatchNorm1d(3))
	good := StateDict(m)
	tests := []struct {
		name string
		edit func(sd map[string]*tensor.Tensor)
		want string
	}{
		{"missing", func(sd map[string]*tensor.Tensor) { delete(sd, "1.running_var") }, `missing key "1.running_var"`},
		{"extra", func(sd map[string]*tensor.Tensor) { sd["2.weight"] = tensor.Zeros(1) }, `unexpected key "2.weight"`},
		{"shape", func(sd map[string]*tensor.Tensor) { sd["0.weight"] = tensor.Zeros(2, 3) }, `"0.weight" has shape [2 3], module has [3 2]`},
	}
	for _, tc := range tests {
		sd := StateDict(m)
		sd["0.bias"].Data()[0] = 99
		tc.edit(sd)
		err := LoadStateDict(m, sd)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
		if m.Layers[0].(*Linear).Bias.Data()[0] != good["0.bias"].Data()[0] {
			t.Errorf("%s: a failed load changed the module", tc.name)
		}
	}
	if err := ReadState(strings.NewReader(`{"format":"other"}`), m); err == nil || !strings.Contains(err.Error(), "format") {
		t.Errorf("wrong format: %v", err)
	}
	if err := ReadState(strings.NewReader(`{"format":"descent-nn-state/1","tensors":[{"name":"x","shape":[2],"data":[1]}]}`), m); err == nil || !strings.Contains(err.Error(), "shape [2] but 1 values") {
		t.Errorf("short data: %v", err)
	}
}

func TestStateFileNonFinite(t *testing.T) {
	l := NewLinear(2, 2, newRNG())
	l.Weight.Data()[0], l.Weight.Data()[1], l.Weight.Data()[2] = math.NaN(), math.Inf(1), math.Inf(-1)
	third := 1.0 / 3 // not exact in binary: must survive the text form bit for bit
	l.Weight.Data()[3] = third
	var buf bytes.Buffer
	if err := WriteState(&buf, l); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"NaN","+Inf","-Inf",0.3333333333333333]`) {
		t.Errorf("state file %s", buf.String())
	}
	l2 := NewLinear(2, 2, rand.New(rand.NewSource(99)))
	if err := ReadState(&buf, l2); err != nil {
		t.Fatal(err)
	}
	w := l2.Weight.Data()
	if !math.IsNaN(w[0]) || !math.IsInf(w[1], 1) || !math.IsInf(w[2], -1) || w[3] != third {
		t.Errorf("read back %v", w)
	}
}

func TestTrainEvalWalk(t *testing.T) {
	rng := newRNG()
	inner := NewSequential(NewLinear(2, 2, rng), NewDropout(0.5, rng))
	m := NewSequential(inner, NewBatchNorm1d(2))
	var kinds []string
	Walk(m, func(x Module) { kinds = append(kinds, strings.TrimPrefix(reflect.TypeOf(x).String(), "*nn.")) })
	if want := []string{"Sequential", "Sequential", "Linear", "Dropout", "BatchNorm"}; !reflect.DeepEqual(kinds, want) {
		t.Errorf("Walk order %v, want %v", kinds, want)
	}
	if len(Children(m)) != 2 || Children(NewReLU()) != nil {
		t.Errorf("Children: %d and %v", len(Children(m)), Children(NewReLU()))
	}
	if !m.Training() {
		t.Fatal("new modules must be in training mode")
	}
	m.Eval()
	Walk(m, func(x Module) {
		if x.Training() {
			t.Errorf("%T still training after Eval", x)
		}
	})
	m.Train()
	Walk(m, func(x Module) {
		if !x.Training() {
			t.Errorf("%T not training after Train", x)
		}
	})
	if got := StateKeys(m); got[0] != "0.0.weight" || got[2] != "1.weight" {
		t.Errorf("nested names %v", got)
	}
	x := tensor.Randn(rng, 4, 2)
	tensor.Sum(m.Forward(x)).Backward()
	for _, p := range m.Parameters() {
		if p.Grad() == nil {
			t.Fatal("no gradient after Backward")
		}
	}
	m.ZeroGrad()
	for _, p := range m.Parameters() {
		if p.Grad() != nil {
			t.Error("gradient left after ZeroGrad")
		}
	}
}

func TestResetRunningStats(t *testing.T) {
	rng := newRNG()
	for _, bn := range []*BatchNorm{NewBatchNorm1d(3), NewBatchNorm2d(3, CumulativeAverage())} {
		shape := []int{4, 3}
		if bn.op == "BatchNorm2d" {
			shape = []int{4, 3, 2, 2}
		}
		bn.Forward(tensor.AddScalar(tensor.Randn(rng, shape...), 3))
		if bn.NumBatchesTracked.Item() != 1 || bn.RunningMean.Data()[0] == 0 {
			t.Fatalf("%s: running statistics not updated", bn.op)
		}
		bn.ResetRunningStats()
		for i := 0; i < 3; i++ {
			if bn.RunningMean.Data()[i] != 0 || bn.RunningVar.Data()[i] != 1 {
				t.Errorf("%s: after reset mean %v var %v", bn.op, bn.RunningMean.Data(), bn.RunningVar.Data())
			}
		}
		if bn.NumBatchesTracked.Item() != 0 {
			t.Errorf("%s: num_batches_tracked %v after reset", bn.op, bn.NumBatchesTracked.Item())
		}
	}
	// Without running statistics there is nothing to reset and nothing in the state dict.
	bn := NewBatchNorm1d(2, TrackRunningStats(false), Affine(false))
	bn.ResetRunningStats()
	if keys := StateKeys(bn); len(keys) != 0 {
		t.Errorf("state keys %v, want none", keys)
	}
}

func TestDropout(t *testing.T) {
	d := NewDropout(0.25, rand.New(rand.NewSource(1)))
	x := tensor.Ones(200, 100).SetRequiresGrad(true)
	y := d.Forward(x)
	zeros := 0
	for _, v := range y.Data() {
		switch v {
		case 0:
			zeros++
		case 1 / 0.75:
		default:
			t.Fatalf("dropout output %v, want 0 or 1/0.75", v)
		}
	}
	if frac := float64(zeros) / 20000; math.Abs(frac-0.25) > 0.015 {
		t.Errorf("dropped fraction %v, want ≈ 0.25", frac)
	}
	tensor.Sum(y).Backward()
	if !reflect.DeepEqual(x.Grad().Data(), y.Data()) {
		t.Error("gradient of the sum is not the mask")
	}
	d.Eval()
	if d.Forward(x) != x {
		t.Error("Dropout in eval mode is not the identity")
	}
	d.Train()
	if got := NewDropout(1, newRNG()).Forward(x); tensor.Sum(got).Item() != 0 {
		t.Error("Dropout(1) does not zero everything")
	}
	// Same seed, same masks.
	a := NewDropout(0.5, rand.New(rand.NewSource(3))).Forward(tensor.Ones(50))
	b := NewDropout(0.5, rand.New(rand.NewSource(3))).Forward(tensor.Ones(50))
	if !reflect.DeepEqual(a.Data(), b.Data()) {
		t.Error("Dropout is not reproducible from its seed")
	}
}

// moments returns the mean and variance of t's values.
func moments(t *tensor.Tensor) (mean, variance float64) {
	for _, v := range t.Data() {
		mean += v
	}
	mean /= float64(t.Numel())
	for _, v := range t.Data() {
		variance += (v - mean) * (v - mean)
	}
	return mean, variance / float64(t.Numel())
}

func TestInit(t *testing.T) {
	rng := newRNG()
	shape := []int{200, 50, 3, 3} // fanIn 450, fanOut 1800
	tests := []struct {
		name  string
		init  func(*tensor.Tensor) *tensor.Tensor
		bound float64 // for uniform draws, 0 for normal
		std   float64
	}{
		{"KaimingUniform relu", func(x *tensor.Tensor) *tensor.Tensor { return KaimingUniform(x, 0, rng) }, math.Sqrt(6.0 / 450), math.Sqrt(2.0 / 450)},
		{"KaimingUniform √5", func(x *tensor.Tensor) *tensor.Tensor { return KaimingUniform(x, math.Sqrt(5), rng) }, 1 / math.Sqrt(450), 1 / math.Sqrt(3*450)},
		{"KaimingNormal", func(x *tensor.Tensor) *tensor.Tensor { return KaimingNormal(x, 0, rng) }, 0, math.Sqrt(2.0 / 450)},
		{"XavierUniform", func(x *tensor.Tensor) *tensor.Tensor { return XavierUniform(x, 1, rng) }, math.Sqrt(6.0 / 2250), math.Sqrt(2.0 / 2250)},
		{"XavierNormal tanh", func(x *tensor.Tensor) *tensor.Tensor { return XavierNormal(x, CalculateGain("tanh", 0), rng) }, 0, 5.0 / 3 * math.Sqrt(2.0/2250)},
	}
	for _, tc := range tests {
		x := tensor.Zeros(shape...)
		if tc.init(x) != x {
			t.Errorf("%s does not return its argument", tc.name)
		}
		m, v := moments(x)
		if math.Abs(m) > 4*tc.std/math.Sqrt(float64(x.Numel())) || math.Abs(math.Sqrt(v)/tc.std-1) > 0.01 {
			t.Errorf("%s: mean %v std %v, want 0 and %v", tc.name, m, math.Sqrt(v), tc.std)
		}
		if tc.bound > 0 {
			lo, hi := math.Inf(1), math.Inf(-1)
			for _, v := range x.Data() {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
			if lo < -tc.bound || hi > tc.bound || hi < 0.99*tc.bound || lo > -0.99*tc.bound {
				t.Errorf("%s: range [%v, %v], want ±%v", tc.name, lo, hi, tc.bound)
			}
		}
	}
	// PyTorch's default Linear and Conv2d initialization: U(±1/√fanIn) for weights and biases.
	l := NewLinear(400, 300, rng)
	c := NewConv2d(16, 32, 5, 1, 0, rng)
	for _, tc := range []struct {
		name  string
		p     *tensor.Tensor
		bound float64
	}{
		{"Linear.Weight", l.Weight, 1 / math.Sqrt(400)}, {"Linear.Bias", l.Bias, 1 / math.Sqrt(400)},
		{"Conv2d.Weight", c.Weight, 1 / math.Sqrt(400)}, {"Conv2d.Bias", c.Bias, 1 / math.Sqrt(400)},
	} {
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, v := range tc.p.Data() {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
		if lo < -tc.bound || hi > tc.bound || hi < 0.8*tc.bound || lo > -0.8*tc.bound {
			t.Errorf("%s: range [%v, %v], want ±%v", tc.name, lo, hi, tc.bound)
		}
		if !tc.p.RequiresGrad() {
			t.Errorf("%s does not require grad", tc.name)
		}
	}
	if fi, fo := Fans([]int{3, 4}); fi != 4 || fo != 3 {
		t.Errorf("Fans([3 4]) = %d, %d", fi, fo)
	}
	for name, want := range map[string]float64{"linear": 1, "relu": math.Sqrt2, "tanh": 5.0 / 3, "sigmoid": 1} {
		if g := CalculateGain(name, 0); g != want {
			t.Errorf("CalculateGain(%q) = %v, want %v", name, g, want)
		}
	}
	if g := CalculateGain("leaky_relu", math.Sqrt(5)); math.Abs(g-math.Sqrt(1.0/3)) > 1e-15 {
		t.Errorf("CalculateGain(leaky_relu, √5) = %v", g)
	}
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

func TestBadInputPanics(t *testing.T) {
	rng := newRNG()
	x := tensor.Randn(rng, 4, 3)
	tests := []struct {
		name string
		f    func()
		want string
	}{
		{"Linear features", func() { NewLinear(5, 2, rng).Forward(x) }, "nn: Linear: input shape [4 3] does not end in 5 features"},
		{"Conv2d channels", func() { NewConv2d(2, 1, 3, 1, 0, rng).Forward(tensor.Zeros(1, 3, 5, 5)) }, "nn: Conv2d: input shape [1 3 5 5] is not N×2×H×W"},
		{"BatchNorm1d channels", func() { NewBatchNorm1d(4).Forward(x) }, "nn: BatchNorm1d: input shape [4 3] is not N×4"},
		{"BatchNorm2d rank", func() { NewBatchNorm2d(3).Forward(x) }, "nn: BatchNorm2d: input shape [4 3]"},
		{"BatchNorm one value", func() { NewBatchNorm1d(3).Forward(tensor.Zeros(1, 3)) }, "expected more than 1 value per channel"},
		{"InstanceNorm rank", func() { NewInstanceNorm2d(3).Forward(tensor.Zeros(2, 3, 4)) }, "nn: InstanceNorm2d: input shape [2 3 4]"},
		{"InstanceNorm cumulative", func() { NewInstanceNorm1d(3, CumulativeAverage()) }, "CumulativeAverage is not supported"},
		{"InstanceNorm cumulative field", func() {
			in := NewInstanceNorm1d(3, TrackRunningStats(true))
			in.CumulativeAverage = true
			in.Forward(tensor.Zeros(2, 3, 4))
		}, "nn: InstanceNorm1d: CumulativeAverage is not supported"},
		{"LayerNorm momentum", func() { NewLayerNorm([]int{3}, Momentum(0.2)) }, "nn: NewLayerNorm: Momentum, CumulativeAverage and TrackRunningStats do not apply"},
		{"GroupNorm track", func() { NewGroupNorm(1, 3, TrackRunningStats(true)) }, "nn: NewGroupNorm: Momentum"},
		{"LayerNorm shape", func() { NewLayerNorm([]int{4}).Forward(x) }, "nn: LayerNorm: input shape [4 3] does not end in the normalized shape [4]"},
		{"GroupNorm split", func() { NewGroupNorm(3, 4) }, "4 channels cannot be split into 3 groups"},
		{"GroupNorm channels", func() { NewGroupNorm(1, 4).Forward(x) }, "nn: GroupNorm: input shape [4 3] is not N×4"},
		{"nil rng", func() { NewLinear(2, 2, nil) }, "nn: NewLinear: nil *rand.Rand"},
		{"Dropout p", func() { NewDropout(1.5, rng) }, "probability 1.5 outside [0, 1]"},
		{"MSE shapes", func() { MSELoss(x, tensor.Zeros(4)) }, "nn: MSELoss: input shape [4 3] and target shape [4] do not match"},
		{"L1 shapes", func() { L1Loss(x, tensor.Zeros(3, 4)) }, "nn: L1Loss: input shape [4 3] and target shape [3 4]"},
		{"CE label range", func() { CrossEntropy(x, []int{0, 1, 3, 0}) }, "nn: CrossEntropy: label 3 of sample 2 out of range [0, 3) for input shape [4 3]"},
		{"CE negative label", func() { CrossEntropy(x, []int{0, -1, 2, 0}) }, "label -1 of sample 1 out of range"},
		{"CE label count", func() { CrossEntropy(x, []int{0}) }, "nn: CrossEntropy: 1 labels for input shape [4 3]"},
		{"CE rank", func() { CrossEntropy(tensor.Zeros(3), []int{0}) }, "input shape [3] is not N×C"},
		{"NLL label", func() { NLLLoss(x, []int{0, 1, 2, 5}) }, "nn: NLLLoss: label 5 of sample 3"},
		{"MultiMargin label", func() { MultiMarginLoss(x, []int{0, 1, 2, 9}) }, "nn: MultiMarginLoss: label 9"},
		{"BCE target", func() { BCEWithLogits(x, tensor.Full(2, 4, 3)) }, "nn: BCEWithLogits: target 2 at 0 outside [0, 1]"},
		{"Hinge target", func() { HingeLoss(x, tensor.Zeros(4, 3)) }, "nn: HingeLoss: target 0 at 0 is not ±1"},
		{"NaN loss", func() { MSELoss(tensor.Full(math.NaN(), 2), tensor.Zeros(2)) }, "nn: MSELoss: loss is NaN (input shapes [[2] [2]])"},
		{"Inf loss", func() { CrossEntropy(tensor.New([]float64{math.Inf(1), 0}, 1, 2), []int{1}) }, "nn: CrossEntropy: loss is"},
		{"two reductions", func() { MSELoss(x, x, ReduceSum, ReduceMean) }, "2 reductions given"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { mustPanic(t, tc.want, tc.f) })
	}
}

func TestComposite(t *testing.T) {
	rng := newRNG()
	fc1, fc2, bn := NewLinear(3, 3, rng), NewLinear(3, 2, rng), NewBatchNorm1d(3)
	// A residual block: fc2(x + relu(bn(fc1(x)))).
	m := NewComposite(func(x *tensor.Tensor) *tensor.Tensor {
		return fc2.Forward(tensor.Add(x, tensor.ReLU(bn.Forward(fc1.Forward(x)))))
	}, NamedModule{"fc1", fc1}, NamedModule{"bn", bn}, NamedModule{"fc2", fc2})
	want := []string{"fc1.weight", "fc1.bias", "bn.weight", "bn.bias", "bn.running_mean", "bn.running_var", "bn.num_batches_tracked", "fc2.weight", "fc2.bias"}
	if got := StateKeys(m); !reflect.DeepEqual(got, want) {
		t.Errorf("StateKeys = %v, want %v", got, want)
	}
	if len(m.Parameters()) != 6 {
		t.Errorf("%d parameters, want 6", len(m.Parameters()))
	}
	m.Eval()
	if bn.Training() || m.Training() {
		t.Error("Eval did not reach the sub-modules")
	}
	m.Train()
	x := tensor.Randn(rng, 4, 3)
	f := func([]*tensor.Tensor) *tensor.Tensor { return m.Forward(x) }
	if err := tensor.GradCheck(f, append([]*tensor.Tensor{x}, m.Parameters()...), 1e-6, 1e-6); err != nil {
		t.Error(err)
	}
	m.ZeroGrad()
	for _, p := range m.Parameters() {
		if p.Grad() != nil {
			t.Error("gradient left after ZeroGrad")
		}
	}
	mustPanic(t, `sub-module name "fc1" is empty, dotted or repeated`, func() {
		NewComposite(m.Fn, NamedModule{"fc1", fc1}, NamedModule{"fc1", fc2})
	})
}

// TestSequentialFusesLinearReLU checks that a Sequential whose Linear
// layers are followed by ReLUs (fused into one operation each) gives the
// outputs and gradients of running its layers one by one, bit for bit.
func TestSequentialFusesLinearReLU(t *testing.T) {
	rng := rand.New(rand.NewSource(8))
	seq := NewSequential(NewFlatten(), NewLinear(12, 7, rng), NewReLU(), NewLinear(7, 5, rng), NewReLU(), NewLinear(5, 3, rng))
	x := tensor.Randn(rng, 4, 3, 4)
	labels := []int{0, 2, 1, 2}
	pair := NewSequential(NewLinear(2, 2, rng), NewReLU()).Forward(tensor.Randn(rng, 1, 2).SetRequiresGrad(true))
	if s := pair.String(); !strings.Contains(s, "grad_fn=<LinearReLU>") {
		t.Errorf("Linear, ReLU ran unfused: %s", s)
	}
	var outs, grads [2][]float64
	for k := range 2 {
		seq.ZeroGrad()
		var y *tensor.Tensor
		if k == 0 {
			y = seq.Forward(x)
		} else {
			y = x
			for _, l := range seq.Layers {
				y = l.Forward(y)
			}
		}
		CrossEntropy(y, labels).Backward()
		outs[k] = y.Data()
		for _, p := range seq.Parameters() {
			grads[k] = append(grads[k], p.Grad().Data()...)
		}
	}
	for _, pair := range [][2][]float64{outs, grads} {
		if len(pair[0]) != len(pair[1]) || len(pair[0]) == 0 {
			t.Fatalf("lengths %d and %d", len(pair[0]), len(pair[1]))
		}
		for i := range pair[0] {
			if math.Float64bits(pair[0][i]) != math.Float64bits(pair[1][i]) {
				t.Fatalf("element %d: fused %v, layer by layer %v", i, pair[0][i], pair[1][i])
			}
		}
	}
}
