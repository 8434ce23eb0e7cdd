package nn

import (
	"slices"

	"github.com/descentlab/descent/optimlib/tensor"
)

// NormOption changes a default of a normalization layer's constructor.
type NormOption func(*normConfig)

type normConfig struct {
	eps, momentum float64
	cumulative    bool
	affine, track bool
	// running records that an option about running statistics was given.
	running bool
}

// Eps sets the constant added to the variance (default 1e-5).
func Eps(eps float64) NormOption { return func(c *normConfig) { c.eps = eps } }

// Momentum sets the weight of the new batch in the running statistics
// (default 0.1): running = (1 − momentum)·running + momentum·batch.
func Momentum(m float64) NormOption {
	return func(c *normConfig) { c.momentum, c.cumulative, c.running = m, false, true }
}

// CumulativeAverage makes the running statistics the plain average of all
// batches seen, as PyTorch does with momentum=None: the new batch gets
// weight 1/num_batches_tracked.
func CumulativeAverage() NormOption {
	return func(c *normConfig) { c.cumulative, c.running = true, true }
}

// Affine switches the learnable per-channel (or, for LayerNorm,
// per-element) scale and shift on or off.
func Affine(on bool) NormOption {
	return func(c *normConfig) { c.affine = on }
}

// TrackRunningStats switches the running statistics on or off. Without
// them a layer normalizes with batch statistics in evaluation mode too.
func TrackRunningStats(on bool) NormOption {
	return func(c *normConfig) { c.track, c.running = on, true }
}

// newConfig applies opts to a layer's defaults.
func newConfig(affine, track bool, opts []NormOption) normConfig {
	c := normConfig{eps: 1e-5, momentum: 0.1, affine: affine, track: track}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// statelessConfig is newConfig for layers without running statistics.
func statelessConfig(op string, opts []NormOption) normConfig {
	c := newConfig(true, false, opts)
	if c.running {
		panic(shapeErr(op, "Momentum, CumulativeAverage and TrackRunningStats do not apply: the layer has no running statistics"))
	}
	return c
}

// RunningStats holds what BatchNorm and InstanceNorm share: per-channel
// affine parameters and running statistics.
type RunningStats struct {
	Mode
	// Weight (γ) and Bias (β) have shape [C]; nil without affine.
	Weight, Bias *tensor.Tensor
	// RunningMean (zeros) and RunningVar (ones) have shape [C]; nil
	// without running statistics.
	RunningMean, RunningVar *tensor.Tensor
	// NumBatchesTracked is a 0-dimensional count of the training batches
	// seen; nil without running statistics.
	NumBatchesTracked *tensor.Tensor
	// Eps is added to the variance.
	Eps float64
	// Momentum weights the new batch in the running statistics, unless
	// CumulativeAverage is set.
	Momentum float64
	// CumulativeAverage weights the k-th batch by 1/k (momentum=None).
	CumulativeAverage bool
	channels          int
}

func newRunningStats(c int, cfg normConfig) RunningStats {
	r := RunningStats{Eps: cfg.eps, Momentum: cfg.momentum, CumulativeAverage: cfg.cumulative, channels: c}
	if cfg.affine {
		r.Weight = tensor.Ones(c).SetRequiresGrad(true)
		r.Bias = tensor.Zeros(c).SetRequiresGrad(true)
	}
	if cfg.track {
		r.RunningMean, r.RunningVar, r.NumBatchesTracked = tensor.Zeros(c), tensor.Ones(c), tensor.Scalar(0)
	}
	return r
}

// Parameters returns Weight and Bias when affine.
func (r *RunningStats) Parameters() []*tensor.Tensor { return nonNil(r.Weight, r.Bias) }

// ZeroGrad drops the gradients of the parameters.
func (r *RunningStats) ZeroGrad() { zeroGrad(r.Parameters()) }

// LocalState names the parameters "weight" and "bias" and the buffers
// "running_mean", "running_var" and "num_batches_tracked".
func (r *RunningStats) LocalState() (params, buffers []NamedTensor) {
	return named("weight", r.Weight, "bias", r.Bias),
		named("running_mean", r.RunningMean, "running_var", r.RunningVar, "num_batches_tracked", r.NumBatchesTracked)
}

// ResetRunningStats sets the running mean to 0, the running variance to 1
// and the count of batches tracked to 0.
func (r *RunningStats) ResetRunningStats() {
	if r.RunningMean == nil {
		return
	}
	for i := range r.RunningMean.Data() {
		r.RunningMean.Data()[i], r.RunningVar.Data()[i] = 0, 1
	}
	r.NumBatchesTracked.Data()[0] = 0
}

// update folds per-channel batch statistics (biased variance over n
// values) into the running statistics, PyTorch's way: the running variance
// gets the unbiased n/(n−1) variance.
func (r *RunningStats) update(mean, biasedVar []float64, n int) {
	f := r.Momentum
	if r.CumulativeAverage {
		f = 1 / r.NumBatchesTracked.Item()
	}
	rm, rv := r.RunningMean.Data(), r.RunningVar.Data()
	corr := float64(n) / float64(n-1)
	for c := range rm {
		rm[c] = (1-f)*rm[c] + f*mean[c]
		rv[c] = (1-f)*rv[c] + f*biasedVar[c]*corr
	}
}

// channelShape is [1, C, 1, …] for an input of the given rank.
func channelShape(c, rank int) []int {
	s := make([]int, rank)
	for i := range s {
		s[i] = 1
	}
	s[1] = c
	return s
}

// normalizeRows returns (x − mean)/√(var + eps) for each row of the 2-D x,
// with the biased variance, and the statistics of the rows. The rows are
// the channels of a batch of one, so that tensor.BatchNorm does the work
// in fused passes.
func normalizeRows(x *tensor.Tensor, eps float64) (y *tensor.Tensor, mean, variance []float64) {
	shape := x.Shape()
	y3, m, v := tensor.BatchNorm(tensor.Reshape(x, 1, shape[0], shape[1]), nil, nil, eps)
	return tensor.Reshape(y3, shape...), m.Data(), v.Data()
}

// affine applies the per-channel scale and shift of shape [C] to x
// (N×C×…), or returns x without them.
func (r *RunningStats) affine(x *tensor.Tensor) *tensor.Tensor {
	if r.Weight == nil {
		return x
	}
	cs := channelShape(r.channels, x.Dim())
	return tensor.Add(tensor.Mul(x, tensor.Reshape(r.Weight, cs...)), tensor.Reshape(r.Bias, cs...))
}

// evalNormalize normalizes x (N×C×…) with the running statistics and
// applies the affine parameters.
func (r *RunningStats) evalNormalize(x *tensor.Tensor) *tensor.Tensor {
	return tensor.BatchNormEval(x, r.RunningMean, r.RunningVar, r.Weight, r.Bias, r.Eps)
}

// BatchNorm is batch normalization (Ioffe & Szegedy, 2015) over the
// channel axis 1, as torch.nn.BatchNorm1d (N×C or N×C×L inputs) and
// BatchNorm2d (N×C×H×W):
//
//	y = (x − μ)/√(σ² + ε)·γ + β
//
// In training mode μ and σ² are the batch mean and biased variance per
// channel (over the batch and spatial axes), and the running statistics
// are updated with the unbiased variance: running = (1 − m)·running + m·batch,
// with m = Momentum, or 1/num_batches_tracked under CumulativeAverage. In
// evaluation mode the running statistics are used; without them
// (TrackRunningStats(false)) batch statistics are used in both modes.
type BatchNorm struct {
	RunningStats
	op   string
	dims []int
}

// NewBatchNorm1d returns a batch normalization layer for N×C or N×C×L
// inputs with c channels; defaults are eps 1e-5, momentum 0.1, affine and
// running statistics on.
func NewBatchNorm1d(c int, opts ...NormOption) *BatchNorm {
	return newBatchNorm("BatchNorm1d", c, []int{2, 3}, opts)
}

// NewBatchNorm2d returns a batch normalization layer for N×C×H×W inputs
// with c channels; defaults as NewBatchNorm1d.
func NewBatchNorm2d(c int, opts ...NormOption) *BatchNorm {
	return newBatchNorm("BatchNorm2d", c, []int{4}, opts)
}

func newBatchNorm(op string, c int, dims []int, opts []NormOption) *BatchNorm {
	if c <= 0 {
		panic(shapeErr("New"+op, "bad channel count %d", c))
	}
	return &BatchNorm{RunningStats: newRunningStats(c, newConfig(true, true, opts)), op: op, dims: dims}
}

// Forward normalizes x.
func (b *BatchNorm) Forward(x *tensor.Tensor) *tensor.Tensor {
	shape := x.Shape()
	if !slices.Contains(b.dims, len(shape)) || shape[1] != b.channels {
		panic(shapeErr(b.op, "input shape %v is not N×%d%s", shape, b.channels, map[string]string{"BatchNorm1d": " or N×C×L", "BatchNorm2d": "×H×W"}[b.op]))
	}
	if !b.Training() && b.RunningMean != nil {
		return b.evalNormalize(x)
	}
	n, c := shape[0], shape[1]
	s := x.Numel() / (n * c)
	if n*s <= 1 {
		panic(shapeErr(b.op, "expected more than 1 value per channel when training, got input shape %v", shape))
	}
	y, mean, variance := tensor.BatchNorm(x, b.Weight, b.Bias, b.Eps)
	if b.Training() && b.RunningMean != nil {
		b.NumBatchesTracked.Data()[0]++
		b.update(mean.Data(), variance.Data(), n*s)
	}
	return y
}

// InstanceNorm is instance normalization (Ulyanov et al., 2016), as
// torch.nn.InstanceNorm1d (N×C×L) and InstanceNorm2d (N×C×H×W): each
// sample's channel is normalized by its own mean and biased variance over
// the spatial axes. By default there is no affine transform and no running
// statistics; with TrackRunningStats(true) training updates per-channel
// running statistics with the batch average of the instance statistics
// (unbiased variance) and evaluation mode uses them.
type InstanceNorm struct {
	RunningStats
	op   string
	rank int
}

// NewInstanceNorm1d returns an instance normalization layer for N×C×L
// inputs; defaults are eps 1e-5, momentum 0.1, no affine, no running
// statistics.
func NewInstanceNorm1d(c int, opts ...NormOption) *InstanceNorm {
	return newInstanceNorm("InstanceNorm1d", c, 3, opts)
}

// NewInstanceNorm2d returns an instance normalization layer for N×C×H×W
// inputs; defaults as NewInstanceNorm1d.
func NewInstanceNorm2d(c int, opts ...NormOption) *InstanceNorm {
	return newInstanceNorm("InstanceNorm2d", c, 4, opts)
}

func newInstanceNorm(op string, c, rank int, opts []NormOption) *InstanceNorm {
	if c <= 0 {
		panic(shapeErr("New"+op, "bad channel count %d", c))
	}
	cfg := newConfig(false, false, opts)
	if cfg.cumulative {
		panic(shapeErr("New"+op, "CumulativeAverage is not supported (PyTorch's instance_norm needs a momentum)"))
	}
	return &InstanceNorm{RunningStats: newRunningStats(c, cfg), op: op, rank: rank}
}

// Forward normalizes x.
func (in *InstanceNorm) Forward(x *tensor.Tensor) *tensor.Tensor {
	shape := x.Shape()
	if len(shape) != in.rank || shape[1] != in.channels {
		panic(shapeErr(in.op, "input shape %v is not N×%d×%s", shape, in.channels, map[int]string{3: "L", 4: "H×W"}[in.rank]))
	}
	if in.CumulativeAverage {
		panic(shapeErr(in.op, "CumulativeAverage is not supported (PyTorch's instance_norm needs a momentum)"))
	}
	if !in.Training() && in.RunningMean != nil {
		return in.evalNormalize(x)
	}
	n, c := shape[0], shape[1]
	s := x.Numel() / (n * c)
	if s <= 1 {
		panic(shapeErr(in.op, "expected more than 1 spatial element when training, got input shape %v", shape))
	}
	y, mean, variance := normalizeRows(tensor.Reshape(x, n*c, s), in.Eps)
	if in.Training() && in.RunningMean != nil {
		m, v := make([]float64, c), make([]float64, c)
		for i, mi := range mean {
			m[i%c] += mi / float64(n)
			v[i%c] += variance[i] / float64(n)
		}
		// PyTorch's instance_norm leaves num_batches_tracked at 0.
		in.update(m, v, s)
	}
	return in.affine(tensor.Reshape(y, shape...))
}

// LayerNorm is layer normalization (Ba et al., 2016), as
// torch.nn.LayerNorm: each sample is normalized by the mean and biased
// variance of its last len(NormalizedShape) axes, which must equal
// NormalizedShape, then scaled and shifted elementwise by Weight and Bias
// (of shape NormalizedShape; nil with Affine(false)). It behaves the same
// in training and evaluation mode.
type LayerNorm struct {
	Mode
	Weight, Bias    *tensor.Tensor
	NormalizedShape []int
	Eps             float64
}

// NewLayerNorm returns a layer normalization over the trailing axes of the
// given shape; defaults are eps 1e-5 and elementwise affine on. It has no
// running statistics, so Momentum, CumulativeAverage and TrackRunningStats
// are refused.
func NewLayerNorm(normalizedShape []int, opts ...NormOption) *LayerNorm {
	cfg := statelessConfig("NewLayerNorm", opts)
	if len(normalizedShape) == 0 {
		panic(shapeErr("NewLayerNorm", "empty normalized shape"))
	}
	l := &LayerNorm{NormalizedShape: slices.Clone(normalizedShape), Eps: cfg.eps}
	if cfg.affine {
		l.Weight = tensor.Ones(normalizedShape...).SetRequiresGrad(true)
		l.Bias = tensor.Zeros(normalizedShape...).SetRequiresGrad(true)
	}
	return l
}

// Forward normalizes x.
func (l *LayerNorm) Forward(x *tensor.Tensor) *tensor.Tensor {
	shape, k := x.Shape(), len(l.NormalizedShape)
	if len(shape) < k || !slices.Equal(shape[len(shape)-k:], l.NormalizedShape) {
		panic(shapeErr("LayerNorm", "input shape %v does not end in the normalized shape %v", shape, l.NormalizedShape))
	}
	d := 1
	for _, v := range l.NormalizedShape {
		d *= v
	}
	y, _, _ := normalizeRows(tensor.Reshape(x, -1, d), l.Eps)
	y = tensor.Reshape(y, shape...)
	if l.Weight != nil {
		y = tensor.Add(tensor.Mul(y, l.Weight), l.Bias)
	}
	return y
}

// Parameters returns Weight and Bias when affine.
func (l *LayerNorm) Parameters() []*tensor.Tensor { return nonNil(l.Weight, l.Bias) }

// ZeroGrad drops the gradients of the parameters.
func (l *LayerNorm) ZeroGrad() { zeroGrad(l.Parameters()) }

// LocalState names the parameters "weight" and "bias".
func (l *LayerNorm) LocalState() (params, buffers []NamedTensor) {
	return named("weight", l.Weight, "bias", l.Bias), nil
}

// GroupNorm is group normalization (Wu & He, 2018), as torch.nn.GroupNorm:
// the C channels of an N×C×… input are split into Groups groups of
// consecutive channels, each sample's group is normalized by its mean and
// biased variance, then each channel is scaled and shifted by Weight and
// Bias (shape [C]; nil with Affine(false)). It behaves the same in training
// and evaluation mode.
type GroupNorm struct {
	Mode
	Weight, Bias     *tensor.Tensor
	Groups, Channels int
	Eps              float64
}

// NewGroupNorm returns a group normalization layer; defaults are eps 1e-5
// and affine on (Eps and Affine are its options). channels must be a
// multiple of groups.
func NewGroupNorm(groups, channels int, opts ...NormOption) *GroupNorm {
	if groups <= 0 || channels <= 0 || channels%groups != 0 {
		panic(shapeErr("NewGroupNorm", "%d channels cannot be split into %d groups", channels, groups))
	}
	cfg := statelessConfig("NewGroupNorm", opts)
	g := &GroupNorm{Groups: groups, Channels: channels, Eps: cfg.eps}
	if cfg.affine {
		g.Weight = tensor.Ones(channels).SetRequiresGrad(true)
		g.Bias = tensor.Zeros(channels).SetRequiresGrad(true)
	}
	return g
}

// Forward normalizes x.
func (g *GroupNorm) Forward(x *tensor.Tensor) *tensor.Tensor {
	shape := x.Shape()
	if len(shape) < 2 || shape[1] != g.Channels {
		panic(shapeErr("GroupNorm", "input shape %v is not N×%d×…", shape, g.Channels))
	}
	n := shape[0]
	y, _, _ := normalizeRows(tensor.Reshape(x, n*g.Groups, -1), g.Eps)
	y = tensor.Reshape(y, shape...)
	if g.Weight != nil {
		cs := channelShape(g.Channels, len(shape))
		y = tensor.Add(tensor.Mul(y, tensor.Reshape(g.Weight, cs...)), tensor.Reshape(g.Bias, cs...))
	}
	return y
}

// Parameters returns Weight and Bias when affine.
func (g *GroupNorm) Parameters() []*tensor.Tensor { return nonNil(g.Weight, g.Bias) }

// ZeroGrad drops the gradients of the parameters.
func (g *GroupNorm) ZeroGrad() { zeroGrad(g.Parameters()) }

// LocalState names the parameters "weight" and "bias".
func (g *GroupNorm) LocalState() (params, buffers []NamedTensor) {
	return named("weight", g.Weight, "bias", g.Bias), nil
}
