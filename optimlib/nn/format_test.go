package nn

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/descentlab/descent/optimlib/tensor"
)

// plainModule is a module without a String method, as one defined in a
// notebook cell would be.
type plainModule struct{ stateless }

func (plainModule) Forward(x *tensor.Tensor) *tensor.Tensor { return x }

// _wrapper stands for the type the interpreter generates around a module
// defined in a cell.
type _wrapper struct {
	Mode
	l *Linear
}

func (w *_wrapper) Forward(x *tensor.Tensor) *tensor.Tensor { return w.l.Forward(x) }
func (w *_wrapper) Parameters() []*tensor.Tensor            { return w.l.Parameters() }
func (w *_wrapper) ZeroGrad()                               { w.l.ZeroGrad() }

func TestModuleStrings(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	noBias := NewLinear(3, 2, rng)
	noBias.Bias = nil
	cases := []struct {
		m    Module
		want string
	}{
		{NewLinear(3, 2, rng), "Linear(in_features=3, out_features=2, bias=true)"},
		{noBias, "Linear(in_features=3, out_features=2, bias=false)"},
		{&Linear{}, "Linear(no weight)"},
		{NewConv2d(1, 8, 3, 1, 1, rng), "Conv2d(1, 8, kernel_size=3×3, stride=1, padding=1, bias=true)"},
		{NewMaxPool2d(2, 0, 0), "MaxPool2d(kernel_size=2, stride=2, padding=0)"},
		{NewAvgPool2d(3, 1, 1), "AvgPool2d(kernel_size=3, stride=1, padding=1)"},
		{NewLeakyReLU(0.01), "LeakyReLU(negative_slope=0.01)"},
		{NewTanh(), "Tanh()"},
		{NewSigmoid(), "Sigmoid()"},
		{NewGELU(), "GELU()"},
		{NewSoftmax(-1), "Softmax(dim=-1)"},
		{NewLogSoftmax(1), "LogSoftmax(dim=1)"},
		{NewBatchNorm2d(4, CumulativeAverage(), Affine(false)), "BatchNorm2d(4, eps=1e-05, momentum=cumulative, affine=false, track_running_stats=true)"},
		{NewInstanceNorm1d(3), "InstanceNorm1d(3, eps=1e-05, momentum=0.1, affine=false, track_running_stats=false)"},
		{NewLayerNorm([]int{2, 5}, Eps(1e-6)), "LayerNorm([2 5], eps=1e-06, elementwise_affine=true)"},
		{NewGroupNorm(2, 6), "GroupNorm(2, 6, eps=1e-05, affine=true)"},
		{NewSequential(), "Sequential()"},
		{NewSequential(&_wrapper{l: NewLinear(3, 2, rng)}), "Sequential(\n  (0): Module(8 parameters)\n)"},
		{
			NewComposite(nil,
				NamedModule{"body", NewSequential(NewReLU(), &plainModule{})},
				NamedModule{"head", NewTanh()}),
			"Composite(\n  (body): Sequential(\n    (0): ReLU()\n    (1): nn.plainModule(0 parameters)\n  )\n  (head): Tanh()\n)",
		},
	}
	for _, c := range cases {
		if got := fmt.Sprint(c.m); got != c.want {
			t.Errorf("got\n%s\nwant\n%s", got, c.want)
		}
	}
}
