//go:build amd64 && !purego

package tensor

import (
	"runtime"
	"sync"
	"sync/atomic"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"

	"github.com/descentlab/descent/optimlib/internal/vec"
)

// Where OpenBLAS is not loaded (see blas.go), or with DESCENT_BLAS=go, the
// default build multiplies matrices with a packed, blocked Dgemm around a
// 6×8 AVX2/FMA register kernel written in Go assembly (gemm_amd64.s), in
// the classic GotoBLAS arrangement: a kc×nc panel of op(B) and an mc×kc
// block of op(A) are copied into contiguous strips of 8 columns and 6 rows,
// and the kernel accumulates one 6×8 tile of C from two strips. Every other
// BLAS routine, small products and CPUs without AVX2 and FMA use gonum's
// pure Go implementation. The build tag purego turns the kernel off.

//go:noescape
func kernel6x8(k int, a, b *float64, ldb int, c *float64, ldc int, alpha float64)

const (
	mr, nr  = 6, 8
	kcBlock = 256
	mcBlock = 96 // a multiple of mr
	ncBlock = 2048
	// Below this many multiply-adds packing does not pay off.
	minKernelWork = 16 * 16 * 16
	// Above this many multiply-adds per k-panel the row blocks are shared
	// among goroutines.
	minParallelWork = 1 << 18
	// With at most this many rows each element of op(B) takes part in few
	// multiply-adds, and the kernel reads B in place instead of packing it
	// (convolutions, whose filter count is small, multiply this way).
	maxRowsUnpackedB = 4 * mr
)

// kernelBLAS is gonum's implementation with Dgemm replaced.
type kernelBLAS struct{ gonum.Implementation }

// avx2Kernel returns the implementation with the AVX2 Dgemm, or nil on a
// CPU without AVX2 and FMA.
func avx2Kernel() blas.Float64 {
	if vec.AVX2FMA {
		return kernelBLAS{}
	}
	return nil
}

var packPool = sync.Pool{New: func() any { return new([]float64) }}

func getBuf(n int) *[]float64 {
	p := packPool.Get().(*[]float64)
	if cap(*p) < n {
		*p = make([]float64, n)
	}
	*p = (*p)[:n]
	return p
}

// Dgemm computes C = α·op(A)·op(B) + β·C.
func (g kernelBLAS) Dgemm(tA, tB blas.Transpose, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	transA, transB := tA == blas.Trans || tA == blas.ConjTrans, tB == blas.Trans || tB == blas.ConjTrans
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	if m <= 0 || n <= 0 || k <= 0 || alpha == 0 || m*n*k < minKernelWork ||
		(!transA && tA != blas.NoTrans) || (!transB && tB != blas.NoTrans) ||
		!fits(len(a), ar, ac, lda) || !fits(len(b), br, bc, ldb) || !fits(len(c), m, n, ldc) {
		g.Implementation.Dgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	if beta != 1 {
		for i := 0; i < m; i++ {
			row := c[i*ldc : i*ldc+n]
			if beta == 0 {
				clear(row)
				continue
			}
			for j := range row {
				row[j] *= beta
			}
		}
	}
	for jc := 0; jc < n; jc += ncBlock {
		nc := min(ncBlock, n-jc)
		for pc := 0; pc < k; pc += kcBlock {
			kc := min(kcBlock, k-pc)
			var bpan panel
			bbuf := getBuf(kc * roundUp(nc, nr))
			if !transB && m <= maxRowsUnpackedB {
				// Full strips in place; the ragged last one is packed.
				full := nc / nr * nr
				bpan = panel{data: b[pc*ldb+jc:], stride: ldb, step: nr, full: full, tail: *bbuf}
				if full < nc {
					packB(false, b, ldb, pc, jc+full, kc, nc-full, *bbuf)
				}
			} else {
				packB(transB, b, ldb, pc, jc, kc, nc, *bbuf)
				bpan = panel{data: *bbuf, stride: nr, step: kc * nr, full: roundUp(nc, nr)}
			}
			// Row blocks of at most mcBlock rows, as many as a multiple of
			// the workers when that keeps them at least mr rows tall, so
			// that the goroutines finish together.
			workers := 1
			if m*nc*kc >= minParallelWork {
				workers = min(runtime.GOMAXPROCS(0), (m+mr-1)/mr)
			}
			blocks := (m + mcBlock - 1) / mcBlock
			blocks = (blocks + workers - 1) / workers * workers
			mcb := roundUp((m+blocks-1)/blocks, mr)
			blocks = (m + mcb - 1) / mcb
			var next atomic.Int64
			work := func() {
				abuf := getBuf(mcBlock * kc)
				for {
					blk := int(next.Add(1)) - 1
					if blk >= blocks {
						break
					}
					ic := blk * mcb
					mc := min(mcb, m-ic)
					packA(transA, a, lda, ic, pc, mc, kc, *abuf)
					macroKernel(mc, nc, kc, *abuf, bpan, c[ic*ldc+jc:], ldc, alpha)
				}
				packPool.Put(abuf)
			}
			if workers == 1 {
				work()
			} else {
				var wg sync.WaitGroup
				for w := 0; w < workers; w++ {
					wg.Go(work)
				}
				wg.Wait()
			}
			packPool.Put(bbuf)
		}
	}
}

func roundUp(n, m int) int { return (n + m - 1) / m * m }

// packA copies rows ic…ic+mc and columns pc…pc+kc of op(A) into strips of
// mr rows: strip s holds, for each p, the mr values op(A)[ic+s·mr+r, pc+p],
// zero beyond the last row.
func packA(trans bool, a []float64, lda, ic, pc, mc, kc int, dst []float64) {
	for s := 0; s*mr < mc; s++ {
		strip := dst[s*kc*mr : (s+1)*kc*mr]
		rows := min(mr, mc-s*mr)
		i0 := ic + s*mr
		if rows < mr {
			clear(strip)
		}
		if !trans && rows == mr {
			// Six row streams interleaved into sequential writes.
			r0 := a[i0*lda+pc:][:kc]
			r1 := a[(i0+1)*lda+pc:][:kc]
			r2 := a[(i0+2)*lda+pc:][:kc]
			r3 := a[(i0+3)*lda+pc:][:kc]
			r4 := a[(i0+4)*lda+pc:][:kc]
			r5 := a[(i0+5)*lda+pc:][:kc]
			for p := range r0 {
				d := strip[p*mr : p*mr+mr : p*mr+mr]
				d[0], d[1], d[2], d[3], d[4], d[5] = r0[p], r1[p], r2[p], r3[p], r4[p], r5[p]
			}
			continue
		}
		if !trans {
			for r := 0; r < rows; r++ {
				src := a[(i0+r)*lda+pc : (i0+r)*lda+pc+kc]
				for p, v := range src {
					strip[p*mr+r] = v
				}
			}
			continue
		}
		if rows == mr {
			for p := 0; p < kc; p++ {
				src := a[(pc+p)*lda+i0:][:mr]
				d := strip[p*mr : p*mr+mr : p*mr+mr]
				d[0], d[1], d[2], d[3], d[4], d[5] = src[0], src[1], src[2], src[3], src[4], src[5]
			}
			continue
		}
		for p := 0; p < kc; p++ {
			copy(strip[p*mr:p*mr+rows], a[(pc+p)*lda+i0:(pc+p)*lda+i0+rows])
		}
	}
}

// packB copies rows pc…pc+kc and columns jc…jc+nc of op(B) into strips of
// nr columns, zero beyond the last column.
func packB(trans bool, b []float64, ldb, pc, jc, kc, nc int, dst []float64) {
	for s := 0; s*nr < nc; s++ {
		strip := dst[s*kc*nr : (s+1)*kc*nr]
		cols := min(nr, nc-s*nr)
		j0 := jc + s*nr
		if cols < nr {
			clear(strip)
		}
		if !trans && cols == nr {
			for p := 0; p < kc; p++ {
				src := b[(pc+p)*ldb+j0:][:nr]
				d := strip[p*nr : p*nr+nr : p*nr+nr]
				d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7] = src[0], src[1], src[2], src[3], src[4], src[5], src[6], src[7]
			}
			continue
		}
		if !trans {
			for p := 0; p < kc; p++ {
				copy(strip[p*nr:p*nr+cols], b[(pc+p)*ldb+j0:(pc+p)*ldb+j0+cols])
			}
			continue
		}
		if cols == nr {
			// Eight row streams of B (columns of op(B)) interleaved into
			// sequential writes.
			c0 := b[j0*ldb+pc:][:kc]
			c1 := b[(j0+1)*ldb+pc:][:kc]
			c2 := b[(j0+2)*ldb+pc:][:kc]
			c3 := b[(j0+3)*ldb+pc:][:kc]
			c4 := b[(j0+4)*ldb+pc:][:kc]
			c5 := b[(j0+5)*ldb+pc:][:kc]
			c6 := b[(j0+6)*ldb+pc:][:kc]
			c7 := b[(j0+7)*ldb+pc:][:kc]
			for p := range c0 {
				d := strip[p*nr : p*nr+nr : p*nr+nr]
				d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7] = c0[p], c1[p], c2[p], c3[p], c4[p], c5[p], c6[p], c7[p]
			}
			continue
		}
		for j := 0; j < cols; j++ {
			src := b[(j0+j)*ldb+pc : (j0+j)*ldb+pc+kc]
			for p, v := range src {
				strip[p*nr+j] = v
			}
		}
	}
}

// panel locates the strips of nr columns of op(B) for one k-panel: strip s
// starts at data[s·step] with rows stride elements apart, for the strips
// that start before column full; the strip at full (a ragged last strip
// read in place) is packed in tail.
type panel struct {
	data         []float64
	stride, step int
	full         int
	tail         []float64
}

func (p panel) strip(jr int) ([]float64, int) {
	if jr >= p.full {
		return p.tail, nr
	}
	return p.data[jr/nr*p.step:], p.stride
}

// macroKernel adds α·(packed A block)·(B panel) to the mc×nc block of C
// starting at c[0].
func macroKernel(mc, nc, kc int, ap []float64, bp panel, c []float64, ldc int, alpha float64) {
	var tmp [mr * nr]float64
	for jr := 0; jr < nc; jr += nr {
		nb := min(nr, nc-jr)
		bs, ldb := bp.strip(jr)
		for ir := 0; ir < mc; ir += mr {
			mb := min(mr, mc-ir)
			as := ap[(ir/mr)*kc*mr:]
			if mb == mr && nb == nr {
				kernel6x8(kc, &as[0], &bs[0], ldb, &c[ir*ldc+jr], ldc, alpha)
				continue
			}
			tmp = [mr * nr]float64{}
			kernel6x8(kc, &as[0], &bs[0], ldb, &tmp[0], nr, alpha)
			for i := 0; i < mb; i++ {
				row := c[(ir+i)*ldc+jr : (ir+i)*ldc+jr+nb]
				for j := range row {
					row[j] += tmp[i*nr+j]
				}
			}
		}
	}
}
