package tensor

import (
	"fmt"
	"math"
	"math/rand"
)

// Equal reports whether a and b have the same shape and every pair of
// elements differs by at most tol (absolutely). NaN equals nothing.
func Equal(a, b *Tensor, tol float64) bool {
	checkDense("Equal", a, b)
	if !sameShape(a.shape, b.shape) {
		return false
	}
	for i, v := range a.data {
		if !(math.Abs(v-b.data[i]) <= tol) {
			if v == b.data[i] { // equal infinities
				continue
			}
			return false
		}
	}
	return true
}

// vjp returns the gradients of Σ out⊙w with respect to inputs (zeros for
// inputs out does not depend on), recording a graph when createGraph.
func vjp(out, w *Tensor, inputs []*Tensor, createGraph bool) []*Tensor {
	res := make([]*Tensor, len(inputs))
	var grads *gradSet
	if out.requiresGrad {
		grads = propagate(out, w, createGraph, inputs)
	}
	for i, in := range inputs {
		if g, ok := grads.get(in); ok {
			res[i] = g
		} else {
			res[i] = Zeros(in.shape...)
		}
	}
	return res
}

// withGrad runs f with every input marked as requiring gradients and
// restores the marks afterwards.
func withGrad(inputs []*Tensor, f func()) {
	was := make([]bool, len(inputs))
	for i, in := range inputs {
		was[i] = in.requiresGrad
		if in.fn == nil {
			in.requiresGrad = true
		}
	}
	defer func() {
		for i, in := range inputs {
			if in.fn == nil {
				in.requiresGrad = was[i]
			}
		}
	}()
	f()
}

// GradCheck compares the derivatives of f computed by backpropagation with
// central finite differences of step eps, for every element of every input
// and every element of the output (the full Jacobian). An entry passes when
// |analytic − numeric| ≤ tol·max(1, |numeric|). Inputs are marked as
// requiring gradients for the check and perturbed in place, then restored.
// The error names the first failing input and element.
func GradCheck(f func(inputs []*Tensor) *Tensor, inputs []*Tensor, eps, tol float64) error {
	// The whole check runs with the inputs requiring gradients, so that f may
	// itself differentiate (GradGradCheck checks a gradient this way).
	var err error
	withGrad(inputs, func() { err = gradCheck(f, inputs, eps, tol) })
	return err
}

func gradCheck(f func(inputs []*Tensor) *Tensor, inputs []*Tensor, eps, tol float64) error {
	out := f(inputs)
	jac := make([][]*Tensor, len(out.data)) // jac[k][i]: gradient of output element k w.r.t. input i
	for k := range out.data {
		w := Zeros(out.shape...)
		w.data[k] = 1
		jac[k] = vjp(out, w, inputs, false)
	}
	for i, in := range inputs {
		for j := range in.data {
			orig := in.data[j]
			in.data[j] = orig + eps
			plus := f(inputs)
			in.data[j] = orig - eps
			minus := f(inputs)
			in.data[j] = orig
			for k := range out.data {
				num := (plus.data[k] - minus.data[k]) / (2 * eps)
				ana := jac[k][i].data[j]
				if !(math.Abs(ana-num) <= tol*math.Max(1, math.Abs(num))) {
					return fmt.Errorf("tensor: GradCheck: input %d (shape %v) element %d, output element %d: backprop %g, finite differences %g",
						i, in.shape, j, k, ana, num)
				}
			}
		}
	}
	return nil
}

// GradGradCheck checks second derivatives of f: it applies GradCheck to the
// map from the inputs to the gradient of Σ f(inputs)⊙w, with w a fixed
// pseudo-random weighting of f's output, differentiated through the graph
// that Grad records with createGraph.
func GradGradCheck(f func(inputs []*Tensor) *Tensor, inputs []*Tensor, eps, tol float64) error {
	var w *Tensor
	withGrad(inputs, func() {
		w = Uniform(rand.New(rand.NewSource(1)), 0.5, 1.5, f(inputs).shape...)
	})
	for i := range inputs {
		err := GradCheck(func(in []*Tensor) *Tensor {
			return vjp(f(in), w, in, true)[i]
		}, inputs, eps, tol)
		if err != nil {
			return fmt.Errorf("tensor: GradGradCheck: gradient of input %d: %w", i, err)
		}
	}
	return nil
}

// Jacobian returns the m×n matrix of derivatives of f at x, with m the
// number of elements of f(x) and n that of x, both flattened in row-major
// order: J[i][j] = ∂f(x)ᵢ/∂xⱼ. x itself is not modified.
func Jacobian(f func(x *Tensor) *Tensor, x *Tensor) *Tensor {
	xv := x.Detach().SetRequiresGrad(true)
	out := f(xv)
	n := len(x.data)
	jac := Zeros(len(out.data), n)
	for i := range out.data {
		w := Zeros(out.shape...)
		w.data[i] = 1
		copy(jac.data[i*n:(i+1)*n], vjp(out, w, []*Tensor{xv}, false)[0].data)
	}
	return jac
}

// Hessian returns the n×n matrix of second derivatives of the scalar f at
// x, n the number of elements of x flattened in row-major order:
// H[i][j] = ∂²f/∂xᵢ∂xⱼ. It differentiates the gradient, recorded with
// createGraph, once per element, so it is exact. x itself is not modified.
func Hessian(f func(x *Tensor) *Tensor, x *Tensor) *Tensor {
	xv := x.Detach().SetRequiresGrad(true)
	y := f(xv)
	if len(y.data) != 1 {
		panic(fmt.Errorf("tensor: Hessian: function output of shape %v is not a scalar", y.shape))
	}
	n := len(x.data)
	g := vjp(y, nil, []*Tensor{xv}, true)[0]
	h := Zeros(n, n)
	for i := 0; i < n; i++ {
		w := Zeros(g.shape...)
		w.data[i] = 1
		copy(h.data[i*n:(i+1)*n], vjp(g, w, []*Tensor{xv}, false)[0].data)
	}
	return h
}
