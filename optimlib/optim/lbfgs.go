package optim

import (
	"encoding/json"
	"fmt"
	"math"
	"math/bits"

	"github.com/descentlab/descent/optimlib/interrupt"
	"github.com/descentlab/descent/optimlib/tensor"
)

// LBFGSConfig holds L-BFGS's hyperparameters, named as torch.optim.LBFGS's.
type LBFGSConfig struct {
	// LR is the step γ along the quasi-Newton direction (the line search's
	// first trial step). Default 1.
	LR float64 `json:"lr"`
	// MaxIter is the most iterations per Step. Default 20.
	MaxIter int `json:"max_iter"`
	// MaxEval is the most closure evaluations per Step. Default MaxIter·5/4.
	MaxEval int `json:"max_eval"`
	// ToleranceGrad stops when max|g| ≤ ToleranceGrad. Default 1e-7.
	ToleranceGrad float64 `json:"tolerance_grad"`
	// ToleranceChange stops when a step or a change of the loss is
	// smaller. Default 1e-9.
	ToleranceChange float64 `json:"tolerance_change"`
	// HistorySize is the number m of curvature pairs kept. Default 100.
	HistorySize int `json:"history_size"`
	// StrongWolfe selects the strong-Wolfe line search
	// (line_search_fn="strong_wolfe"); without it, the step is fixed.
	StrongWolfe bool `json:"strong_wolfe"`
}

// LearningRate returns γ.
func (c *LBFGSConfig) LearningRate() float64 { return c.LR }

// SetLearningRate sets γ.
func (c *LBFGSConfig) SetLearningRate(lr float64) { c.LR = lr }

// LBFGS is the limited-memory BFGS method with torch.optim.LBFGS's
// semantics. From the last m pairs s_i = w_{i+1} − w_i, y_i = g_{i+1} − g_i
// (kept when yᵀs > 1e-10), the two-loop recursion computes d = −H g, where H
// approximates the inverse Hessian starting from H₀ = (yᵀs/yᵀy) I; then
//
//	w ← w + t d,
//
// with t = γ (t = min(1, 1/‖g‖₁)·γ at the first iteration), or t from a
// line search satisfying the strong Wolfe conditions (c1 = 1e-4, c2 = 0.9,
// cubic interpolation, at most 25 evaluations). One Step runs up to
// MaxIter iterations and MaxEval closure calls, as PyTorch's does. Its
// arithmetic repeats torch's operation by operation (dot products in
// OpenBLAS's order, fused multiply-adds where torch's add_ has them), so
// where the closure's does too, a run equals PyTorch's bit for bit, even on
// paths where a last-bit change would grow. Liu &
// Nocedal, "On the limited memory BFGS method for large scale
// optimization" (Math. Programming 1989); Nocedal & Wright, "Numerical
// Optimization", algorithms 7.4 and 3.5.
type LBFGS struct {
	group *Group
	cfg   *LBFGSConfig
	st    lbfgsState
}

type lbfgsState struct {
	funcEvals, nIter int
	d, prevFlatGrad  []float64
	t, hDiag         float64
	prevLoss         float64
	oldDirs, oldStps [][]float64
	ro               []float64
}

// NewLBFGS returns an L-BFGS optimizer over params. Zero fields of cfg take
// PyTorch's defaults.
func NewLBFGS(params []*tensor.Tensor, cfg LBFGSConfig) *LBFGS {
	if cfg.LR == 0 {
		cfg.LR = 1
	}
	if cfg.MaxIter == 0 {
		cfg.MaxIter = 20
	}
	if cfg.MaxEval == 0 {
		cfg.MaxEval = cfg.MaxIter * 5 / 4
	}
	if cfg.ToleranceGrad == 0 {
		cfg.ToleranceGrad = 1e-7
	}
	if cfg.ToleranceChange == 0 {
		cfg.ToleranceChange = 1e-9
	}
	if cfg.HistorySize == 0 {
		cfg.HistorySize = 100
	}
	if cfg.LR < 0 || cfg.MaxIter < 0 || cfg.HistorySize < 0 {
		panic(fmt.Errorf("optim: NewLBFGS: invalid configuration %+v", cfg))
	}
	return &LBFGS{group: &Group{Params: append([]*tensor.Tensor(nil), params...), Hyper: &cfg}, cfg: &cfg}
}

// ParamGroups returns the single parameter group.
func (o *LBFGS) ParamGroups() []*Group { return []*Group{o.group} }

// LR returns γ.
func (o *LBFGS) LR() float64 { return o.cfg.LR }

// SetLR sets γ.
func (o *LBFGS) SetLR(lr float64) { o.cfg.LR = lr }

// ZeroGrad drops the parameters' gradients.
func (o *LBFGS) ZeroGrad() { zeroGrad(o.ParamGroups()) }

// FuncEvals returns the number of closure calls made so far.
func (o *LBFGS) FuncEvals() int { return o.st.funcEvals }

// Iterations returns the number of iterations made so far.
func (o *LBFGS) Iterations() int { return o.st.nIter }

func (o *LBFGS) numel() int {
	n := 0
	for _, p := range o.group.Params {
		n += p.Numel()
	}
	return n
}

// gatherFlatGrad writes the parameters' gradients one after another into
// dst (zeros for a parameter without one). A row-sparse gradient is
// densified, as torch's L-BFGS does with to_dense().
func gatherFlatGrad(params []*tensor.Tensor, dst []float64) {
	off := 0
	for _, p := range params {
		n := p.Numel()
		if g := p.Grad(); g != nil {
			if g.IsSparse() {
				g = tensor.Densify(g)
			}
			copy(dst[off:off+n], g.Data())
		} else {
			clear(dst[off : off+n])
		}
		off += n
	}
}

func addFlat(params []*tensor.Tensor, t float64, d []float64) {
	off := 0
	for _, p := range params {
		w := p.Data()
		for i := range w {
			w[i] += t * d[off+i]
		}
		off += len(w)
	}
}

func getFlat(params []*tensor.Tensor, dst []float64) {
	off := 0
	for _, p := range params {
		off += copy(dst[off:], p.Data())
	}
}

func setFlat(params []*tensor.Tensor, src []float64) {
	off := 0
	for _, p := range params {
		off += copy(p.Data(), src[off:])
	}
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i, v := range a {
		s += v * b[i]
	}
	return s
}

func maxAbs(a []float64) float64 {
	m := 0.0
	for _, v := range a {
		m = math.Max(m, math.Abs(v))
	}
	return m
}

// Step runs up to MaxIter L-BFGS iterations; closure is required. It
// returns the loss at the starting point.
func (o *LBFGS) Step(closure func() float64) float64 {
	if closure == nil {
		panic(fmt.Errorf("optim: LBFGS.Step: a closure that recomputes the loss and gradients is required"))
	}
	cfg, st, params := o.cfg, &o.st, o.group.Params
	n := o.numel()
	origLoss := closure()
	loss := origLoss
	currentEvals := 1
	st.funcEvals++
	flatGrad := make([]float64, n)
	gatherFlatGrad(params, flatGrad)
	if maxAbs(flatGrad) <= cfg.ToleranceGrad {
		return origLoss
	}
	d, t := st.d, st.t
	nIter := 0
	for nIter < cfg.MaxIter {
		interrupt.Check()
		nIter++
		st.nIter++
		if st.nIter == 1 {
			d = make([]float64, n)
			for i, v := range flatGrad {
				d[i] = -v
			}
			st.oldDirs, st.oldStps, st.ro = nil, nil, nil
			st.hDiag = 1
		} else {
			y := make([]float64, n)
			s := make([]float64, n)
			for i := range y {
				y[i] = flatGrad[i] - st.prevFlatGrad[i]
				s[i] = d[i] * t
			}
			ys := blasDot(y, s)
			if ys > 1e-10 {
				if len(st.oldDirs) == cfg.HistorySize {
					st.oldDirs, st.oldStps, st.ro = st.oldDirs[1:], st.oldStps[1:], st.ro[1:]
				}
				st.oldDirs = append(st.oldDirs, y)
				st.oldStps = append(st.oldStps, s)
				st.ro = append(st.ro, 1/ys)
				st.hDiag = ys / blasDot(y, y)
			}
			k := len(st.oldDirs)
			al := make([]float64, k)
			q := make([]float64, n)
			for i, v := range flatGrad {
				q[i] = -v
			}
			for i := k - 1; i >= 0; i-- {
				al[i] = blasDot(st.oldStps[i], q) * st.ro[i]
				fmaAxpy(-al[i], st.oldDirs[i], q)
			}
			d = q
			for i := range d {
				d[i] *= st.hDiag
			}
			for i := 0; i < k; i++ {
				be := blasDot(st.oldDirs[i], d) * st.ro[i]
				fmaAxpy(al[i]-be, st.oldStps[i], d)
			}
		}
		if st.prevFlatGrad == nil {
			st.prevFlatGrad = make([]float64, n)
		}
		copy(st.prevFlatGrad, flatGrad)
		prevLoss := loss
		st.prevLoss = prevLoss
		if st.nIter == 1 {
			abs := make([]float64, n)
			for i, v := range flatGrad {
				abs[i] = math.Abs(v)
			}
			t = math.Min(1, 1/torchSum(abs)) * cfg.LR
		} else {
			t = cfg.LR
		}
		gtd := blasDot(flatGrad, d)
		if gtd > -cfg.ToleranceChange {
			break
		}
		lsEvals := 0
		optCond := false
		if cfg.StrongWolfe {
			x0 := make([]float64, n)
			getFlat(params, x0)
			obj := func(step float64) (float64, []float64) {
				fmaAddFlat(params, step, d)
				f := closure()
				g := make([]float64, n)
				gatherFlatGrad(params, g)
				setFlat(params, x0)
				return f, g
			}
			loss, flatGrad, t, lsEvals = strongWolfe(obj, t, d, loss, flatGrad, gtd, 1e-4, 0.9, cfg.ToleranceChange, 25)
			fmaAddFlat(params, t, d)
			optCond = maxAbs(flatGrad) <= cfg.ToleranceGrad
		} else {
			fmaAddFlat(params, t, d)
			if nIter != cfg.MaxIter {
				loss = closure()
				gatherFlatGrad(params, flatGrad)
				optCond = maxAbs(flatGrad) <= cfg.ToleranceGrad
				lsEvals = 1
			}
		}
		currentEvals += lsEvals
		st.funcEvals += lsEvals
		if nIter == cfg.MaxIter || currentEvals >= cfg.MaxEval || optCond {
			break
		}
		if maxAbs(d)*math.Abs(t) <= cfg.ToleranceChange {
			break
		}
		if math.Abs(loss-prevLoss) < cfg.ToleranceChange {
			break
		}
	}
	st.d, st.t = d, t
	return origLoss
}

// The L-BFGS arithmetic below repeats torch's operation by operation, so
// that a run follows PyTorch's to the last bit wherever the closure does:
// torch.dot on float64 is BLAS ddot (blasDot), Tensor.sum is ATen's
// vectorized cascade (torchSum), and add_ with alpha is a fused multiply-add
// (fmaAxpy, fmaAddFlat). L-BFGS iterations near a solution divide
// differences of nearly equal gradients, so a different rounding in the
// last bit can grow to a visibly different path.

// blasDot returns xᵀy summed in the order of OpenBLAS's ddot for x86-64
// with AVX2 (the kernel PyTorch calls for torch.dot): blocks of 16 go
// through four 4-wide fused multiply-add accumulators, which are then
// folded pairwise, and the remaining elements are added one by one.
func blasDot(x, y []float64) float64 {
	n := len(x)
	n1 := n &^ 15
	dot := 0.0
	if n1 > 0 {
		var acc [4][4]float64
		for b := 0; b < n1; b += 16 {
			for r := 0; r < 4; r++ {
				for l := 0; l < 4; l++ {
					i := b + 4*r + l
					acc[r][l] = math.FMA(x[i], y[i], acc[r][l])
				}
			}
		}
		var h [4][2]float64
		for r := range acc {
			h[r] = [2]float64{acc[r][0] + acc[r][2], acc[r][1] + acc[r][3]}
		}
		lo := (h[0][0] + h[1][0]) + (h[2][0] + h[3][0])
		hi := (h[0][1] + h[1][1]) + (h[2][1] + h[3][1])
		dot = lo + hi
	}
	for i := n1; i < n; i++ {
		dot += float64(y[i] * x[i])
	}
	return dot
}

// torchSum returns Σ x in the order of ATen's single-threaded sum of a
// contiguous float64 tensor on a CPU with 4-wide vectors: the whole
// vectors are summed by torchVecRowSum, the leftover elements first into a
// scalar, which then takes the vector's four lanes in order.
func torchSum(x []float64) float64 {
	nv := len(x) / 4
	vec := torchVecRowSum(x, nv)
	s := 0.0
	for _, v := range x[4*nv:] {
		s += v
	}
	for _, v := range vec {
		s += v
	}
	return s
}

type vec4 [4]float64

func (a vec4) add(b vec4) vec4 { return vec4{a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3]} }

// torchVecRowSum sums the first nv 4-vectors of x as ATen's row_sum does:
// four interleaved partial sums (vectors 4i+k) accumulated in a cascade of
// four levels, the leftover vectors into the first, then the four folded.
func torchVecRowSum(x []float64, nv int) vec4 {
	vecAt := func(v int) vec4 { return vec4{x[4*v], x[4*v+1], x[4*v+2], x[4*v+3]} }
	size := nv / 4
	const levels = 4
	power := 4
	if c := ceilLog2(size) / levels; c > power {
		power = c
	}
	step := 1 << power
	mask := step - 1
	var acc [levels][4]vec4
	i := 0
	for i+step <= size {
		for j := 0; j < step; j, i = j+1, i+1 {
			for k := 0; k < 4; k++ {
				acc[0][k] = acc[0][k].add(vecAt(4*i + k))
			}
		}
		for j := 1; j < levels; j++ {
			for k := 0; k < 4; k++ {
				acc[j][k] = acc[j][k].add(acc[j-1][k])
				acc[j-1][k] = vec4{}
			}
			if i&(mask<<(j*power)) != 0 {
				break
			}
		}
	}
	for ; i < size; i++ {
		for k := 0; k < 4; k++ {
			acc[0][k] = acc[0][k].add(vecAt(4*i + k))
		}
	}
	for j := 1; j < levels; j++ {
		for k := 0; k < 4; k++ {
			acc[0][k] = acc[0][k].add(acc[j][k])
		}
	}
	ps := acc[0]
	for v := size * 4; v < nv; v++ {
		ps[0] = ps[0].add(vecAt(v))
	}
	for k := 1; k < 4; k++ {
		ps[0] = ps[0].add(ps[k])
	}
	return ps[0]
}

// ceilLog2 returns ⌈log₂ x⌉ for x ≥ 1 (0 for x ≤ 1).
func ceilLog2(x int) int {
	if x <= 1 {
		return 0
	}
	return bits.Len(uint(x - 1))
}

// fmaAxpy sets y ← y + a·x with one rounding per element, as torch's
// y.add_(x, alpha=a) does.
func fmaAxpy(a float64, x, y []float64) {
	for i, v := range x {
		y[i] = math.FMA(a, v, y[i])
	}
}

// fmaAddFlat adds t·d to the parameters, d flat, as fmaAxpy.
func fmaAddFlat(params []*tensor.Tensor, t float64, d []float64) {
	off := 0
	for _, p := range params {
		w := p.Data()
		fmaAxpy(t, d[off:off+len(w)], w)
		off += len(w)
	}
}

func axpy(a float64, x, y []float64) {
	for i, v := range x {
		y[i] += a * v
	}
}

// cubicInterpolate returns the minimizer of the cubic through (x1, f1) and
// (x2, f2) with slopes g1, g2, clamped to [lo, hi] (default the two
// points), or the middle when the cubic has no minimizer.
func cubicInterpolate(x1, f1, g1, x2, f2, g2 float64, bounds *[2]float64) float64 {
	var lo, hi float64
	if bounds != nil {
		lo, hi = bounds[0], bounds[1]
	} else if x1 <= x2 {
		lo, hi = x1, x2
	} else {
		lo, hi = x2, x1
	}
	d1 := g1 + g2 - 3*(f1-f2)/(x1-x2)
	d2sq := d1*d1 - g1*g2
	if d2sq >= 0 {
		d2 := math.Sqrt(d2sq)
		var m float64
		if x1 <= x2 {
			m = x2 - (x2-x1)*((g2+d2-d1)/(g2-g1+2*d2))
		} else {
			m = x1 - (x1-x2)*((g1+d2-d1)/(g1-g2+2*d2))
		}
		return math.Min(math.Max(m, lo), hi)
	}
	return (lo + hi) / 2
}

// strongWolfe searches along d from the current point (loss f, gradient g,
// slope gtd = gᵀd < 0) for a step t satisfying the strong Wolfe conditions
// f(t) ≤ f + c1 t gtd and |g(t)ᵀd| ≤ −c2 gtd: a bracketing phase that
// extrapolates by cubic interpolation, then a zoom phase. obj evaluates the
// loss and gradient at step t. It returns the loss, gradient and step
// taken and the number of evaluations.
func strongWolfe(obj func(t float64) (float64, []float64), t float64, d []float64, f float64, g []float64, gtd, c1, c2, tolChange float64, maxLS int) (float64, []float64, float64, int) {
	dNorm := maxAbs(d)
	fNew, gNew := obj(t)
	evals := 1
	gtdNew := blasDot(gNew, d)
	tPrev, fPrev, gPrev, gtdPrev := 0.0, f, g, gtd
	done := false
	lsIter := 0
	var br, brF, brGtd []float64
	var brG [][]float64
	for lsIter < maxLS {
		if fNew > f+c1*t*gtd || (lsIter > 1 && fNew >= fPrev) {
			br, brF, brG, brGtd = []float64{tPrev, t}, []float64{fPrev, fNew}, [][]float64{gPrev, gNew}, []float64{gtdPrev, gtdNew}
			break
		}
		if math.Abs(gtdNew) <= -c2*gtd {
			br, brF, brG = []float64{t}, []float64{fNew}, [][]float64{gNew}
			done = true
			break
		}
		if gtdNew >= 0 {
			br, brF, brG, brGtd = []float64{tPrev, t}, []float64{fPrev, fNew}, [][]float64{gPrev, gNew}, []float64{gtdPrev, gtdNew}
			break
		}
		minStep := t + 0.01*(t-tPrev)
		maxStep := t * 10
		tmp := t
		t = cubicInterpolate(tPrev, fPrev, gtdPrev, t, fNew, gtdNew, &[2]float64{minStep, maxStep})
		tPrev, fPrev, gPrev, gtdPrev = tmp, fNew, gNew, gtdNew
		fNew, gNew = obj(t)
		evals++
		gtdNew = blasDot(gNew, d)
		lsIter++
	}
	if lsIter == maxLS {
		br, brF, brG = []float64{0, t}, []float64{f, fNew}, [][]float64{g, gNew}
	}
	insufProgress := false
	lowPos, highPos := 0, 1
	if brF[0] > brF[len(brF)-1] {
		lowPos, highPos = 1, 0
	}
	for !done && lsIter < maxLS {
		if math.Abs(br[1]-br[0])*dNorm < tolChange {
			break
		}
		t = cubicInterpolate(br[0], brF[0], brGtd[0], br[1], brF[1], brGtd[1], nil)
		bmax, bmin := math.Max(br[0], br[1]), math.Min(br[0], br[1])
		eps := 0.1 * (bmax - bmin)
		if math.Min(bmax-t, t-bmin) < eps {
			if insufProgress || t >= bmax || t <= bmin {
				if math.Abs(t-bmax) < math.Abs(t-bmin) {
					t = bmax - eps
				} else {
					t = bmin + eps
				}
				insufProgress = false
			} else {
				insufProgress = true
			}
		} else {
			insufProgress = false
		}
		fNew, gNew = obj(t)
		evals++
		gtdNew = blasDot(gNew, d)
		lsIter++
		if fNew > f+c1*t*gtd || fNew >= brF[lowPos] {
			br[highPos], brF[highPos], brG[highPos], brGtd[highPos] = t, fNew, gNew, gtdNew
			if brF[0] <= brF[1] {
				lowPos, highPos = 0, 1
			} else {
				lowPos, highPos = 1, 0
			}
		} else {
			if math.Abs(gtdNew) <= -c2*gtd {
				done = true
			} else if gtdNew*(br[highPos]-br[lowPos]) >= 0 {
				br[highPos], brF[highPos], brG[highPos], brGtd[highPos] = br[lowPos], brF[lowPos], brG[lowPos], brGtd[lowPos]
			}
			br[lowPos], brF[lowPos], brG[lowPos], brGtd[lowPos] = t, fNew, gNew, gtdNew
		}
	}
	return brF[lowPos], brG[lowPos], br[lowPos], evals
}

// lbfgsDict is the JSON form of LBFGS's state, with PyTorch's key names.
type lbfgsDict struct {
	FuncEvals int         `json:"func_evals"`
	NIter     int         `json:"n_iter"`
	D         []float64   `json:"d"`
	T         float64     `json:"t"`
	HDiag     float64     `json:"H_diag"`
	PrevGrad  []float64   `json:"prev_flat_grad"`
	PrevLoss  float64     `json:"prev_loss"`
	OldDirs   [][]float64 `json:"old_dirs"`
	OldStps   [][]float64 `json:"old_stps"`
	Ro        []float64   `json:"ro"`
}

// StateDict returns a copy of the configuration and of the history; the
// history, which is not per parameter, is in Extra.
func (o *LBFGS) StateDict() *StateDict {
	sd := stateDict(o.ParamGroups(), map[*tensor.Tensor]*State{})
	st := o.st
	raw, err := json.Marshal(lbfgsDict{st.funcEvals, st.nIter, st.d, st.t, st.hDiag, st.prevFlatGrad, st.prevLoss, st.oldDirs, st.oldStps, st.ro})
	if err != nil {
		panic(fmt.Errorf("optim: LBFGS.StateDict: %v", err))
	}
	sd.Extra = raw
	return sd
}

// LoadStateDict restores what StateDict saved.
func (o *LBFGS) LoadStateDict(sd *StateDict) error {
	var d lbfgsDict
	if len(sd.Extra) > 0 {
		if err := json.Unmarshal(sd.Extra, &d); err != nil {
			return fmt.Errorf("optim: LBFGS.LoadStateDict: %v", err)
		}
	}
	n := o.numel()
	bad := (len(d.D) != 0 && len(d.D) != n) || (len(d.PrevGrad) != 0 && len(d.PrevGrad) != n) ||
		len(d.OldDirs) != len(d.OldStps) || len(d.OldDirs) != len(d.Ro)
	for i := range d.OldDirs {
		bad = bad || len(d.OldDirs[i]) != n || len(d.OldStps[i]) != n
	}
	if bad {
		return fmt.Errorf("optim: LBFGS.LoadStateDict: history does not fit %d parameters", n)
	}
	if err := loadStateDict(o.ParamGroups(), map[*tensor.Tensor]*State{}, sd); err != nil {
		return err
	}
	clone := func(v []float64) []float64 { return append([]float64(nil), v...) }
	o.st = lbfgsState{funcEvals: d.FuncEvals, nIter: d.NIter, d: clone(d.D), t: d.T, hDiag: d.HDiag,
		prevFlatGrad: clone(d.PrevGrad), prevLoss: d.PrevLoss, oldDirs: d.OldDirs, oldStps: d.OldStps, ro: d.Ro}
	return nil
}
