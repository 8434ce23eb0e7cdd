package curvature

import (
	"fmt"
	"math"
	"math/rand"
	"strings"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/lapack"
	"gonum.org/v1/gonum/lapack/gonum"
	"gonum.org/v1/gonum/mat"

	"github.com/descentlab/descent/optimlib/interrupt"
)

// LanczosSettings are the budget and accuracy of a Lanczos run. The zero
// value asks for the defaults.
type LanczosSettings struct {
	// MaxSteps bounds the Krylov dimension, which is also the number of
	// Hessian-vector products and of stored basis vectors (memory
	// 8·N·MaxSteps bytes). Zero means min(N, max(100, 4·(top+bottom)+20)).
	MaxSteps int
	// Tol is the relative residual at which a Ritz pair counts as
	// converged: ‖H·y − θ·y‖ ≤ Tol·max|θ|. Zero means 1e-10. The error of a
	// well separated eigenvalue is about the square of the residual.
	Tol float64
	// Seed seeds the random starting vector (and restart vectors).
	Seed int64
}

// Eigenpairs are eigenvalues with their unit eigenvectors.
type Eigenpairs struct {
	// Values are the eigenvalues: descending for the top of a spectrum,
	// ascending for the bottom.
	Values []float64
	// Vectors holds the eigenvector of Values[i] in column i (N×k).
	Vectors *mat.Dense
	// Residuals are ‖H·v − λ·v‖ for each pair, as Lanczos estimates them.
	Residuals []float64
}

// String lists the eigenvalues with their residuals.
func (e Eigenpairs) String() string {
	return fmt.Sprintf("eigenvalues %s (residuals %s)", formatValues(e.Values), formatResiduals(e.Residuals))
}

func formatResiduals(r []float64) string {
	parts := make([]string, len(r))
	for i, x := range r {
		parts[i] = fmt.Sprintf("%.1e", x)
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// LanczosResult is what Lanczos found at both ends of the spectrum.
type LanczosResult struct {
	Top    Eigenpairs // the largest eigenvalues, descending
	Bottom Eigenpairs // the smallest (most negative) eigenvalues, ascending
	// Steps is the Krylov dimension reached, which is the number of
	// Hessian-vector products used.
	Steps int
	// Converged reports whether every requested pair met the tolerance
	// before MaxSteps.
	Converged bool
}

// String summarizes the run.
func (r LanczosResult) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Lanczos: %d steps, converged %v", r.Steps, r.Converged)
	if len(r.Top.Values) > 0 {
		fmt.Fprintf(&b, "\n  top    %v", r.Top)
	}
	if len(r.Bottom.Values) > 0 {
		fmt.Fprintf(&b, "\n  bottom %v", r.Bottom)
	}
	return b.String()
}

// TopEigen returns the k largest eigenvalues of op (descending) and their
// eigenvectors, by Lanczos with the default settings.
func TopEigen(op Operator, k int) Eigenpairs {
	return Lanczos(op, k, 0, LanczosSettings{}).Top
}

// BottomEigen returns the k smallest eigenvalues of op (ascending, most
// negative first) and their eigenvectors, by Lanczos with the default
// settings.
func BottomEigen(op Operator, k int) Eigenpairs {
	return Lanczos(op, 0, k, LanczosSettings{}).Bottom
}

// Lanczos computes the top largest and the bottom smallest eigenpairs of a
// symmetric operator with one Lanczos run. Starting from a random unit
// vector q₁, step j computes w = H·q_j, α_j = q_jᵀw and
// β_j q_{j+1} = w − α_j q_j − β_{j−1} q_{j−1}, and then orthogonalizes w
// again against every stored q (full reorthogonalization, twice), so the
// basis stays orthonormal to working precision and no spurious copies of
// eigenvalues appear. The eigenpairs (θ, s) of the tridiagonal matrix
// T = tridiag(β, α, β) (computed by LAPACK's implicit QL, Dsteqr, from
// gonum) give the Ritz pairs (θ, Q·s), whose residual is β_m·|s_m|; the run
// stops when every requested pair has converged. If the Krylov space
// becomes invariant before that, Lanczos restarts from a random vector
// orthogonal to the basis, so repeated eigenvalues are found with their
// multiplicity.
func Lanczos(op Operator, top, bottom int, s LanczosSettings) LanczosResult {
	op.check("Lanczos")
	if top < 0 || bottom < 0 || top+bottom == 0 {
		panic(fmt.Errorf("curvature: Lanczos: asked for %d top and %d bottom eigenpairs, want non-negative counts and at least one", top, bottom))
	}
	n := op.N
	top, bottom = min(top, n), min(bottom, n)
	maxSteps := s.MaxSteps
	if maxSteps <= 0 {
		maxSteps = max(100, 4*(top+bottom)+20)
	}
	maxSteps = min(maxSteps, n)
	if maxSteps < max(top, bottom) {
		panic(fmt.Errorf("curvature: Lanczos: MaxSteps %d is smaller than the %d eigenpairs asked for", maxSteps, max(top, bottom)))
	}
	tol := s.Tol
	if tol <= 0 {
		tol = 1e-10
	}
	rng := rand.New(rand.NewSource(s.Seed))
	q0 := make([]float64, n)
	for i := range q0 {
		q0[i] = rng.NormFloat64()
	}
	var vals, z []float64
	converged := false
	kr := runLanczos(op, q0, maxSteps, rng, func(k *krylov) bool {
		m := len(k.alpha)
		if m == n {
			converged = true
			return true
		}
		if m < max(top, bottom) {
			return false
		}
		vals, z = tridiagEig(k.alpha, k.beta)
		scale := math.Max(math.Abs(vals[0]), math.Abs(vals[m-1]))
		last := k.beta[m-1]
		for i := 0; i < top; i++ {
			if last*math.Abs(z[(m-1)*m+m-1-i]) > tol*scale {
				return false
			}
		}
		for i := 0; i < bottom; i++ {
			if last*math.Abs(z[(m-1)*m+i]) > tol*scale {
				return false
			}
		}
		s := k.starts[len(k.starts)-1]
		if s == 0 && !k.invariant {
			converged = true
			return true
		}
		// The Krylov space has become invariant at least once, so copies
		// of eigenvalues may hide in its complement. The current block is
		// the Krylov space of a random vector orthogonal to the earlier
		// blocks; stop only when its extreme Ritz values have converged
		// and, if it too is invariant, it added nothing to the wanted ends.
		bv, bz := tridiagEig(k.alpha[s:], k.beta[s:])
		b := m - s
		if top > 0 {
			if last*math.Abs(bz[(b-1)*b+b-1]) > tol*scale {
				return false
			}
			if k.invariant && bv[b-1] >= vals[m-top]-tol*scale {
				return false
			}
		}
		if bottom > 0 {
			if last*math.Abs(bz[(b-1)*b]) > tol*scale {
				return false
			}
			if k.invariant && bv[0] <= vals[bottom-1]+tol*scale {
				return false
			}
		}
		converged = true
		return true
	})
	m := len(kr.alpha)
	if vals == nil || len(vals) != m {
		vals, z = tridiagEig(kr.alpha, kr.beta)
	}
	idxTop := make([]int, top)
	for i := range idxTop {
		idxTop[i] = m - 1 - i
	}
	idxBottom := make([]int, bottom)
	for i := range idxBottom {
		idxBottom[i] = i
	}
	return LanczosResult{
		Top:       kr.ritz(vals, z, idxTop),
		Bottom:    kr.ritz(vals, z, idxBottom),
		Steps:     m,
		Converged: converged,
	}
}

// krylov is the state of a Lanczos run: the orthonormal basis q and the
// tridiagonal matrix with diagonal alpha and off-diagonal beta, where
// beta[j] couples q[j] and q[j+1] (the last beta is the norm of the
// residual that would start the next vector).
type krylov struct {
	n     int
	q     [][]float64
	alpha []float64
	beta  []float64
	// starts holds the index at which each block begins: 0, and every
	// restart after the space became invariant.
	starts []int
	// invariant reports whether the last step found an invariant
	// subspace (β ≈ 0).
	invariant bool
}

// runLanczos runs Lanczos with full reorthogonalization from q0 for up to
// maxSteps steps, calling done after each step. When the Krylov space
// becomes invariant, it restarts from a random vector orthogonal to the
// basis if rng is non-nil (the coupling β is then zero), and stops
// otherwise.
func runLanczos(op Operator, q0 []float64, maxSteps int, rng *rand.Rand, done func(*krylov) bool) *krylov {
	n := op.N
	k := &krylov{n: n, starts: []int{0}}
	q := append([]float64(nil), q0...)
	if nrm := floats.Norm(q, 2); nrm > 0 {
		floats.Scale(1/nrm, q)
	} else {
		panic(fmt.Errorf("curvature: Lanczos: zero starting vector of length %d", n))
	}
	scale := 0.0
	for len(k.alpha) < maxSteps {
		j := len(k.alpha)
		k.q = append(k.q, q)
		w := make([]float64, n)
		interrupt.Check()
		op.Apply(q, w)
		a := floats.Dot(q, w)
		floats.AddScaled(w, -a, q)
		if j > 0 {
			floats.AddScaled(w, -k.beta[j-1], k.q[j-1])
		}
		k.orthogonalize(w)
		b := floats.Norm(w, 2)
		k.alpha = append(k.alpha, a)
		k.beta = append(k.beta, b)
		scale = math.Max(scale, math.Max(math.Abs(a), b))
		k.invariant = b <= 1e-12*scale
		if done(k) || len(k.alpha) == n {
			break
		}
		if !k.invariant {
			floats.Scale(1/b, w)
			q = w
			continue
		}
		// Invariant subspace: the run so far is exact on it.
		if rng == nil {
			break
		}
		for i := range w {
			w[i] = rng.NormFloat64()
		}
		k.orthogonalize(w)
		nrm := floats.Norm(w, 2)
		if nrm < 1e-8 {
			break
		}
		floats.Scale(1/nrm, w)
		k.beta[j] = 0
		k.starts = append(k.starts, j+1)
		q = w
	}
	return k
}

// orthogonalize removes from w its components along the basis, twice
// (classical Gram–Schmidt twice is enough for orthogonality to working
// precision).
func (k *krylov) orthogonalize(w []float64) {
	for range 2 {
		for _, qi := range k.q {
			floats.AddScaled(w, -floats.Dot(qi, w), qi)
		}
	}
}

// ritz returns the Ritz pairs of the tridiagonal eigenpairs (vals, z) at
// the given indices.
func (k *krylov) ritz(vals, z []float64, idx []int) Eigenpairs {
	m := len(k.alpha)
	e := Eigenpairs{Values: make([]float64, len(idx)), Residuals: make([]float64, len(idx))}
	if len(idx) == 0 {
		return e
	}
	e.Vectors = mat.NewDense(k.n, len(idx), nil)
	y := make([]float64, k.n)
	for c, i := range idx {
		e.Values[c] = vals[i]
		e.Residuals[c] = k.beta[m-1] * math.Abs(z[(m-1)*m+i])
		clear(y)
		for j := 0; j < m; j++ {
			floats.AddScaled(y, z[j*m+i], k.q[j])
		}
		floats.Scale(1/floats.Norm(y, 2), y)
		e.Vectors.SetCol(c, y)
	}
	return e
}

// tridiagEig returns the eigenvalues (ascending) and eigenvectors of the
// symmetric tridiagonal matrix with diagonal alpha and off-diagonal
// beta[:m-1]. Eigenvector i is column i of the row-major m×m z.
func tridiagEig(alpha, beta []float64) (vals, z []float64) {
	m := len(alpha)
	vals = append([]float64(nil), alpha...)
	e := make([]float64, max(m-1, 0))
	copy(e, beta)
	z = make([]float64, m*m)
	work := make([]float64, max(1, 2*m-2))
	if !(gonum.Implementation{}).Dsteqr(lapack.EVTridiag, m, vals, e, z, m, work) {
		panic(fmt.Errorf("curvature: Lanczos: tridiagonal eigensolver did not converge for a %d×%d matrix", m, m))
	}
	return vals, z
}
