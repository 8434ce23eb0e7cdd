package tensor

import (
	"fmt"
	"math"
)

// Batch normalization as one operation. A chain of broadcasting elementwise
// operations computes the same values, but passes over the activations a
// dozen times and allocates as many temporaries, forward and backward; here
// the forward pass reads x three times (mean, variance, normalization) and
// the backward pass twice (two per-channel sums, then the gradient).
//
// The backward function has two forms. When the gradient is not recorded
// (the usual Backward, which runs under NoGrad) it runs the fused loops.
// When it is recorded (createGraph, for Hessians), it returns the same
// closed-form gradient written in differentiable tensor operations, so the
// operation differentiates to any order.

// bnLayout is an N×C×S view of an N×C×… tensor: channel c of sample n is
// the contiguous run of S values at (n·C + c)·S.
type bnLayout struct{ n, c, s int }

// count is the number of values per channel, N·S.
func (l bnLayout) count() int { return l.n * l.s }

// run returns channel c of sample i in data.
func (l bnLayout) run(data []float64, i, c int) []float64 {
	return data[(i*l.c+c)*l.s:][:l.s]
}

func newBNLayout(op string, x, weight, bias *Tensor) bnLayout {
	if len(x.shape) < 2 {
		panic(fmt.Errorf("tensor: %s: input of shape %v is not N×C×…", op, x.shape))
	}
	l := bnLayout{n: x.shape[0], c: x.shape[1], s: 1}
	for _, d := range x.shape[2:] {
		l.s *= d
	}
	for _, p := range []*Tensor{weight, bias} {
		if p != nil && (len(p.shape) != 1 || p.shape[0] != l.c) {
			panic(fmt.Errorf("tensor: %s: parameter of shape %v does not match input of shape %v (want [%d])", op, p.shape, x.shape, l.c))
		}
	}
	return l
}

// BatchNorm normalizes x (N×C×…) per channel with the mean μ and the biased
// variance σ² of the channel's values over the batch and the trailing axes,
// then scales and shifts each channel by weight (γ) and bias (β), which
// have length C or are nil:
//
//	y = (x − μ)/√(σ² + eps)·γ + β
//
// as torch.nn.functional.batch_norm in training mode. It also returns μ and
// σ² (shape [C], outside the graph), from which layers update running
// statistics. The gradient is the closed form
//
//	∂x = γ/√(σ² + eps)·(g − mean(g) − x̂·mean(g·x̂)),  ∂γ = Σ g·x̂,  ∂β = Σ g
//
// with x̂ the normalized input and means and sums per channel. It is
// differentiable to any order.
func BatchNorm(x, weight, bias *Tensor, eps float64) (y, mean, variance *Tensor) {
	checkDense("BatchNorm", x, weight, bias)
	l := newBNLayout("BatchNorm", x, weight, bias)
	m := l.count()
	if m == 0 {
		panic(fmt.Errorf("tensor: BatchNorm: input of shape %v has no values per channel", x.shape))
	}
	mean, variance = Zeros(l.c), Zeros(l.c)
	// The backward pass keeps its own copy of the statistics: the returned
	// tensors belong to the caller.
	mus, invStd := make([]float64, l.c), make([]float64, l.c)
	y = &Tensor{data: make([]float64, len(x.data)), shape: append([]int(nil), x.shape...)}
	for c := 0; c < l.c; c++ {
		s := 0.0
		for i := 0; i < l.n; i++ {
			s += sum4(l.run(x.data, i, c))
		}
		mu := s / float64(m)
		ss := 0.0
		for i := 0; i < l.n; i++ {
			ss += sumSqDev4(l.run(x.data, i, c), mu)
		}
		v := ss / float64(m)
		mus[c], mean.data[c], variance.data[c] = mu, mu, v
		invStd[c] = 1 / math.Sqrt(v+eps)
		l.normalize(y, x, weight, bias, c, mu, invStd[c])
	}
	y = record(y, "BatchNorm", func(g *Tensor) []*Tensor {
		if recording(g, x, weight) {
			return batchNormGradOps(x, weight, bias, g, l, eps)
		}
		return batchNormGrad(x, weight, bias, g, l, mus, invStd)
	}, x, weight, bias)
	return y, mean, variance
}

// recording reports whether an operation on the given tensors would be
// recorded: a backward function that sees this must build its result from
// differentiable operations.
func recording(ts ...*Tensor) bool {
	if !GradEnabled() {
		return false
	}
	for _, t := range ts {
		if t != nil && t.requiresGrad {
			return true
		}
	}
	return false
}

// batchNormGrad is BatchNorm's gradient in two fused passes: the
// per-channel sums Σg and Σg·(x − μ), then ∂x.
func batchNormGrad(x, weight, bias, g *Tensor, l bnLayout, mean, invStd []float64) []*Tensor {
	gx, gw, gb := gradBuffers(x, weight, bias, l)
	m := float64(l.count())
	for c := 0; c < l.c; c++ {
		mu := mean[c]
		sg, sgx := 0.0, 0.0
		for i := 0; i < l.n; i++ {
			a, b := sumAndDot4(l.run(g.data, i, c), l.run(x.data, i, c), mu)
			sg += a
			sgx += b
		}
		if gw != nil {
			gw.data[c] = sgx * invStd[c]
		}
		if gb != nil {
			gb.data[c] = sg
		}
		if gx == nil {
			continue
		}
		// ∂x = a·g − a·Σg/m − a·σ⁻²·Σg(x − μ)/m·(x − μ), with a = γ/σ.
		a := invStd[c]
		if weight != nil {
			a *= weight.data[c]
		}
		k0 := -a * sg / m
		k1 := -a * invStd[c] * invStd[c] * sgx / m
		for i := 0; i < l.n; i++ {
			bnGradRun(l.run(gx.data, i, c), l.run(g.data, i, c), l.run(x.data, i, c), a, k0, k1, mu)
		}
	}
	return []*Tensor{gx, gw, gb}
}

// gradBuffers allocates the gradients the fused backward passes fill: ∂x
// for an x that requires it, zeroed per-channel sums for γ and β.
func gradBuffers(x, weight, bias *Tensor, l bnLayout) (gx, gw, gb *Tensor) {
	if x.requiresGrad {
		gx = &Tensor{data: make([]float64, len(x.data)), shape: append([]int(nil), x.shape...)}
	}
	if weight != nil && weight.requiresGrad {
		gw = Zeros(l.c)
	}
	if bias != nil && bias.requiresGrad {
		gb = Zeros(l.c)
	}
	return gx, gw, gb
}

// batchNormGradOps is batchNormGrad in differentiable tensor operations,
// for gradients that are differentiated again.
func batchNormGradOps(x, weight, bias, g *Tensor, l bnLayout, eps float64) []*Tensor {
	x3, g3 := Reshape(x, l.n, l.c, l.s), Reshape(g, l.n, l.c, l.s)
	xc := Sub(x3, channelMean(x3))
	invStd := PowScalar(AddScalar(channelMean(Square(xc)), eps), -0.5)
	xhat := Mul(xc, invStd)
	var gx, gw, gb *Tensor
	if x.requiresGrad {
		gxhat := g3
		if weight != nil {
			gxhat = Mul(g3, Reshape(weight, 1, l.c, 1))
		}
		d := Sub(Sub(gxhat, channelMean(gxhat)), Mul(xhat, channelMean(Mul(gxhat, xhat))))
		gx = Reshape(Mul(d, invStd), x.shape...)
	}
	gw, gb = affineGradOps(g3, xhat, weight, bias, l)
	return []*Tensor{gx, gw, gb}
}

// affineGradOps returns the gradients of γ·x̂ + β with respect to γ and β
// (nil for those absent or not requiring one), in differentiable ops: the
// channel sums of g·x̂ and of g.
func affineGradOps(g3, xhat, weight, bias *Tensor, l bnLayout) (gw, gb *Tensor) {
	if weight != nil && weight.requiresGrad {
		gw = Reshape(channelSum(Mul(g3, xhat)), l.c)
	}
	if bias != nil && bias.requiresGrad {
		gb = Reshape(channelSum(g3), l.c)
	}
	return gw, gb
}

// channelSum sums an N×C×S tensor over axes 0 and 2, keeping them.
func channelSum(t *Tensor) *Tensor { return SumAxis(SumAxis(t, 2, true), 0, true) }

// channelMean averages an N×C×S tensor over axes 0 and 2, keeping them.
func channelMean(t *Tensor) *Tensor {
	return MulScalar(channelSum(t), 1/float64(t.shape[0]*t.shape[2]))
}

// BatchNormEval normalizes x (N×C×…) per channel with fixed statistics, as
// torch.nn.functional.batch_norm in evaluation mode:
//
//	y = (x − mean)/√(variance + eps)·γ + β
//
// mean and variance (length C) are constants: no gradient flows to them.
// weight (γ) and bias (β) have length C or are nil. It is differentiable to
// any order.
func BatchNormEval(x, mean, variance, weight, bias *Tensor, eps float64) *Tensor {
	checkDense("BatchNormEval", x, mean, variance, weight, bias)
	l := newBNLayout("BatchNormEval", x, weight, bias)
	for _, p := range []*Tensor{mean, variance} {
		if len(p.shape) != 1 || p.shape[0] != l.c {
			panic(fmt.Errorf("tensor: BatchNormEval: statistics of shape %v do not match input of shape %v (want [%d])", p.shape, x.shape, l.c))
		}
	}
	mu := append([]float64(nil), mean.data...)
	invStd := make([]float64, l.c)
	for c, v := range variance.data {
		invStd[c] = 1 / math.Sqrt(v+eps)
	}
	y := &Tensor{data: make([]float64, len(x.data)), shape: append([]int(nil), x.shape...)}
	for c := 0; c < l.c; c++ {
		l.normalize(y, x, weight, bias, c, mu[c], invStd[c])
	}
	return record(y, "BatchNormEval", func(g *Tensor) []*Tensor {
		return batchNormEvalGrad(x, weight, bias, g, l, mu, invStd)
	}, x, weight, bias)
}

// batchNormEvalGrad is BatchNormEval's gradient: ∂x = γ/√(σ² + eps)·g,
// ∂γ = Σ g·x̂, ∂β = Σ g, with x̂ the normalized input. When the gradient is
// recorded it is built from tensor operations, with the statistics as
// constants.
func batchNormEvalGrad(x, weight, bias, g *Tensor, l bnLayout, mu, invStd []float64) []*Tensor {
	var gx, gw, gb *Tensor
	if recording(g, x, weight) {
		x3, g3 := Reshape(x, l.n, l.c, l.s), Reshape(g, l.n, l.c, l.s)
		k := New(invStd, 1, l.c, 1)
		xhat := Mul(Sub(x3, New(mu, 1, l.c, 1)), k)
		if x.requiresGrad {
			gxhat := g3
			if weight != nil {
				gxhat = Mul(g3, Reshape(weight, 1, l.c, 1))
			}
			gx = Reshape(Mul(gxhat, k), x.shape...)
		}
		gw, gb = affineGradOps(g3, xhat, weight, bias, l)
		return []*Tensor{gx, gw, gb}
	}
	gx, gw, gb = gradBuffers(x, weight, bias, l)
	for c := 0; c < l.c; c++ {
		a := invStd[c]
		if weight != nil {
			a *= weight.data[c]
		}
		sg, sgx := 0.0, 0.0
		for i := 0; i < l.n; i++ {
			gs := l.run(g.data, i, c)
			if gw != nil || gb != nil {
				s, d := sumAndDot4(gs, l.run(x.data, i, c), mu[c])
				sg += s
				sgx += d
			}
			if gx != nil {
				dst := l.run(gx.data, i, c)
				for j, v := range gs {
					dst[j] = a * v
				}
			}
		}
		if gw != nil {
			gw.data[c] = sgx * invStd[c]
		}
		if gb != nil {
			gb.data[c] = sg
		}
	}
	return []*Tensor{gx, gw, gb}
}

// The loops below take four elements per iteration through re-sliced
// windows of length four, so that the compiler drops the bounds checks,
// and keep independent partial sums, so that the adds of one iteration do
// not wait for each other.

// normalize writes channel c of y = (x − μ)·invStd·γ + β, with γ and β
// taken as 1 and 0 when weight or bias is nil.
func (l bnLayout) normalize(y, x, weight, bias *Tensor, c int, mu, invStd float64) {
	scale, shift := invStd, 0.0
	if weight != nil {
		scale *= weight.data[c]
	}
	if bias != nil {
		shift = bias.data[c]
	}
	for i := 0; i < l.n; i++ {
		affineRun(l.run(y.data, i, c), l.run(x.data, i, c), mu, scale, shift)
	}
}

// affineRun sets dst = (src − mu)·scale + shift.
func affineRun(dst, src []float64, mu, scale, shift float64) {
	dst = dst[:len(src)]
	i := 0
	for ; i+4 <= len(src); i += 4 {
		d, v := dst[i:i+4:i+4], src[i:i+4:i+4]
		d[0] = (v[0]-mu)*scale + shift
		d[1] = (v[1]-mu)*scale + shift
		d[2] = (v[2]-mu)*scale + shift
		d[3] = (v[3]-mu)*scale + shift
	}
	for ; i < len(src); i++ {
		dst[i] = (src[i]-mu)*scale + shift
	}
}

// bnGradRun sets dst = a·g + k0 + k1·(x − mu), batch normalization's input
// gradient for one run of a channel.
func bnGradRun(dst, g, x []float64, a, k0, k1, mu float64) {
	dst, x = dst[:len(g)], x[:len(g)]
	i := 0
	for ; i+4 <= len(g); i += 4 {
		d, gv, xv := dst[i:i+4:i+4], g[i:i+4:i+4], x[i:i+4:i+4]
		d[0] = a*gv[0] + k0 + k1*(xv[0]-mu)
		d[1] = a*gv[1] + k0 + k1*(xv[1]-mu)
		d[2] = a*gv[2] + k0 + k1*(xv[2]-mu)
		d[3] = a*gv[3] + k0 + k1*(xv[3]-mu)
	}
	for ; i < len(g); i++ {
		dst[i] = a*g[i] + k0 + k1*(x[i]-mu)
	}
}

// sum4 returns Σ s.
func sum4(s []float64) float64 {
	var a0, a1, a2, a3 float64
	i := 0
	for ; i+4 <= len(s); i += 4 {
		v := s[i : i+4 : i+4]
		a0 += v[0]
		a1 += v[1]
		a2 += v[2]
		a3 += v[3]
	}
	for ; i < len(s); i++ {
		a0 += s[i]
	}
	return (a0 + a1) + (a2 + a3)
}

// sumSqDev4 returns Σ (s − mu)².
func sumSqDev4(s []float64, mu float64) float64 {
	var a0, a1, a2, a3 float64
	i := 0
	for ; i+4 <= len(s); i += 4 {
		v := s[i : i+4 : i+4]
		d0, d1, d2, d3 := v[0]-mu, v[1]-mu, v[2]-mu, v[3]-mu
		a0 += d0 * d0
		a1 += d1 * d1
		a2 += d2 * d2
		a3 += d3 * d3
	}
	for ; i < len(s); i++ {
		d := s[i] - mu
		a0 += d * d
	}
	return (a0 + a1) + (a2 + a3)
}

// sumAndDot4 returns Σ g and Σ g·(x − mu) over g's length.
func sumAndDot4(g, x []float64, mu float64) (sg, sgx float64) {
	x = x[:len(g)]
	var s0, s1, s2, s3, d0, d1, d2, d3 float64
	i := 0
	for ; i+4 <= len(g); i += 4 {
		gv, xv := g[i:i+4:i+4], x[i:i+4:i+4]
		s0 += gv[0]
		s1 += gv[1]
		s2 += gv[2]
		s3 += gv[3]
		d0 += gv[0] * (xv[0] - mu)
		d1 += gv[1] * (xv[1] - mu)
		d2 += gv[2] * (xv[2] - mu)
		d3 += gv[3] * (xv[3] - mu)
	}
	for ; i < len(g); i++ {
		s0 += g[i]
		d0 += g[i] * (x[i] - mu)
	}
	return (s0 + s1) + (s2 + s3), (d0 + d1) + (d2 + d3)
}
