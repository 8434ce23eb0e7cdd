package nn

import (
	"math"
	"math/rand"
	"strconv"
	"strings"

	"github.com/descentlab/descent/optimlib/tensor"
)

func needRNG(op string, rng *rand.Rand) {
	if rng == nil {
		panic(shapeErr(op, "nil *rand.Rand; pass rand.New(rand.NewSource(seed))"))
	}
}

// Linear is the affine map y = x Wᵀ + b over the last axis of x, as
// torch.nn.Linear: Weight has shape [Out, In] and Bias shape [Out] (set
// Bias to nil for a layer without bias).
type Linear struct {
	Mode
	Weight, Bias *tensor.Tensor
}

// NewLinear returns a Linear layer from in to out features with PyTorch's
// default initialization: W by Kaiming-uniform with a = √5, which is
// U(−1/√in, 1/√in), and b from the same U(−1/√in, 1/√in).
func NewLinear(in, out int, rng *rand.Rand) *Linear {
	needRNG("NewLinear", rng)
	if in <= 0 || out <= 0 {
		panic(shapeErr("NewLinear", "bad sizes in=%d out=%d", in, out))
	}
	w := tensor.Zeros(out, in)
	KaimingUniform(w, math.Sqrt(5), rng)
	bound := 1 / math.Sqrt(float64(in))
	b := tensor.Uniform(rng, -bound, bound, out)
	return &Linear{Weight: w.SetRequiresGrad(true), Bias: b.SetRequiresGrad(true)}
}

// Forward returns x Wᵀ + b for x of shape [..., In].
func (l *Linear) Forward(x *tensor.Tensor) *tensor.Tensor {
	l.checkInput(x)
	// One fused product: the bias is written into the output before the
	// product accumulates onto it, and Wᵀ is a flag to the BLAS, not a copy.
	return tensor.Linear(x, l.Weight, l.Bias)
}

// forwardReLU is ReLU(Forward(x)) as one operation (see tensor.LinearReLU).
func (l *Linear) forwardReLU(x *tensor.Tensor) *tensor.Tensor {
	l.checkInput(x)
	return tensor.LinearReLU(x, l.Weight, l.Bias)
}

func (l *Linear) checkInput(x *tensor.Tensor) {
	in := l.Weight.Size(1)
	shape := x.Shape()
	if len(shape) == 0 || shape[len(shape)-1] != in {
		panic(shapeErr("Linear", "input shape %v does not end in %d features (weight shape %v)", shape, in, l.Weight.Shape()))
	}
}

// Parameters returns Weight and Bias.
func (l *Linear) Parameters() []*tensor.Tensor { return nonNil(l.Weight, l.Bias) }

// ZeroGrad drops the gradients of the parameters.
func (l *Linear) ZeroGrad() { zeroGrad(l.Parameters()) }

// LocalState names the parameters "weight" and "bias".
func (l *Linear) LocalState() (params, buffers []NamedTensor) {
	return named("weight", l.Weight, "bias", l.Bias), nil
}

// Conv2d is a 2-D convolution layer over N×C×H×W inputs, as
// torch.nn.Conv2d: Weight has shape [Out, In, kh, kw] and Bias shape [Out]
// (nil for none), with the same stride and zero padding on both axes.
type Conv2d struct {
	Mode
	Weight, Bias    *tensor.Tensor
	Stride, Padding int
}

// NewConv2d returns a Conv2d layer with square kernels and PyTorch's
// default initialization: Kaiming-uniform with a = √5 for the weight and
// U(−1/√fanIn, 1/√fanIn) for the bias, fanIn = in·kernel². A stride of 0
// means 1.
func NewConv2d(in, out, kernel, stride, padding int, rng *rand.Rand) *Conv2d {
	needRNG("NewConv2d", rng)
	if in <= 0 || out <= 0 || kernel <= 0 || stride < 0 || padding < 0 {
		panic(shapeErr("NewConv2d", "bad sizes in=%d out=%d kernel=%d stride=%d padding=%d", in, out, kernel, stride, padding))
	}
	if stride == 0 {
		stride = 1
	}
	w := tensor.Zeros(out, in, kernel, kernel)
	KaimingUniform(w, math.Sqrt(5), rng)
	bound := 1 / math.Sqrt(float64(in*kernel*kernel))
	b := tensor.Uniform(rng, -bound, bound, out)
	return &Conv2d{Weight: w.SetRequiresGrad(true), Bias: b.SetRequiresGrad(true), Stride: stride, Padding: padding}
}

// Forward convolves x (N×In×H×W) with the filters.
func (c *Conv2d) Forward(x *tensor.Tensor) *tensor.Tensor {
	if x.Dim() != 4 || x.Size(1) != c.Weight.Size(1) {
		panic(shapeErr("Conv2d", "input shape %v is not N×%d×H×W (weight shape %v)", x.Shape(), c.Weight.Size(1), c.Weight.Shape()))
	}
	return tensor.Conv2d(x, c.Weight, c.Bias, c.Stride, c.Padding)
}

// Parameters returns Weight and Bias.
func (c *Conv2d) Parameters() []*tensor.Tensor { return nonNil(c.Weight, c.Bias) }

// ZeroGrad drops the gradients of the parameters.
func (c *Conv2d) ZeroGrad() { zeroGrad(c.Parameters()) }

// LocalState names the parameters "weight" and "bias".
func (c *Conv2d) LocalState() (params, buffers []NamedTensor) {
	return named("weight", c.Weight, "bias", c.Bias), nil
}

// MaxPool2d takes the maximum over Kernel×Kernel windows of N×C×H×W
// inputs, as torch.nn.MaxPool2d.
type MaxPool2d struct {
	stateless
	Kernel, Stride, Padding int
}

// NewMaxPool2d returns a max-pooling layer; a stride of 0 means the kernel
// size (PyTorch's default).
func NewMaxPool2d(kernel, stride, padding int) *MaxPool2d {
	if stride == 0 {
		stride = kernel
	}
	return &MaxPool2d{Kernel: kernel, Stride: stride, Padding: padding}
}

// Forward pools x.
func (p *MaxPool2d) Forward(x *tensor.Tensor) *tensor.Tensor {
	return tensor.MaxPool2d(x, p.Kernel, p.Stride, p.Padding)
}

// AvgPool2d averages over Kernel×Kernel windows of N×C×H×W inputs, as
// torch.nn.AvgPool2d with its defaults (padding counts in the average).
type AvgPool2d struct {
	stateless
	Kernel, Stride, Padding int
}

// NewAvgPool2d returns an average-pooling layer; a stride of 0 means the
// kernel size (PyTorch's default).
func NewAvgPool2d(kernel, stride, padding int) *AvgPool2d {
	if stride == 0 {
		stride = kernel
	}
	return &AvgPool2d{Kernel: kernel, Stride: stride, Padding: padding}
}

// Forward pools x.
func (p *AvgPool2d) Forward(x *tensor.Tensor) *tensor.Tensor {
	return tensor.AvgPool2d(x, p.Kernel, p.Stride, p.Padding)
}

// Flatten merges the axes from StartAxis to the last into one, as
// torch.nn.Flatten (whose default start is 1, keeping the batch axis).
type Flatten struct {
	stateless
	StartAxis int
}

// NewFlatten returns a Flatten layer keeping the batch axis.
func NewFlatten() *Flatten { return &Flatten{StartAxis: 1} }

// Forward flattens x.
func (f *Flatten) Forward(x *tensor.Tensor) *tensor.Tensor { return tensor.Flatten(x, f.StartAxis) }

// Dropout zeroes each element with probability P in training mode and
// scales the others by 1/(1−P), as torch.nn.Dropout; in evaluation mode it
// is the identity. Its masks come from its own generator, so runs are
// reproducible.
type Dropout struct {
	Mode
	P   float64
	rng *rand.Rand
}

// NewDropout returns a Dropout layer drawing its masks from rng.
func NewDropout(p float64, rng *rand.Rand) *Dropout {
	needRNG("NewDropout", rng)
	if p < 0 || p > 1 || math.IsNaN(p) {
		panic(shapeErr("NewDropout", "probability %v outside [0, 1]", p))
	}
	return &Dropout{P: p, rng: rng}
}

// Forward applies dropout in training mode.
func (d *Dropout) Forward(x *tensor.Tensor) *tensor.Tensor {
	if !d.Training() || d.P == 0 {
		return x
	}
	mask := make([]float64, x.Numel())
	if d.P < 1 {
		keep := 1 / (1 - d.P)
		for i := range mask {
			if d.rng.Float64() >= d.P {
				mask[i] = keep
			}
		}
	}
	return tensor.Mul(x, tensor.New(mask, x.Shape()...))
}

// Parameters returns nil: Dropout has no parameters.
func (d *Dropout) Parameters() []*tensor.Tensor { return nil }

// ZeroGrad does nothing: Dropout has no parameters.
func (d *Dropout) ZeroGrad() {}

// ReLU is max(x, 0) elementwise.
type ReLU struct{ stateless }

// NewReLU returns a ReLU layer.
func NewReLU() *ReLU { return &ReLU{} }

// Forward applies the activation.
func (*ReLU) Forward(x *tensor.Tensor) *tensor.Tensor { return tensor.ReLU(x) }

// LeakyReLU is x for x > 0 and Slope·x otherwise.
type LeakyReLU struct {
	stateless
	Slope float64
}

// NewLeakyReLU returns a LeakyReLU layer; PyTorch's default slope is 0.01.
func NewLeakyReLU(slope float64) *LeakyReLU { return &LeakyReLU{Slope: slope} }

// Forward applies the activation.
func (l *LeakyReLU) Forward(x *tensor.Tensor) *tensor.Tensor { return tensor.LeakyReLU(x, l.Slope) }

// Tanh is the hyperbolic tangent elementwise.
type Tanh struct{ stateless }

// NewTanh returns a Tanh layer.
func NewTanh() *Tanh { return &Tanh{} }

// Forward applies the activation.
func (*Tanh) Forward(x *tensor.Tensor) *tensor.Tensor { return tensor.Tanh(x) }

// Sigmoid is 1/(1+e^−x) elementwise.
type Sigmoid struct{ stateless }

// NewSigmoid returns a Sigmoid layer.
func NewSigmoid() *Sigmoid { return &Sigmoid{} }

// Forward applies the activation.
func (*Sigmoid) Forward(x *tensor.Tensor) *tensor.Tensor { return tensor.Sigmoid(x) }

// GELU is x·Φ(x) elementwise (the exact form, PyTorch's default).
type GELU struct{ stateless }

// NewGELU returns a GELU layer.
func NewGELU() *GELU { return &GELU{} }

// Forward applies the activation.
func (*GELU) Forward(x *tensor.Tensor) *tensor.Tensor { return tensor.GELU(x) }

// Softmax normalizes exp(x) to sum 1 along Axis.
type Softmax struct {
	stateless
	Axis int
}

// NewSoftmax returns a Softmax layer along axis (negative counts from the
// end; use 1 or −1 for N×C scores).
func NewSoftmax(axis int) *Softmax { return &Softmax{Axis: axis} }

// Forward applies the softmax.
func (s *Softmax) Forward(x *tensor.Tensor) *tensor.Tensor { return tensor.Softmax(x, s.Axis) }

// LogSoftmax is the logarithm of Softmax along Axis, computed stably.
type LogSoftmax struct {
	stateless
	Axis int
}

// NewLogSoftmax returns a LogSoftmax layer along axis.
func NewLogSoftmax(axis int) *LogSoftmax { return &LogSoftmax{Axis: axis} }

// Forward applies the log-softmax.
func (s *LogSoftmax) Forward(x *tensor.Tensor) *tensor.Tensor { return tensor.LogSoftmax(x, s.Axis) }

// Sequential applies its layers one after another, as torch.nn.Sequential;
// in state dicts the layers are named by position ("0.weight").
type Sequential struct {
	Layers []Module
}

// NewSequential returns the composition of the given layers, first to last.
func NewSequential(layers ...Module) *Sequential {
	return &Sequential{Layers: append([]Module(nil), layers...)}
}

// Append adds layers at the end.
func (s *Sequential) Append(layers ...Module) { s.Layers = append(s.Layers, layers...) }

// Forward runs x through every layer; a Linear followed by a ReLU runs as
// one operation (tensor.LinearReLU), with the values and gradients of the
// two and one activation tensor fewer.
func (s *Sequential) Forward(x *tensor.Tensor) *tensor.Tensor {
	for i := 0; i < len(s.Layers); i++ {
		if lin, ok := s.Layers[i].(*Linear); ok && i+1 < len(s.Layers) {
			if _, ok := s.Layers[i+1].(*ReLU); ok {
				x = lin.forwardReLU(x)
				i++
				continue
			}
		}
		x = s.Layers[i].Forward(x)
	}
	return x
}

// Parameters returns the layers' parameters in order.
func (s *Sequential) Parameters() []*tensor.Tensor {
	var ps []*tensor.Tensor
	for _, l := range s.Layers {
		ps = append(ps, l.Parameters()...)
	}
	return ps
}

// Train puts every layer in training mode.
func (s *Sequential) Train() {
	for _, l := range s.Layers {
		l.Train()
	}
}

// Eval puts every layer in evaluation mode.
func (s *Sequential) Eval() {
	for _, l := range s.Layers {
		l.Eval()
	}
}

// Training reports whether the layers are in training mode (true for an
// empty Sequential).
func (s *Sequential) Training() bool {
	for _, l := range s.Layers {
		if !l.Training() {
			return false
		}
	}
	return true
}

// ZeroGrad drops the gradients of all parameters.
func (s *Sequential) ZeroGrad() {
	for _, l := range s.Layers {
		l.ZeroGrad()
	}
}

// NamedChildren names the layers "0", "1", ….
func (s *Sequential) NamedChildren() []NamedModule {
	out := make([]NamedModule, len(s.Layers))
	for i, l := range s.Layers {
		out[i] = NamedModule{strconv.Itoa(i), l}
	}
	return out
}

// Composite is a module whose forward pass is any function of named
// sub-modules, for architectures that are not a plain chain (skip
// connections, several branches) without writing a new type: parameters,
// Train/Eval, ZeroGrad and state dicts come from the sub-modules, named as
// given ("fc1.weight"). It is also the way to define models in notebook
// cells, where an interpreted type cannot add state-dict names.
type Composite struct {
	// Fn computes the output; it calls the sub-modules' Forward.
	Fn func(x *tensor.Tensor) *tensor.Tensor
	// Modules are the named sub-modules.
	Modules []NamedModule
}

// NewComposite returns a module computing fn with the given sub-modules.
func NewComposite(fn func(x *tensor.Tensor) *tensor.Tensor, modules ...NamedModule) *Composite {
	seen := map[string]bool{}
	for _, m := range modules {
		if m.Name == "" || strings.Contains(m.Name, ".") || seen[m.Name] {
			panic(shapeErr("NewComposite", "sub-module name %q is empty, dotted or repeated", m.Name))
		}
		seen[m.Name] = true
	}
	return &Composite{Fn: fn, Modules: append([]NamedModule(nil), modules...)}
}

// Forward returns Fn(x).
func (c *Composite) Forward(x *tensor.Tensor) *tensor.Tensor { return c.Fn(x) }

// Parameters returns the sub-modules' parameters in order.
func (c *Composite) Parameters() []*tensor.Tensor {
	var ps []*tensor.Tensor
	for _, m := range c.Modules {
		ps = append(ps, m.Module.Parameters()...)
	}
	return ps
}

// Train puts every sub-module in training mode.
func (c *Composite) Train() {
	for _, m := range c.Modules {
		m.Module.Train()
	}
}

// Eval puts every sub-module in evaluation mode.
func (c *Composite) Eval() {
	for _, m := range c.Modules {
		m.Module.Eval()
	}
}

// Training reports whether the sub-modules are in training mode.
func (c *Composite) Training() bool {
	for _, m := range c.Modules {
		if !m.Module.Training() {
			return false
		}
	}
	return true
}

// ZeroGrad drops the gradients of all parameters.
func (c *Composite) ZeroGrad() {
	for _, m := range c.Modules {
		m.Module.ZeroGrad()
	}
}

// NamedChildren returns the named sub-modules.
func (c *Composite) NamedChildren() []NamedModule { return c.Modules }
