// Package tensor provides float64 n-dimensional arrays with define-by-run
// reverse-mode automatic differentiation, in the way PyTorch users know it.
//
// A Tensor is a contiguous row-major array. Operations on tensors that
// require gradients record how to differentiate themselves; Backward then
// fills the Grad of every leaf that requires it. Every operation's
// derivative is itself written in tensor operations, so derivatives of
// derivatives are exact: pass createGraph to Grad to differentiate again
// (Hessian-vector products, full Hessians, Jacobians).
//
// Matrix products (MatMul, Conv2d) go through gonum's blas64. The default
// build installs a Dgemm of its own there on amd64 CPUs with AVX2 and FMA:
// a packed, blocked product around a register kernel in Go assembly, with
// gonum's pure Go code for everything else. Build with -tags openblas
// (cgo, libopenblas) to route products to OpenBLAS instead, or with
// -tags purego to use gonum alone. BLAS names the one in use.
//
// Calls that a user makes with bad input (mismatched shapes, an axis out of
// range) panic with an error that names the operation and the shapes; a
// notebook shows it as the cell's error and the session goes on.
package tensor

import (
	"fmt"
	"sync/atomic"
)

// Tensor is a float64 n-dimensional array that may take part in automatic
// differentiation. The zero value is not usable; build tensors with New,
// Zeros and the other constructors.
type Tensor struct {
	data         []float64
	shape        []int
	requiresGrad bool
	grad         *Tensor
	fn           *node
}

// node records the operation that produced a non-leaf tensor: its inputs
// and the function mapping the gradient of the output to the gradients of
// the inputs (nil entries for inputs that need none).
type node struct {
	op       string
	inputs   []*Tensor
	backward func(g *Tensor) []*Tensor
}

// New returns a tensor holding data with the given shape. The data slice is
// used directly, not copied. With no shape, the tensor is 1-D.
func New(data []float64, shape ...int) *Tensor {
	if len(shape) == 0 {
		shape = []int{len(data)}
	}
	n := numel(shape, "New")
	if n != len(data) {
		panic(fmt.Errorf("tensor: New: %d values do not fill shape %v (%d elements)", len(data), shape, n))
	}
	return &Tensor{data: data, shape: append([]int(nil), shape...)}
}

// Zeros returns a tensor of zeros with the given shape.
func Zeros(shape ...int) *Tensor {
	return &Tensor{data: make([]float64, numel(shape, "Zeros")), shape: append([]int(nil), shape...)}
}

// Scalar returns a 0-dimensional tensor holding v.
func Scalar(v float64) *Tensor { return &Tensor{data: []float64{v}, shape: []int{}} }

func numel(shape []int, op string) int {
	n := 1
	for _, d := range shape {
		if d < 0 {
			panic(fmt.Errorf("tensor: %s: negative dimension in shape %v", op, shape))
		}
		n *= d
	}
	return n
}

// Data returns the tensor's values in row-major order. The slice is the
// tensor's storage: writing to it changes the tensor (optimizers update
// parameters this way).
func (t *Tensor) Data() []float64 { return t.data }

// Shape returns a copy of the tensor's shape.
func (t *Tensor) Shape() []int { return append([]int(nil), t.shape...) }

// Dim returns the number of dimensions.
func (t *Tensor) Dim() int { return len(t.shape) }

// Size returns the length of dimension i; negative i counts from the end.
func (t *Tensor) Size(i int) int { return t.shape[t.axis(i, "Size")] }

// Numel returns the number of elements.
func (t *Tensor) Numel() int { return len(t.data) }

// Item returns the value of a one-element tensor.
func (t *Tensor) Item() float64 {
	if len(t.data) != 1 {
		panic(fmt.Errorf("tensor: Item: tensor of shape %v has %d elements, want 1", t.shape, len(t.data)))
	}
	return t.data[0]
}

// axis resolves a possibly negative axis against t's dimensions.
func (t *Tensor) axis(i int, op string) int {
	n := len(t.shape)
	if i < 0 {
		i += n
	}
	if i < 0 || i >= n {
		panic(fmt.Errorf("tensor: %s: axis out of range for shape %v", op, t.shape))
	}
	return i
}

// RequiresGrad reports whether gradients flow to or through t.
func (t *Tensor) RequiresGrad() bool { return t.requiresGrad }

// SetRequiresGrad marks a leaf tensor as a parameter whose gradient
// Backward computes, and returns t.
func (t *Tensor) SetRequiresGrad(v bool) *Tensor {
	if t.fn != nil && !v {
		panic(fmt.Errorf("tensor: SetRequiresGrad: %s result is not a leaf; use Detach", t.fn.op))
	}
	t.requiresGrad = v
	return t
}

// IsLeaf reports whether t was created by the user rather than computed
// from tensors that require gradients.
func (t *Tensor) IsLeaf() bool { return t.fn == nil }

// Grad returns the gradient accumulated by Backward, or nil.
func (t *Tensor) Grad() *Tensor { return t.grad }

// SetGrad replaces the accumulated gradient; g must have t's shape, or be nil.
func (t *Tensor) SetGrad(g *Tensor) {
	if g != nil && !sameShape(g.shape, t.shape) {
		panic(fmt.Errorf("tensor: SetGrad: gradient shape %v does not match tensor shape %v", g.shape, t.shape))
	}
	t.grad = g
}

// ZeroGrad drops the accumulated gradient, as PyTorch's
// zero_grad(set_to_none=True) does.
func (t *Tensor) ZeroGrad() { t.grad = nil }

// Detach returns a tensor sharing t's data that is cut from the graph.
func (t *Tensor) Detach() *Tensor { return &Tensor{data: t.data, shape: t.shape} }

// Clone returns a copy of t's values, cut from the graph.
func (t *Tensor) Clone() *Tensor {
	return &Tensor{data: append([]float64(nil), t.data...), shape: append([]int(nil), t.shape...)}
}

func sameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

var gradOff atomic.Int32

// GradEnabled reports whether operations currently record the graph.
func GradEnabled() bool { return gradOff.Load() == 0 }

// NoGrad runs f without recording operations, as torch.no_grad() does:
// results of f's operations do not require gradients. The switch is
// process-wide, so concurrent training in other goroutines is affected too.
func NoGrad(f func()) {
	gradOff.Add(1)
	defer gradOff.Add(-1)
	f()
}

// record attaches backward to out when grad mode is on and any input
// requires gradients, and returns out.
func record(out *Tensor, op string, backward func(g *Tensor) []*Tensor, inputs ...*Tensor) *Tensor {
	if !GradEnabled() {
		return out
	}
	for _, in := range inputs {
		if in != nil && in.requiresGrad {
			out.requiresGrad = true
			out.fn = &node{op: op, inputs: inputs, backward: backward}
			return out
		}
	}
	return out
}

// Backward computes the gradient of the scalar t with respect to every leaf
// that requires gradients and adds it to the leaf's Grad.
func (t *Tensor) Backward() { t.BackwardWith(nil, false) }

// BackwardWith is Backward with an explicit output gradient (nil means ones
// for a one-element t) and, when createGraph is set, a recorded graph for
// the gradients so that they can be differentiated again.
func (t *Tensor) BackwardWith(grad *Tensor, createGraph bool) {
	if !t.requiresGrad {
		panic(fmt.Errorf("tensor: Backward: tensor of shape %v does not require grad", t.shape))
	}
	grads := propagate(t, grad, createGraph, nil)
	// Backward functions may hand one tensor to several inputs (Add gives g
	// to both); a leaf's Grad must own its storage, since optimizers and
	// users write to it.
	owned := map[*float64]bool{}
	if grad != nil && len(grad.data) > 0 {
		owned[&grad.data[0]] = true
	}
	for leaf, g := range grads {
		if leaf.fn != nil || !leaf.requiresGrad {
			continue
		}
		if !createGraph {
			if len(g.data) > 0 && owned[&g.data[0]] {
				g = g.Clone()
			} else {
				g = g.Detach()
			}
			if len(g.data) > 0 {
				owned[&g.data[0]] = true
			}
		}
		if leaf.grad == nil {
			leaf.grad = g
		} else if createGraph {
			leaf.grad = Add(leaf.grad, g)
		} else {
			acc := leaf.grad.Clone()
			for i, v := range g.data {
				acc.data[i] += v
			}
			leaf.grad = acc
		}
	}
}

// Grad returns the gradients of output with respect to inputs, as
// torch.autograd.grad does, without touching any tensor's Grad. An input
// that output does not depend on gets a zero gradient. With createGraph the
// results are themselves differentiable.
func Grad(output *Tensor, inputs []*Tensor, createGraph bool) []*Tensor {
	res := make([]*Tensor, len(inputs))
	if !output.requiresGrad {
		for i, in := range inputs {
			res[i] = Zeros(in.shape...)
		}
		return res
	}
	grads := propagate(output, nil, createGraph, inputs)
	owned := map[*float64]bool{}
	for i, in := range inputs {
		g, ok := grads[in]
		switch {
		case !ok:
			g = Zeros(in.shape...)
		case !createGraph && len(g.data) > 0 && owned[&g.data[0]]:
			// Another result already holds this storage (Add hands one
			// gradient to both operands); each result owns its own.
			g = g.Clone()
		}
		if len(g.data) > 0 {
			owned[&g.data[0]] = true
		}
		res[i] = g
	}
	return res
}

// propagate runs reverse-mode differentiation from out and returns the
// gradient of every tensor reached. When stop is non-empty, propagation
// does not pass through those tensors (they are treated as leaves).
func propagate(out, grad *Tensor, createGraph bool, stop []*Tensor) map[*Tensor]*Tensor {
	if grad == nil {
		if len(out.data) != 1 {
			panic(fmt.Errorf("tensor: Backward: output of shape %v is not a scalar; pass its gradient", out.shape))
		}
		grad = &Tensor{data: []float64{1}, shape: append([]int(nil), out.shape...)}
	} else if !sameShape(grad.shape, out.shape) {
		panic(fmt.Errorf("tensor: Backward: gradient shape %v does not match output shape %v", grad.shape, out.shape))
	}
	isStop := map[*Tensor]bool{}
	for _, s := range stop {
		isStop[s] = true
	}
	// Topological order by depth-first search, iterative to survive deep graphs.
	var order []*Tensor
	seen := map[*Tensor]bool{out: true}
	type frame struct {
		t    *Tensor
		next int
	}
	stack := []frame{{t: out}}
	for len(stack) > 0 {
		top := &stack[len(stack)-1]
		if top.t.fn == nil || isStop[top.t] || top.next >= len(top.t.fn.inputs) {
			order = append(order, top.t)
			stack = stack[:len(stack)-1]
			continue
		}
		in := top.t.fn.inputs[top.next]
		top.next++
		if in != nil && in.requiresGrad && !seen[in] {
			seen[in] = true
			stack = append(stack, frame{t: in})
		}
	}
	grads := map[*Tensor]*Tensor{out: grad}
	run := func() {
		for i := len(order) - 1; i >= 0; i-- {
			t := order[i]
			g := grads[t]
			if g == nil || t.fn == nil || isStop[t] {
				continue
			}
			ins := t.fn.backward(g)
			for j, in := range t.fn.inputs {
				if in == nil || !in.requiresGrad || ins[j] == nil {
					continue
				}
				if prev, ok := grads[in]; ok {
					grads[in] = Add(prev, ins[j])
				} else {
					grads[in] = ins[j]
				}
			}
		}
	}
	if createGraph {
		run()
	} else {
		NoGrad(run)
	}
	return grads
}
