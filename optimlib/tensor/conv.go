package tensor

import (
	"fmt"
	"math"
	"sync"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/floats"
)

// convGeom is the geometry of a sliding window over N×C×H×W images.
type convGeom struct {
	n, c, h, w     int
	kh, kw         int
	stride, pad    int
	outH, outW     int
	ckk            int
	windows        int
	colsPerSample  int
	imagePerSample int
}

func newGeom(op string, shape []int, kh, kw, stride, pad int) convGeom {
	if len(shape) != 4 {
		panic(fmt.Errorf("tensor: %s: input of shape %v is not N×C×H×W", op, shape))
	}
	if kh < 1 || kw < 1 || stride < 1 || pad < 0 {
		panic(fmt.Errorf("tensor: %s: kernel %d×%d, stride %d, padding %d invalid for input of shape %v", op, kh, kw, stride, pad, shape))
	}
	g := convGeom{n: shape[0], c: shape[1], h: shape[2], w: shape[3], kh: kh, kw: kw, stride: stride, pad: pad}
	g.outH = (g.h+2*pad-kh)/stride + 1
	g.outW = (g.w+2*pad-kw)/stride + 1
	if g.h+2*pad < kh || g.w+2*pad < kw {
		panic(fmt.Errorf("tensor: %s: kernel %d×%d larger than padded input of shape %v (padding %d)", op, kh, kw, shape, pad))
	}
	g.ckk = g.c * kh * kw
	g.windows = g.outH * g.outW
	g.colsPerSample = g.ckk * g.windows
	g.imagePerSample = g.c * g.h * g.w
	return g
}

// validCols returns the range lo ≤ ow < hi of output columns whose input
// column ow·stride − pad + kj lies inside the image.
func (g convGeom) validCols(kj int) (lo, hi int) {
	// iw ≥ 0  ⇔  ow ≥ ⌈(pad − kj)/stride⌉;  iw < w  ⇔  ow < ⌈(w + pad − kj)/stride⌉.
	lo = max(0, ceilDiv(g.pad-kj, g.stride))
	hi = min(g.outW, ceilDiv(g.w+g.pad-kj, g.stride))
	return lo, max(lo, hi)
}

// ceilDiv returns ⌈a/b⌉ for b > 0 and any a.
func ceilDiv(a, b int) int {
	if a <= 0 {
		return -((-a) / b)
	}
	return (a + b - 1) / b
}

// Unfold extracts the sliding kh×kw windows (stride, zero padding) of an
// N×C×H×W tensor into columns, as torch.nn.functional.unfold: the result is
// N×(C·kh·kw)×L with L = outH·outW windows in row-major order. Its adjoint
// is Fold, and each differentiates into the other.
func Unfold(x *Tensor, kh, kw, stride, padding int) *Tensor {
	checkDense("Unfold", x)
	g := newGeom("Unfold", x.shape, kh, kw, stride, padding)
	return unfold(x, g)
}

func unfold(x *Tensor, g convGeom) *Tensor {
	out := &Tensor{data: make([]float64, g.n*g.colsPerSample), shape: []int{g.n, g.ckk, g.windows}}
	for s := 0; s < g.n; s++ {
		g.im2col(out.data[s*g.colsPerSample:(s+1)*g.colsPerSample], x.data[s*g.imagePerSample:(s+1)*g.imagePerSample])
	}
	return record(out, "Unfold", func(gr *Tensor) []*Tensor { return []*Tensor{fold(gr, g)} }, x)
}

// Fold sums columns of sliding windows back into an N×C×h×w image, as
// torch.nn.functional.fold: cols is N×(C·kh·kw)×L and overlapping windows
// add up. It is the adjoint of Unfold.
func Fold(cols *Tensor, h, w, kh, kw, stride, padding int) *Tensor {
	checkDense("Fold", cols)
	if len(cols.shape) != 3 || cols.shape[1]%(kh*kw) != 0 {
		panic(fmt.Errorf("tensor: Fold: columns of shape %v do not fit kernel %d×%d", cols.shape, kh, kw))
	}
	g := newGeom("Fold", []int{cols.shape[0], cols.shape[1] / (kh * kw), h, w}, kh, kw, stride, padding)
	if cols.shape[2] != g.windows {
		panic(fmt.Errorf("tensor: Fold: columns of shape %v hold %d windows, image %d×%d gives %d", cols.shape, cols.shape[2], h, w, g.windows))
	}
	return fold(cols, g)
}

func fold(cols *Tensor, g convGeom) *Tensor {
	out := Zeros(g.n, g.c, g.h, g.w)
	for s := 0; s < g.n; s++ {
		g.col2im(out.data[s*g.imagePerSample:(s+1)*g.imagePerSample], cols.data[s*g.colsPerSample:(s+1)*g.colsPerSample])
	}
	return record(out, "Fold", func(gr *Tensor) []*Tensor { return []*Tensor{unfold(gr, g)} }, cols)
}

// AvgPool2d returns the mean over kernel×kernel windows of x (N×C×H×W) with
// the given stride and zero padding, dividing by kernel² even where the
// window covers padding, as torch.nn.functional.avg_pool2d with its
// defaults.
func AvgPool2d(x *Tensor, kernel, stride, padding int) *Tensor {
	checkDense("AvgPool2d", x)
	g := newGeom("AvgPool2d", x.shape, kernel, kernel, stride, padding)
	if 2*padding > kernel {
		panic(fmt.Errorf("tensor: AvgPool2d: padding %d exceeds half the kernel %d", padding, kernel))
	}
	planes := Reshape(x, g.n*g.c, 1, g.h, g.w)
	pg := newGeom("AvgPool2d", planes.shape, kernel, kernel, stride, padding)
	cols := unfold(planes, pg)
	return Reshape(MeanAxis(cols, 1, false), g.n, g.c, g.outH, g.outW)
}

// im2col writes the sliding windows of one sample (C×H×W, img) into cols
// (C·kh·kw rows of outH·outW windows), zeros where a window covers padding.
// Every entry of cols is written, so the buffer may be reused.
func (g convGeom) im2col(cols, img []float64) {
	if g.stride == 1 && g.outW == g.w {
		g.im2colSame(cols, img)
		return
	}
	for c := 0; c < g.c; c++ {
		plane := img[c*g.h*g.w:][:g.h*g.w]
		for ki := 0; ki < g.kh; ki++ {
			for kj := 0; kj < g.kw; kj++ {
				row := cols[((c*g.kh+ki)*g.kw+kj)*g.windows:][:g.windows]
				lo, hi := g.validCols(kj)
				for oh := 0; oh < g.outH; oh++ {
					dst := row[oh*g.outW:][:g.outW]
					ih := oh*g.stride - g.pad + ki
					if ih < 0 || ih >= g.h {
						clear(dst)
						continue
					}
					src := plane[ih*g.w:][:g.w]
					for i := 0; i < lo; i++ {
						dst[i] = 0
					}
					for i := hi; i < len(dst); i++ {
						dst[i] = 0
					}
					if g.stride == 1 {
						copy(dst[lo:hi], src[lo-g.pad+kj:])
						continue
					}
					for ow := lo; ow < hi; ow++ {
						dst[ow] = src[ow*g.stride-g.pad+kj]
					}
				}
			}
		}
	}
}

// sameShift describes window row (ki, kj) of a "same" convolution (stride
// 1, output as wide as the input): the row is the plane shifted by off in
// row-major order; entries [lo, hi) of the row come from the plane, the
// rest fall outside it; output rows [ohLo, ohHi) are inside the plane, and
// in each of them only columns [cLo, cHi) did not wrap around a row edge.
type sameShift struct{ off, lo, hi, ohLo, ohHi, cLo, cHi int }

func (g convGeom) sameShift(ki, kj int) sameShift {
	hw := g.h * g.w
	di, dj := ki-g.pad, kj-g.pad
	ohLo, ohHi := max(0, -di), max(0, min(g.outH, g.h-di))
	off := di*g.w + dj
	lo := min(max(ohLo*g.w, -off), g.windows)
	return sameShift{off: off, lo: lo, hi: max(min(ohHi*g.w, hw-off), lo), ohLo: ohLo, ohHi: ohHi,
		cLo: max(0, -dj), cHi: min(g.w, g.w-dj)}
}

// zeroWrapped zeroes the entries of a window row whose source wrapped
// around a row edge of the plane.
func (g convGeom) zeroWrapped(row []float64, sh sameShift) {
	for oh := sh.ohLo; oh < sh.ohHi; oh++ {
		r := row[oh*g.w : (oh+1)*g.w]
		clear(r[:sh.cLo])
		clear(r[sh.cHi:])
	}
}

// im2colSame is im2col for stride 1 and an output as wide as the input
// ("same" padding along the rows). Window row (c, ki, kj) is then the
// plane shifted by (ki − pad)·W + kj − pad in row-major order: one copy,
// after which the entries that wrapped around a row edge or fell outside
// the plane are zeroed.
func (g convGeom) im2colSame(cols, img []float64) {
	hw := g.h * g.w
	for c := 0; c < g.c; c++ {
		plane := img[c*hw : (c+1)*hw]
		for ki := 0; ki < g.kh; ki++ {
			for kj := 0; kj < g.kw; kj++ {
				row := cols[((c*g.kh+ki)*g.kw+kj)*g.windows:][:g.windows]
				sh := g.sameShift(ki, kj)
				clear(row[:sh.lo])
				if sh.lo < sh.hi {
					copy(row[sh.lo:sh.hi], plane[sh.lo+sh.off:])
				}
				clear(row[sh.hi:])
				g.zeroWrapped(row, sh)
			}
		}
	}
}

// col2im adds the windows in cols (as im2col lays them out) into one
// sample's image img: the adjoint of im2col.
func (g convGeom) col2im(img, cols []float64) {
	for c := 0; c < g.c; c++ {
		plane := img[c*g.h*g.w:][:g.h*g.w]
		for ki := 0; ki < g.kh; ki++ {
			for kj := 0; kj < g.kw; kj++ {
				row := cols[((c*g.kh+ki)*g.kw+kj)*g.windows:][:g.windows]
				lo, hi := g.validCols(kj)
				for oh := 0; oh < g.outH; oh++ {
					ih := oh*g.stride - g.pad + ki
					if ih < 0 || ih >= g.h {
						continue
					}
					dst := plane[ih*g.w:][:g.w]
					src := row[oh*g.outW:][:g.outW]
					if g.stride == 1 {
						d := dst[lo-g.pad+kj : hi-g.pad+kj]
						for i, v := range src[lo:hi] {
							d[i] += v
						}
						continue
					}
					for ow := lo; ow < hi; ow++ {
						dst[ow*g.stride-g.pad+kj] += src[ow]
					}
				}
			}
		}
	}
}

// col2imScratch is col2im for columns in a scratch buffer, which it may
// overwrite. For stride 1 and an output as wide as the input it adds each
// window row to the plane in one contiguous pass, the adjoint of
// im2colSame: it first zeroes the row's entries that wrapped around a row
// edge, whose im2col values are padding, so that the pass adds nothing
// for them.
func (g convGeom) col2imScratch(img, cols []float64) {
	if g.stride != 1 || g.outW != g.w {
		g.col2im(img, cols)
		return
	}
	hw := g.h * g.w
	for c := 0; c < g.c; c++ {
		plane := img[c*hw : (c+1)*hw]
		for ki := 0; ki < g.kh; ki++ {
			for kj := 0; kj < g.kw; kj++ {
				row := cols[((c*g.kh+ki)*g.kw+kj)*g.windows:][:g.windows]
				sh := g.sameShift(ki, kj)
				g.zeroWrapped(row, sh)
				if sh.lo < sh.hi {
					floats.Add(plane[sh.lo+sh.off:sh.hi+sh.off], row[sh.lo:sh.hi])
				}
			}
		}
	}
}

// colPool recycles the one-sample column buffers of Conv2d.
var colPool = sync.Pool{New: func() any { return new([]float64) }}

// colBuf returns a buffer of n values (contents undefined) from colPool.
func colBuf(n int) *[]float64 {
	p := colPool.Get().(*[]float64)
	if cap(*p) < n {
		*p = make([]float64, n)
	}
	*p = (*p)[:n]
	return p
}

// Conv2d returns the 2-D cross-correlation of x (N×C×H×W) with the filters
// w (O×C×kh×kw), plus the bias b (length O, or nil), with the given stride
// and zero padding on every side, as torch.nn.functional.conv2d.
//
// Each sample is unfolded into columns (one per output position, see
// Unfold) in a buffer that is reused, and multiplied by the filters as an
// O×(C·kh·kw) matrix: Y = W·cols + b. The columns are not kept: the
// backward pass unfolds again, which is cheaper than holding N·C·kh·kw·L
// values between the passes. The gradients are
//
//	∂W = Σₙ Gₙ·colsₙᵀ,  ∂x = Fold(Wᵀ·Gₙ),  ∂b = Σ G
//
// computed per sample in the same buffers, or, when the gradient is itself
// recorded, with Unfold, Fold and matrix products, so Conv2d
// differentiates to any order.
func Conv2d(x, w, b *Tensor, stride, padding int) *Tensor {
	checkDense("Conv2d", x, w, b)
	if len(w.shape) != 4 || len(x.shape) != 4 || x.shape[1] != w.shape[1] {
		panic(fmt.Errorf("tensor: Conv2d: input of shape %v and weight of shape %v do not match (want N×C×H×W and O×C×kh×kw)", x.shape, w.shape))
	}
	o := w.shape[0]
	if b != nil && (len(b.shape) != 1 || b.shape[0] != o) {
		panic(fmt.Errorf("tensor: Conv2d: bias of shape %v does not match weight of shape %v", b.shape, w.shape))
	}
	g := newGeom("Conv2d", x.shape, w.shape[2], w.shape[3], stride, padding)
	y := &Tensor{data: make([]float64, g.n*o*g.windows), shape: []int{g.n, o, g.outH, g.outW}}
	if b != nil {
		for s := 0; s < g.n; s++ {
			for c := 0; c < o; c++ {
				row := y.data[(s*o+c)*g.windows : (s*o+c+1)*g.windows]
				for i := range row {
					row[i] = b.data[c]
				}
			}
		}
	}
	if g.ckk > 0 && g.windows > 0 && o > 0 {
		buf := colBuf(g.colsPerSample)
		for s := 0; s < g.n; s++ {
			g.im2col(*buf, x.data[s*g.imagePerSample:(s+1)*g.imagePerSample])
			// y is zero or holds the bias: β = 1 adds the product to it.
			blas64.Gemm(blas.NoTrans, blas.NoTrans, 1,
				blas64.General{Rows: o, Cols: g.ckk, Stride: g.ckk, Data: w.data},
				blas64.General{Rows: g.ckk, Cols: g.windows, Stride: g.windows, Data: *buf},
				1, blas64.General{Rows: o, Cols: g.windows, Stride: g.windows, Data: y.data[s*o*g.windows : (s+1)*o*g.windows]})
		}
		colPool.Put(buf)
	}
	return record(y, "Conv2d", func(gr *Tensor) []*Tensor {
		if recording(gr, x, w) {
			return conv2dGradOps(x, w, b, gr, g)
		}
		return conv2dGrad(x, w, b, gr, g)
	}, x, w, b)
}

// conv2dGrad is Conv2d's gradient, sample by sample in reused buffers.
func conv2dGrad(x, w, b, gr *Tensor, g convGeom) []*Tensor {
	o := w.shape[0]
	l := g.windows
	var gx, gw, gb *Tensor
	if b != nil && b.requiresGrad {
		gb = Zeros(o)
		for s := 0; s < g.n; s++ {
			for c := 0; c < o; c++ {
				gb.data[c] += sum4(gr.data[(s*o+c)*l : (s*o+c+1)*l])
			}
		}
	}
	if x.requiresGrad {
		gx = Zeros(x.shape...)
	}
	if w.requiresGrad {
		gw = Zeros(w.shape...)
	}
	if g.ckk == 0 || l == 0 || o == 0 || (gx == nil && gw == nil) {
		return []*Tensor{gx, gw, gb}
	}
	buf := colBuf(g.colsPerSample)
	defer colPool.Put(buf)
	cols := blas64.General{Rows: g.ckk, Cols: l, Stride: l, Data: *buf}
	wm := blas64.General{Rows: o, Cols: g.ckk, Stride: g.ckk, Data: w.data}
	// ∂Wᵀ = Σₙ colsₙ·Gₙᵀ is accumulated transposed: C·kh·kw rows by O
	// columns suit the kernel's tiles better than O rows by C·kh·kw.
	var gwt blas64.General
	if gw != nil {
		gwt = blas64.General{Rows: g.ckk, Cols: o, Stride: o, Data: make([]float64, g.ckk*o)}
	}
	for s := 0; s < g.n; s++ {
		gs := blas64.General{Rows: o, Cols: l, Stride: l, Data: gr.data[s*o*l : (s+1)*o*l]}
		if gw != nil {
			g.im2col(*buf, x.data[s*g.imagePerSample:(s+1)*g.imagePerSample])
			blas64.Gemm(blas.NoTrans, blas.Trans, 1, cols, gs, 1, gwt)
		}
		if gx != nil {
			blas64.Gemm(blas.Trans, blas.NoTrans, 1, wm, gs, 0, cols)
			g.col2imScratch(gx.data[s*g.imagePerSample:(s+1)*g.imagePerSample], *buf)
		}
	}
	if gw != nil {
		for i := 0; i < g.ckk; i++ {
			for j := 0; j < o; j++ {
				gw.data[j*g.ckk+i] = gwt.Data[i*o+j]
			}
		}
	}
	return []*Tensor{gx, gw, gb}
}

// conv2dGradOps is conv2dGrad in differentiable operations: Unfold, Fold,
// matrix products and sums.
func conv2dGradOps(x, w, b, gr *Tensor, g convGeom) []*Tensor {
	o := w.shape[0]
	g3 := Reshape(gr, g.n, o, g.windows)
	var gx, gw, gb *Tensor
	if b != nil && b.requiresGrad {
		gb = Reshape(sumTo(g3, []int{1, o, 1}), o)
	}
	if w.requiresGrad {
		gw = Reshape(mmSum(g3, unfold(x, g), false, true), w.shape...)
	}
	if x.requiresGrad {
		gx = fold(mm(Reshape(w, o, g.ckk), g3, true, false), g)
	}
	return []*Tensor{gx, gw, gb}
}

// MaxPool2d returns the maximum over kernel×kernel windows of x
// (N×C×H×W) with the given stride, padding counting as −∞, as
// torch.nn.functional.max_pool2d. The gradient goes to the first largest
// element of each window in row-major order (to its last NaN, if any, as
// PyTorch's kernel does): the forward pass records that element's index,
// and the backward pass adds each output's gradient there.
func MaxPool2d(x *Tensor, kernel, stride, padding int) *Tensor {
	checkDense("MaxPool2d", x)
	g := newGeom("MaxPool2d", x.shape, kernel, kernel, stride, padding)
	if 2*padding > kernel {
		panic(fmt.Errorf("tensor: MaxPool2d: padding %d exceeds half the kernel %d", padding, kernel))
	}
	planes := g.n * g.c
	idx := make([]int, planes*g.windows)
	out := &Tensor{data: make([]float64, len(idx)), shape: []int{g.n, g.c, g.outH, g.outW}}
	if kernel == 2 && stride == 2 && padding == 0 {
		maxPool2x2(out.data, idx, x.data, planes, g)
	} else {
		maxPool(out.data, idx, x.data, planes, g)
	}
	return record(out, "MaxPool2d", func(gr *Tensor) []*Tensor {
		return []*Tensor{scatterAdd(gr, idx, x.shape, "MaxPool2dBackward")}
	}, x)
}

// maxPool fills out and idx for any window. One pass per window keeps the
// running maximum: a later element replaces it when strictly larger or
// NaN, which yields the first largest element, or the last NaN. The
// comparisons select without branches (see later): on activations the
// winner of a window is random, and mispredicted branches would cost more
// than the comparisons.
func maxPool(out []float64, idx []int, x []float64, planes int, g convGeom) {
	k := 0
	for p := 0; p < planes; p++ {
		base := p * g.h * g.w
		for oh := 0; oh < g.outH; oh++ {
			ih0, ih1 := max(0, oh*g.stride-g.pad), min(g.h, oh*g.stride-g.pad+g.kh)
			for ow := 0; ow < g.outW; ow++ {
				iw0, iw1 := max(0, ow*g.stride-g.pad), min(g.w, ow*g.stride-g.pad+g.kw)
				best := base + ih0*g.w + iw0
				m := x[best]
				for ih := ih0; ih < ih1; ih++ {
					row := base + ih*g.w
					for iw := iw0; iw < iw1; iw++ {
						m, best = later(m, best, x[row+iw], row+iw)
					}
				}
				out[k], idx[k] = m, best
				k++
			}
		}
	}
}

// maxPool2x2 is maxPool for 2×2 windows with stride 2 and no padding, the
// common case, without the window bounds.
func maxPool2x2(out []float64, idx []int, x []float64, planes int, g convGeom) {
	k := 0
	for p := 0; p < planes; p++ {
		base := p * g.h * g.w
		for oh := 0; oh < g.outH; oh++ {
			r0 := base + 2*oh*g.w
			top, bot := x[r0:r0+2*g.outW], x[r0+g.w:r0+g.w+2*g.outW]
			o, ix := out[k:k+g.outW], idx[k:k+g.outW]
			for ow := range o {
				// The winners of the two rows, then the winner of those:
				// a later row wins ties no more than a later element does.
				j := 2 * ow
				mt, it := later(top[j], r0+j, top[j+1], r0+j+1)
				mb, ib := later(bot[j], r0+g.w+j, bot[j+1], r0+g.w+j+1)
				o[ow], ix[ow] = later(mt, it, mb, ib)
			}
			k += g.outW
		}
	}
}

// later returns (v, j) when v replaces the running maximum m at index i
// (v is larger, or NaN), and (m, i) otherwise, selecting with bit masks.
func later(m float64, i int, v float64, j int) (float64, int) {
	var take uint64
	if v > m {
		take = 1
	}
	if v != v {
		take = 1
	}
	mask := -take
	m = math.Float64frombits(math.Float64bits(m)&^mask | math.Float64bits(v)&mask)
	return m, i ^ (i^j)&int(mask)
}
