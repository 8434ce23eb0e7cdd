package problems

import (
	"fmt"

	"github.com/descentlab/descent/optimlib/tensor"
	"gonum.org/v1/gonum/mat"
)

// Differentiable is a problem that is also written in tensor operations:
// Tensor returns f(w) as a 0-dimensional tensor recorded for automatic
// differentiation, so Backward, tensor.Grad and tensor.Hessian work on it
// (and check the hand-written derivatives).
type Differentiable interface {
	Problem
	Tensor(w *tensor.Tensor) *tensor.Tensor
}

func checkTensor(op string, p Problem, w *tensor.Tensor) {
	if w.Numel() != p.Dim() {
		panic(fmt.Errorf("problems: %s: tensor of shape %v for a problem in %d variables", op, w.Shape(), p.Dim()))
	}
}

func column(w *tensor.Tensor) *tensor.Tensor { return tensor.Reshape(w, w.Numel(), 1) }

// Tensor returns ½ wᵀAw − bᵀw.
func (q *Quadratic) Tensor(w *tensor.Tensor) *tensor.Tensor {
	checkTensor("Quadratic.Tensor", q, w)
	n := q.Dim()
	a := tensor.FromDense(mat.DenseCopyOf(q.A))
	wc := column(w)
	quad := tensor.MulScalar(tensor.Sum(tensor.Mul(wc, tensor.MatMul(a, wc))), 0.5)
	return tensor.Sub(quad, tensor.Dot(tensor.New(append([]float64(nil), q.B...), n, 1), wc))
}

// Tensor returns Σ 100 (w_{i+1} − w_i²)² + (1 − w_i)².
func (r Rosenbrock) Tensor(w *tensor.Tensor) *tensor.Tensor {
	checkTensor("Rosenbrock.Tensor", r, w)
	flat := tensor.Reshape(w, w.Numel())
	n := w.Numel()
	x, y := tensor.Narrow(flat, 0, 0, n-1), tensor.Narrow(flat, 0, 1, n-1)
	a := tensor.Sum(tensor.Square(tensor.AddScalar(tensor.Neg(x), 1)))
	b := tensor.Sum(tensor.Square(tensor.Sub(y, tensor.Square(x))))
	return tensor.Add(a, tensor.MulScalar(b, 100))
}

// Tensor returns the mean logistic loss plus (λ/2)‖w‖², with a softplus
// that does not overflow: log(1 + eᶻ) = max(z, 0) + log(1 + e^−|z|).
func (l *Logistic) Tensor(w *tensor.Tensor) *tensor.Tensor {
	checkTensor("Logistic.Tensor", l, w)
	r, _ := l.X.Dims()
	z := tensor.MatMul(l.dataTensor(), column(w))
	sp := tensor.Add(tensor.ReLU(z), tensor.Log(tensor.AddScalar(tensor.Exp(tensor.Neg(tensor.Abs(z))), 1)))
	y := tensor.New(append([]float64(nil), l.Y...), r, 1)
	data := tensor.Mean(tensor.Sub(sp, tensor.Mul(y, z)))
	return tensor.Add(data, tensor.MulScalar(tensor.Sum(tensor.Square(w)), 0.5*l.Lambda))
}

// Tensor returns (1 − w1 w2)².
func (o OneOneOne) Tensor(w *tensor.Tensor) *tensor.Tensor {
	checkTensor("OneOneOne.Tensor", o, w)
	flat := tensor.Reshape(w, 2)
	prod := tensor.Mul(tensor.Narrow(flat, 0, 0, 1), tensor.Narrow(flat, 0, 1, 1))
	return tensor.Sum(tensor.Square(tensor.AddScalar(tensor.Neg(prod), 1)))
}

// dataTensor returns X as a tensor that shares X's storage when X is
// contiguous (no copy per evaluation; nothing writes to it), and a copy
// otherwise.
func (l *Logistic) dataTensor() *tensor.Tensor {
	r, c := l.X.Dims()
	raw := l.X.RawMatrix()
	if raw.Stride == c {
		return tensor.New(raw.Data[:r*c], r, c)
	}
	return tensor.FromDense(mat.DenseCopyOf(l.X))
}
