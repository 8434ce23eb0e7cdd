package tensor

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
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
	g := newGeom("Unfold", x.shape, kh, kw, stride, padding)
	return unfold(x, g)
}

func unfold(x *Tensor, g convGeom) *Tensor {
	out := Zeros(g.n, g.ckk, g.windows)
	for s := 0; s < g.n; s++ {
		img := x.data[s*g.imagePerSample : (s+1)*g.imagePerSample]
		cols := out.data[s*g.colsPerSample : (s+1)*g.colsPerSample]
		for c := 0; c < g.c; c++ {
			for ki := 0; ki < g.kh; ki++ {
				for kj := 0; kj < g.kw; kj++ {
					row := cols[((c*g.kh+ki)*g.kw+kj)*g.windows:][:g.windows]
					for oh := 0; oh < g.outH; oh++ {
						ih := oh*g.stride - g.pad + ki
						if ih < 0 || ih >= g.h {
							continue
						}
						src := img[(c*g.h+ih)*g.w:][:g.w]
						dst := row[oh*g.outW:][:g.outW]
						lo, hi := g.validCols(kj)
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
	return record(out, "Unfold", func(gr *Tensor) []*Tensor { return []*Tensor{fold(gr, g)} }, x)
}

// Fold sums columns of sliding windows back into an N×C×h×w image, as
// torch.nn.functional.fold: cols is N×(C·kh·kw)×L and overlapping windows
// add up. It is the adjoint of Unfold.
func Fold(cols *Tensor, h, w, kh, kw, stride, padding int) *Tensor {
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
		img := out.data[s*g.imagePerSample : (s+1)*g.imagePerSample]
		cs := cols.data[s*g.colsPerSample : (s+1)*g.colsPerSample]
		for c := 0; c < g.c; c++ {
			for ki := 0; ki < g.kh; ki++ {
				for kj := 0; kj < g.kw; kj++ {
					row := cs[((c*g.kh+ki)*g.kw+kj)*g.windows:][:g.windows]
					for oh := 0; oh < g.outH; oh++ {
						ih := oh*g.stride - g.pad + ki
						if ih < 0 || ih >= g.h {
							continue
						}
						dst := img[(c*g.h+ih)*g.w:][:g.w]
						src := row[oh*g.outW:][:g.outW]
						lo, hi := g.validCols(kj)
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
	return record(out, "Fold", func(gr *Tensor) []*Tensor { return []*Tensor{unfold(gr, g)} }, cols)
}

// Conv2d returns the 2-D cross-correlation of x (N×C×H×W) with the filters
// w (O×C×kh×kw), plus the bias b (length O, or nil), with the given stride
// and zero padding on every side, as torch.nn.functional.conv2d. It is
// Unfold followed by a matrix product, so it differentiates to any order.
func Conv2d(x, w, b *Tensor, stride, padding int) *Tensor {
	if len(w.shape) != 4 || len(x.shape) != 4 || x.shape[1] != w.shape[1] {
		panic(fmt.Errorf("tensor: Conv2d: input of shape %v and weight of shape %v do not match (want N×C×H×W and O×C×kh×kw)", x.shape, w.shape))
	}
	o := w.shape[0]
	if b != nil && (len(b.shape) != 1 || b.shape[0] != o) {
		panic(fmt.Errorf("tensor: Conv2d: bias of shape %v does not match weight of shape %v", b.shape, w.shape))
	}
	g := newGeom("Conv2d", x.shape, w.shape[2], w.shape[3], stride, padding)
	cols := unfold(x, g)
	wm := Reshape(w, o, g.ckk)
	if b == nil {
		return Reshape(mm(wm, cols, false, false), g.n, o, g.outH, g.outW)
	}
	// The bias is written into the output before the product adds to it.
	y := Zeros(g.n, o, g.windows)
	for s := 0; s < g.n; s++ {
		for c := 0; c < o; c++ {
			row := y.data[(s*o+c)*g.windows : (s*o+c+1)*g.windows]
			for i := range row {
				row[i] = b.data[c]
			}
		}
	}
	for s := 0; s < g.n && g.ckk > 0; s++ {
		blas64.Gemm(blas.NoTrans, blas.NoTrans, 1,
			blas64.General{Rows: o, Cols: g.ckk, Stride: g.ckk, Data: wm.data},
			blas64.General{Rows: g.ckk, Cols: g.windows, Stride: g.windows, Data: cols.data[s*g.colsPerSample : (s+1)*g.colsPerSample]},
			1, blas64.General{Rows: o, Cols: g.windows, Stride: g.windows, Data: y.data[s*o*g.windows : (s+1)*o*g.windows]})
	}
	y = record(y, "Conv2d", func(gr *Tensor) []*Tensor {
		gs := mmBackward(wm, cols, false, false, gr)
		var gb *Tensor
		if b.requiresGrad {
			gb = Reshape(sumTo(gr, []int{o, 1}), o)
		}
		return []*Tensor{gs[0], gs[1], gb}
	}, wm, cols, b)
	return Reshape(y, g.n, o, g.outH, g.outW)
}

// MaxPool2d returns the maximum over kernel×kernel windows of x
// (N×C×H×W) with the given stride, padding counting as −∞, as
// torch.nn.functional.max_pool2d. The gradient goes to the first largest
// element of each window in row-major order (to its last NaN, if any, as
// PyTorch's kernel does).
func MaxPool2d(x *Tensor, kernel, stride, padding int) *Tensor {
	g := newGeom("MaxPool2d", x.shape, kernel, kernel, stride, padding)
	if 2*padding > kernel {
		panic(fmt.Errorf("tensor: MaxPool2d: padding %d exceeds half the kernel %d", padding, kernel))
	}
	planes := g.n * g.c
	idx := make([]int, planes*g.windows)
	for p := 0; p < planes; p++ {
		base := p * g.h * g.w
		for oh := 0; oh < g.outH; oh++ {
			for ow := 0; ow < g.outW; ow++ {
				ih0, ih1 := max(0, oh*stride-padding), min(g.h, oh*stride-padding+kernel)
				iw0, iw1 := max(0, ow*stride-padding), min(g.w, ow*stride-padding+kernel)
				// The maximum first, without branches (max keeps a NaN),
				// then its place: the first element equal to it, or the
				// last NaN, where PyTorch's kernel ends up.
				m := math.Inf(-1)
				for ih := ih0; ih < ih1; ih++ {
					for _, v := range x.data[base+ih*g.w+iw0 : base+ih*g.w+iw1] {
						m = max(m, v)
					}
				}
				best := -1
			search:
				for ih := ih0; ih < ih1; ih++ {
					for iw := iw0; iw < iw1; iw++ {
						j := base + ih*g.w + iw
						if v := x.data[j]; v == m {
							best = j
							break search
						} else if v != v {
							best = j
						}
					}
				}
				idx[(p*g.outH+oh)*g.outW+ow] = best
			}
		}
	}
	return take(x, idx, []int{g.n, g.c, g.outH, g.outW}, "MaxPool2d")
}

// AvgPool2d returns the mean over kernel×kernel windows of x (N×C×H×W) with
// the given stride and zero padding, dividing by kernel² even where the
// window covers padding, as torch.nn.functional.avg_pool2d with its
// defaults.
func AvgPool2d(x *Tensor, kernel, stride, padding int) *Tensor {
	g := newGeom("AvgPool2d", x.shape, kernel, kernel, stride, padding)
	if 2*padding > kernel {
		panic(fmt.Errorf("tensor: AvgPool2d: padding %d exceeds half the kernel %d", padding, kernel))
	}
	planes := Reshape(x, g.n*g.c, 1, g.h, g.w)
	pg := newGeom("AvgPool2d", planes.shape, kernel, kernel, stride, padding)
	cols := unfold(planes, pg)
	return Reshape(MeanAxis(cols, 1, false), g.n, g.c, g.outH, g.outW)
}
