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
// Matrix products (MatMul, Conv2d) go through gonum's blas64. At start-up
// the package loads OpenBLAS (libopenblas.so.0) at run time when it is
// installed and cgo is available, and routes products, matrix-vector
// products and vector kernels to it. Otherwise, on amd64 CPUs with AVX2 and
// FMA, it installs a Dgemm of its own: a packed, blocked product around a
// register kernel in Go assembly, with gonum's pure Go code for everything
// else. The environment variable DESCENT_BLAS (BLASEnv) forces a choice;
// build with -tags purego to use gonum alone, without cgo. BLAS names the
// one in use.
//
// Gradients may be row-sparse, as PyTorch's sparse gradients of
// nn.Embedding(sparse=True): Embedding with sparse set gives its weight a
// gradient that stores only the rows a batch used (NewSparse, IsSparse,
// SparseRows, SparseValues, Coalesce, Densify). Operations take dense
// tensors only.
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
	// sparse is set for a row-sparse tensor (see NewSparse); data is then
	// nil, so that no operation can mistake the stored rows for the dense
	// storage.
	sparse *rowSparse
	// gradFromBackward records that grad was made by Backward (not set by
	// SetGrad), so that its storage is the tensor's own to reuse; spare is
	// that storage after ZeroGrad dropped the gradient, for the next
	// Backward to write into (see takeSpare).
	gradFromBackward bool
	spare            []float64
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
// parameters this way). A row-sparse tensor has no dense storage: Data
// panics on it (use SparseRows and SparseValues, or Densify).
func (t *Tensor) Data() []float64 {
	if t.sparse != nil {
		checkDense("Data", t)
	}
	return t.data
}

// Shape returns a copy of the tensor's shape.
func (t *Tensor) Shape() []int { return append([]int(nil), t.shape...) }

// Dim returns the number of dimensions.
func (t *Tensor) Dim() int { return len(t.shape) }

// Size returns the length of dimension i; negative i counts from the end.
func (t *Tensor) Size(i int) int { return t.shape[t.axisIndex(i, "Size")] }

// Numel returns the number of elements (of the full shape, for a
// row-sparse tensor).
func (t *Tensor) Numel() int {
	if t.sparse != nil {
		return numel(t.shape, "Numel")
	}
	return len(t.data)
}

// Item returns the value of a one-element tensor.
func (t *Tensor) Item() float64 {
	checkDense("Item", t)
	if len(t.data) != 1 {
		panic(fmt.Errorf("tensor: Item: tensor of shape %v has %d elements, want 1", t.shape, len(t.data)))
	}
	return t.data[0]
}

// axis resolves a possibly negative axis against t's dimensions for the
// operation op, which takes dense tensors only: the operations along an
// axis refuse a row-sparse t here, before reading its storage.
func (t *Tensor) axis(i int, op string) int {
	if t.sparse != nil {
		checkDense(op, t)
	}
	return t.axisIndex(i, op)
}

// axisIndex resolves a possibly negative axis against t's dimensions.
func (t *Tensor) axisIndex(i int, op string) int {
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
	if v {
		checkDense("SetRequiresGrad", t)
	}
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

// SetGrad replaces the accumulated gradient; g must have t's shape, or be
// nil. g may be row-sparse.
func (t *Tensor) SetGrad(g *Tensor) {
	if g != nil && !sameShape(g.shape, t.shape) {
		panic(fmt.Errorf("tensor: SetGrad: gradient shape %v does not match tensor shape %v", g.shape, t.shape))
	}
	t.grad = g
	t.gradFromBackward = false
}

// ZeroGrad drops the accumulated gradient: Grad returns nil until the next
// Backward, as after PyTorch's zero_grad(set_to_none=True). The storage of
// a gradient that Backward made is kept and may receive the next Backward's
// gradient, as PyTorch 1.13's default zero_grad() zeroes the gradient in
// place and accumulates into it: a gradient kept across ZeroGrad and
// Backward must be cloned (Clone) first.
func (t *Tensor) ZeroGrad() {
	if g := t.grad; g != nil && t.gradFromBackward && g.sparse == nil && len(g.data) == len(t.data) {
		t.spare = g.data
	}
	t.grad = nil
	t.gradFromBackward = false
}

// backwardInto is set while Backward (not Grad) propagates without
// recording a graph: the gradients that reach a leaf then become its Grad,
// so an operation may compute a leaf's gradient straight into the leaf's
// spare storage.
var backwardInto atomic.Bool

// takeSpare returns storage for the gradient of the leaf t that the
// running Backward is about to compute, when t has spare storage from a
// gradient that ZeroGrad dropped, and nil otherwise (the caller allocates).
// The storage is handed out once; its values are stale, so the caller must
// overwrite every element.
func takeSpare(t *Tensor) []float64 {
	if t == nil || t.fn != nil || !t.requiresGrad || t.grad != nil || t.spare == nil ||
		!backwardInto.Load() || GradEnabled() {
		return nil
	}
	s := t.spare
	t.spare = nil
	return s
}

// Detach returns a tensor sharing t's data that is cut from the graph.
func (t *Tensor) Detach() *Tensor {
	if t.sparse != nil {
		return &Tensor{shape: t.shape, sparse: &rowSparse{rows: t.sparse.rows, values: t.sparse.values.Detach()}}
	}
	return &Tensor{data: t.data, shape: t.shape}
}

// Clone returns a copy of t's values, cut from the graph. The copy of a
// row-sparse tensor is row-sparse.
func (t *Tensor) Clone() *Tensor {
	if t.sparse != nil {
		return &Tensor{shape: append([]int(nil), t.shape...),
			sparse: &rowSparse{rows: append([]int(nil), t.sparse.rows...), values: t.sparse.values.Clone()}}
	}
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
// requires gradients, and returns out. Every operation passes its inputs
// here, so it is also where a row-sparse input to an operation that does
// not take one is refused, whether or not gradients are recorded.
func record(out *Tensor, op string, backward func(g *Tensor) []*Tensor, inputs ...*Tensor) *Tensor {
	checkDense(op, inputs...)
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
//
// A leaf reached only through sparse Embeddings gets a row-sparse Grad
// (without createGraph). Accumulation follows PyTorch: a row-sparse
// gradient added to a row-sparse Grad concatenates their rows; added to a
// dense one, or a dense one added to it, it gives the dense sum.
func (t *Tensor) BackwardWith(grad *Tensor, createGraph bool) {
	if !t.requiresGrad {
		panic(fmt.Errorf("tensor: Backward: tensor of shape %v does not require grad", t.shape))
	}
	if !createGraph {
		backwardInto.Store(true)
	}
	grads := func() *gradSet {
		defer backwardInto.Store(false)
		return propagateSparse(t, grad, createGraph, nil)
	}()
	// Backward functions may hand one tensor to several inputs (Add gives g
	// to both); a leaf's Grad must own its storage, since optimizers and
	// users write to it.
	var owned storageSet
	owned.add(storage(grad))
	for i, leaf := range grads.index.list {
		g := grads.grads[i]
		if g == nil || leaf.fn != nil || !leaf.requiresGrad {
			continue
		}
		if !createGraph {
			if owned.has(storage(g)) {
				g = g.Clone()
			} else {
				g = g.Detach()
			}
			owned.add(storage(g))
		}
		switch {
		case leaf.grad == nil:
			leaf.grad = g
			leaf.gradFromBackward = !createGraph
		case createGraph:
			// A recorded sum: its storage belongs to the graph.
			leaf.grad = addGrads(leaf.grad, g)
			leaf.gradFromBackward = false
		default:
			// A sparse gradient onto a sparse one stays sparse (the rows are
			// concatenated, duplicates kept); any other mix is dense.
			if leaf.grad.sparse != nil || g.sparse != nil {
				NoGrad(func() { leaf.grad = addGrads(leaf.grad, g) })
				leaf.gradFromBackward = false
				continue
			}
			acc := leaf.grad.Clone()
			for i, v := range g.data {
				acc.data[i] += v
			}
			leaf.grad = acc
			leaf.gradFromBackward = true
		}
	}
}

// storage returns the address of t's first stored value (of its values,
// for a row-sparse tensor), or nil when t stores none.
func storage(t *Tensor) *float64 {
	if t == nil {
		return nil
	}
	if t.sparse != nil {
		t = t.sparse.values
	}
	if len(t.data) == 0 {
		return nil
	}
	return &t.data[0]
}

// Grad returns the gradients of output with respect to inputs, as
// torch.autograd.grad does, without touching any tensor's Grad. An input
// that output does not depend on gets a zero gradient. With createGraph the
// results are themselves differentiable; without, the gradient of an input
// reached only through sparse Embeddings is row-sparse, as in PyTorch.
func Grad(output *Tensor, inputs []*Tensor, createGraph bool) []*Tensor {
	res := make([]*Tensor, len(inputs))
	if !output.requiresGrad {
		for i, in := range inputs {
			res[i] = Zeros(in.shape...)
		}
		return res
	}
	grads := propagateSparse(output, nil, createGraph, inputs)
	var owned storageSet
	for i, in := range inputs {
		g, ok := grads.get(in)
		switch {
		case !ok:
			g = Zeros(in.shape...)
		case !createGraph && owned.has(storage(g)):
			// Another result already holds this storage (Add hands one
			// gradient to both operands); each result owns its own.
			g = g.Clone()
		}
		owned.add(storage(g))
		res[i] = g
	}
	return res
}

// propagate runs reverse-mode differentiation from out and returns the
// gradient of every tensor reached, dense. When stop is non-empty,
// propagation does not pass through those tensors (they are treated as
// leaves).
func propagate(out, grad *Tensor, createGraph bool, stop []*Tensor) *gradSet {
	grads := propagateSparse(out, grad, createGraph, stop)
	for i, g := range grads.grads {
		if g != nil && g.sparse != nil {
			NoGrad(func() { grads.grads[i] = Densify(g) })
		}
	}
	return grads
}

// propagateSparse is propagate leaving the gradients of leaves and of the
// stop tensors row-sparse where an operation (a sparse Embedding) made
// them so, as Backward and Grad hand them to the user.
func propagateSparse(out, grad *Tensor, createGraph bool, stop []*Tensor) *gradSet {
	if grad == nil {
		if len(out.data) != 1 {
			panic(fmt.Errorf("tensor: Backward: output of shape %v is not a scalar; pass its gradient", out.shape))
		}
		grad = &Tensor{data: []float64{1}, shape: append([]int(nil), out.shape...)}
	} else if !sameShape(grad.shape, out.shape) {
		panic(fmt.Errorf("tensor: Backward: gradient shape %v does not match output shape %v", grad.shape, out.shape))
	}
	var isStop nodeIndex
	for _, s := range stop {
		if _, ok := isStop.id(s); !ok {
			isStop.add(s)
		}
	}
	stopped := func(t *Tensor) bool {
		if len(stop) == 0 {
			return false
		}
		_, ok := isStop.id(t)
		return ok
	}
	// Topological order by depth-first search, iterative to survive deep
	// graphs. Tensors are numbered as they are discovered; order lists the
	// numbers, each after those of its inputs.
	gs := &gradSet{}
	gs.index.add(out)
	var order []int32
	type frame struct {
		t    *Tensor
		id   int32
		next int
	}
	stack := []frame{{t: out}}
	for len(stack) > 0 {
		top := &stack[len(stack)-1]
		if top.t.fn == nil || stopped(top.t) || top.next >= len(top.t.fn.inputs) {
			order = append(order, top.id)
			stack = stack[:len(stack)-1]
			continue
		}
		in := top.t.fn.inputs[top.next]
		top.next++
		if in != nil && in.requiresGrad {
			if _, seen := gs.index.id(in); !seen {
				stack = append(stack, frame{t: in, id: int32(gs.index.add(in))})
			}
		}
	}
	gs.grads = make([]*Tensor, len(gs.index.list))
	gs.grads[0] = grad
	run := func() {
		for i := len(order) - 1; i >= 0; i-- {
			id := order[i]
			t, g := gs.index.list[id], gs.grads[id]
			if g == nil || t.fn == nil || stopped(t) {
				continue
			}
			// Row-sparse gradients end at leaves (and at the tensors Grad
			// asks for); an operation's backward takes the dense form.
			ins := t.fn.backward(Densify(g))
			for j, in := range t.fn.inputs {
				if in == nil || !in.requiresGrad || ins[j] == nil {
					continue
				}
				k, _ := gs.index.id(in)
				if prev := gs.grads[k]; prev != nil {
					gs.grads[k] = addGrads(prev, ins[j])
				} else {
					gs.grads[k] = ins[j]
				}
			}
		}
	}
	if createGraph {
		run()
	} else {
		NoGrad(run)
	}
	return gs
}

// gradSet holds the gradients that a backward pass reached: grads[i] is
// the gradient of index.list[i], nil when none arrived.
type gradSet struct {
	index nodeIndex
	grads []*Tensor
}

// get returns the gradient of t, if it was reached.
func (s *gradSet) get(t *Tensor) (*Tensor, bool) {
	if s == nil {
		return nil, false
	}
	i, ok := s.index.id(t)
	if !ok || s.grads[i] == nil {
		return nil, false
	}
	return s.grads[i], true
}

// smallGraph is the number of keys up to which a smallIndex searches a
// list instead of building a map: the graphs of the lecture's 2-D problems
// have a few dozen tensors, for which a map's allocation and hashing cost
// more than the search.
const smallGraph = 32

// smallIndex numbers keys in the order they are added.
type smallIndex[K comparable] struct {
	list []K
	m    map[K]int32 // built once list outgrows smallGraph
}

// id returns k's number, if k was added.
func (x *smallIndex[K]) id(k K) (int, bool) {
	if x.m != nil {
		i, ok := x.m[k]
		return int(i), ok
	}
	for i, u := range x.list {
		if u == k {
			return i, true
		}
	}
	return -1, false
}

// add numbers k, which must not have been added, and returns its number.
func (x *smallIndex[K]) add(k K) int {
	i := len(x.list)
	x.list = append(x.list, k)
	switch {
	case x.m != nil:
		x.m[k] = int32(i)
	case len(x.list) > smallGraph:
		x.m = make(map[K]int32, 4*len(x.list))
		for j, u := range x.list {
			x.m[u] = int32(j)
		}
	}
	return i
}

// nodeIndex numbers the tensors a backward pass reaches.
type nodeIndex = smallIndex[*Tensor]

// storageSet is a set of storage addresses (see storage).
type storageSet struct{ smallIndex[*float64] }

// has reports whether p is in the set; nil is never in it.
func (s *storageSet) has(p *float64) bool {
	_, ok := s.id(p)
	return p != nil && ok
}

// add puts p in the set; nil and addresses already in it are ignored.
func (s *storageSet) add(p *float64) {
	if p != nil && !s.has(p) {
		s.smallIndex.add(p)
	}
}
